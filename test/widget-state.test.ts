/**
 * The JupyterLab extension's state logic, without a browser: validation of untrusted payloads,
 * the thresholds recomputed at the slider's factor and the chosen reference (checked against
 * hand calculations), the chart and table rows of a selection, CSV, the SEM and comparison
 * views' data, and the vega-lite specs (compiled by vega-lite, units on every axis).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile, type TopLevelSpec } from 'vega-lite';
import { sweepBundle, SWEEP_MIME, type SweepPayload } from '../kernel-lib/src/display/bundle.ts';
import type { SweepRow } from '../kernel-lib/src/core/sweep.ts';
import type { ComparisonPayload, SemPayload } from '../kernel-lib/src/display/payloads.ts';
import {
  ALL, FACTOR_DEFAULT, ThresholdCache, chartData, clampFactor, facets, formatNumber, initialState,
  sweepModel, tableRows, thresholdsCsv, update,
} from '../extension/src/sweep/state.ts';
import { sweepFigure, semFigure, panelGrid, topLegend, seriesColours, chartConfig, columnFormatter, formatPercent, DELTAK_VERSION } from '../kernel-lib/src/charts/index.ts';
import { readFileSync } from 'node:fs';
import { semChartData, semModel, semOrder, semTableRows } from '../extension/src/sem/state.ts';
import { comparisonModel, recommendationText, shares } from '../extension/src/comparison/state.ts';
import { outcome } from '../kernel-lib/src/core/comparison.ts';
import type { SemName } from '../kernel-lib/src/core/sem.ts';
import { exportContext, savedState, sweepCode } from '../extension/src/sweep/state.ts';
import { initialSemState, semCode, semExportContext } from '../extension/src/sem/state.ts';
import { captionLines, contextJson, crc32, pngTexts, pngWithContext, svgWithContext } from '../extension/src/common/context.ts';
import { execFileSync } from 'node:child_process';
import { crc32 as zlibCrc32 } from 'node:zlib';

const XSS = '<img src=x onerror=alert(1)>';

/**
 * A hand-made sweep. DFT: 0, 0.1, 0.5, 1.0 at Δk 0.09, 0.12, 0.18, 0.24 (mean 0.4, MAD 0.35).
 * MLP: 2.0, 2.02, 2.04, 2.3 at Δk 0.12, 0.18, 0.24, 0.30 (mean 2.09, MAD 0.105).
 * MAD_max = 0.35 for both curves.
 */
function handSweep(property = 'E_vac', metal = 'Al', lattice = 'fcc'): SweepRow[] {
  const dft = [[0.09, 0], [0.12, 0.1], [0.18, 0.5], [0.24, 1.0]];
  const mlp = [[0.12, 2.0], [0.18, 2.02], [0.24, 2.04], [0.3, 2.3]];
  return [
    ...dft.map(([dk, value]) => ({ metal, lattice, property, unit: 'eV', method: 'DFT', dk, value })),
    ...mlp.map(([dk, value]) => ({ metal, lattice, property, unit: 'eV', method: 'MLP', dk, value })),
  ];
}

function payloadOf(rows: SweepRow[], options: { factor?: number } = {}): SweepPayload {
  return sweepBundle(rows, options).data[SWEEP_MIME] as SweepPayload;
}

test('sweep payload: choices and initial state', () => {
  const m = sweepModel(payloadOf([...handSweep(), ...handSweep('V0', 'Cu', 'bcc').map((r) => ({ ...r, unit: 'Å^3/atom' }))]));
  assert.deepEqual(m.choices.properties, ['E_vac', 'V0']);
  assert.equal(m.choices.units.get('V0'), 'Å^3/atom');
  assert.deepEqual(m.choices.metals, ['Al', 'Cu']);
  assert.deepEqual(m.choices.methods, ['DFT', 'MLP']);
  // Δk present in every curve: 0.12, 0.18, 0.24 (0.09 is DFT only, 0.30 MLP only); each has a
  // coarser Δk in some curve (0.30 of MLP), so each can give a threshold
  assert.deepEqual(m.choices.references.map((r) => r.value), ['auto', 'min', 'dk:0.12', 'dk:0.18', 'dk:0.24']);
  // without the MLP's 0.30, no curve is coarser than 0.24: that reference is not offered
  const m2 = sweepModel(payloadOf(handSweep().filter((r) => r.dk !== 0.3)));
  assert.deepEqual(m2.choices.references.map((r) => r.value), ['auto', 'min', 'dk:0.12', 'dk:0.18']);
  const s = initialState(m);
  assert.deepEqual(s, { property: 'E_vac', metal: ALL, lattice: ALL, methods: ['DFT', 'MLP'], factor: FACTOR_DEFAULT, reference: 'auto', clip: false, legend: [] });
});

test('sweep payload: invalid payloads are errors naming the field', () => {
  const good = payloadOf(handSweep());
  assert.throws(() => sweepModel(null), /sweep payload: expected an object, got null/);
  assert.throws(() => sweepModel({ ...good, version: 2 }), /expected version 1, got 2/);
  assert.throws(() => sweepModel({ ...good, kind: 'x' }), /expected kind "sweep" or "thresholds"/);
  assert.throws(() => sweepModel({ ...good, sweep: 'nope' }), /field "sweep": expected an array/);
  assert.throws(() => sweepModel({ ...good, options: { factor: 'a' } }), /options.factor.*finite number/);
  const bad = structuredClone(good);
  (bad.sweep[2] as unknown as Record<string, unknown>).value = 'NaN';
  assert.throws(() => sweepModel(bad), /row 2/);
});

test('thresholds follow the slider: hand-computed Δk_T at f = 0.25, 0.5, 1.0', () => {
  const m = sweepModel(payloadOf(handSweep()));
  const cache = new ThresholdCache(m);
  const at = (factor: number, reference: ReturnType<typeof initialState>['reference'] = 'auto') =>
    Object.fromEntries(cache.get({ factor, reference }).map((t) => [t.method, t]));
  // bound = f · 0.35. DFT deviations from x(0.09)=0: 0.1, 0.5, 1.0; MLP from x(0.12)=2.0: 0.02, 0.04, 0.3
  let t = at(0.5);
  assert.ok(Math.abs(t.DFT.mad - 0.35) < 1e-12 && Math.abs(t.MLP.mad - 0.105) < 1e-12);
  assert.ok(Math.abs(t.MLP.mad_max - 0.35) < 1e-12);
  assert.equal(t.DFT.threshold_dk, 0.18); // 0.5 ≥ 0.175
  assert.equal(t.MLP.threshold_dk, 0.3); // 0.3 ≥ 0.175
  t = at(0.25); // bound 0.0875
  assert.equal(t.DFT.threshold_dk, 0.12);
  assert.equal(t.MLP.threshold_dk, 0.3);
  t = at(1.0); // bound 0.35: MLP never reaches it
  assert.equal(t.DFT.threshold_dk, 0.18);
  assert.equal(t.MLP.threshold_dk, null);
  // reference Δk 0.12 for every curve: DFT deviations from 0.1 are 0.4 (0.18), 0.9 (0.24)
  t = at(0.5, 'dk:0.12');
  assert.equal(t.DFT.ref_dk, 0.12);
  assert.equal(t.DFT.ref_value, 0.1);
  assert.equal(t.DFT.threshold_dk, 0.18);
  // "min": DFT's own smallest Δk is 0.09 too, so same as auto here
  assert.equal(at(0.5, 'min').DFT.ref_dk, 0.09);
});

test('state updates are validated; factors are clamped to the slider', () => {
  const m = sweepModel(payloadOf(handSweep()));
  const s = initialState(m);
  assert.deepEqual(update(m, s, { methods: ['MLP', 'DFT'] }).methods, ['DFT', 'MLP'], 'display order kept');
  assert.throws(() => update(m, s, { property: XSS }), /unknown property/);
  assert.throws(() => update(m, s, { metal: 'Zr' }), /unknown metal "Zr"/);
  assert.throws(() => update(m, s, { factor: 1.5 }), /factor must be within \[0.1, 1\]/);
  assert.throws(() => update(m, s, { reference: 'dk:0.09' }), /unknown reference choice/);
  assert.equal(clampFactor(3), 1);
  assert.equal(clampFactor(0.01), 0.1);
  assert.equal(clampFactor(0.33), 0.33);
  assert.equal(initialState(sweepModel(payloadOf(handSweep(), { factor: 0.75 }))).factor, 0.75);
});

test('chart and table rows of a selection', () => {
  const rows = [...handSweep(), ...handSweep('E_vac', 'Cu', 'fcc'), ...handSweep('V0')];
  const m = sweepModel(payloadOf(rows));
  const cache = new ThresholdCache(m);
  let s = initialState(m);
  let data = chartData(m, s, cache.get(s));
  const count = (layer: string) => data.filter((d) => d.layer === layer).length;
  // E_vac of Al and Cu: 2 groups × (4 + 4 points, 2 bands, 2 references, 2 thresholds)
  assert.deepEqual([count('point'), count('band'), count('reference'), count('threshold')], [16, 4, 4, 4]);
  const band = data.find((d) => d.layer === 'band' && d.method === 'DFT' && d.panel === 'Al fcc')!;
  assert.ok(Math.abs(band.lo! - -0.175) < 1e-12 && Math.abs(band.hi! - 0.175) < 1e-12);
  // deviation of a point from x_ref in the unit and in MAD_max: DFT at 0.18 is 0.5 from 0 (MAD_max 0.35)
  const p18 = data.find((d) => d.layer === 'point' && d.method === 'DFT' && d.panel === 'Al fcc' && d.dk === 0.18)!;
  assert.equal(p18.dev, 0.5);
  assert.ok(Math.abs(p18.dev_mad! - 0.5 / 0.35) < 1e-12);
  assert.equal(p18.unit, 'eV');
  assert.deepEqual(facets(m, s), { metals: ['Al', 'Cu'], lattices: ['fcc'] });
  s = update(m, s, { methods: ['DFT'], metal: 'Cu', factor: 1.0 });
  data = chartData(m, s, cache.get(s));
  assert.ok(data.every((d) => d.method === 'DFT' && d.panel === 'Cu fcc'));
  const table = tableRows(s, cache.get(s));
  assert.deepEqual(table.map((t) => [t.metal, t.method, t.property, t.threshold_dk]), [['Cu', 'DFT', 'E_vac', 0.18]]);
  s = update(m, s, { methods: ['MLP'] });
  assert.equal(chartData(m, s, cache.get(s)).filter((d) => d.layer === 'threshold').length, 0, 'Δk_T none: no outlined point');
});

test('numbers and CSV', () => {
  assert.equal(formatNumber(null), 'none');
  assert.equal(formatNumber(0.123456), '0.1235');
  assert.equal(formatNumber(16.21206051), '16.21');
  assert.equal(formatNumber(0.0001234), '1.234e-4');
  assert.equal(formatNumber(0), '0');
  const rows = handSweep().map((r) => ({ ...r, property: XSS, metal: 'A,"l"' }));
  const m = sweepModel(payloadOf(rows));
  const th = new ThresholdCache(m).get({ factor: 1, reference: 'auto' });
  const csv = thresholdsCsv(th);
  assert.ok(csv.startsWith('\uFEFFmetal,'), 'UTF-8 BOM, then the header: no comment line');
  const lines = csv.slice(1).trimEnd().split('\r\n');
  lines.unshift('');
  assert.equal(lines[1], 'metal,lattice,property,unit,method,n_dk,ref_dk (Å⁻¹),ref_value,mad,mad_max,factor,bound,threshold_dk (Å⁻¹),threshold_value');
  assert.equal(lines.length, 4);
  assert.ok(lines[2].startsWith(`"A,""l""",fcc,${XSS},eV,DFT,4,0.09,0,0.35,0.35,1,0.35,0.18,0.5`), lines[2]);
  assert.ok(lines[3].endsWith(',,'), `null threshold is an empty field: ${lines[3]}`);
});

/** vega-lite axis titles of a compiled spec (vega's axes at any depth). */
function axisTitles(spec: TopLevelSpec): string[] {
  const titles: string[] = [];
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === 'object') {
      const o = x as Record<string, unknown>;
      if (Array.isArray(o.axes)) for (const a of o.axes as Record<string, unknown>[]) if (typeof a.title === 'string') titles.push(a.title);
      Object.values(o).forEach(walk);
    }
  };
  walk(compile(spec).spec);
  return titles;
}

/** Compile a spec with vega-lite and run it in vega (no renderer): throws on any error. */
async function runSpec(spec: Record<string, unknown>): Promise<void> {
  const vega = await import('vega');
  const view = new vega.View(vega.parse(compile(spec as unknown as TopLevelSpec).spec), { renderer: 'none' });
  await view.runAsync();
  view.finalize();
}

test('sweep figure: one definition, units on both axes, names with quotes, panels wrap to the width', async () => {
  const rows = [...handSweep(`C"44`, XSS), ...handSweep(`C"44`, 'Cu', 'bcc')];
  const m = sweepModel(payloadOf(rows));
  const s = initialState(m);
  const values = chartData(m, s, new ThresholdCache(m).get(s), true);
  for (const interactive of [false, true]) {
    for (const data of [{ values }, { name: 'deltak_data' }]) {
      const spec = sweepFigure({ property: `C"44`, unit: 'GPa', panels: [`${XSS} fcc`, 'Cu bcc'], methods: ['DFT', 'MLP'], dks: [0.09, 0.12, 0.18, 0.24, 0.3], width: 820, interactive }, data);
      const titles = new Set(axisTitles(spec as unknown as TopLevelSpec));
      assert.ok(titles.has('Δk (Å⁻¹)'), [...titles].join('; '));
      assert.ok(titles.has('C"44 (GPa)'), [...titles].join('; '));
      await runSpec(spec);
    }
  }
  // x ticks at the sampled Δk
  const spec = sweepFigure({ property: 'B0', unit: 'GPa', panels: ['Al fcc'], methods: ['DFT'], dks: [0.09, 0.66], width: 820 }, { values: [] });
  assert.deepEqual(((spec.spec as { layer: { encoding: { x?: { axis: { values: number[] } } } }[] }).layer[2].encoding.x!.axis.values), [0.09, 0.66]);
  // panels wrap: every panel (width + axis gutter) fits the width given
  for (const [width, n] of [[820, 4], [1400, 4], [820, 9], [640, 1]]) {
    const g = panelGrid(width, n, { minWidth: 170, maxWidth: 420, gutter: 90 });
    assert.ok(g.columns * (g.width + 90) <= width, `${n} panels at ${width} px: ${g.columns} × ${g.width} px`);
    assert.ok(g.width >= 140, `panels stay readable at ${width} px`);
  }
  assert.equal(panelGrid(1400, 4, { minWidth: 170, maxWidth: 420, gutter: 90 }).columns, 4, 'four SEM panels side by side at 1400 px');
  assert.equal(panelGrid(820, 4, { minWidth: 170, maxWidth: 420, gutter: 90 }).columns, 3, 'three columns at 820 px');
  // narrower than one panel at its minimum (a 640 px window beside JupyterLab's file browser): the
  // panel narrows with the space, beside its axis
  for (const [width, gutter] of [[272, 110], [250, 90], [150, 110]]) {
    const g = panelGrid(width, 2, { minWidth: 150, maxWidth: 320, gutter });
    assert.equal(g.columns, 1);
    assert.ok(g.width + gutter <= width - 20 || g.width === 60, `one panel at ${width} px: ${g.width} px`);
  }
  assert.equal(panelGrid(272, 2, { minWidth: 150, maxWidth: 320, gutter: 110 }).width, 142, '272 − 20 − 110');
  assert.equal(panelGrid(272, 2, { minWidth: 150, maxWidth: 320, gutter: 110 }).figureWidth, 252, '1 × (142 + 110)');
  // legends wrap with the figure: one entry per row in it, a row of entries in a wide one
  assert.equal(topLegend(panelGrid(272, 2, { minWidth: 150, maxWidth: 320, gutter: 110 }).figureWidth).columns, 1);
  assert.equal(topLegend(panelGrid(1400, 4, { minWidth: 170, maxWidth: 420, gutter: 90 }).figureWidth).columns, 7);
});

test('clipped outliers: drawn at the edge of the range, flagged, the true value kept', () => {
  const rows = handSweep().map((r) => (r.method === 'DFT' && r.dk === 0.24 ? { ...r, value: -300 } : r));
  const m = sweepModel(payloadOf(rows));
  const s = initialState(m);
  const th = new ThresholdCache(m).get(s);
  const far = chartData(m, s, th, true).find((d) => d.layer === 'point' && d.value === -300)!;
  assert.equal(far.clipped, true);
  assert.ok(far.y! > -300 && far.y! < 0, `drawn at the edge (${far.y})`);
  assert.equal(chartData(m, s, th, false).find((d) => d.value === -300)!.clipped, false);
});

test('one palette: a name has one colour in every chart and both themes; config follows the theme', () => {
  const a = seriesColours(['DFT', 'MLP']);
  const b = seriesColours(['MLP', 'DFT', 'SCAN']);
  assert.equal(a[0], b[1]);
  assert.equal(a[1], b[0]);
  const s1 = seriesColours(['pristine', 'vacancy', 'dimer']);
  const s2 = seriesColours(['dimer', 'vacancy']);
  assert.equal(s1[2], s2[0], 'an unknown name keeps its colour');
  assert.equal(new Set(seriesColours(['a', 'b', 'c', 'd', 'e', 'f', 'g'])).size, 7, 'no two series of a chart share a colour');
  assert.equal((chartConfig() as { aria: boolean }).aria, false, 'fallback: no generated descriptions (names with quotes)');
  assert.equal(DELTAK_VERSION, JSON.parse(readFileSync(new URL('../kernel-lib/package.json', import.meta.url), 'utf8')).version);
});

test('numbers: one notation per column, shares as percentages', () => {
  const f = columnFormatter([2.1256e-7, 0.00000529186, 0.5]);
  assert.deepEqual([f(2.1256e-7), f(0.00000529186), f(0.5)], ['2.126e-7', '5.292e-6', '5e-1']);
  const g = columnFormatter([421.875, 16.21206051, null]);
  assert.deepEqual([g(421.875), g(16.21206051), g(null)], ['421.9', '16.21', 'none']);
  assert.equal(formatPercent(28.5714), '28.6 %');
});

/** A hand-made SEM payload: one group, pristine and vacancy, F-RMSE and V-RMSE at 4 Δk. */
function semPayload(): SemPayload {
  const dks = [0.09, 0.12, 0.18, 0.24];
  const series: Record<string, number[]> = { 'pristine F-RMSE': [0, 0.001, 0.004, 0.02], 'vacancy F-RMSE': [0, 0.002, 0.01, 0.03], 'pristine V-RMSE': [0, 0.002, 0.003, 0.05] };
  const sems = Object.entries(series).flatMap(([k, vs]) => {
    const [structure, sem] = k.split(' ');
    return vs.map((value, i) => ({ metal: 'Al', lattice: 'fcc', structure, sem: sem as SemName, ref_dk: 0.09, dk: dks[i], value, n_configs: 5 }));
  });
  return {
    version: 1, sems, options: { factor: 0.5, reference_dk: 0.09 },
    thresholds: [
      { metal: 'Al', lattice: 'fcc', structure: 'pristine', sem: 'F-RMSE', ref_dk: 0.09, mad: 0.0075, factor: 0.5, bound: 0.00375, threshold_dk: 0.18 },
      { metal: 'Al', lattice: 'fcc', structure: 'pristine', sem: 'V-RMSE', ref_dk: 0.09, mad: 0.0165, factor: 0.5, bound: 0.00825, threshold_dk: 0.24 },
      { metal: 'Al', lattice: 'fcc', structure: 'vacancy', sem: 'F-RMSE', ref_dk: 0.09, mad: 0.011, factor: 0.5, bound: 0.0055, threshold_dk: null },
    ],
    units: { dk: 'Å⁻¹', 'F-RMSE': 'eV/Å', 'V-RMSE': 'eV/atom' },
  };
}

test('SEM figure: four SEMs with their units, names with quotes, compiled and run', async () => {
  const m = semModel(semPayload());
  const data = semChartData(m, { group: ALL });
  const spec = semFigure({ panels: m.groups, sems: ['AEAD', 'E-RMSE', 'F-RMSE', 'V-RMSE'], units: { AEAD: 'eV/atom', 'E-RMSE': 'eV/atom', 'F-RMSE': 'eV/Å', 'V-RMSE': 'eV/atom' }, structures: m.structures, dks: [0.09, 0.24], width: 820 }, { values: data.map((d) => ({ ...d, panel: d.panel })) });
  const titles = new Set(axisTitles(spec as unknown as TopLevelSpec));
  for (const t of ['AEAD (eV/atom)', 'E-RMSE (eV/atom)', 'F-RMSE (eV/Å)', 'V-RMSE (eV/atom)', 'Δk (Å⁻¹)']) assert.ok(titles.has(t), t);
  assert.equal(spec.columns, 3);
  await runSpec(spec);
});

test('SEM view: validation, order, chart data', () => {
  const m = semModel(semPayload());
  assert.deepEqual(m.sems, ['F-RMSE', 'V-RMSE']);
  assert.deepEqual(['X', 'V-RMSE', 'AEAD', 'E-RMSE'].sort(semOrder), ['AEAD', 'E-RMSE', 'V-RMSE', 'X']);
  const data = semChartData(m, { group: 'Al fcc' });
  assert.equal(data.filter((d) => d.layer === 'point').length, 12);
  const th = data.filter((d) => d.layer === 'threshold');
  assert.deepEqual(th.map((d) => [d.structure, d.sem, d.dk, d.value]), [['pristine', 'F-RMSE', 0.18, 0.004], ['pristine', 'V-RMSE', 0.24, 0.05]]);
  assert.equal(semTableRows(m, { group: 'Cu bcc' }).length, 0);
  const bad = semPayload();
  delete (bad.units as Record<string, string>)['V-RMSE'];
  assert.throws(() => semModel(bad), /units\["V-RMSE"\] \(unit of V-RMSE\): expected a string/);
  const bad2 = semPayload();
  bad2.sems.push({ ...bad2.sems[0] });
  assert.throws(() => semModel(bad2), /sems\[12\]: a second row/);
  const bad4 = semPayload() as unknown as { sems: Record<string, unknown>[] };
  delete bad4.sems[0].ref_dk;
  assert.throws(() => semModel(bad4), /sems\[0\]\.ref_dk: expected a finite number/, 'rows of semTable, with their reference Δk');
  const bad3 = semPayload();
  bad3.thresholds[0].threshold_dk = 0.5;
  assert.throws(() => semChartData(semModel(bad3), { group: '*' }), /threshold 0.5 Å⁻¹ of Al fcc pristine F-RMSE is not a Δk/);
});

function comparisonPayload(): ComparisonPayload {
  const pair = (metal: string, sem: SemName, s: number | null, m: number | null) => ({
    metal, lattice: 'fcc', property: 'E_vac', structure: 'vacancy', sem, sem_dk: s, mlp_dk: m, outcome: outcome(s, m),
  });
  return {
    version: 1,
    pairs: [pair('Al', 'F-RMSE', 0.18, 0.18), pair('Al', 'V-RMSE', 0.12, 0.24), pair('Cu', 'F-RMSE', 0.3, 0.24), pair('Cu', 'V-RMSE', 0.24, null)],
    recommendation: {
      dk: 0.18, bound: 0.24, rule: 'min', sems: ['F-RMSE', 'V-RMSE'], limitedBy: 'Cu fcc vacancy V-RMSE', reason: 'Δk = 0.18 Å⁻¹ is the largest sampled spacing strictly below the minimum F-RMSE/V-RMSE threshold 0.24 Å⁻¹.',
      cost: {
        baselineDk: 0.09, baselineReason: 'baseline Δk 0.09 Å⁻¹, chosen by the user', fullBaseline: 7000, finestDk: 0.09, fullFinest: 7000, fullRecommended: 1000, fullSaving: 7,
        irreducibleBaseline: null, irreducibleFinest: null, irreducibleRecommended: null, irreducibleSaving: null,
      },
    },
    units: { dk: 'Å⁻¹' },
  };
}

test('comparison view: outcomes, shares, recommendation', () => {
  assert.equal(outcome(0.18, 0.18), 'exact');
  assert.equal(outcome(0.12, 0.24), 'conservative');
  assert.equal(outcome(0.3, 0.24), 'mismatch');
  assert.equal(outcome(0.24, null), 'conservative', 'none is +∞');
  assert.equal(outcome(null, null), 'exact');
  const p = comparisonModel(comparisonPayload());
  const sh = shares(p.pairs);
  const get = (by: string, g: string, o: string) => sh.find((r) => r.by === by && r.group === g && r.outcome === o)!;
  assert.deepEqual([get('metal', 'Al', 'exact').percent, get('metal', 'Al', 'conservative').percent, get('metal', 'Al', 'mismatch').percent], [50, 50, 0]);
  assert.deepEqual([get('SEM', 'V-RMSE', 'conservative').count, get('SEM', 'V-RMSE', 'conservative').total], [2, 2]);
  assert.equal(sh.length, 2 * 3 + 2 * 3);
  assert.equal(recommendationText(p), 'Recommended Δk for training data: 0.18 Å⁻¹ (the largest sampled Δk below the smallest SEM threshold of F-RMSE, V-RMSE, 0.24 Å⁻¹). k-points: 1000 at 0.18 Å⁻¹ against 7000 at the baseline 0.09 Å⁻¹, 7× fewer. Baseline: baseline Δk 0.09 Å⁻¹, chosen by the user.');
  const none = comparisonPayload();
  Object.assign(none.recommendation, { dk: null, bound: 0.12, cost: null });
  assert.equal(recommendationText(comparisonModel(none)), 'No recommendation: no sampled Δk lies below the SEM thresholds of F-RMSE, V-RMSE; use the finest Δk.');
  const bad = comparisonPayload();
  bad.pairs[2].outcome = 'exact';
  assert.throws(() => comparisonModel(bad), /pairs\[2\]: outcome "exact" contradicts Δk_T\^SEM 0.3 and Δk_T\^MLP 0.24 Å⁻¹ \(expected "mismatch"\)/);
  // the payload carries the core records under their own names
  const renamed = comparisonPayload() as unknown as { pairs: Record<string, unknown>[]; recommendation: Record<string, unknown> };
  renamed.pairs[0] = { ...renamed.pairs[0], mlp_threshold_dk: 0.18 };
  delete renamed.pairs[0].mlp_dk;
  assert.throws(() => comparisonModel(renamed), /pairs\[0\]\.mlp_dk: expected a finite number, got undefined/);
  const rule = comparisonPayload();
  (rule.recommendation as unknown as Record<string, unknown>).rule = 'below-min';
  assert.throws(() => comparisonModel(rule), /recommendation\.rule: expected "min" or "mode", got "below-min"/);
});

test('the SEM and comparison bundles made by kernel-lib are accepted and drawn by the views', async () => {
  const { semBundle, comparisonBundle } = await import('../kernel-lib/src/display/analyses.ts');
  const { recommendDk } = await import('../kernel-lib/src/core/recommend.ts');
  const { semThresholds } = await import('../kernel-lib/src/core/sem.ts');
  const dks = [0.09, 0.12, 0.18, 0.24, 0.3];
  // V-RMSE of pristine Al fcc: 0, 0.001, 0.002, 0.02, 0.05 (mean 0.0146, MAD 0.01632, bound
  // 0.00816 → Δk_T 0.24); F-RMSE: 0, 0.001, 0.001, 0.002, 0.03 (mean 0.0068, MAD 0.00928, bound
  // 0.00464 → Δk_T 0.3).
  const series: Record<string, number[]> = { 'V-RMSE': [0, 0.001, 0.002, 0.02, 0.05], 'F-RMSE': [0, 0.001, 0.001, 0.002, 0.03] };
  const rows = Object.entries(series).flatMap(([sem, vs]) =>
    vs.map((value, i) => ({ metal: 'Al', lattice: 'fcc', structure: 'pristine', sem: sem as 'V-RMSE', ref_dk: 0.09, dk: dks[i], value, n_configs: 3 })),
  );
  const sem = semModel(semBundle(rows).data['application/vnd.deltak.sem.v1+json']);
  const th = Object.fromEntries(semTableRows(sem, { group: ALL }).map((t) => [t.sem, t.threshold_dk]));
  assert.deepEqual(th, { 'F-RMSE': 0.3, 'V-RMSE': 0.24 });
  assert.equal(semChartData(sem, { group: ALL }).filter((d) => d.layer === 'threshold').length, 2);
  const rec = recommendDk(semThresholds(rows));
  assert.equal(rec.dk, 0.18, 'largest sampled Δk below min(0.24, 0.3)');
  const pairs = [
    { metal: 'Al', lattice: 'fcc', property: 'B0', structure: 'pristine', sem: 'V-RMSE' as const, mlp_dk: 0.3, sem_dk: 0.24, outcome: 'conservative' as const },
    { metal: 'Al', lattice: 'fcc', property: 'V0', structure: 'pristine', sem: 'V-RMSE' as const, mlp_dk: 0.24, sem_dk: 0.24, outcome: 'exact' as const },
  ];
  const cmp = comparisonModel(comparisonBundle(pairs, rec).data['application/vnd.deltak.comparison.v1+json']);
  assert.match(recommendationText(cmp), /^Recommended Δk for training data: 0.18 Å⁻¹ \(the largest sampled Δk below the smallest SEM threshold of F-RMSE, V-RMSE, 0.24 Å⁻¹\)\.$/);
  assert.deepEqual(shares(cmp.pairs).filter((r) => r.by === 'metal').map((r) => r.percent), [50, 50, 0]);
});

/** The options object of a `dk.showX(name, { … })` call, evaluated as the notebook would. */
function optionsOfCall(code: string, fn: string, arg: string): Record<string, unknown> {
  const m = new RegExp(`^dk\\.${fn}\\(${arg}, (\\{.*\\})\\);$`).exec(code);
  assert.ok(m, `a ${fn} call: ${code}`);
  return new Function(`return (${m[1]});`)() as Record<string, unknown>;
}

test('sweep state: saved in the notebook and read back; invalid saved fields are ignored', () => {
  const rows = [...handSweep(), ...handSweep('V0', 'Cu', 'bcc').map((r) => ({ ...r, unit: 'Å^3/atom' }))];
  const m = sweepModel(payloadOf(rows));
  const s = update(m, initialState(m), { property: 'V0', metal: 'Cu', methods: ['DFT'], factor: 0.65, reference: 'dk:0.12', clip: true, legend: ['MLP'] });
  const saved = JSON.parse(JSON.stringify(savedState(s)));
  assert.deepEqual(initialState(m, saved), s, 'a saved state reopens as it was');
  // a saved state from another payload or an older widget: what is valid is kept, the rest is the payload's
  const odd = { ...saved, property: 'C44', factor: 7, methods: 'DFT', legend: ['SCAN'], clip: 'yes', lattice: 'bcc' };
  assert.deepEqual(initialState(m, odd), { ...initialState(m), metal: 'Cu', lattice: 'bcc', reference: 'dk:0.12' });
  for (const junk of [null, 3, 'x', [1, 2]]) assert.deepEqual(initialState(m, junk), initialState(m));
  assert.throws(() => update(m, s, { legend: ['SCAN'] }), /unknown method "SCAN" in the legend/);
  assert.throws(() => update(m, s, { clip: 'yes' as unknown as boolean }), /clip must be true or false/);
});

test('copy as code: the showSweep call reopens the widget in the same state', () => {
  const rows = [...handSweep(), ...handSweep('V0', 'Cu', 'bcc').map((r) => ({ ...r, unit: 'Å^3/atom' }))];
  const m = sweepModel(payloadOf(rows));
  assert.equal(sweepCode(m, initialState(m)), 'dk.showSweep(sweep, { factor: 0.5, reference: "auto" });');
  const s = update(m, initialState(m), { property: 'V0', metal: 'Cu', methods: ['DFT'], factor: 0.65, reference: 'dk:0.12', clip: true, legend: ['DFT'] });
  const code = sweepCode(m, s);
  assert.equal(code, 'dk.showSweep(sweep, { factor: 0.65, reference: 0.12, property: "V0", metal: "Cu", methods: ["DFT"], clip: true, legend: ["DFT"] });');
  // the call, run through kernel-lib's bundle, opens the widget on that state
  const again = sweepModel(sweepBundle(rows, optionsOfCall(code, 'showSweep', 'sweep')).data[SWEEP_MIME]);
  assert.deepEqual(initialState(again), s);
  // names with quotes stay valid source
  const q = sweepModel(payloadOf(handSweep(`C"44`, `Al"x`)));
  const qs = update(q, initialState(q), { metal: `Al"x` });
  assert.equal(optionsOfCall(sweepCode(q, qs), 'showSweep', 'sweep').metal, `Al"x`);
});

test('SEM state and copy as code: the group and the legend picks are saved and written back as showSem', async () => {
  const { semBundle } = await import('../kernel-lib/src/display/analyses.ts');
  const p = semPayload();
  const two = { ...p, sems: [...p.sems, ...p.sems.map((r) => ({ ...r, metal: 'Cu' }))] };
  const m = semModel(two);
  assert.deepEqual(m.structures, ['pristine', 'vacancy']);
  assert.deepEqual(initialSemState(m), { group: ALL, legend: [] });
  assert.deepEqual(initialSemState(m, { group: 'Cu fcc' }), { group: 'Cu fcc', legend: [] });
  assert.deepEqual(initialSemState(m, { group: 'Zr hcp' }), { group: ALL, legend: [] }, 'an unknown group is ignored');
  assert.deepEqual(initialSemState(m, { legend: ['vacancy', 'interstitial', 3] }), { group: ALL, legend: ['vacancy'] }, 'unknown picks are dropped');
  assert.equal(semCode(m, { group: ALL, legend: [] }), 'dk.showSem(sem, { factor: 0.5 });');
  const code = semCode(m, { group: 'Cu fcc', legend: ['vacancy'] });
  assert.equal(code, 'dk.showSem(sem, { factor: 0.5, group: "Cu fcc", legend: ["vacancy"] });');
  const rows = two.sems; // the payload's rows are rows of semTable
  const back = semModel(semBundle(rows, optionsOfCall(code, 'showSem', 'sem')).data['application/vnd.deltak.sem.v1+json']);
  assert.deepEqual(initialSemState(back), { group: 'Cu fcc', legend: ['vacancy'] });
  assert.throws(() => semBundle(rows, { legend: ['interstitial'] }), /legend names structure types the SEM table does not have: "interstitial"/);
  assert.throws(() => semBundle(rows, { group: 'Zr hcp' }), /group "Zr hcp" is not one of the SEM table's/);
  const ctx = semExportContext(m, { group: 'Cu fcc', legend: [] });
  assert.equal(ctx.factor, 0.5);
  assert.equal(ctx.units['F-RMSE'], 'eV/Å');
  assert.equal(ctx.selection, 'Cu fcc');
  assert.equal(semExportContext(m, { group: ALL, legend: ['vacancy'] }).selection, 'legend: vacancy');
});

test('exports carry their context: SVG title, desc, metadata and caption; PNG text chunks; CSV context JSON', async () => {
  const m = sweepModel(sweepBundle(handSweep(), { source: 'data/al/manifest.json' }).data[SWEEP_MIME]);
  const s = update(m, initialState(m), { factor: 0.35, reference: 'dk:0.12' });
  const ctx = exportContext(m, s);
  assert.equal(ctx.factor, 0.35);
  assert.equal(ctx.reference, '0.12 Å⁻¹ for every curve');
  assert.equal(ctx.source, 'data/al/manifest.json');
  assert.equal(ctx.version, DELTAK_VERSION);
  assert.match(ctx.title, /^E_vac \(eV\) against Δk \(Å⁻¹\) with thresholds Δk_T at f = 0\.35$/);
  assert.deepEqual(JSON.parse(contextJson(ctx)), { generator: `deltak ${DELTAK_VERSION}`, ...ctx });
  // a real drawing (vega in Node), then its context
  const vega = await import('vega');
  const spec = sweepFigure({ property: 'E_vac', unit: 'eV', panels: ['Al fcc'], methods: m.choices.methods, dks: [0.09, 0.12, 0.18, 0.24, 0.3] }, { values: chartData(m, s, new ThresholdCache(m).get(s)) });
  const view = new vega.View(vega.parse(compile(spec as unknown as TopLevelSpec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const out = svgWithContext(svg, { ...ctx, source: 'a <b>"quoted"</b> & odd source' }, { text: '#111111', background: '#ffffff' });
  // parsed by an XML parser (Python's), as a reader of the file would
  const py = new URL('../.venv/bin/python', import.meta.url).pathname;
  const parsed = JSON.parse(execFileSync(py, ['-c', `
import sys, json, xml.etree.ElementTree as ET
ns = {"s": "http://www.w3.org/2000/svg", "d": "urn:deltak:export-context"}
r = ET.fromstring(sys.stdin.read())
print(json.dumps({"title": r.find("s:title", ns).text, "desc": r.find("s:desc", ns).text,
  "context": json.loads(r.find("s:metadata/d:deltak-context", ns).text), "height": float(r.get("height")),
  "caption": [t.text for t in r.findall(".//s:g[@class='deltak-caption']/s:text", ns)]}))
`], { input: out, encoding: 'utf8' }));
  assert.equal(parsed.title, ctx.title);
  assert.equal(parsed.context.factor, 0.35);
  assert.equal(parsed.context.source, 'a <b>"quoted"</b> & odd source');
  assert.equal(parsed.context.version, DELTAK_VERSION);
  assert.deepEqual(parsed.caption, captionLines({ ...ctx, source: 'a <b>"quoted"</b> & odd source' }));
  assert.match(parsed.desc, /^f = 0\.35; reference: 0\.12 Å⁻¹ for every curve/);
  assert.ok(parsed.height > Number(/height="([0-9.]+)"/.exec(svg)![1]), 'the caption adds height');
  // PNG: iTXt chunks (UTF-8) with valid CRCs, after IHDR
  const tiny = Uint8Array.from(Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64'));
  const png = pngWithContext(tiny, ctx);
  const texts = pngTexts(png);
  assert.equal(texts.Title, ctx.title);
  assert.deepEqual(JSON.parse(texts['deltak-context']), ctx);
  assert.equal(texts.Software, `deltak ${DELTAK_VERSION}`);
  assert.equal(crc32(new TextEncoder().encode('IEND')), zlibCrc32('IEND'));
  for (let at = 8; at < png.length;) {
    const len = new DataView(png.buffer, png.byteOffset).getUint32(at);
    const crc = new DataView(png.buffer, png.byteOffset).getUint32(at + 8 + len);
    assert.equal(crc, zlibCrc32(png.subarray(at + 4, at + 8 + len)), 'chunk CRC');
    at += 12 + len;
  }
  assert.throws(() => pngWithContext(new Uint8Array(40), ctx), /not a PNG/);
});

test('a chart shown as it is: the bundle kernel-lib makes, drawn in the theme, its data as CSV, its context', async () => {
  const { chartBundle } = await import('../kernel-lib/src/display/chart.ts');
  const { CHART_MIME, VEGALITE_MIME } = await import('../kernel-lib/src/display/payloads.ts'); // as the browser reads them
  const { parityChart, rmseChart, DARK_THEME } = await import('../kernel-lib/src/charts/index.ts');
  const { chartModel, themedSpec, chartTable, chartFileStem, chartExportContext } = await import('../extension/src/chart/state.ts');
  const points = [0.12, 0.24].flatMap((dk) => [1, 2, 3].map((i) => ({ dk, quantity: 'energy', dft: -3.7 + i * 0.01, mlp: -3.7 + i * 0.01 + dk * 0.001 })));
  const b = chartBundle(parityChart(points, 'energy'), { source: `parity of ${XSS}` });
  assert.deepEqual(Object.keys(b.data).sort(), [CHART_MIME, 'text/plain', VEGALITE_MIME].sort());
  const m = chartModel(b.data[CHART_MIME], b.data[VEGALITE_MIME]);
  assert.equal(m.payload.title, 'deltak: parity of MLP against DFT, energy');
  assert.equal(b.data['text/plain'], m.payload.title);
  // the theme's colours and transparent background; the spec's own config (no ARIA descriptions) kept
  const dark = themedSpec(m.spec, DARK_THEME);
  const config = dark.config as Record<string, Record<string, unknown> | unknown>;
  assert.equal(config.background, null);
  assert.equal(config.aria, false, 'the spec keeps aria: false (vega-lite 5.6.1 pastes titles into ARIA expressions)');
  assert.equal((config.axis as Record<string, unknown>).labelColor, DARK_THEME.secondaryText);
  assert.equal((config.legend as Record<string, unknown>).labelLimit, 320, 'the spec’s legend settings stay');
  assert.equal((config.legend as Record<string, unknown>).labelColor, DARK_THEME.text);
  assert.ok(!('background' in (m.spec.config as object)), 'the payload’s spec is not changed');
  assert.ok(compile(dark as unknown as TopLevelSpec).spec, 'compiles with vega-lite');
  // the CSV is the chart's largest inline dataset: the points, not the y = x line
  const t = chartTable(m.spec);
  assert.deepEqual(t.header, ['dk', 'quantity', 'dft', 'mlp']);
  assert.equal(t.rows.length, points.length);
  assert.equal(chartFileStem(m), 'deltak-parity-of-mlp-against-dft-energy');
  const ctx = chartExportContext(m, '9.9.9');
  assert.equal(ctx.source, `parity of ${XSS}`);
  assert.deepEqual(captionLines(ctx), ['deltak: parity of MLP against DFT, energy', `data: parity of ${XSS}; deltak 9.9.9`], 'no f or reference line: the chart has none');
  // a multi-panel chart: every row of its top-level data
  const rmse = chartModel(chartBundle(rmseChart([{ dk: 0.12, dataset: 'test', quantity: 'force', rmse: 0.05 }, { dk: 0.24, dataset: 'train', quantity: 'energy', rmse: 0.002 }])).data[CHART_MIME], rmseChart([{ dk: 0.12, dataset: 'test', quantity: 'force', rmse: 0.05 }, { dk: 0.24, dataset: 'train', quantity: 'energy', rmse: 0.002 }]));
  assert.equal(chartTable(rmse.spec).rows.length, 2);
  // invalid payloads are errors naming the field
  assert.throws(() => chartModel({ version: 2, title: 'x' }, {}), /chart payload: expected version 1/);
  assert.throws(() => chartModel({ version: 1 }, {}), /chart payload field "title"/);
  assert.throws(() => chartModel({ version: 1, title: 'x' }, undefined), /vega-lite v5 spec beside the chart payload: expected an object/);
});
