import { test } from 'node:test';
import assert from 'node:assert/strict';
import { from } from 'arquero';
import { mad } from '../src/core/stats.ts';
import { thresholds, thresholdRows, madSummary, formatPlusMinus } from '../src/core/convergence.ts';
import { tableMeta } from '../src/core/meta.ts';
import type { SweepRow } from '../src/core/sweep.ts';

const curve = (method: string, dks: number[], values: number[], property = 'B0', unit = 'GPa'): SweepRow[] =>
  dks.map((dk, i) => ({ metal: 'Al', lattice: 'fcc', property, unit, method, dk, value: values[i] }));

test('mad: mean absolute deviation about the mean (hand values)', () => {
  assert.equal(mad([1, 1, 2, 3]), 0.75); // mean 1.75; |dev| .75 .75 .25 1.25 → 3/4
  assert.equal(mad([5]), 0);
  assert.equal(mad([-2, 2]), 2);
  assert.throws(() => mad([]), /no values/);
  assert.throws(() => mad([1, Number.NaN]), /value 1 is NaN/);
});

test('hand-worked: DFT and MLP, MAD_max from DFT, DFT reaches the bound at 0.18, MLP never', () => {
  // DFT: MAD = 0.75 (above). MLP [1, 1, 1.25]: mean 13/12, MAD = (1/12 + 1/12 + 2/12)/3 = 1/9.
  // MAD_max = 0.75, bound = 0.375. DFT ref 0.09 (value 1): 0.12 → 0, 0.18 → 1 ≥ 0.375 → Δk_T = 0.18.
  // MLP ref 0.12 (its smallest): deviations 0, 0.25 < 0.375 → none.
  const sweep = [...curve('DFT', [0.09, 0.12, 0.18, 0.24], [1, 1, 2, 3]), ...curve('MLP', [0.12, 0.18, 0.24], [1, 1, 1.25])];
  const t = thresholds(sweep);
  const rows = t.objects() as Record<string, unknown>[];
  assert.equal(rows.length, 2);
  const [dft, mlp] = rows;
  assert.equal(dft.method, 'DFT');
  assert.equal(dft.ref_dk, 0.09);
  assert.equal(dft.ref_value, 1);
  assert.equal(dft.mad, 0.75);
  assert.equal(dft.mad_max, 0.75);
  assert.equal(dft.bound, 0.375);
  assert.equal(dft.threshold_dk, 0.18);
  assert.equal(dft.threshold_value, 2);
  assert.equal(mlp.ref_dk, 0.12);
  assert.ok(Math.abs((mlp.mad as number) - 1 / 9) < 1e-15);
  assert.equal(mlp.mad_max, 0.75);
  assert.equal(mlp.threshold_dk, null);
  assert.equal(mlp.factor, 0.5);
  assert.equal(tableMeta(t)?.units.threshold_dk, 'Å⁻¹');
});

test('a deviation exactly at the bound counts (≥), also when the MAD is rounded', () => {
  // [0, 0.5, 1, 0.5] at 0.1..0.4: MAD = 0.25; factor 2 → bound 0.5 = |0.5 − 0| at 0.2.
  const exact = curve('DFT', [0.1, 0.2, 0.3, 0.4], [0, 0.5, 1, 0.5]);
  assert.equal(thresholdRows(exact, { factor: 2 })[0].threshold_dk, 0.2);
  assert.equal(thresholdRows(exact, { factor: 2.01 })[0].threshold_dk, 0.3);
  // [0, 0.1, 0.2, 0.3]: MAD = 0.1 up to rounding; factor 1 → tie at 0.2? no: |0.1 − 0| = bound at 0.2.
  const rounded = curve('DFT', [0.1, 0.2, 0.3, 0.4], [0, 0.1, 0.2, 0.3]);
  assert.equal(thresholdRows(rounded, { factor: 1 })[0].threshold_dk, 0.2);
});

test('one method only: MAD_max is that method’s MAD', () => {
  const r = thresholdRows(curve('MLP', [0.12, 0.18, 0.24, 0.3], [10, 10.1, 10.1, 12]));
  // mean 10.55; |dev| .55 .45 .45 1.45 → MAD 0.725; bound 0.3625 → first reached at 0.30 (2 ≥ .3625)
  assert.equal(r.length, 1);
  assert.ok(Math.abs(r[0].mad_max - 0.725) < 1e-12);
  assert.equal(r[0].threshold_dk, 0.3);
});

test('unsorted input gives the same result as sorted input; arquero tables are accepted', () => {
  const sorted = [...curve('DFT', [0.09, 0.12, 0.18, 0.24], [1, 1, 2, 3]), ...curve('MLP', [0.12, 0.18, 0.24], [1, 1, 1.25])];
  const shuffled = [sorted[5], sorted[2], sorted[0], sorted[6], sorted[3], sorted[1], sorted[4]];
  assert.deepEqual(thresholdRows(shuffled), thresholdRows(sorted));
  assert.deepEqual(thresholdRows(from(shuffled)), thresholdRows(sorted));
});

test('MAD_max = 0 (constant property) gives no threshold', () => {
  const r = thresholdRows([...curve('DFT', [0.09, 0.12], [3, 3]), ...curve('MLP', [0.12, 0.18], [3, 3])]);
  assert.deepEqual(r.map((x) => x.threshold_dk), [null, null]);
});

test('reference options: a fixed Δk, per method, and a missing reference Δk is an error', () => {
  const s = curve('DFT', [0.09, 0.12, 0.18, 0.24], [1, 1, 2, 3]);
  assert.equal(thresholdRows(s, { reference: 0.12 })[0].ref_dk, 0.12);
  assert.equal(thresholdRows(s, { reference: 0.12 })[0].threshold_dk, 0.18);
  assert.equal(thresholdRows(s, { reference: { DFT: 0.18 } })[0].threshold_dk, 0.24); // |3 − 2| = 1 ≥ 0.375
  assert.throws(() => thresholdRows(s, { reference: 0.3 }), /reference Δk 0.3 Å⁻¹ is not in the sweep of method DFT/);
  assert.throws(() => thresholdRows(s, { factor: 0 }), /factor must be a positive number/);
});

test('bad input: single Δk, NaN value naming the row, duplicate rows, missing column', () => {
  assert.throws(() => thresholds(curve('DFT', [0.09], [1])), /Al fcc B0 \(DFT\) has a single Δk \(0.09 Å⁻¹\)/);
  const nan = curve('DFT', [0.09, 0.12, 0.18], [1, Number.NaN, 2]);
  assert.throws(() => thresholds(nan), /sweep row 1 \(metal=Al, lattice=fcc, property=B0, method=DFT, dk=0.12\): value is NaN/);
  const dup = [...curve('DFT', [0.09, 0.12], [1, 2]), ...curve('DFT', [0.12], [2.5])];
  assert.throws(() => thresholds(dup), /sweep rows 1 and 2 are duplicates/);
  const missing = [{ metal: 'Al', lattice: 'fcc', property: 'B0', method: 'DFT', dk: 0.1, value: 1 }];
  assert.throws(() => thresholds(missing as unknown as SweepRow[]), /column "unit" is missing/);
  assert.throws(() => thresholds([]), /sweep is empty/);
  const mixed = [...curve('DFT', [0.09, 0.12], [1, 2]), ...curve('MLP', [0.12, 0.18], [1, 2], 'B0', 'eV/Å^3')];
  assert.throws(() => thresholds(mixed), /unit "eV\/Å\^3" differs from "GPa"/);
});

test('the reference Δk rule of the choice: DFT uses 0.09 when present even if a smaller Δk exists', () => {
  const s = curve('DFT', [0.06, 0.09, 0.12, 0.18], [0.5, 1, 1, 2]);
  assert.equal(thresholdRows(s)[0].ref_dk, 0.09);
  assert.equal(thresholdRows(s, { reference: 'min' })[0].ref_dk, 0.06);
});

test('madSummary: Table 1 layout, value at Δk_min ± MAD, DFT first; dkBelow restricts the range', () => {
  const sweep = [
    ...curve('MLP', [0.12, 0.18, 0.24, 0.66], [0.7, 0.7, 0.8, 1.0], 'E_vac', 'eV'),
    ...curve('DFT', [0.09, 0.12, 0.18, 0.24, 0.66], [0.6, 0.6, 0.7, 0.5, 0.1], 'E_vac', 'eV'),
  ];
  const s = madSummary(sweep).objects() as Record<string, unknown>[];
  assert.equal(s.length, 1);
  assert.deepEqual(Object.keys(s[0]).slice(0, 8), ['metal', 'lattice', 'property', 'unit', 'DFT_ref_dk', 'DFT_value', 'DFT_mad', 'DFT']);
  // DFT mean 0.5, |dev| .1 .1 .2 0 .4 → 0.16; MLP mean 0.8, |dev| .1 .1 0 .2 → 0.1
  assert.equal(s[0].DFT_value, 0.6);
  assert.ok(Math.abs((s[0].DFT_mad as number) - 0.16) < 1e-12);
  assert.ok(Math.abs((s[0].MLP_mad as number) - 0.1) < 1e-12);
  assert.equal(s[0].DFT, '0.600 ± 0.160');
  const below = madSummary(sweep, { dkBelow: 0.66 }).objects() as Record<string, unknown>[];
  // DFT below 0.66: [.6 .6 .7 .5] mean .6 → MAD 0.05
  assert.ok(Math.abs((below[0].DFT_mad as number) - 0.05) < 1e-12);
  assert.equal(formatPlusMinus(0.641, 0.519), '0.641 ± 0.519');
  assert.equal(formatPlusMinus(76.91, 2.345), '76.91 ± 2.35');
});
