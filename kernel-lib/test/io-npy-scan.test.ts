/**
 * readNpy's scan for NaN and ±Infinity over arrays of several read pieces (4 MiB each): a value
 * on either side of a piece boundary, in the last short piece, float32 and float64; and
 * readDeepmd naming the frame of a bad value or cell far into a large set.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpy, npyBytes, readDeepmd } from '../src/io/index.js';

const PIECE = 1 << 22;

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'deltak-npy-scan-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('readNpy scanFinite finds the first non-finite value in any piece, and none where there is none', () => {
  withDir((dir) => {
    for (const [Ctor, item] of [[Float64Array, 8], [Float32Array, 4]] as const) {
      const n = Math.floor((2.5 * PIECE) / item) + 3; // two whole pieces and a short one, not a multiple of 16 values
      const per = PIECE / item;
      const cases: [number | null, number][] = [
        [null, -1],
        [0, 0],
        [per - 1, per - 1],
        [per, per],
        [2 * per + 1, 2 * per + 1],
        [n - 1, n - 1],
      ];
      for (const [at, want] of cases) {
        for (const bad of [NaN, Infinity, -Infinity]) {
          const a = new Ctor(n);
          for (let i = 0; i < n; i++) a[i] = ((i * 7919) % 1000) / 7 - 50;
          if (at !== null) {
            a[at] = bad;
            if (at + 5 < n) a[at + 5] = NaN; // a later one is not the answer
          }
          const p = join(dir, `a${item}.npy`);
          writeFileSync(p, npyBytes(a, [n]));
          const r = readNpy(p, { scanFinite: true });
          assert.equal(r.firstNonFinite, want, `${Ctor.name} ${bad} at ${at}`);
          assert.equal(r.data.length, n);
          assert.ok(r.data instanceof Ctor);
          if (at !== null) assert.ok(!Number.isFinite(r.data[at]));
          assert.equal(r.data[n - 2], a[n - 2]);
          assert.equal(r.data[1], a[1]);
          if (at === null) break;
        }
      }
    }
  });
});

test('readDeepmd names the frame of a non-finite force and of a flat cell past the first pieces', () => {
  withDir((dir) => {
    const nat = 8;
    const nf = 3000; // coord and force: 576 kB each; several sets would not change the frame count
    const sys = join(dir, 'sys');
    mkdirSync(join(sys, 'set.000'), { recursive: true });
    writeFileSync(join(sys, 'type.raw'), Array(nat).fill('0').join('\n') + '\n');
    writeFileSync(join(sys, 'type_map.raw'), 'Al\n');
    const coord = new Float64Array(nf * 3 * nat).map((_, i) => (i % 97) / 10);
    const force = new Float64Array(nf * 3 * nat).map((_, i) => ((i % 13) - 6) / 10);
    const box = new Float64Array(nf * 9);
    for (let f = 0; f < nf; f++) box.set([8, 0, 0, 0, 8, 0, 0, 0, 8], 9 * f);
    const energy = new Float64Array(nf).fill(-30);
    const write = (): void => {
      writeFileSync(join(sys, 'set.000', 'coord.npy'), npyBytes(coord, [nf, 3 * nat]));
      writeFileSync(join(sys, 'set.000', 'force.npy'), npyBytes(force, [nf, 3 * nat]));
      writeFileSync(join(sys, 'set.000', 'box.npy'), npyBytes(box, [nf, 9]));
      writeFileSync(join(sys, 'set.000', 'energy.npy'), npyBytes(energy, [nf]));
    };
    write();
    const t = readDeepmd(sys);
    assert.equal(t.numRows(), nf);
    assert.equal((t.array('volume') as Float64Array)[nf - 1], 512);
    force[(nf - 2) * 3 * nat + 5] = -Infinity;
    write();
    assert.throws(() => readDeepmd(sys), (e: Error) => /force\.npy/.test(e.message) && /frame 2998/.test(e.message) && /component 5/.test(e.message) && /-Infinity/.test(e.message));
    force[(nf - 2) * 3 * nat + 5] = 0;
    box.set([8, 0, 0, 8, 0, 0, 0, 0, 8], 9 * 2500); // two equal vectors: no volume
    write();
    assert.throws(() => readDeepmd(sys), (e: Error) => /box\.npy/.test(e.message) && /frame 2500/.test(e.message) && /zero volume/.test(e.message));
  });
});
