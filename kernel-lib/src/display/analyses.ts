/**
 * MIME bundles of the SEM analysis (Fig. 4) and the SEM ↔ MLP comparison with the
 * recommendation (Fig. 5): deltak's own type for the extension, a vega-lite v5 fallback, text.
 */
import type { ColumnTable } from 'arquero';
import { semThresholds, SEM_UNITS, type SemRow, type SemThresholdRow } from '../core/sem.js';
import { comparisonSummary, type ComparisonRow, type ComparisonSummaryRow } from '../core/comparison.js';
import type { Recommendation } from '../core/recommend.js';
import type { CoverageRow } from '../core/coverage.js';
import { semChart, comparisonChart } from '../charts/figures.js';
import { panelOf } from '../charts/sweep.js';
import { VEGALITE_MIME, type MimeBundle } from './bundle.js';
import { SEM_MIME, COMPARISON_MIME, type SemPayload, type SemViewOptions, type ComparisonPayload } from './payloads.js';
import { formatTable } from './text.js';
import { coverageSentence } from '../charts/format.js';
import { tableMeta } from '../core/meta.js';

const rowsOf = <T>(x: ColumnTable | readonly T[]): T[] => (Array.isArray(x) ? [...x] : ((x as ColumnTable).objects() as T[]));

/** Options of {@link semBundle}. */
export interface SemBundleOptions extends SemViewOptions {
  /** Criterion factor f of the thresholds (default 0.5). */
  factor?: number;
  /** The SEM the vega-lite fallback draws (default: every SEM). */
  chartSem?: string;
  /** Where the data come from (a file, a dataset), stated in the view's exports. */
  source?: string;
}

/** The view options of a SEM bundle, checked against its rows (a group or structure type it does not have is an error). */
function semView(sems: readonly { metal: string; lattice: string; structure: string }[], options: SemViewOptions): SemViewOptions | null {
  const view: SemViewOptions = {};
  if (options.group !== undefined) {
    const groups = [...new Set(sems.map(panelOf))];
    if (!groups.includes(options.group)) throw new Error(`semBundle: group ${JSON.stringify(options.group)} is not one of the SEM table's (${groups.map((g) => JSON.stringify(g)).join(', ')})`);
    view.group = options.group;
  }
  if (options.legend !== undefined && options.legend.length > 0) {
    const structures = [...new Set(sems.map((r) => r.structure))];
    const unknown = options.legend.filter((s) => !structures.includes(s));
    if (unknown.length) throw new Error(`semBundle: legend names structure types the SEM table does not have: ${unknown.map((s) => JSON.stringify(s)).join(', ')} (it has ${structures.map((s) => JSON.stringify(s)).join(', ')})`);
    view.legend = structures.filter((s) => options.legend!.includes(s));
  }
  return Object.keys(view).length ? view : null;
}

/** Bundle of a SEM table (rows of `semTable`) with thresholds at `factor` (default 0.5). */
export function semBundle(sem: ColumnTable | readonly SemRow[], options: SemBundleOptions = {}): MimeBundle {
  const rows = rowsOf<SemRow>(sem);
  if (rows.length === 0) throw new Error('semBundle: empty SEM table');
  const factor = options.factor ?? 0.5;
  const th = semThresholds(rows, { factor }).objects() as SemThresholdRow[];
  // the groups named by their tags as text (as the view and the chart draw them)
  const sems = rows.map((r) => ({ ...r, metal: String(r.metal), lattice: String(r.lattice), structure: String(r.structure) }));
  const thresholds = th.map((t) => ({ ...t, metal: String(t.metal), lattice: String(t.lattice), structure: String(t.structure) }));
  const view = semView(sems, options);
  const payload: SemPayload = {
    version: 1,
    sems,
    options: { factor, reference_dk: rows[0].ref_dk },
    thresholds,
    units: { dk: 'Å⁻¹', ...SEM_UNITS },
    ...(options.source ? { source: options.source } : {}),
    ...(view ? { view } : {}),
  };
  // the fallback chart: the SEM asked for, else every SEM (as the widget)
  const chartSem = options.chartSem;
  const text = [
    `deltak SEMs: ${rows.length} values; thresholds Δk_T^SEM (Å⁻¹) at factor ${factor} (— = never reached):`,
    formatTable(th as unknown as Record<string, unknown>[], { columns: ['metal', 'lattice', 'structure', 'sem', 'mad', 'bound', 'threshold_dk'] }),
  ].join('\n');
  return { data: { [SEM_MIME]: payload, [VEGALITE_MIME]: semChart(sems, thresholds, chartSem), 'text/plain': text }, metadata: {} };
}

/** Options of {@link comparisonBundle}. */
export interface ComparisonBundleOptions {
  /** Coverage at the recommended Δk (rows of `coverage(sweep, { dk })`), shown with the recommendation. */
  coverage?: ColumnTable | readonly CoverageRow[];
}

/** One line per metal × lattice: "Al fcc: 10 of 14 MLP properties inside their band at 0.18 Å⁻¹ (71.4 %; outside: B0, …)". */
export function coverageText(rows: readonly CoverageRow[]): string {
  return rows.map(coverageSentence).join('\n');
}

/**
 * Bundle of a comparison (rows of `compareThresholds`) and a recommendation (`recommendDk`),
 * with the coverage at the recommended Δk when given and the k-point saving against its baseline.
 */
export function comparisonBundle(comparison: ColumnTable | readonly ComparisonRow[], recommendation: Recommendation, options: ComparisonBundleOptions = {}): MimeBundle {
  const rows = rowsOf<ComparisonRow>(comparison);
  const coverage = options.coverage === undefined ? undefined : rowsOf<CoverageRow>(options.coverage);
  if (coverage && recommendation.dk !== null && coverage.some((c) => c.dk !== recommendation.dk)) {
    throw new Error(`comparisonBundle: the coverage is at Δk ${[...new Set(coverage.map((c) => c.dk))].join(', ')} Å⁻¹, the recommendation at ${recommendation.dk} Å⁻¹`);
  }
  const summaryTable = comparisonSummary(rows);
  const summary = summaryTable.objects() as ComparisonSummaryRow[];
  const payload: ComparisonPayload = {
    version: 1,
    pairs: rows,
    recommendation,
    ...(coverage ? { coverage } : {}),
    units: { mlp_dk: 'Å⁻¹', sem_dk: 'Å⁻¹', dk: 'Å⁻¹', ...(coverage ? { percent: '%' } : {}) },
  };
  const c = recommendation.cost;
  const text = [
    recommendation.reason,
    ...(c ? [`k-points of the training structures: ${c.fullRecommended} at ${recommendation.dk} Å⁻¹ against ${c.fullBaseline} at the baseline ${c.baselineDk} Å⁻¹, ${c.fullSaving.toFixed(1)}× fewer (full grids; ${(c.fullFinest / c.fullRecommended).toFixed(1)}× against the finest sampled ${c.finestDk} Å⁻¹). Baseline: ${c.baselineReason}.`] : []),
    ...(coverage ? [coverageText(coverage)] : []),
    formatTable(summary as unknown as Record<string, unknown>[], { columns: ['by', 'key', 'n', 'exact', 'conservative', 'mismatch'], units: tableMeta(summaryTable)?.units ?? {} }),
  ].join('\n');
  return { data: { [COMPARISON_MIME]: payload, [VEGALITE_MIME]: comparisonChart(summary), 'text/plain': text }, metadata: {} };
}
