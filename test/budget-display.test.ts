/**
 * What the notebook shows of the error budget, the coverage, the saving baseline and the
 * excluded moduli on the reference dataset: the MIME bundles (deltak's type, a vega-lite v5 spec
 * that vega-lite 5.6.1 compiles and vega renders, text) and the extension's views of them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { compile, type TopLevelSpec } from 'vega-lite';
import { AL, ownModelsDataset, referenceManifest } from './reference-data.ts';
import { sweepRows } from '../kernel-lib/src/core/sweep.ts';
import { thresholdRows, compareThresholds, semTable, semThresholds, recommendDk, coverageRows, errorBudget, errorBudgetRows, parity, BUDGET_VERDICT_TEXT } from '../kernel-lib/src/core/index.ts';
import { sweepBundle, SWEEP_MIME, VEGALITE_MIME, type SweepPayload } from '../kernel-lib/src/display/bundle.ts';
import { comparisonBundle } from '../kernel-lib/src/display/analyses.ts';
import { errorBudgetBundle } from '../kernel-lib/src/display/errorbudget.ts';
import { COMPARISON_MIME, ERROR_BUDGET_MIME, type ComparisonPayload, type ErrorBudgetPayload } from '../kernel-lib/src/display/payloads.ts';
import { renderSvg } from '../kernel-lib/src/cli/report.ts';
import { chartData, initialState, sweepModel, ThresholdCache } from '../extension/src/sweep/state.ts';
import { comparisonModel, coverageText, recommendationText } from '../extension/src/comparison/state.ts';

const have = existsSync(join(AL, 'manifest.json')) && existsSync(join(AL, 'properties.csv'));
// Al FCC's own models (the numbers below are theirs): their sweep, test set and dp test output
const sweep = () => sweepRows(ownModelsDataset().sweep!);
const semSet = () => ownModelsDataset().semFrames!;
const rmse = () => parity(ownModelsDataset().dpTest);
const budget = () => errorBudget(semSet(), rmse());

test('error budget bundle: its own type, a vega-lite v5 chart that compiles and renders, every verdict in the text', { skip: !have && 'data/al not built', timeout: 300_000 }, async () => {
  const t = budget();
  const b = errorBudgetBundle(t);
  const p = b.data[ERROR_BUDGET_MIME] as ErrorBudgetPayload;
  assert.equal(p.rows.length, t.numRows());
  assert.deepEqual(p.verdicts.map((v) => v.dk), [0.12, 0.18, 0.24, 0.3, 0.36, 0.66, 0.96]);
  assert.equal(p.units.force, 'eV/Å');
  const spec = b.data[VEGALITE_MIME] as TopLevelSpec;
  assert.equal((spec as { $schema: string }).$schema, 'https://vega.github.io/schema/vega-lite/v5.json');
  assert.ok(Array.isArray(compile(spec).spec.marks));
  // 21 rows × (noise, model) = 42 drawn values, one per row and series
  assert.equal(((spec as { data: { values: unknown[] } }).data.values).length, 42);
  const svg = await renderSvg(spec as Record<string, unknown>);
  assert.match(svg, /^<svg/);
  assert.match(svg, />energy per atom</);
  for (const unit of ['eV/atom', 'eV/Å']) assert.ok(svg.includes(`>RMSE (${unit})<`), `RMSE axis in ${unit}`);
  const text = String(b.data['text/plain']);
  assert.match(text, /0\.18 Å⁻¹: model error dominates: this data cannot show the effect \(below the noise: none of energy_per_atom, force, virial_per_atom\)/);
  assert.match(text, new RegExp(`0\\.96 Å⁻¹: ${BUDGET_VERDICT_TEXT.learning}`));
  assert.match(text, /Not compared: Δk 0\.09: label noise but no model trained there/);
  // the rows form gives the same bundle
  const rows = errorBudgetRows(semSet(), rmse());
  assert.deepEqual((errorBudgetBundle(rows).data[ERROR_BUDGET_MIME] as ErrorBudgetPayload).rows, p.rows);
  assert.throws(() => errorBudgetBundle(semTable(semSet())), /expected the table returned by errorBudget/);
});

test('sweep bundle: unstable moduli are left out, listed with their reason, and drawn as grey crosses (library chart and widget)', { skip: !have && 'data/al not built' }, () => {
  const b = sweepBundle(sweep());
  const p = b.data[SWEEP_MIME] as SweepPayload;
  assert.equal(p.options.unstable, 'exclude');
  assert.equal(p.excluded!.length, 12);
  assert.match(String(b.data['text/plain']), /left out of MAD, bands and thresholds .*DFT E at 0\.96 Å⁻¹.*C is not positive definite/);
  const values = (b.data[VEGALITE_MIME] as { vconcat: { data: { values: Record<string, unknown>[] } }[] }).vconcat.flatMap((f) => f.data.values);
  const crosses = values.filter((v) => v.layer === 'excluded');
  assert.equal(crosses.length, 12);
  assert.ok(!values.some((v) => v.layer === 'point' && v.method === 'DFT' && v.dk === 0.96 && v.property === 'E'), 'an excluded point is not drawn as a point');
  assert.ok(Array.isArray(compile(b.data[VEGALITE_MIME] as TopLevelSpec).spec.marks));
  // the widget recomputes the same thresholds and marks the same points
  const model = sweepModel(p);
  const state = { ...initialState(model), property: 'E' };
  const th = new ThresholdCache(model).get(state);
  assert.deepEqual(th, p.thresholds);
  const marks = chartData(model, state, th).filter((d) => d.layer === 'excluded');
  assert.deepEqual(marks.map((d) => d.dk), [0.3, 0.66, 0.96]);
  assert.match(marks[2].reason!, /^left out: C is not positive definite/);
  // with unstable "include" nothing is left out, in the library and in the widget
  const inc = sweepBundle(sweep(), { unstable: 'include' }).data[SWEEP_MIME] as SweepPayload;
  assert.deepEqual(inc.excluded, []);
  const mi = sweepModel(inc);
  assert.deepEqual(new ThresholdCache(mi).get(initialState(mi)), thresholdRows(sweep(), { unstable: 'include' }));
});

test('comparison bundle: saving against the stated baseline and coverage at the recommended Δk, in the text and the widget', { skip: !have && 'data/al not built', timeout: 120_000 }, () => {
  const m = referenceManifest()!;
  const st = semThresholds(semTable(semSet()));
  const a = 4.04;
  const prim = [[0, a / 2, a / 2], [a / 2, 0, a / 2], [a / 2, a / 2, 0]];
  const structures = [{ cell: prim, natoms: 1 }, { cell: prim.map((v) => v.map((x) => 2 * x)), natoms: 8 }];
  const rec = recommendDk(st, { structures, trainingDks: m.train_dks });
  const th = thresholdRows(sweep());
  const cmp = compareThresholds(th, st);
  const cov = coverageRows(sweep(), { dk: rec.dk! });
  const b = comparisonBundle(cmp, rec, { coverage: cov });
  const text = String(b.data['text/plain']);
  assert.match(text, /3887 at 0\.18 Å⁻¹ against 13895 at the baseline 0\.12 Å⁻¹, 3\.6× fewer \(full grids; 7\.8× against the finest sampled 0\.09 Å⁻¹\)/);
  assert.match(text, /Baseline: baseline Δk 0\.12 Å⁻¹, the finest Δk of the training data/);
  assert.match(text, /Al fcc: 10 of 14 MLP properties inside their band at 0\.18 Å⁻¹ \(71\.4 %; outside: B0, B0p, B, nu\)/);
  const p = comparisonModel(b.data[COMPARISON_MIME]) as ComparisonPayload;
  assert.deepEqual(p.recommendation, rec, 'the payload carries the recommendation itself');
  const c = p.recommendation.cost!;
  assert.deepEqual([c.baselineDk, c.fullRecommended, c.fullFinest, c.fullBaseline], [0.12, 3887, 30375, 13895]);
  assert.match(recommendationText(p), /against 13895 at the baseline 0\.12 Å⁻¹, 3\.57× fewer \(7\.81× against the finest sampled 0\.09 Å⁻¹\)\. Baseline: /);
  assert.equal(coverageText(p), 'Coverage, Al fcc: 10 of 14 MLP properties inside their band at 0.18 Å⁻¹ (71.4 %; outside: B0, B0p, B, nu).');
  assert.throws(() => comparisonBundle(cmp, rec, { coverage: coverageRows(sweep(), { dk: 0.24 }) }), /the coverage is at Δk 0\.24 Å⁻¹, the recommendation at 0\.18 Å⁻¹/);
  assert.throws(() => comparisonModel({ ...p, coverage: [{ ...p.coverage![0], inside: 'ten' }] }), /coverage\[0\]\.inside/);
});
