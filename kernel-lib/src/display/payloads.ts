/**
 * The payloads of deltak's MIME types, as the JupyterLab extension reads them. Every type here
 * is plain JSON; Δk is in Å⁻¹ everywhere. Pure module (no Node APIs): the browser imports it
 * through the `deltak/payloads` subpath.
 */
export { SWEEP_MIME, VEGALITE_MIME, type SweepPayload, type SweepViewOptions } from './bundle.js';
import type { SemPoint, SemRow, SemThresholdRow } from '../core/sem.js';
import type { ComparisonRow } from '../core/comparison.js';
import type { Recommendation } from '../core/recommend.js';
import type { CoverageRow } from '../core/coverage.js';
import type { ErrorBudgetRow, ErrorBudgetVerdictRow } from '../core/errorbudget.js';

/** MIME type of the statistical error metrics (SEMs) of a DFT test set against Δk (Fig. 4). */
export const SEM_MIME = 'application/vnd.deltak.sem.v1+json';
/** MIME type of the SEM ↔ MLP threshold comparison and the recommended Δk (Fig. 5). */
export const COMPARISON_MIME = 'application/vnd.deltak.comparison.v1+json';

/** Units of the SEMs (docs/method.md §5), defined once in core/sem.ts. */
export { SEM_UNITS, SEM_NAMES } from '../core/sem.js';

/** The payload of {@link SEM_MIME}. */
export interface SemPayload {
  version: 1;
  /** Rows of `semTable`, grouped by metal, lattice and structure type (docs/method.md §5). */
  sems: (SemRow & SemPoint)[];
  options: { factor: number; reference_dk: number };
  /** Rows of `semThresholds` at `options.factor`, of the same groups. */
  thresholds: (SemThresholdRow & Pick<SemPoint, 'metal' | 'lattice' | 'structure'>)[];
  /** Unit by column or SEM name: at least `dk` and one entry per SEM present. */
  units: Record<string, string>;
  /** Where the data come from (a file, a dataset), stated in exports; absent when unknown. */
  source?: string;
  /** What the view opens on: one "metal lattice" group (absent: every group). */
  view?: SemViewOptions;
}

/** What the SEM view shows: it opens on it, saves it in the notebook and writes it back as a `showSem` call. */
export interface SemViewOptions {
  /** One "metal lattice" group, e.g. "Al fcc" (absent: every group). */
  group?: string;
  /** Structure types picked in the chart's legend, the others faded (default: none picked, all shown). */
  legend?: string[];
}

/** The payload of {@link COMPARISON_MIME}. */
export interface ComparisonPayload {
  version: 1;
  /** Rows of `compareThresholds` (docs/method.md §6). */
  pairs: ComparisonRow[];
  /** The result of `recommendDk` (docs/method.md §7). */
  recommendation: Recommendation;
  /** Coverage at the recommended Δk per metal × lattice: MLP properties inside their band (docs/method.md §7). */
  coverage?: CoverageRow[];
  units: Record<string, string>;
  /** Where the data come from (a file, a dataset), stated in exports; absent when unknown. */
  source?: string;
}

/** A chart shown as it is (`showChart`): its MIME type and payload, defined with its bundle. */
export { CHART_MIME, type ChartPayload } from './chart.js';

/** MIME type of the error budget: label noise beside model error per Δk, with verdicts (docs/method.md §8). */
export const ERROR_BUDGET_MIME = 'application/vnd.deltak.errorbudget.v1+json';

/** The payload of {@link ERROR_BUDGET_MIME}. */
export interface ErrorBudgetPayload {
  version: 1;
  rows: ErrorBudgetRow[];
  verdicts: ErrorBudgetVerdictRow[];
  /** The verdict rule in words. */
  rule: string;
  /** The `dp test` dataset of the model error. */
  dataset: string;
  /** The SEM groups pooled into the label noise, with their reference Δk (Å⁻¹). */
  groups: { group: string; ref_dk: number }[];
  /** What had one side only, named. */
  not_compared: string[];
  units: Record<string, string>;
}
