/**
 * dataset.analyse() on the reference dataset (data/al): the error budget with its verdicts, the
 * coverage at the recommended Δk and the saving against the finest training Δk, as the library
 * computes them (their numbers are checked independently in budget-coverage.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AL } from './reference-data.ts';
import { openDataset } from '../kernel-lib/src/io/dataset.ts';
import { tableMeta } from '../kernel-lib/src/core/meta.ts';

const have = existsSync(join(AL, 'manifest.json')) && existsSync(join(AL, 'properties.csv'));

test('reference data: ds.analyse() gives the error budget with its verdicts, the coverage at the recommended Δk and the saving against the finest training Δk', { skip: !have && 'data/al not built', timeout: 300_000 }, async () => {
  const ds = await openDataset(AL);
  const a = ds.analyse();
  assert.equal(a.recommendation!.dk, 0.18);
  assert.equal(a.recommendation!.cost!.baselineDk, 0.12);
  assert.match(a.recommendation!.cost!.baselineReason, /the finest Δk of the training data/);
  assert.deepEqual(a.recommendedCoverage!.map((c) => [c.dk, c.n, c.inside, c.outside]), [[0.18, 14, 10, 'B0, B0p, B, nu']]);
  assert.equal(a.coverage!.numRows(), 7);
  const verdicts = tableMeta(a.errorBudget!)!.notes!.verdicts as { dk: number; verdict: string }[];
  assert.deepEqual(verdicts.map((v) => v.verdict), [...Array(6).fill('model-error-dominates'), 'learning']);
  assert.equal(a.unstable, 'exclude');
  assert.equal((tableMeta(a.thresholds!)!.notes!.excluded as unknown[]).length, 12);
  const kept = ds.analyse({ unstable: 'include', baselineDk: 0.09 });
  assert.deepEqual(kept.recommendedCoverage!.map((c) => c.inside), [11]);
  assert.equal(kept.recommendation!.cost!.baselineDk, 0.09);
});
