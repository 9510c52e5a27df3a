import { test } from 'node:test';
import assert from 'node:assert/strict';
import { semTable, semThresholds, type SemFrame, type SemRow, type SemThresholdRow } from '../src/core/sem.ts';
import { compareThresholds, comparisonSummary, outcome, splitBySemGroup, structureOfProperty } from '../src/core/comparison.ts';
import { recommendDk } from '../src/core/recommend.ts';
import type { ThresholdRow } from '../src/core/convergence.ts';

const frame = (id: string, dk: number, energy: number, forces: number[], virial: number[] | null, extra: Partial<SemFrame> = {}): SemFrame => ({
  id, dk, species: ['Al', 'Al'], positions: [0, 0, 0, 2, 2, 0], energy, forces, virial,
  metal: 'Al', lattice: 'fcc', structure: 'pristine', ...extra,
});
const V0 = [0, 0, 0, 0, 0, 0, 0, 0, 0];

test('SEM hand values: AEAD, E-RMSE, F-RMSE, V-RMSE against the reference configuration by configuration', () => {
  // two configurations of 2 atoms; reference 0.09; at 0.18: energies +0.2 eV and −0.4 eV →
  // e deltas +0.1, −0.2 eV/atom → AEAD −0.05, E-RMSE √((0.01 + 0.04)/2) = √0.025.
  // forces: one component off by 0.3 in config a, one by 0.4 in b → F-RMSE √((0.09 + 0.16)/12).
  // virial: config a component xx off by 1.0 eV → (1.0/2)² = 0.25 → V-RMSE √(0.25/18).
  const f0 = [0, 0, 0, 0, 0, 0];
  const frames = [
    frame('a', 0.09, -10, f0, V0), frame('b', 0.09, -11, f0, V0),
    frame('a', 0.18, -9.8, [0.3, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0, 0, 0, 0]), frame('b', 0.18, -11.4, [0, 0, 0, 0, 0.4, 0], V0),
  ];
  const rows = semTable(frames).objects() as SemRow[];
  const at = (sem: string, dk: number) => rows.find((r) => r.sem === sem && r.dk === dk)!.value;
  assert.equal(at('AEAD', 0.09), 0);
  assert.ok(Math.abs(at('AEAD', 0.18) - -0.05) < 1e-12);
  assert.ok(Math.abs(at('E-RMSE', 0.18) - Math.sqrt(0.025)) < 1e-12);
  assert.ok(Math.abs(at('F-RMSE', 0.18) - Math.sqrt(0.25 / 12)) < 1e-12);
  assert.ok(Math.abs(at('V-RMSE', 0.18) - Math.sqrt(0.25 / 18)) < 1e-12);
  assert.equal(rows[0].n_configs, 2);
  assert.equal(rows[0].ref_dk, 0.09);
});

test('SEM errors name the configuration: missing at a Δk, moved atom, other species, duplicate, no virial', () => {
  const f0 = [0, 0, 0, 0, 0, 0];
  const ok = [frame('a', 0.09, -10, f0, V0), frame('a', 0.18, -10, f0, V0)];
  assert.throws(() => semTable([...ok, frame('b', 0.09, -1, f0, V0)]), /configuration "b" of group Al fcc pristine is missing at Δk = 0.18/);
  assert.throws(() => semTable([ok[0], frame('a', 0.18, -10, f0, V0, { positions: [0, 0, 0, 2, 2, 1e-5] })]), /atom 1 is at a different position/);
  assert.throws(() => semTable([ok[0], frame('a', 0.18, -10, f0, V0, { species: ['Al', 'Cu'] })]), /has species Al Cu, at the reference Al Al/);
  assert.throws(() => semTable([...ok, ok[1]]), /appears twice/);
  assert.throws(() => semTable([ok[0], frame('a', 0.18, -10, f0, null)]), /no 9-component virial/);
  assert.doesNotThrow(() => semTable([ok[0], frame('a', 0.18, -10, f0, null)], { sems: ['AEAD', 'E-RMSE', 'F-RMSE'] }));
  assert.throws(() => semTable([ok[0]]), /single Δk/);
  assert.throws(() => semTable([...ok, frame('c', 0.18, -1, f0, V0)]), /configuration "c" of group Al fcc pristine at Δk = 0.18 Å⁻¹ is missing at the reference Δk 0.09/);
  assert.throws(() => semTable(ok, { reference: 0.12 }), /has no frames at the reference Δk 0.12/);
  // a duplicate is named before a missing configuration, in input order
  assert.throws(() => semTable([...ok, frame('b', 0.18, -1, f0, V0), ok[1]]), /"a" at Δk = 0.18 Å⁻¹ appears twice/);
  // every configuration at a Δk of its own: far more (Δk, configuration) pairs than frames
  const lone = Array.from({ length: 1100 }, (_, i) => frame(`x${i}`, 0.09 + i * 1e-4, -1, f0, V0));
  assert.throws(() => semTable(lone), /configuration "x0" of group Al fcc pristine is missing at Δk = 0.0901 Å⁻¹/);
  assert.throws(() => semTable([...lone, lone[5]]), /"x5" at Δk = 0.0905 Å⁻¹ appears twice/);
});

const semSeries = (structure: string, sem: string, values: number[], dks = [0.09, 0.12, 0.18, 0.24, 0.3]): SemRow[] =>
  dks.map((dk, i) => ({ metal: 'Al', lattice: 'fcc', structure, sem, ref_dk: 0.09, dk, value: values[i], n_configs: 10 }) as SemRow);

test('SEM thresholds: MAD of the SEM’s own series, reference included; |AEAD| for AEAD', () => {
  // V-RMSE [0, 0.01, 0.02, 0.1, 0.2]: mean 0.066, MAD = (0.066+0.056+0.046+0.034+0.134)/5 = 0.0672
  // bound 0.0336 → first ≥ at 0.24 (0.1).
  const t = semThresholds(semSeries('pristine', 'V-RMSE', [0, 0.01, 0.02, 0.1, 0.2])).objects() as SemThresholdRow[];
  assert.ok(Math.abs(t[0].mad - 0.0672) < 1e-12);
  assert.equal(t[0].threshold_dk, 0.24);
  const a = semThresholds(semSeries('pristine', 'AEAD', [0, -0.01, -0.02, -0.1, -0.2])).objects() as SemThresholdRow[];
  assert.equal(a[0].threshold_dk, 0.24);
});

test('paper’s worked example: minimum V-RMSE threshold 0.24 over groups → recommend 0.18', () => {
  const rows = [
    ...semSeries('pristine', 'V-RMSE', [0, 0.01, 0.02, 0.1, 0.2]), // Δk_T 0.24
    ...semSeries('vacancy', 'V-RMSE', [0, 0.001, 0.002, 0.003, 0.2]), // Δk_T 0.30
    ...semSeries('pristine', 'F-RMSE', [0, 0, 0, 0, 0]), // never
  ];
  const th = semThresholds(rows);
  const r = recommendDk(th);
  assert.equal(r.dk, 0.18);
  assert.equal(r.bound, 0.24);
  assert.match(r.reason, /largest sampled spacing strictly below the minimum F-RMSE\/V-RMSE threshold 0.24 Å⁻¹ \(set by Al fcc pristine V-RMSE\)/);
  // cost: Al FCC 2×2×2 supercell of the primitive cell (a = 4.04 Å): 15³ at 0.09, 8³ at 0.18
  const a = 4.04;
  const cell = [[0, a, a], [a, 0, a], [a, a, 0]];
  const rc = recommendDk(th, { structures: [{ cell, natoms: 8 }] });
  assert.deepEqual([rc.cost!.fullFinest, rc.cost!.fullRecommended], [15 ** 3, 8 ** 3]);
  assert.ok(Math.abs(rc.cost!.fullSaving - 3375 / 512) < 1e-12);
  // the mode rule: thresholds {0.24, 0.30, ∞} have no repeat → the smallest is the mode
  assert.equal(recommendDk(th, { rule: 'mode', sems: ['V-RMSE'] }).dk, 0.18);
  assert.throws(() => recommendDk(th.objects() as SemThresholdRow[]), /sampled Δk values are unknown/);
});

test('comparison outcomes: exact, conservative, mismatch; none counts as +∞; Fig. 5 percentages', () => {
  assert.equal(outcome(0.24, 0.24), 'exact');
  assert.equal(outcome(0.18, 0.24), 'conservative');
  assert.equal(outcome(0.3, 0.24), 'mismatch');
  assert.equal(outcome(null, null), 'exact');
  assert.equal(outcome(0.66, null), 'conservative');
  assert.equal(outcome(null, 0.66), 'mismatch');
  assert.equal(structureOfProperty('E_Td'), 'td');
  assert.equal(structureOfProperty('C44'), 'pristine');
  const prop = (property: string, threshold_dk: number | null): ThresholdRow => ({
    metal: 'Al', lattice: 'fcc', property, unit: 'eV', method: 'MLP', n_dk: 5, ref_dk: 0.12, ref_value: 0, mad: 1, mad_max: 1, factor: 0.5, bound: 0.5, threshold_dk, threshold_value: null,
  });
  const semTh: SemThresholdRow[] = [
    { metal: 'Al', lattice: 'fcc', structure: 'pristine', sem: 'V-RMSE', ref_dk: 0.09, mad: 1, factor: 0.5, bound: 0.5, threshold_dk: 0.24 },
    { metal: 'Al', lattice: 'fcc', structure: 'vacancy', sem: 'V-RMSE', ref_dk: 0.09, mad: 1, factor: 0.5, bound: 0.5, threshold_dk: 0.3 },
  ];
  const c = compareThresholds([prop('B0', 0.24), prop('C11', 0.66), prop('E_vac', 0.24)], semTh).objects() as { outcome: string }[];
  assert.deepEqual(c.map((x) => x.outcome), ['exact', 'conservative', 'mismatch']);
  const s = comparisonSummary(compareThresholds([prop('B0', 0.24), prop('C11', 0.66), prop('E_vac', 0.24)], semTh)).objects() as Record<string, number | string>[];
  const al = s.find((r) => r.by === 'metal' && r.key === 'Al')!;
  assert.ok(Math.abs((al.exact as number) - 100 / 3) < 1e-12 && al.n === 3);
  assert.throws(() => compareThresholds([prop('E_Oh', 0.3)], semTh), /no SEM thresholds for Al fcc oh/);
  // a partial test set: the properties without their group are returned by name, not dropped
  const dft = { ...prop('B0', 0.3), method: 'DFT' };
  const split = splitBySemGroup([prop('B0', 0.24), prop('E_Oh', 0.3), prop('E_vac', 0.24), prop('E_Td', 0.18), dft], semTh);
  assert.deepEqual(split.paired.map((p) => p.property), ['B0', 'E_vac']);
  assert.deepEqual(split.unpaired.map((p) => p.property), ['E_Oh', 'E_Td']);
  assert.equal(compareThresholds(split.paired, semTh).numRows(), 2);
});

test('nothing dropped or guessed: a missing requested SEM, a property without a SEM group, duplicate SEM rows', () => {
  const th = [{ metal: 'Al', lattice: 'fcc', structure: 'pristine', sem: 'F-RMSE', ref_dk: 0.09, mad: 0.1, mad_max: 0.1, factor: 0.5, threshold_dk: 0.36 }] as unknown as SemThresholdRow[];
  // the default SEMs are F-RMSE and V-RMSE: without V-RMSE the minimum over both is not known
  assert.throws(() => recommendDk(th, { dks: [0.09, 0.12, 0.3, 0.36] }), /no SEM thresholds for V-RMSE \(the table has F-RMSE\)/);
  assert.throws(() => recommendDk(th, { dks: [0.09, 0.12, 0.3, 0.36], sems: ['F-RMSE', 'V-RMS' as never] }), /no SEM thresholds for V-RMS/);
  assert.equal(recommendDk(th, { dks: [0.09, 0.12, 0.3, 0.36], sems: ['F-RMSE'] }).dk, 0.3);
  // E_int (an interstitial of unnamed site) has no SEM group: an error, not "pristine"
  assert.throws(() => structureOfProperty('E_int'), /no SEM structure group for property "E_int"/);
  assert.throws(() => structureOfProperty('Evac'), /no SEM structure group/);
  const mlp = [{ metal: 'Al', lattice: 'fcc', property: 'E_int', unit: 'eV', method: 'MLP', ref_dk: 0.12, ref_value: 3, mad: 0.1, mad_max: 0.1, factor: 0.5, threshold_dk: 0.66 }] as unknown as ThresholdRow[];
  assert.deepEqual(splitBySemGroup(mlp, th).unpaired.map((p) => p.property), ['E_int']);
  assert.throws(() => compareThresholds(mlp, th), /E_int/);
  // two rows of one SEM series at one Δk
  const rows = [0.09, 0.12, 0.12, 0.3].map((dk, i) => ({ metal: 'Al', lattice: 'fcc', structure: 'pristine', sem: 'F-RMSE', dk, ref_dk: 0.09, value: [0, 0.01, 0.5, 0.2][i], n_configs: 1 }));
  assert.throws(() => semThresholds(rows as unknown as SemRow[]), /F-RMSE has two rows at Δk = 0\.12/);
});
