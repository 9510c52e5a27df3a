/** Showing deltak results in a notebook (tslab kernel). */
import { ColumnTable } from 'arquero';
import { tableMeta } from '../core/meta.js';
import type { SweepInput } from '../core/sweep.js';
import { sweepBundle, thresholdsBundle, type SweepBundleOptions } from './bundle.js';
import { chartBundle, type ChartBundleOptions } from './chart.js';
import { sendBundle } from './kernel.js';
import { tableBundle, unitsCaption, type TableBundleOptions } from './table.js';
import { formatTable } from './text.js';
import { datasetBundle } from './dataset.js';
import { isDataset, isAnalysis, type Dataset, type DatasetAnalysis } from '../io/dataset.js';
import { semBundle, comparisonBundle, type ComparisonBundleOptions, type SemBundleOptions } from './analyses.js';
import { errorBudgetBundle, type ErrorBudgetInput } from './errorbudget.js';
import { escapeMarkdown, markdownBundle } from './markdown.js';
import type { SemRow } from '../core/sem.js';
import type { ComparisonRow } from '../core/comparison.js';
import type { Recommendation } from '../core/recommend.js';

export * from './bundle.js';
export * from './chart.js';
export { SEM_MIME, COMPARISON_MIME, ERROR_BUDGET_MIME } from './payloads.js';
export type { SemPayload, ComparisonPayload, ErrorBudgetPayload } from './payloads.js';
export * from './errorbudget.js';
export * from './kernel.js';
export * from './text.js';
export * from './table.js';
export * from './analyses.js';
export * from './markdown.js';

/**
 * Show a vega-lite v5 chart (e.g. parityChart, rmseChart, semChart): drawn by deltak's extension
 * in the notebook's theme with SVG/PNG/CSV downloads, by JupyterLab's vega-lite renderer without
 * it, with its description as text; `source` names the data in the downloads.
 */
export function showChart(spec: Record<string, unknown>, options: ChartBundleOptions = {}): void {
  sendBundle(chartBundle(spec, options));
}

/**
 * Show a short answer in words, rendered from Markdown (**strong**, *emphasis*, `code`, lists),
 * with the same words as text/plain: a recommendation and its reason, a saving, a conclusion.
 * Numbers are written by the caller, with their units (Δk in Å⁻¹).
 */
export function showMarkdown(markdown: string): void {
  sendBundle(markdownBundle(markdown));
}

/** Show SEMs against Δk (Fig. 4) with their thresholds at `factor` (default 0.5); `group` opens the view on one "metal lattice". */
export function showSem(sem: ColumnTable | readonly SemRow[], options: SemBundleOptions = {}): void {
  sendBundle(semBundle(sem, options));
}

/** Show the SEM ↔ MLP comparison (Fig. 5) and the recommended Δk, with the coverage there when given. */
export function showComparison(comparison: ColumnTable | readonly ComparisonRow[], recommendation: Recommendation, options: ComparisonBundleOptions = {}): void {
  sendBundle(comparisonBundle(comparison, recommendation, options));
}

/** Show the error budget: label noise beside model error per Δk, with the verdict of each Δk. */
export function showErrorBudget(budget: ErrorBudgetInput): void {
  sendBundle(errorBudgetBundle(budget));
}

/** Show an arquero table as an HTML table (text/plain too), with its units as a caption. */
export function showTable(table: ColumnTable, options: TableBundleOptions = {}): void {
  sendBundle(tableBundle(table, options));
}

/**
 * Show a sweep (rows or arquero table) in the notebook: deltak's widget where the extension is
 * installed, a vega-lite chart otherwise, and a text table. Options: the analysis (factor,
 * reference, unstable), the data's source, and what the widget opens on (property, metal,
 * lattice, methods, clip, legend), as the widget's "copy as code" writes them.
 */
export function showSweep(sweep: SweepInput, options: SweepBundleOptions = {}): void {
  sendBundle(sweepBundle(sweep, options));
}

/** Show a thresholds table returned by `thresholds()` (same widget, opened on its table). */
export function showThresholds(table: ColumnTable): void {
  sendBundle(thresholdsBundle(table));
}

const isTable = (x: unknown): x is ColumnTable => x instanceof ColumnTable;
const isSweepTable = (t: ColumnTable): boolean => ['metal', 'lattice', 'property', 'unit', 'method', 'dk', 'value'].every((c) => t.columnNames().includes(c));

/** Show a dataset's analyses: the sweep with its thresholds, the SEMs, the comparison and the recommendation. */
function showAnalysis(a: DatasetAnalysis): void {
  if (a.sweep) showSweep(a.sweep, { factor: a.factor, reference: a.reference, unstable: a.unstable });
  if (a.sem) showSem(a.sem, { factor: a.factor });
  if (a.comparison && a.recommendation) showComparison(a.comparison, a.recommendation, a.recommendedCoverage ? { coverage: a.recommendedCoverage } : {});
  if (a.errorBudget) showErrorBudget(a.errorBudget);
  // the recommendation and what was left out, in words (Markdown, with its text/plain twin)
  const lines: string[] = [];
  if (a.recommendation) {
    lines.push(`**Recommendation:** ${escapeMarkdown(a.recommendation.reason)}`);
    const c = a.recommendation.cost;
    if (c) lines.push(escapeMarkdown(`k-points of the training cells: ${c.fullRecommended} at ${a.recommendation.dk} Å⁻¹ instead of ${c.fullBaseline} at ${c.baselineDk} Å⁻¹ (${c.fullSaving.toFixed(1)}× fewer, full grids; baseline: ${c.baselineReason})`));
  }
  if (a.unpaired.length) lines.push(escapeMarkdown(`not compared (no SEM group in the test set): ${a.unpaired.map((p) => `${p.metal} ${p.lattice} ${p.property}`).join(', ')}`));
  lines.push(...a.notes.map(escapeMarkdown));
  if (lines.length) showMarkdown(lines.map((l) => `- ${l}`).join('\n'));
}

/**
 * Show anything deltak returns: a dataset (its summary), an analysis (`dataset.analyse()`: sweep
 * and thresholds, SEMs, comparison, recommendation), a thresholds table, a SEM table, a sweep
 * (rows or table), or any other arquero table (as an HTML table with its units).
 */
export function show(x: SweepInput | Dataset | DatasetAnalysis, options: SweepBundleOptions = {}): void {
  if (isDataset(x)) return sendBundle(datasetBundle(x));
  if (isAnalysis(x)) return showAnalysis(x);
  if (isTable(x)) {
    const kind = tableMeta(x)?.kind;
    if (kind === 'thresholds') return showThresholds(x);
    if (kind === 'sem') return showSem(x, options);
    if (kind === 'sweep' || isSweepTable(x)) return showSweep(x, options);
    return showTable(x);
  }
  showSweep(x as SweepInput, options);
}

/** Plain text of a table for util.inspect: the first rows, per-atom arrays summarized, units below. */
function inspectTable(t: ColumnTable): string {
  const n = t.numRows();
  const shown = Math.min(n, 12);
  const short = (v: unknown): unknown => {
    if (ArrayBuffer.isView(v) || Array.isArray(v)) {
      const a = v as ArrayLike<unknown>;
      return a.length <= 4 ? `[${Array.from(a).join(', ')}]` : `[${a.length} values]`;
    }
    if (v !== null && typeof v === 'object') {
      const s = JSON.stringify(v);
      return s.length > 40 ? s.slice(0, 39) + '…' : s;
    }
    return v;
  };
  const rows = Array.from({ length: shown }, (_, i) => Object.fromEntries(t.columnNames().map((c) => [c, short(t.get(c, i))])));
  const caption = unitsCaption(t);
  return [`arquero table: ${n} rows × ${t.numCols()} columns${caption ? ` (${caption})` : ''}`, formatTable(rows, { columns: t.columnNames(), maxRows: shown, units: tableMeta(t)?.units ?? {} }), n > shown ? `… ${n - shown} more rows; show(table) for an HTML table` : ''].filter(Boolean).join('\n');
}

// tslab prints a cell's last value with util.inspect: tables print as text tables, not arquero's internals
const INSPECT = Symbol.for('nodejs.util.inspect.custom');
const proto = ColumnTable.prototype as unknown as Record<symbol, unknown>;
if (!(INSPECT in proto)) {
  Object.defineProperty(proto, INSPECT, { value: function (this: ColumnTable) { return inspectTable(this); }, configurable: true, writable: true });
}
