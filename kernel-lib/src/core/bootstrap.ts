/**
 * Beyond the paper: how sure are the SEMs and their thresholds? A bootstrap over the
 * configurations of each group (the same resampled configurations at every Δk) gives a
 * confidence interval for every SEM value and for every Δk_T^SEM. Seeded, so reproducible.
 */
import { from, type ColumnTable } from 'arquero';
import { isFramesTable, semFramesFromFrames } from './fromframes.js';
import { withMeta } from './meta.js';
import { mad } from './stats.js';
import { thresholdDk } from './convergence.js';
import { asDk } from './comparison.js';
import { quantileSorted, seededRandom } from './random.js';
import { recommendDk, type Recommendation, type RecommendOptions } from './recommend.js';
import { SEM_NAMES, semDeltas, semThresholds, semTable, semValues, type SemFrame, type SemName, type SemTableOptions } from './sem.js';

/** Options of {@link semBootstrap}. */
export interface BootstrapOptions extends SemTableOptions {
  /** Number of resamples; default 1000. */
  resamples?: number;
  /** Seed of the generator; default 1. */
  seed?: number;
  /** Confidence level of the intervals; default 0.95. */
  level?: number;
  /** Criterion factor for Δk_T^SEM; default 0.5. */
  factor?: number;
}

/** Bootstrap tables: SEM intervals per Δk and Δk_T^SEM intervals per group and SEM. */
export interface BootstrapResult {
  /** Group tags, sem, dk, value (the full-sample SEM), lo, hi (interval), in the SEM's unit. */
  sem: ColumnTable;
  /**
   * Group tags, sem, threshold_dk (full sample), lo_dk and hi_dk (interval; null = never
   * reached, i.e. +∞), p_same (share of resamples giving the full-sample Δk_T).
   */
  thresholds: ColumnTable;
}

/**
 * Bootstrap of the SEMs and Δk_T^SEM over configurations (within each group, M draws with
 * replacement from its M configurations, the same draw at every Δk). Intervals are the
 * (1 − level)/2 and (1 + level)/2 quantiles: linear for SEM values, nearest rank for Δk_T.
 */
export function semBootstrap(input: readonly SemFrame[] | ColumnTable, options: BootstrapOptions = {}): BootstrapResult {
  const frames = isFramesTable(input) ? semFramesFromFrames(input) : (input as readonly SemFrame[]);
  const B = options.resamples ?? 1000;
  const level = options.level ?? 0.95;
  const factor = options.factor ?? 0.5;
  const sems = options.sems ?? SEM_NAMES;
  if (!(Number.isInteger(B) && B >= 10)) throw new Error(`bootstrap: resamples must be an integer ≥ 10, got ${B}`);
  if (!(level > 0 && level < 1)) throw new Error(`bootstrap: level must be in (0, 1), got ${level}`);
  const rand = seededRandom(options.seed ?? 1);
  const groups = semDeltas(frames, options);
  const full = semThresholds(semTable(frames, options), { factor, groupBy: options.groupBy }).objects() as Record<string, unknown>[];
  const semRows: Record<string, unknown>[] = [];
  const thRows: Record<string, unknown>[] = [];
  const qlo = (1 - level) / 2, qhi = (1 + level) / 2;
  for (const g of groups) {
    const M = g.deltas[0].length;
    const samples: Record<string, number[][]> = {};
    const ths: Record<string, number[]> = {};
    for (const s of sems) {
      samples[s] = g.dks.map(() => []);
      ths[s] = [];
    }
    for (let b = 0; b < B; b++) {
      const idx = Array.from({ length: M }, () => Math.floor(rand() * M));
      const series: Record<string, { dk: number; value: number }[]> = {};
      for (const s of sems) series[s] = [];
      g.dks.forEach((dk, k) => {
        const v = semValues(idx.map((i) => g.deltas[k][i]), sems);
        for (const s of sems) {
          samples[s][k].push(v[s]);
          series[s].push({ dk, value: s === 'AEAD' ? Math.abs(v[s]) : v[s] });
        }
      });
      for (const s of sems) {
        const m = mad(series[s].map((p) => p.value));
        ths[s].push(asDk(thresholdDk(series[s], g.refDk, factor * m)));
      }
    }
    for (const s of sems as SemName[]) {
      g.dks.forEach((dk, k) => {
        const v = semValues(g.deltas[k], [s])[s];
        const sorted = [...samples[s][k]].sort((a, b) => a - b);
        semRows.push({ ...g.tags, sem: s, dk, value: v, lo: quantileSorted(sorted, qlo), hi: quantileSorted(sorted, qhi) });
      });
      const sorted = [...ths[s]].sort((a, b) => a - b);
      const rank = (q: number): number => sorted[Math.min(B - 1, Math.max(0, Math.round(q * (B - 1))))];
      const f = full.find((r) => r.sem === s && Object.entries(g.tags).every(([t, val]) => String(r[t]) === val))!;
      const fullDk = asDk(f.threshold_dk as number | null);
      const fin = (x: number): number | null => (Number.isFinite(x) ? x : null);
      thRows.push({
        ...g.tags, sem: s, threshold_dk: fin(fullDk), lo_dk: fin(rank(qlo)), hi_dk: fin(rank(qhi)),
        p_same: sorted.filter((x) => x === fullDk).length / B,
      });
    }
  }
  const notes = { resamples: B, seed: options.seed ?? 1, level, factor };
  return {
    sem: withMeta(from(semRows), { kind: 'sem-bootstrap', units: { dk: 'Å⁻¹', value: 'unit of the SEM', lo: 'unit of the SEM', hi: 'unit of the SEM' }, notes }),
    thresholds: withMeta(from(thRows), { kind: 'sem-threshold-bootstrap', units: { threshold_dk: 'Å⁻¹', lo_dk: 'Å⁻¹', hi_dk: 'Å⁻¹', p_same: '1' }, notes }),
  };
}

/** The recommendation at each criterion factor (default 0.25, 0.5, 0.75), from one SEM table. */
export function recommendationSensitivity(
  sem: ColumnTable,
  options: RecommendOptions & { factors?: readonly number[]; groupBy?: readonly string[] } = {},
): { factor: number; recommendation: Recommendation }[] {
  const factors = options.factors ?? [0.25, 0.5, 0.75];
  return factors.map((factor) => ({ factor, recommendation: recommendDk(semThresholds(sem, { factor, groupBy: options.groupBy }), options) }));
}
