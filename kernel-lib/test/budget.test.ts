/**
 * Error budget, coverage, anchored references, unstable moduli and the saving baseline on small
 * hand-worked inputs, and the errors bad input gets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { thresholdRows, thresholds, madSummary, curveReference, describeReference, median, analysedRows } from '../src/core/convergence.ts';
import { coverageRows, coverage } from '../src/core/coverage.ts';
import { elasticStability, unstableModuli } from '../src/core/stability.ts';
import { errorBudgetRows, errorBudget } from '../src/core/errorbudget.ts';
import { recommendDk, savingBaseline } from '../src/core/recommend.ts';
import { tableMeta } from '../src/core/meta.ts';
import type { SemFrame } from '../src/core/sem.ts';
import type { RmseRow } from '../src/core/parity.ts';
import type { SweepRow } from '../src/core/sweep.ts';

const curve = (method: string, dks: number[], values: number[], property = 'B0', unit = 'GPa'): SweepRow[] =>
  dks.map((dk, i) => ({ metal: 'Al', lattice: 'fcc', property, unit, method, dk, value: values[i] }));
const near = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

test('anchored references: mean of the finest two, median below a cut (hand values)', () => {
  // MLP 0.12 → 60 (outlier), 0.18 → 80, 0.24 → 82, 0.3 → 90; MAD = mean |x − 78| = (18+2+4+12)/4 = 9
  const sweep = curve('MLP', [0.12, 0.18, 0.24, 0.3], [60, 80, 82, 90]);
  const [single] = thresholdRows(sweep); // x_ref 60, bound 4.5: 0.18 deviates 20
  assert.deepEqual([single.ref_rule, single.ref_value, single.bound, single.threshold_dk], ['Δk 0.12', 60, 4.5, 0.18]);
  const [mean2] = thresholdRows(sweep, { reference: { anchor: 'mean-finest', n: 2 } }); // x_ref 70: 0.18 deviates 10
  assert.deepEqual([mean2.ref_rule, mean2.ref_dk, mean2.ref_value, mean2.threshold_dk], ['mean of Δk 0.12, 0.18', 0.12, 70, 0.18]);
  const [med] = thresholdRows(sweep, { reference: { anchor: 'median-below', below: 0.3 } }); // median(60, 80, 82) = 80: 0.24 deviates 2, 0.3 deviates 10
  assert.deepEqual([med.ref_rule, med.ref_value, med.threshold_dk], ['median of Δk 0.12, 0.18, 0.24 (below 0.3)', 80, 0.3]);
  const [med4] = thresholdRows(sweep, { reference: { anchor: 'median-below', below: 0.5 } }); // median(60, 80, 82, 90) = 81
  assert.equal(med4.ref_value, 81);
  assert.equal(median([3, 1, 2]), 2);
  // per method: DFT keeps "auto", MLP takes the anchor
  const both = [...curve('DFT', [0.09, 0.12, 0.18], [1, 2, 3]), ...curve('MLP', [0.12, 0.18, 0.24], [1, 3, 5])];
  const rows = thresholdRows(both, { reference: { MLP: { anchor: 'mean-finest', n: 2 } } });
  assert.deepEqual(rows.map((r) => [r.method, r.ref_rule, r.ref_value]), [['DFT', 'Δk 0.09', 1], ['MLP', 'mean of Δk 0.12, 0.18', 2]]);
  assert.equal(curveReference('MLP', [{ dk: 0.2, value: 5 }, { dk: 0.1, value: 1 }], { anchor: 'mean-finest', n: 1 }).rule, 'Δk 0.1');
  const t = thresholds(sweep, { reference: { anchor: 'mean-finest', n: 2 } });
  assert.equal(tableMeta(t)!.notes!.reference_text, 'the mean of the 2 finest Δk of each curve');
  assert.match(describeReference(), /^auto \(DFT 0\.09/);
  assert.equal(madSummary(sweep, { reference: { anchor: 'mean-finest', n: 2 } }).objects()[0].MLP_value, 70);
});

test('anchored references: bad anchors are errors naming what was expected', () => {
  const sweep = curve('MLP', [0.12, 0.18], [1, 2]);
  assert.throws(() => thresholdRows(sweep, { reference: { anchor: 'mean-finest', n: 3 } }), /mean of the 3 finest Δk needs 3, method MLP has 2 \(0\.12, 0\.18 Å⁻¹\)/);
  assert.throws(() => thresholdRows(sweep, { reference: { anchor: 'mean-finest', n: 0 } }), /needs n, a whole number ≥ 1, got 0/);
  assert.throws(() => thresholdRows(sweep, { reference: { anchor: 'median-below', below: 0.1 } }), /no Δk below 0\.1 Å⁻¹ in the sweep of method MLP/);
  assert.throws(() => thresholdRows(sweep, { reference: { anchor: 'median-below', below: -1 } }), /needs below, a Δk > 0 in Å⁻¹, got -1/);
  assert.throws(() => thresholdRows(sweep, { reference: { anchor: 'mode' } as never }), /must be "mean-finest" or "median-below", got "mode"/);
});

// Cubic C from C11, C12, C44 (GPa): stable when C11 − C12 > 0, C11 + 2·C12 > 0, C44 > 0.
const elastic = (method: string, dk: number, c11: number, c12: number, c44: number, moduli: [number, number, number, number]): SweepRow[] => [
  ...curve(method, [dk], [c11], 'C11'), ...curve(method, [dk], [c12], 'C12'), ...curve(method, [dk], [c44], 'C44'),
  ...curve(method, [dk], [moduli[0]], 'B'), ...curve(method, [dk], [moduli[1]], 'G'), ...curve(method, [dk], [moduli[2]], 'E'), ...curve(method, [dk], [moduli[3]], 'nu', '1'),
];

test('unstable C: moduli left out of MAD, bands and thresholds by default, kept with unstable "include"', () => {
  const sweep = [
    ...elastic('DFT', 0.09, 120, 60, 30, [80, 30, 80, 0.33]),
    ...elastic('DFT', 0.18, 118, 61, 31, [80, 30, 80, 0.32]),
    ...elastic('DFT', 0.96, 50, 70, -5, [63, -10, 4000, -7]), // C11 − C12 = −20, C44 = −5
  ];
  const st = elasticStability(sweep);
  assert.deepEqual(st.map((s) => s.stable), [true, true, false]);
  assert.equal(st[2].reason, 'C is not positive definite (C11 − C12 = -20 GPa ≤ 0; C44 = -5 GPa ≤ 0)');
  assert.deepEqual(unstableModuli(sweep).map((e) => e.property), ['B', 'G', 'E', 'nu']);
  const ex = thresholdRows(sweep).find((t) => t.property === 'E')!;
  assert.deepEqual([ex.n_dk, ex.n_excluded, ex.mad], [2, 1, 0]); // E = 80, 80 left: MAD 0
  const inc = thresholdRows(sweep, { unstable: 'include' }).find((t) => t.property === 'E')!;
  assert.equal(inc.n_excluded, 0);
  near(inc.mad, (2 * Math.abs(80 - 4160 / 3) + Math.abs(4000 - 4160 / 3)) / 3, 'MAD with E = 4000 kept');
  assert.equal(thresholdRows(sweep).find((t) => t.property === 'C11')!.n_dk, 3); // the Cᵢⱼ themselves stay
  const meta = tableMeta(thresholds(sweep))!;
  assert.equal(meta.notes!.unstable, 'exclude');
  assert.equal((meta.notes!.excluded as unknown[]).length, 4);
  assert.throws(() => thresholdRows(sweep, { unstable: 'drop' as never }), /unstable must be "exclude" \(default\) or "include", got "drop"/);
  // a curve the exclusion leaves with one Δk is out as a whole, its last point listed with why
  const two = [...elastic('DFT', 0.09, 120, 60, 30, [80, 30, 80, 0.33]), ...elastic('DFT', 0.96, 50, 70, -5, [63, -10, 4000, -7])];
  assert.deepEqual(thresholdRows(two).map((t) => t.property), ['C11', 'C12', 'C44']);
  const out = tableMeta(thresholds(two))!.notes!.excluded as { property: string; dk: number; reason: string }[];
  assert.deepEqual(out.map((e) => `${e.property} ${e.dk}`), ['B 0.96', 'G 0.96', 'E 0.96', 'nu 0.96', 'B 0.09', 'G 0.09', 'E 0.09', 'nu 0.09']);
  assert.match(out[4].reason, /^the only Δk of its curve left once 1 moduli of an unstable C are out: a single Δk has no MAD, so the curve is out of MAD, bands and thresholds$/);
  assert.deepEqual(analysedRows(two).kept.map((r) => r.property), ['C11', 'C12', 'C44', 'C11', 'C12', 'C44']);
  // with "include" nothing is left out; a curve with one Δk of its own is still an error
  assert.equal(thresholdRows(two, { unstable: 'include' }).length, 7);
  assert.throws(() => thresholdRows(elastic('DFT', 0.09, 120, 60, 30, [80, 30, 80, 0.33])), /Al fcc C11 \(DFT\) has a single Δk \(0\.09 Å⁻¹\): a threshold needs at least two/);
  // moduli without their Cᵢⱼ: stability unknown, kept, and said so
  const bare = curve('DFT', [0.09, 0.18], [80, 81], 'B');
  assert.equal(elasticStability(bare)[0].stable, null);
  assert.match(elasticStability(bare)[0].reason, /stability unknown: the sweep has no C11, C12, C44 here/);
  assert.equal(thresholdRows(bare)[0].n_excluded, 0);
});

test('coverage: share of MLP properties inside |x − x_ref| < ½·MAD_max per Δk (hand values); a value on the bound is outside', () => {
  // B0: DFT 0.09..0.24 = 80, 84, 76, 80 → MAD 2; MLP 0.12..0.24 = 80, 81, 83 → MAD 10/9; bound 1
  // E_vac: MLP only, 0.12..0.24 = 0.70, 0.70, 0.74 → MAD (0.0133 + 0.0133 + 0.0267)/3 = 0.0178, bound 0.0089
  const sweep = [
    ...curve('DFT', [0.09, 0.12, 0.18, 0.24], [80, 84, 76, 80]),
    ...curve('MLP', [0.12, 0.18, 0.24], [80, 81, 83]),
    ...curve('MLP', [0.12, 0.18, 0.24], [0.7, 0.7, 0.74], 'E_vac', 'eV'),
  ];
  const rows = coverageRows(sweep);
  // 0.12: both at x_ref; 0.18: B0 deviates 1 = bound (outside), E_vac 0; 0.24: both outside
  assert.deepEqual(rows.map((r) => [r.dk, r.n, r.inside, r.outside]), [[0.12, 2, 2, ''], [0.18, 2, 1, 'B0'], [0.24, 2, 0, 'B0, E_vac']]);
  assert.deepEqual(rows.map((r) => r.percent), [100, 50, 0]);
  const t = coverage(sweep, { dk: 0.18 });
  assert.equal(t.numRows(), 1);
  assert.deepEqual(tableMeta(t)!.units, { dk: 'Å⁻¹', n: 'properties', inside: 'properties', percent: '%' });
  assert.throws(() => coverageRows(sweep, { method: 'GAP' }), /no property curves of method GAP \(methods present: DFT, MLP\)/);
  // a property missing at one Δk is named, not dropped silently
  const gap = [...sweep, ...curve('MLP', [0.12, 0.24], [5, 5], 'E_Oh', 'eV')];
  assert.equal(coverageRows(gap, { dk: 0.18 })[0].not_counted, 'E_Oh (no value)');
});

// Two groups, reference 0.09 Å⁻¹. Group p: 2 atoms, e = −2.000 → −1.990 eV/atom at 0.18
// (de = +0.01), one force component +0.03 eV/Å, one virial component +0.04 eV (/2 atoms = 0.02).
// Group v: 1 atom, e = −3.00 → −3.02 (de = −0.02), no force or virial change.
// Pooled: E-RMSE = √((0.01² + 0.02²)/2) = √0.00025; F-RMSE = √(0.03²/9) = 0.01;
// V-RMSE = √(0.02²/(9·2)) = √(0.0004/18).
function budgetFrames(): SemFrame[] {
  const f = (id: string, structure: string, dk: number, n: number, energy: number, dF: number, dV: number): SemFrame => ({
    id, dk, metal: 'Al', lattice: 'fcc', structure, species: Array(n).fill('Al'), positions: Array.from({ length: 3 * n }, (_, i) => i),
    energy, forces: Array.from({ length: 3 * n }, (_, i) => (i === 0 ? dF : 0)), virial: Array.from({ length: 9 }, (_, i) => (i === 4 ? dV : 0)),
  });
  return [f('p', 'pristine', 0.09, 2, -4, 0, 0), f('p', 'pristine', 0.18, 2, -3.98, 0.03, 0.04), f('v', 'vacancy', 0.09, 1, -3, 0, 0), f('v', 'vacancy', 0.18, 1, -3.02, 0, 0)];
}
const rmse = (dk: number, e: number, f: number, v: number): RmseRow[] => [
  { dk, dataset: 'test', quantity: 'energy_per_atom', unit: 'eV/atom', rmse: e, n: 2, unlabelled: 0 },
  { dk, dataset: 'test', quantity: 'force', unit: 'eV/Å', rmse: f, n: 9, unlabelled: 0 },
  { dk, dataset: 'test', quantity: 'virial_per_atom', unit: 'eV/atom', rmse: v, n: 18, unlabelled: 0 },
];

test('error budget: pooled label noise beside model RMSE, verdict per Δk (hand values)', () => {
  const eb = errorBudgetRows(budgetFrames(), [...rmse(0.09, 0.01, 0.01, 0.01), ...rmse(0.18, 0.01, 0.02, 0.001)]);
  const at = (dk: number, q: string) => eb.rows.find((r) => r.dk === dk && r.quantity === q)!;
  near(at(0.18, 'energy_per_atom').label_noise, Math.sqrt(0.00025), 'E-RMSE');
  near(at(0.18, 'force').label_noise, 0.01, 'F-RMSE');
  near(at(0.18, 'virial_per_atom').label_noise, Math.sqrt(0.0004 / 18), 'V-RMSE');
  assert.deepEqual(eb.rows.filter((r) => r.dk === 0.18).map((r) => r.model_below_noise), [true, false, true]);
  near(at(0.18, 'force').ratio!, 2, 'ratio');
  assert.equal(at(0.09, 'force').ratio, null);
  assert.deepEqual(eb.verdicts.map((v) => [v.dk, v.verdict, v.below]), [[0.09, 'no-label-noise', ''], [0.18, 'model-error-dominates', 'energy_per_atom, virial_per_atom']]);
  const ok = errorBudgetRows(budgetFrames(), rmse(0.18, 0.01, 0.005, 0.001));
  assert.deepEqual(ok.verdicts.map((v) => [v.verdict, v.text]), [['learning', 'model error below label noise: smoothing can be attributed to learning']]);
  assert.deepEqual(ok.notCompared, ['Δk 0.09: label noise but no model trained there (the SEM reference)']);
  const t = errorBudget(budgetFrames(), rmse(0.18, 0.01, 0.005, 0.001));
  assert.equal(tableMeta(t)!.units.label_noise, 'from column unit');
  assert.match(String(tableMeta(t)!.notes!.rule), /"learning" only when it does for every quantity compared/);
});

test('error budget: one-sided and bad input is named', () => {
  const unlabelled = rmse(0.18, 0.01, 0.005, 0.001);
  unlabelled[2] = { ...unlabelled[2], rmse: null, n: 0, unlabelled: 18 };
  const eb = errorBudgetRows(budgetFrames(), [...unlabelled, ...rmse(0.3, 1, 1, 1)]);
  assert.deepEqual(eb.notCompared, ['Δk 0.3: a model but no test-set SEMs there', 'Δk 0.09: label noise but no model trained there (the SEM reference)', 'Δk 0.18, virial_per_atom: the test data has no DFT labels for it']);
  assert.deepEqual(eb.verdicts.map((v) => v.compared), ['energy_per_atom, force']);
  assert.throws(() => errorBudgetRows(budgetFrames(), rmse(0.18, 1, 1, 1), { dataset: 'train' }), /no RMSE rows of dataset "train" \(datasets present: test\)/);
  assert.throws(() => errorBudgetRows(budgetFrames(), [...rmse(0.18, 1, 1, 1), ...rmse(0.18, 1, 1, 1)]), /two RMSE rows for Δk 0\.18 Å⁻¹, dataset test, energy_per_atom/);
  assert.throws(() => errorBudgetRows(budgetFrames(), rmse(0.3, 1, 1, 1)), /no Δk has both test-set SEMs \(0\.09, 0\.18 Å⁻¹\) and a model RMSE on "test" \(0\.3 Å⁻¹\)/);
  const short = [...budgetFrames(), { ...budgetFrames()[0], dk: 0.24 }];
  assert.throws(() => errorBudgetRows(short, rmse(0.18, 1, 1, 1)), /SEM group Al fcc vacancy has Δk 0\.09, 0\.18 but Al fcc pristine has 0\.09, 0\.18, 0\.24 Å⁻¹/);
  const noVirial = budgetFrames().map((f) => ({ ...f, virial: null }));
  const nv = errorBudgetRows(noVirial, rmse(0.18, 0.01, 0.005, 0.001));
  assert.deepEqual(nv.rows.map((r) => r.quantity), ['energy_per_atom', 'force']);
  assert.match(nv.notCompared[0], /virial_per_atom at every Δk: some test frames have no virial/);
});

test('saving baseline: the user\'s Δk, else the finest training Δk, else the finest sampled Δk, each with its reason', () => {
  assert.deepEqual(savingBaseline({ baselineDk: 0.15, trainingDks: [0.12] }, 0.09).dk, 0.15);
  assert.deepEqual(savingBaseline({ trainingDks: [0.3, 0.12, 0.18] }, 0.09).dk, 0.12);
  assert.match(savingBaseline({}, 0.09).reason, /the finest sampled Δk of the test set: no training Δk was given/);
  assert.throws(() => savingBaseline({ baselineDk: 0 }, 0.09), /baselineDk must be a Δk > 0 in Å⁻¹, got 0/);
  assert.throws(() => savingBaseline({ trainingDks: [] }, 0.09), /trainingDks must be Δk values > 0 in Å⁻¹, got \[\]/);
  // 8-atom FCC 2×2×2 cell (a = 4.04 Å): meshes 15³ at 0.09, 12³ at 0.12, 8³ at 0.18 Å⁻¹
  const a = 4.04;
  const cell = [[0, a, a], [a, 0, a], [a, a, 0]] as [number, number, number][];
  const th = [{ metal: 'Al', lattice: 'fcc', structure: 'pristine', sem: 'V-RMSE' as const, ref_dk: 0.09, mad: 1, factor: 0.5, bound: 0.5, threshold_dk: 0.24 }];
  const rec = recommendDk(th, { sems: ['V-RMSE'], dks: [0.09, 0.12, 0.18, 0.24], structures: [{ cell, natoms: 8 }], trainingDks: [0.12, 0.18, 0.24] });
  assert.deepEqual([rec.dk, rec.cost!.baselineDk, rec.cost!.fullBaseline, rec.cost!.fullFinest, rec.cost!.fullRecommended], [0.18, 0.12, 12 ** 3, 15 ** 3, 8 ** 3]);
  near(rec.cost!.fullSaving, 1728 / 512, 'saving');
});

test('error-budget chart: log y axis over the range of each panel, ticks per decade; symmetric log from 0 when a value is 0', async () => {
  const { errorBudgetChart } = await import('../src/charts/budget.ts');
  const row = (dk: number, quantity: 'energy_per_atom' | 'force', noise: number, model: number) => ({
    dk, quantity, sem: (quantity === 'force' ? 'F-RMSE' : 'E-RMSE') as 'F-RMSE' | 'E-RMSE', unit: quantity === 'force' ? 'eV/Å' : 'eV/atom',
    label_noise: noise, model_rmse: model, ratio: noise > 0 ? model / noise : null, model_below_noise: model < noise, verdict: 'model error dominates' as never,
  });
  const spec = errorBudgetChart([row(0.12, 'energy_per_atom', 7.6e-4, 0.0143), row(0.96, 'energy_per_atom', 0.22, 0.042), row(0.12, 'force', 0, 0.06), row(0.96, 'force', 0.13, 0.12)]);
  const [energy, force] = (spec.concat as { encoding: { y: { scale: Record<string, unknown>; axis: { values: number[] } } } }[]).map((p) => p.encoding.y);
  assert.equal(energy.scale.type, 'log');
  assert.deepEqual(energy.scale.domain, [7.6e-4 / 1.25, 0.22 * 1.25]);
  assert.deepEqual(energy.axis.values, [0.001, 0.01, 0.1], 'a decade each over 2.5 decades');
  assert.equal(force.scale.type, 'symlog', 'a label noise of 0 stays drawable');
  assert.deepEqual(force.axis.values, [0, 0.05, 0.1], '1-2-5 where fewer would leave one tick');
});
