/** Showing deltak results in a notebook (tslab kernel). */
import type { ColumnTable } from 'arquero';
import { tableMeta } from '../core/meta.js';
import type { SweepInput } from '../core/sweep.js';
import { sweepBundle, thresholdsBundle, VEGALITE_MIME, type SweepBundleOptions } from './bundle.js';
import { sendBundle } from './kernel.js';
import { tableBundle, type TableBundleOptions } from './table.js';
import { semBundle, comparisonBundle } from './analyses.js';
import type { SemRow } from '../core/sem.js';
import type { ComparisonRow } from '../core/comparison.js';
import type { Recommendation } from '../core/recommend.js';

export * from './bundle.js';
export { SEM_MIME, COMPARISON_MIME } from './payloads.js';
export type { SemPayload, ComparisonPayload, ComparisonPair, ComparisonOutcome } from './payloads.js';
export * from './kernel.js';
export * from './text.js';
export * from './table.js';
export * from './analyses.js';

/** Show a vega-lite v5 chart (e.g. parityChart, rmseChart) with a one-line text description. */
export function showChart(spec: Record<string, unknown>): void {
  const text = typeof spec.description === 'string' ? spec.description : 'deltak chart (vega-lite)';
  sendBundle({ data: { [VEGALITE_MIME]: spec, 'text/plain': text }, metadata: {} });
}

/** Show SEMs against Δk (Fig. 4) with their thresholds at `factor` (default 0.5). */
export function showSem(sem: ColumnTable | readonly SemRow[], options: { factor?: number; chartSem?: string } = {}): void {
  sendBundle(semBundle(sem, options));
}

/** Show the SEM ↔ MLP comparison (Fig. 5) and the recommended Δk. */
export function showComparison(comparison: ColumnTable | readonly ComparisonRow[], recommendation: Recommendation): void {
  sendBundle(comparisonBundle(comparison, recommendation));
}

/** Show an arquero table as an HTML table (text/plain too), with its units as a caption. */
export function showTable(table: ColumnTable, options: TableBundleOptions = {}): void {
  sendBundle(tableBundle(table, options));
}

/**
 * Show a sweep (rows or arquero table) in the notebook: deltak's widget where the extension is
 * installed, a vega-lite chart otherwise, and a text table. Options: factor, reference.
 */
export function showSweep(sweep: SweepInput, options: SweepBundleOptions = {}): void {
  sendBundle(sweepBundle(sweep, options));
}

/** Show a thresholds table returned by `thresholds()` (same widget, opened on its table). */
export function showThresholds(table: ColumnTable): void {
  sendBundle(thresholdsBundle(table));
}

/** Show any deltak table: a thresholds table or a sweep (by its metadata or its columns). */
export function show(x: SweepInput, options: SweepBundleOptions = {}): void {
  if (!Array.isArray(x) && tableMeta(x as ColumnTable)?.kind === 'thresholds') {
    showThresholds(x as ColumnTable);
  } else {
    showSweep(x, options);
  }
}
