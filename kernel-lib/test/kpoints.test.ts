import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kpointGrid, kppra, dkInterval, reciprocalCell, cellVolume } from '../src/core/kpoints.ts';

const cubic = (a: number) => [[a, 0, 0], [0, a, 0], [0, 0, a]];
const fccPrimitive = (a: number) => [[0, a / 2, a / 2], [a / 2, 0, a / 2], [a / 2, a / 2, 0]];
const hcp = (a: number, c: number) => [[a, 0, 0], [-a / 2, (a * Math.sqrt(3)) / 2, 0], [0, 0, c]];

test('paper worked check: Cu FCC conventional a = 3.63 Å, Δk = 0.18 → 10×10×10, KPPRA 4000', () => {
  const g = kpointGrid(cubic(3.63), 0.18);
  assert.deepEqual(g.mesh, [10, 10, 10]);
  assert.equal(g.nKpoints, 1000);
  assert.equal(kppra(cubic(3.63), 0.18, 4), 4000);
});

test('reciprocal vectors satisfy bᵢ·aⱼ = 2π δᵢⱼ (hand check on a triclinic cell)', () => {
  const a = [[3.1, 0.2, -0.1], [0.4, 2.9, 0.3], [-0.2, 0.5, 4.2]];
  const b = reciprocalCell(a);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      const dot = b[i][0] * a[j][0] + b[i][1] * a[j][1] + b[i][2] * a[j][2];
      assert.ok(Math.abs(dot - (i === j ? 2 * Math.PI : 0)) < 1e-12, `b${i}·a${j} = ${dot}`);
    }
  }
  assert.ok(Math.abs(cellVolume(cubic(2)) - 8) < 1e-12);
});

test('FCC primitive Al a = 4.04 Å: |b| = 2π√3/a = 2.6937 Å⁻¹ → 30, 23, 15, 12, 9, 8, 5, 3 divisions', () => {
  // hand calculation: ⌈2.69372/Δk⌉ for the paper's Δk list
  const expected: Record<string, number> = { 0.09: 30, 0.12: 23, 0.18: 15, 0.24: 12, 0.3: 9, 0.36: 8, 0.66: 5, 0.96: 3 };
  for (const [dk, n] of Object.entries(expected)) {
    assert.deepEqual(kpointGrid(fccPrimitive(4.04), Number(dk)).mesh, [n, n, n], `Δk = ${dk}`);
  }
});

test('HCP: b₁ = b₂ = 4π/(√3 a), b₃ = 2π/c', () => {
  const a = 3.19, c = 5.17, dk = 0.18;
  const n12 = Math.ceil((4 * Math.PI) / (Math.sqrt(3) * a) / dk);
  const n3 = Math.ceil((2 * Math.PI) / c / dk);
  assert.deepEqual(kpointGrid(hcp(a, c), dk).mesh, [n12, n12, n3]);
  assert.deepEqual([n12, n3], [13, 7]);
});

test('a value exactly on a boundary is not pushed up by rounding: |b|/Δk = 10 gives 10', () => {
  const a = 2 * Math.PI; // |b| = 1 Å⁻¹
  assert.deepEqual(kpointGrid(cubic(a), 0.1).mesh, [10, 10, 10]);
  assert.deepEqual(kpointGrid(cubic(a), 1).mesh, [1, 1, 1]);
  assert.deepEqual(kpointGrid(cubic(a), 5).mesh, [1, 1, 1]);
});

test('dkInterval is the half-open range that reproduces the mesh', () => {
  const cell = cubic(3.63);
  const b = (2 * Math.PI) / 3.63;
  const { min, max } = dkInterval(cell, [10, 10, 10]);
  assert.ok(Math.abs(min - b / 10) < 1e-14 && Math.abs(max - b / 9) < 1e-14);
  assert.deepEqual(kpointGrid(cell, min).mesh, [10, 10, 10]);
  assert.deepEqual(kpointGrid(cell, max * (1 - 1e-7)).mesh, [10, 10, 10]);
  assert.deepEqual(kpointGrid(cell, max).mesh, [9, 9, 9]);
  assert.deepEqual(kpointGrid(cell, min * (1 - 1e-7)).mesh, [11, 11, 11]);
  assert.equal(dkInterval(cell, [1, 1, 1]).max, Infinity);
  // HCP: the interval is the intersection over the three directions
  const h = hcp(3.19, 5.17);
  const iv = dkInterval(h, [13, 13, 7]);
  assert.ok(iv.min <= 0.18 && 0.18 < iv.max);
});

test('bad input: unreachable mesh, singular cell, non-positive Δk', () => {
  assert.throws(() => dkInterval(cubic(3.63), [10, 10, 3]), /no single Δk gives mesh 10×10×3/);
  assert.throws(() => kpointGrid([[1, 0, 0], [2, 0, 0], [0, 0, 1]], 0.2), /singular/);
  assert.throws(() => kpointGrid(cubic(3), 0), /positive/);
  assert.throws(() => kpointGrid(cubic(3), Number.NaN), /positive/);
  assert.throws(() => kpointGrid([[1, 0], [0, 1]], 0.2), /3 lattice vectors/);
  assert.throws(() => kppra(cubic(3), 0.2, 0), /positive integer/);
  assert.throws(() => dkInterval(cubic(3), [0, 1, 1]), /positive integers/);
});
