/**
 * dataset.analyse() on the reference dataset (data/al): the error budget with its verdicts, the
 * coverage at the recommended Δk and the saving against the finest training Δk, as the library
 * computes them (their numbers are checked independently in budget-coverage.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AL, ownModelsOption, referenceManifest } from './reference-data.ts';
import { openDataset } from '../kernel-lib/src/io/dataset.ts';
import { tableMeta } from '../kernel-lib/src/core/meta.ts';

const have = existsSync(join(AL, 'manifest.json')) && existsSync(join(AL, 'properties.csv'));
/** The numbers below are those of Al FCC's own models (hand tables in budget-coverage.test.ts). */
const ownModels = ownModelsOption;

test('reference data: ds.analyse() gives the error budget with its verdicts, the coverage at the recommended Δk and the saving against the finest training Δk', { skip: !have && 'data/al not built', timeout: 300_000 }, async () => {
  const ds = await openDataset(AL, ownModels());
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

test('deltak report of data/al: error budget, coverage, excluded moduli and the saving against its baseline', { skip: !have && 'data/al not built', timeout: 300_000 }, async () => {
  const { mkdtempSync, readFileSync, readdirSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { runReport } = await import('../kernel-lib/src/cli/report.ts');
  const out = join(mkdtempSync(join(tmpdir(), 'deltak-budget-')), 'report');
  const own = ownModels().models ? ['--models', 'lattice'] : [];
  await runReport([AL, '--out', out, '--resamples', '20', ...own]);
  const files = readdirSync(out);
  for (const f of ['error_budget.csv', 'fig_error_budget.svg', 'coverage.csv', 'excluded.csv']) assert.ok(files.includes(f), f);
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  assert.match(html, /<li>0\.18 Å⁻¹: model error dominates: this data cannot show the effect<\/li>/);
  assert.match(html, /Coverage at the recommended Δk: Al fcc: 10 of 14 MLP properties inside their band at 0\.18 Å⁻¹ \(71\.4 %; outside: B0, B0p, B, nu\)/);
  assert.match(html, /instead of 19079 at the baseline 0\.12 Å⁻¹ \(3\.5× fewer, full grids; 7\.5× against the finest sampled 0\.09 Å⁻¹\)\. Baseline: baseline Δk 0\.12 Å⁻¹, the finest Δk of the training data/);
  assert.match(html, /reference: auto \(DFT 0\.09 Å⁻¹ when present/);
  assert.match(html, /grey crosses: left out, C not positive definite/);
  assert.equal(readFileSync(join(out, 'excluded.csv'), 'utf8').trim().split('\n').length, 13);
  // the user's baseline and kept unstable moduli
  await runReport([AL, '--out', out, '--resamples', '20', '--baseline', '0.09', '--unstable', 'include', ...own]);
  const html2 = readFileSync(join(out, 'report.html'), 'utf8');
  assert.match(html2, /instead of 40500 at the baseline 0\.09 Å⁻¹ \(7\.5× fewer.*chosen by the user/);
  assert.match(html2, /11 of 14 MLP properties inside their band at 0\.18/);
  assert.ok(!readdirSync(out).includes('excluded.csv'));
  await assert.rejects(runReport([AL, '--out', out, '--unstable', 'drop']), /unstable must be "exclude" \(default\) or "include", got "drop"/);
  await assert.rejects(runReport([AL, '--out', out, '--baseline', 'x']), /--baseline must be a Δk > 0 in Å⁻¹, got x/);
});

test('reference data, the manifest\'s own models: analyse() covers every lattice they give properties for, and names the models', { skip: (!have || !referenceManifest()?.models) && 'data/al has no models block', timeout: 300_000 }, async () => {
  const m = referenceManifest()!;
  const block = m.models as { properties_from: string; metal_lattices?: Record<string, string[]> };
  const ds = await openDataset(AL);
  assert.equal(ds.models!.used, block.properties_from);
  const a = ds.analyse();
  const mlpLattices = [...new Set((a.sweep ?? []).filter((r) => r.method === 'MLP').map((r) => r.lattice))].sort();
  if (block.metal_lattices) {
    const trained = [...new Set(Object.values(block.metal_lattices).flat())].sort();
    assert.deepEqual(mlpLattices, trained, 'MLP properties of every lattice the metal-wide models were trained on');
  }
  // coverage: one row per lattice with MLP properties and training Δk; at the recommended Δk, one per lattice
  assert.equal(a.coverage!.numRows(), mlpLattices.length * m.train_dks!.length);
  assert.deepEqual(a.recommendedCoverage!.map((c) => c.lattice).sort(), mlpLattices);
  const verdicts = tableMeta(a.errorBudget!)!.notes!.verdicts as { dk: number }[];
  assert.deepEqual(verdicts.map((v) => v.dk), m.train_dks);
  // the other choice is the per-lattice one, with its own name
  const other = ds.models!.offered.find((x) => x !== ds.models!.used);
  if (other) assert.match(openDataset(AL, { models: other }).name, new RegExp(`\\(${other} models\\)$`));
});
