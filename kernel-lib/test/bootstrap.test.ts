import { test } from 'node:test';
import assert from 'node:assert/strict';
import { semBootstrap, recommendationSensitivity } from '../src/core/bootstrap.ts';
import { semTable, type SemFrame } from '../src/core/sem.ts';
import { seededRandom, quantileSorted } from '../src/core/random.ts';

function frames(M: number, seed: number): SemFrame[] {
  const rand = seededRandom(seed);
  const dks = [0.09, 0.12, 0.18, 0.24, 0.3, 0.66];
  const out: SemFrame[] = [];
  for (let c = 0; c < M; c++) {
    const f0 = Array.from({ length: 6 }, () => rand());
    dks.forEach((dk, k) => {
      const s = k === 0 ? 0 : dk * dk;
      out.push({
        id: `c${c}`, dk, metal: 'Al', lattice: 'fcc', structure: 'pristine', species: ['Al', 'Al'], positions: [0, 0, 0, 1, 1, 1],
        energy: -7 + s * (rand() - 0.3), forces: f0.map((x) => x + s * (rand() - 0.5)), virial: Array.from({ length: 9 }, () => s * (rand() - 0.5)),
      });
    });
  }
  return out;
}

test('quantiles: numpy’s linear rule', () => {
  assert.equal(quantileSorted([1, 2, 3, 4], 0.5), 2.5);
  assert.equal(quantileSorted([1, 2, 3, 4], 0.25), 1.75);
  assert.equal(quantileSorted([5], 0.9), 5);
});

test('bootstrap is reproducible with a seed and its intervals bracket the full-sample values', () => {
  const fs = frames(12, 7);
  const a = semBootstrap(fs, { resamples: 200, seed: 42 });
  const b = semBootstrap(fs, { resamples: 200, seed: 42 });
  assert.deepEqual(a.sem.objects(), b.sem.objects());
  assert.deepEqual(a.thresholds.objects(), b.thresholds.objects());
  const c = semBootstrap(fs, { resamples: 200, seed: 43 });
  assert.notDeepEqual(a.sem.objects(), c.sem.objects());
  for (const r of a.sem.objects() as { value: number; lo: number; hi: number; dk: number }[]) {
    assert.ok(r.lo <= r.hi);
    if (r.dk === 0.09) assert.deepEqual([r.value, r.lo, r.hi], [0, 0, 0]);
  }
  for (const r of a.thresholds.objects() as { p_same: number }[]) assert.ok(r.p_same >= 0 && r.p_same <= 1);
});

test('one configuration: every resample is the sample, the interval collapses and p_same = 1', () => {
  const r = semBootstrap(frames(1, 3), { resamples: 50, seed: 1 });
  for (const x of r.sem.objects() as { value: number; lo: number; hi: number }[]) {
    assert.ok(Math.abs(x.lo - x.value) < 1e-15 && Math.abs(x.hi - x.value) < 1e-15);
  }
  for (const x of r.thresholds.objects() as { p_same: number; threshold_dk: number | null; lo_dk: number | null; hi_dk: number | null }[]) {
    assert.equal(x.p_same, 1);
    assert.equal(x.lo_dk, x.threshold_dk);
    assert.equal(x.hi_dk, x.threshold_dk);
  }
});

test('recommendation sensitivity reports one recommendation per factor; a larger factor never recommends a finer Δk', () => {
  const s = recommendationSensitivity(semTable(frames(8, 11)));
  assert.deepEqual(s.map((x) => x.factor), [0.25, 0.5, 0.75]);
  const dk = s.map((x) => x.recommendation.dk ?? 0);
  assert.ok(dk[0] <= dk[1] && dk[1] <= dk[2], `monotone: ${dk}`);
  assert.throws(() => semBootstrap(frames(2, 1), { resamples: 3 }), /resamples must be an integer ≥ 10/);
});
