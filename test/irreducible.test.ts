/**
 * Irreducible k-points: deltak (moyo's rotations + orbit count) against spglib's
 * get_ir_reciprocal_mesh (PyPI, in .venv) on FCC, BCC, HCP, a strained and a perturbed cell,
 * and against the counts GPAW reported for the bundled single points.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crystalSymmetry } from '../kernel-lib/src/symmetry/moyo.ts';
import { readExtxyz } from '../kernel-lib/src/io/extxyz.ts';
import { irreducibleKpoints } from '../kernel-lib/src/core/irreducible.ts';
import { kpointGrid } from '../kernel-lib/src/core/kpoints.ts';

const ROOT = process.env.DELTAK_ROOT ?? fileURLToPath(new URL('..', import.meta.url));
const PY = join(ROOT, '.venv', 'bin', 'python');

interface Case { name: string; cell: number[][]; positions: number[][]; numbers: number[]; mesh: [number, number, number] }

const cart = (cell: number[][], f: number[][]): number[] => f.flatMap((x) => [0, 1, 2].map((j) => x[0] * cell[0][j] + x[1] * cell[1][j] + x[2] * cell[2][j]));

test('irreducible k-point counts equal spglib’s on FCC, BCC, HCP, strained and perturbed cells', () => {
  const fcc = [[0, 2.02, 2.02], [2.02, 0, 2.02], [2.02, 2.02, 0]];
  const bcc = [[-1.62, 1.62, 1.62], [1.62, -1.62, 1.62], [1.62, 1.62, -1.62]];
  const a = 3.2, c = 5.2;
  const hcp = [[a, 0, 0], [-a / 2, (a * Math.sqrt(3)) / 2, 0], [0, 0, c]];
  const strained = fcc.map((r) => [r[0] * 1.02, r[1], r[2] + 0.01 * r[0]]);
  const sup = fcc.map((r) => r.map((x) => 2 * x));
  const supPos = [0, 1].flatMap((i) => [0, 1].flatMap((j) => [0, 1].map((k) => [i / 2, j / 2, k / 2])));
  const perturbed = supPos.map((p, i) => (i === 3 ? [p[0] + 0.01, p[1], p[2] - 0.02] : p));
  const cases: Case[] = [];
  for (const dk of [0.12, 0.18, 0.3]) {
    cases.push({ name: `fcc ${dk}`, cell: fcc, positions: [[0, 0, 0]], numbers: [13], mesh: kpointGrid(fcc, dk).mesh });
    cases.push({ name: `bcc ${dk}`, cell: bcc, positions: [[0, 0, 0]], numbers: [13], mesh: kpointGrid(bcc, dk).mesh });
    cases.push({ name: `hcp ${dk}`, cell: hcp, positions: [[1 / 3, 2 / 3, 0.25], [2 / 3, 1 / 3, 0.75]], numbers: [12, 12], mesh: kpointGrid(hcp, dk).mesh });
    cases.push({ name: `strained ${dk}`, cell: strained, positions: [[0, 0, 0]], numbers: [13], mesh: kpointGrid(strained, dk).mesh });
    cases.push({ name: `perturbed 2x2x2 ${dk}`, cell: sup, positions: perturbed, numbers: supPos.map(() => 13), mesh: kpointGrid(sup, dk).mesh });
  }
  cases.push({ name: 'hcp odd mesh', cell: hcp, positions: [[1 / 3, 2 / 3, 0.25], [2 / 3, 1 / 3, 0.75]], numbers: [12, 12], mesh: [9, 9, 5] });
  const ref = JSON.parse(execFileSync(PY, [join(ROOT, 'test', 'spglib_irreducible.py')], { input: JSON.stringify(cases) }).toString()) as number[];
  cases.forEach((k, i) => {
    const s = crystalSymmetry({ cell: k.cell, positions: cart(k.cell, k.positions), numbers: k.numbers });
    // an integer count: exactly equal (no tolerance)
    assert.equal(irreducibleKpoints(k.mesh, s.rotations), ref[i], `${k.name} (${k.mesh.join('x')}, space group ${s.number})`);
  });
  assert.ok(new Set(ref).size > 5, 'the cases differ');
});

const RAW = join(ROOT, 'data', 'al-fcc', 'raw');
test('irreducible counts equal those GPAW used for the bundled single points', { skip: existsSync(RAW) ? false : 'data/al-fcc/raw not found' }, () => {
  let n = 0;
  for (const dir of ['eos', 'bulk', 'vacancy']) {
    for (const f of readdirSync(join(RAW, dir)).filter((x) => x.endsWith('.extxyz'))) {
      const r = readExtxyz(join(RAW, dir, f)).objects()[0] as { cell: Float64Array; positions: Float64Array; symbols: string[]; tags: { mesh: [number, number, number]; n_irreducible: number } };
      const cell = [0, 1, 2].map((i) => Array.from(r.cell.slice(3 * i, 3 * i + 3)));
      const s = crystalSymmetry({ cell, positions: r.positions, numbers: r.symbols });
      assert.equal(irreducibleKpoints(r.tags.mesh, s.rotations), r.tags.n_irreducible, `${dir}/${f}`);
      n++;
    }
  }
  assert.ok(n >= 24);
});

test('recommendDk reports the irreducible cost with irreducibleCounter', async () => {
  const { irreducibleCounter } = await import('../kernel-lib/src/symmetry/moyo.ts');
  const { recommendDk } = await import('../kernel-lib/src/core/recommend.ts');
  const cell = [[0, 4.04, 4.04], [4.04, 0, 4.04], [4.04, 4.04, 0]];
  const pos = [0, 1].flatMap((i) => [0, 1].flatMap((j) => [0, 1].map((k) => [i / 2, j / 2, k / 2])));
  const crystal = { cell, positions: cart(cell, pos), numbers: pos.map(() => 13) };
  const th = [{ metal: 'Al', lattice: 'fcc', structure: 'pristine', sem: 'V-RMSE' as const, ref_dk: 0.09, mad: 1, factor: 0.5, bound: 0.5, threshold_dk: 0.24 }];
  const r = recommendDk(th, { dks: [0.09, 0.12, 0.18, 0.24], sems: ['V-RMSE'], structures: [{ cell, natoms: 8, irreducible: irreducibleCounter(crystal) }] });
  assert.equal(r.dk, 0.18);
  // GPAW on this cell: 120 irreducible k-points at 15×15×15 (Δk 0.09), 29 at 8×8×8 (Δk 0.18)
  assert.deepEqual([r.cost!.irreducibleFinest, r.cost!.irreducibleRecommended], [120, 29]);
});
