/**
 * SEMs, their thresholds, property thresholds, the SEM ↔ MLP comparison and the recommendation,
 * recomputed by an independent numpy script (test/numpy_analyses.py, PyPI numpy in .venv) on
 * seeded random data and on the bundled GPAW single points. Numbers agree within the float64
 * round-off of the two computations, derived per value (kernel-lib/test/tolerance.ts); the
 * thresholds Δk_T, the outcomes and the recommendation, which are decisions, exactly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { seededRandom } from '../kernel-lib/src/core/random.ts';
import { fileURLToPath } from 'node:url';
import { semTable, semThresholds, type SemFrame, type SemRow, type SemThresholdRow } from '../kernel-lib/src/core/sem.ts';
import { thresholdRows } from '../kernel-lib/src/core/convergence.ts';
import { compareThresholds, type ComparisonRow } from '../kernel-lib/src/core/comparison.ts';
import { recommendDk } from '../kernel-lib/src/core/recommend.ts';
import { sweepRows, type SweepRow } from '../kernel-lib/src/core/sweep.ts';
import { semFramesFromFrames } from '../kernel-lib/src/core/fromframes.ts';
import { openDataset } from '../kernel-lib/src/io/dataset.ts';
import { example } from '../kernel-lib/src/io/examples.ts';
import { assertWithin, meanBound, rmsBound, madBound, U } from '../kernel-lib/test/tolerance.ts';

const ROOT = process.env.DELTAK_ROOT ?? fileURLToPath(new URL('..', import.meta.url));
const PY = join(ROOT, '.venv', 'bin', 'python');

const rng = seededRandom;

/** deltak's value against numpy's within `tol` (both null, or both numbers). */
const close = (a: number | null, b: number | null, tol: number, what: string): void => {
  if (a === null || b === null) return assert.equal(a, b, what);
  assertWithin(a, b, tol, what);
};

/**
 * Per-implementation round-off bound of each SEM value (docs/method.md §5), by group and SEM:
 * each side computes the differences to the reference Δk itself, and each difference is within
 * η of its exact value: an energy per atom E/n − E_ref/n (or (E − E_ref)/n) within
 * 2u(|E| + |E_ref|)/n ≤ 4u·M_E, a force component F − F_ref within u(|F| + |F_ref|) ≤ 2u·M_F,
 * a virial per atom within 4u·M_V, with M the largest |E|/n, |F|, |W|/n of the group. AEAD is
 * their mean (meanBound, mean|e| ≤ 2M_E), the others RMS values (rmsBound) over m numbers.
 */
function semBounds(frames: SemFrame[]): (r: { sem: string; value: number; [tag: string]: unknown }) => number {
  const groups = new Map<string, { mE: number; mF: number; mV: number; ids: Set<string>; nF: number }>();
  for (const f of frames) {
    const key = `${f.metal}|${f.lattice}|${f.structure}`;
    const g = groups.get(key) ?? { mE: 0, mF: 0, mV: 0, ids: new Set<string>(), nF: 0 };
    const n = f.species.length;
    g.mE = Math.max(g.mE, Math.abs(f.energy) / n);
    g.mF = Math.max(g.mF, ...Array.from(f.forces, Math.abs));
    if (f.virial) g.mV = Math.max(g.mV, ...Array.from(f.virial, (x) => Math.abs(x) / n));
    if (!g.ids.has(f.id)) g.nF += 3 * n;
    g.ids.add(f.id);
    groups.set(key, g);
  }
  return (r) => {
    const g = groups.get(`${r.metal}|${r.lattice}|${r.structure}`)!;
    const nc = g.ids.size;
    switch (r.sem) {
      case 'AEAD': return meanBound(4 * U * g.mE, nc, 2 * g.mE);
      case 'E-RMSE': return rmsBound(4 * U * g.mE, nc, r.value);
      case 'F-RMSE': return rmsBound(2 * U * g.mF, g.nF, r.value);
      case 'V-RMSE': return rmsBound(4 * U * g.mV, 9 * nc, r.value);
      default: throw new Error(`no round-off bound for ${r.sem}`);
    }
  };
}

/** Mean |x| and MAD of a series. */
const madOf = (xs: number[]): { meanAbs: number; mad: number } => {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  return { meanAbs: xs.reduce((s, x) => s + Math.abs(x), 0) / xs.length, mad: xs.reduce((s, x) => s + Math.abs(x - mean), 0) / xs.length };
};

for (const seed of [1, 2, 3]) {
  test(`random data (seed ${seed}): deltak equals the numpy reference`, { timeout: 120_000 }, () => {
    const rand = rng(seed);
    const dks = [0.09, 0.12, 0.18, 0.24, 0.3, 0.36, 0.66, 0.96];
    const structures = ['pristine', 'vacancy', 'oh', 'td'];
    const frames: SemFrame[] = [];
    for (const lattice of ['fcc', 'bcc']) for (const structure of structures) {
      for (let c = 0; c < 6; c++) {
        const n = 3 + Math.floor(4 * rand());
        const positions = Array.from({ length: 3 * n }, () => 8 * rand());
        const e0 = -3.7 * n + rand();
        const f0 = Array.from({ length: 3 * n }, () => rand() - 0.5);
        const v0 = Array.from({ length: 9 }, () => 5 * (rand() - 0.5));
        dks.forEach((dk, k) => {
          const noise = (s: number) => s * dk ** 2 * (rand() - 0.5) * (k > 0 ? 1 : 0);
          frames.push({
            id: `${lattice}-${structure}-${c}`, dk, metal: 'Al', lattice, structure, species: Array(n).fill('Al'), positions,
            energy: e0 + noise(0.5), forces: f0.map((x) => x + noise(0.3)), virial: v0.map((x) => x + noise(2)),
          });
        });
      }
    }
    const sweep: SweepRow[] = [];
    for (const lattice of ['fcc', 'bcc']) for (const property of ['B0', 'C44', 'E_vac', 'E_Oh', 'E_Td']) for (const method of ['DFT', 'MLP']) {
      for (const dk of method === 'DFT' ? dks : dks.slice(1)) {
        sweep.push({ metal: 'Al', lattice, property, unit: 'x', method, dk, value: 1 + dk * (rand() - 0.3) * (method === 'DFT' ? 2 : 1) });
      }
    }
    const factor = 0.25 + 0.5 * rand();
    const { semThRows, cmp } = compareWithNumpy(frames, sweep, factor, dks);
    // the data must exercise the criterion: some thresholds reached, some not, several outcomes
    assert.ok(semThRows.some((r) => r.threshold_dk !== null), 'some SEM thresholds reached');
    assert.ok(new Set(cmp.map((c) => c.outcome)).size >= 2, `outcomes ${[...new Set(cmp.map((c) => c.outcome))]}`);
  });
}

/** Run deltak and the numpy script on the same input; assert agreement to round-off (see `close`). */
function compareWithNumpy(frames: SemFrame[], sweep: SweepRow[], factor: number, dks: number[]): { semThRows: SemThresholdRow[]; cmp: ComparisonRow[] } {
  {
    const sem = semTable(frames);
    const semTh = semThresholds(sem, { factor });
    const th = thresholdRows(sweep, { factor });
    // the comparison needs MLP property thresholds (the bundled data are DFT only)
    const cmp = sweep.some((r) => r.method === 'MLP') ? (compareThresholds(th, semTh).objects() as ComparisonRow[]) : [];
    const rec = recommendDk(semTh);
    const ref = JSON.parse(execFileSync(PY, [join(ROOT, 'test', 'numpy_analyses.py')], {
      input: JSON.stringify({ frames, sweep, factor, dks, sems_for_recommendation: ['F-RMSE', 'V-RMSE'] }), maxBuffer: 1 << 28,
    }).toString()) as {
      sem: SemRow[]; sem_thresholds: SemThresholdRow[]; thresholds: { metal: string; lattice: string; property: string; method: string; mad: number; mad_max: number; threshold_dk: number | null }[];
      comparison: { property: string; lattice: string; sem: string; outcome: string }[]; recommendation: { dk: number | null; bound: number | null };
    };
    const semRows = sem.objects() as SemRow[];
    assert.equal(semRows.length, ref.sem.length);
    // each SEM value: twice its per-implementation round-off bound (semBounds), one for each side
    const bound = semBounds(frames);
    for (const r of ref.sem) {
      const mine = semRows.find((x) => x.lattice === r.lattice && x.structure === r.structure && x.sem === r.sem && x.dk === r.dk)!;
      close(mine.value, r.value, 2 * bound(mine), `${r.lattice} ${r.structure} ${r.sem} ${r.dk} (semBounds)`);
    }
    const semThRows = semTh.objects() as SemThresholdRow[];
    for (const r of ref.sem_thresholds) {
      const mine = semThRows.find((x) => x.lattice === r.lattice && x.structure === r.structure && x.sem === r.sem)!;
      // the MAD of the group's SEM series (|AEAD| for AEAD) over its Δk: madBound with each
      // value's own bound as η, twice (one for each side)
      const series = semRows.filter((x) => x.lattice === r.lattice && x.structure === r.structure && x.sem === r.sem);
      const xs = series.map((x) => (r.sem === 'AEAD' ? Math.abs(x.value) : x.value));
      const { meanAbs, mad } = madOf(xs);
      close(mine.mad, r.mad, 2 * madBound(Math.max(...series.map(bound)), xs.length, meanAbs, mad), `MAD ${r.lattice} ${r.structure} ${r.sem} (madBound)`);
      close(mine.threshold_dk as number | null, r.threshold_dk as number | null, 0, `Δk_T ${r.lattice} ${r.structure} ${r.sem}`);
    }
    // property MADs: the same numbers in on both sides (η = 0), madBound twice; MAD_max is the
    // largest MAD of the property (max is exact), within the largest of their tolerances
    const propMadTol = (lattice: string, property: string, method?: string): number => Math.max(...['DFT', 'MLP'].filter((m) => !method || m === method).map((m) => {
      const xs = sweep.filter((x) => x.lattice === lattice && x.property === property && x.method === m).map((x) => x.value);
      if (xs.length === 0) return 0;
      const { meanAbs, mad } = madOf(xs);
      return 2 * madBound(0, xs.length, meanAbs, mad);
    }));
    for (const r of ref.thresholds) {
      const mine = th.find((x) => x.lattice === r.lattice && x.property === r.property && x.method === r.method)!;
      close(mine.mad, r.mad, propMadTol(r.lattice, r.property, r.method), `mad ${r.lattice} ${r.property} ${r.method} (madBound)`);
      close(mine.mad_max, r.mad_max, propMadTol(r.lattice, r.property), `mad_max ${r.lattice} ${r.property} (madBound)`);
      close(mine.threshold_dk, r.threshold_dk, 0, `Δk_T ${r.lattice} ${r.property} ${r.method}`);
    }
    assert.equal(cmp.length, ref.comparison.length);
    for (const r of ref.comparison) {
      const mine = cmp.find((x) => x.lattice === r.lattice && x.property === r.property && x.sem === r.sem)!;
      assert.equal(mine.outcome, r.outcome, `${r.lattice} ${r.property} ${r.sem}`);
    }
    assert.equal(rec.dk, ref.recommendation.dk);
    assert.equal(Number.isFinite(rec.bound) ? rec.bound : null, ref.recommendation.bound);
    return { semThRows, cmp };
  }
}

const RAW = join(ROOT, 'data', 'al-fcc', 'raw');
test('bundled Al FCC GPAW single points: deltak equals the numpy reference', { skip: existsSync(RAW) ? false : 'data/al-fcc/raw not found', timeout: 120_000 }, async () => {
  // the bundled dataset as openDataset reads it: the EOS cells (each volume a configuration) and the
  // 8-atom bulk as "pristine", the vacancy cell as "vacancy" (data/al-fcc/manifest.json)
  const ds = await openDataset(example('al-fcc'));
  const frames: SemFrame[] = semFramesFromFrames(ds.semFrames!).map((f) => ({
    ...f, positions: Array.from(f.positions), forces: Array.from(f.forces), virial: f.virial ? Array.from(f.virial) : null,
  }));
  const sweep = sweepRows(ds.sweep!);
  const dks = [...new Set(frames.map((f) => f.dk))].sort((a, b) => a - b);
  assert.equal(dks.length, 8);
  const { semThRows } = compareWithNumpy(frames, sweep, 0.5, dks);
  assert.ok(semThRows.some((r) => r.threshold_dk !== null), 'some SEM thresholds reached');
});
