import { test } from 'node:test';
import assert from 'node:assert/strict';
import { semTable, semThresholds, type SemFrame } from '../src/core/sem.ts';
import { compareThresholds, comparisonSummary } from '../src/core/comparison.ts';
import { recommendDk } from '../src/core/recommend.ts';
import { thresholdRows } from '../src/core/convergence.ts';
import { kpointTable } from '../src/core/tables.ts';
import { semChart, comparisonChart, parityChart, rmseChart } from '../src/charts/figures.ts';
import { semBundle, comparisonBundle } from '../src/display/analyses.ts';
import { SEM_MIME, COMPARISON_MIME, type SemPayload, type ComparisonPayload } from '../src/display/payloads.ts';
import { VEGALITE_MIME } from '../src/display/bundle.ts';
import { semBootstrap } from '../src/core/bootstrap.ts';
import { seededRandom } from '../src/core/random.ts';

const rand = seededRandom(5);
const dks = [0.09, 0.12, 0.18, 0.24, 0.3];
const frames: SemFrame[] = [];
for (const structure of ['pristine', 'vacancy']) for (let c = 0; c < 4; c++) {
  const f0 = [rand(), rand(), rand(), rand(), rand(), rand()];
  dks.forEach((dk, k) => frames.push({
    id: `${structure}${c}`, dk, metal: 'Al', lattice: 'fcc', structure, species: ['Al', 'Al'], positions: [0, 0, 0, 1, 1, 1],
    energy: -7 + (k ? dk * dk * rand() : 0), forces: f0.map((x) => x + (k ? dk * rand() : 0)), virial: Array.from({ length: 9 }, () => (k ? dk * rand() : 0)),
  }));
}

async function compiles(spec: unknown): Promise<void> {
  const vl = await import('vega-lite');
  const out = vl.compile(spec as Parameters<typeof vl.compile>[0]);
  assert.ok(out.spec && Array.isArray(out.spec.marks));
}

test('Fig. 4, Fig. 5, Fig. 2 specs compile with vega-lite 5.6.1 and carry units on their axes', async () => {
  const sem = semTable(frames);
  const th = semThresholds(sem);
  const boot = semBootstrap(frames, { resamples: 50, seed: 2 });
  const s4 = semChart(boot.sem.objects() as never[], th.objects() as never[], 'F-RMSE');
  await compiles(s4);
  assert.match(JSON.stringify(s4), /F-RMSE \(eV\/Å\)/);
  assert.match(JSON.stringify(s4), /errorbar/);
  const sweep = ['DFT', 'MLP'].flatMap((method) => dks.map((dk) => ({ metal: 'Al', lattice: 'fcc', property: 'E_vac', unit: 'eV', method, dk, value: 0.6 + dk * rand() })));
  const cmp = compareThresholds(thresholdRows(sweep), th);
  await compiles(comparisonChart(comparisonSummary(cmp).objects() as never[]));
  await compiles(parityChart([{ dk: 0.12, quantity: 'force', dft: 0.1, mlp: 0.12 }, { dk: 0.3, quantity: 'force', dft: -0.2, mlp: -0.1 }], 'force'));
  await compiles(rmseChart([{ dk: 0.12, dataset: 'train', quantity: 'energy', rmse: 0.002 }, { dk: 0.3, dataset: 'test', quantity: 'energy', rmse: 0.004 }]));
});

test('SEM and comparison bundles carry their MIME payloads, a v5 fallback and text', () => {
  const sem = semTable(frames);
  const b = semBundle(sem, { factor: 0.5 });
  const p = b.data[SEM_MIME] as SemPayload;
  assert.equal(p.version, 1);
  assert.equal(p.sems.length, sem.numRows());
  assert.equal(p.options.reference_dk, 0.09);
  assert.ok(VEGALITE_MIME in b.data && 'text/plain' in b.data);
  const th = semThresholds(sem);
  const sweep = ['MLP'].flatMap((method) => dks.map((dk) => ({ metal: 'Al', lattice: 'fcc', property: 'B0', unit: 'GPa', method, dk, value: 70 + 10 * dk })));
  const rec = recommendDk(th, { sems: ['F-RMSE'] });
  const c = comparisonBundle(compareThresholds(thresholdRows(sweep), th), rec);
  const cp = c.data[COMPARISON_MIME] as ComparisonPayload;
  assert.equal(cp.recommendation.dk, rec.dk);
  assert.deepEqual(cp.recommendation, rec, 'the payload carries the recommendation itself');
  assert.deepEqual(cp.pairs, compareThresholds(thresholdRows(sweep), th).objects(), 'and the rows of compareThresholds');
  assert.match(String(c.data['text/plain']), /strictly below the minimum F-RMSE threshold|No sampled Δk/);
});

test('Table S1: Δk ↔ mesh ↔ KPPRA (Cu FCC conventional cell: 0.18 → 10×10×10, 4000)', () => {
  const t = kpointTable([{ name: 'Cu fcc conventional', cell: [[3.63, 0, 0], [0, 3.63, 0], [0, 0, 3.63]], natoms: 4 }], [0.12, 0.18]).objects() as Record<string, unknown>[];
  assert.deepEqual(t[1], { cell: 'Cu fcc conventional', natoms: 4, dk: 0.18, mesh: '10×10×10', n_kpoints: 1000, kppra: 4000 });
});

test('parity RMSE per Δk and dataset (hand values); unlabelled pairs are counted, not used', async () => {
  const { parity } = await import('../src/core/parity.ts');
  const t = parity([{ dk: 0.12, dataset: 'test', table: [
    { quantity: 'energy_per_atom', data: -3.7, pred: -3.69 }, { quantity: 'energy_per_atom', data: -3.6, pred: -3.63 },
    { quantity: 'force', data: 0.1, pred: 0.2 }, { quantity: 'force', data: null, pred: 0.3 },
  ] }]).objects() as { quantity: string; rmse: number | null; n: number; unlabelled: number }[];
  const e = t.find((r) => r.quantity === 'energy_per_atom')!;
  assert.ok(Math.abs(e.rmse! - Math.sqrt((0.01 ** 2 + 0.03 ** 2) / 2)) < 1e-12);
  const f = t.find((r) => r.quantity === 'force')!;
  assert.ok(Math.abs(f.rmse! - 0.1) < 1e-12 && f.n === 1 && f.unlabelled === 1);
  assert.equal(t.find((r) => r.quantity === 'virial_per_atom')!.rmse, null);
});

test('parity pools the inputs of one Δk and dataset (one dp test prefix per system size)', async () => {
  const { parity } = await import('../src/core/parity.ts');
  const t = parity([
    { dk: 0.18, dataset: 'test', table: [{ quantity: 'energy_per_atom', data: 0, pred: 0.3 }] },
    { dk: 0.18, dataset: 'test', table: [{ quantity: 'energy_per_atom', data: 0, pred: 0.4 }] },
    { dk: 0.18, dataset: 'train', table: [{ quantity: 'energy_per_atom', data: 0, pred: 0.1 }] },
  ]).objects() as { dk: number; dataset: string; quantity: string; rmse: number | null; n: number }[];
  const e = t.filter((r) => r.quantity === 'energy_per_atom');
  assert.equal(e.length, 2);
  const test18 = e.find((r) => r.dataset === 'test')!;
  assert.equal(test18.n, 2);
  assert.ok(Math.abs(test18.rmse! - Math.sqrt((0.09 + 0.16) / 2)) < 1e-12);
});
