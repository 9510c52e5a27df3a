/**
 * The payloads of deltak's MIME types, as the JupyterLab extension reads them. Every type here
 * is plain JSON; Δk is in Å⁻¹ everywhere. Pure module (no Node APIs): the browser imports it
 * through the `deltak/payloads` subpath.
 */
export { SWEEP_MIME, VEGALITE_MIME, type SweepPayload, type SweepViewOptions } from './bundle.js';
import type { SemPoint } from '../core/sem.js';
import type { CoverageRow } from '../core/coverage.js';
import type { ErrorBudgetRow, ErrorBudgetVerdictRow } from '../core/errorbudget.js';

/** MIME type of the statistical error metrics (SEMs) of a DFT test set against Δk (Fig. 4). */
export const SEM_MIME = 'application/vnd.deltak.sem.v1+json';
/** MIME type of the SEM ↔ MLP threshold comparison and the recommended Δk (Fig. 5). */
export const COMPARISON_MIME = 'application/vnd.deltak.comparison.v1+json';

/** Units of the SEMs (docs/method.md §5), defined once in core/sem.ts. */
export { SEM_UNITS, SEM_NAMES } from '../core/sem.js';

/** One SEM value of one group (metal × lattice × structure type) at one Δk (docs/method.md §9). */
export interface SemRow extends SemPoint {
  /** Number of configurations the SEM averages over. */
  n_configs: number;
}

/** The threshold of one SEM series (docs/method.md §5): x(ref) = 0, MAD over the series' own Δk. */
export interface SemThresholdRow {
  metal: string;
  lattice: string;
  structure: string;
  sem: string;
  /** Reference Δk, Å⁻¹. */
  ref_dk: number;
  /** MAD of the series (|AEAD| for AEAD), in the SEM's unit. */
  mad: number;
  factor: number;
  /** factor · mad, in the SEM's unit. */
  bound: number;
  /** Δk_T^SEM in Å⁻¹, or null when the series never reaches the bound. */
  threshold_dk: number | null;
}

/** The payload of {@link SEM_MIME}. */
export interface SemPayload {
  version: 1;
  sems: SemRow[];
  options: { factor: number; reference_dk: number };
  thresholds: SemThresholdRow[];
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
}

/** How a SEM threshold relates to the MLP threshold it is paired with (docs/method.md §6). */
export type ComparisonOutcome = 'exact' | 'conservative' | 'mismatch';

/** One pair of docs/method.md §6: an MLP property threshold and the SEM threshold of its group. */
export interface ComparisonPair {
  metal: string;
  lattice: string;
  property: string;
  /** Structure type of the SEM group paired with the property. */
  structure: string;
  sem: string;
  /** Δk_T of the MLP property, Å⁻¹ (null = stable over the sweep, compared as +∞). */
  mlp_threshold_dk: number | null;
  /** Δk_T^SEM of the group, Å⁻¹ (null = stable over the sweep, compared as +∞). */
  sem_threshold_dk: number | null;
  outcome: ComparisonOutcome;
}

/** The recommended Δk for training data (docs/method.md §7). */
export interface Recommendation {
  /** Recommended Δk, Å⁻¹, or null when no sampled Δk lies below the SEM thresholds. */
  dk: number | null;
  /** "below-min" (default, most conservative) or "below-mode". */
  rule: 'below-min' | 'below-mode';
  /** The SEMs whose thresholds were used, e.g. ["F-RMSE", "V-RMSE"]. */
  sems: string[];
  /** The SEM threshold the rule started from, Å⁻¹ (null = none reached). */
  threshold_dk: number | null;
  /** Finest Δk of the sweep, Å⁻¹ (absent without a cost). */
  finest_dk?: number;
  /** The Δk (Å⁻¹) the saving is counted against (absent without a cost; older payloads: the finest). */
  baseline_dk?: number;
  /** Why that baseline (chosen by the user, the finest training Δk, or the fallback). */
  baseline_reason?: string;
  /** k-points of the training structures at the recommended, the finest and the baseline Δk (optional). */
  kpoints?: { recommended: number; finest: number; baseline?: number };
}

/** The payload of {@link COMPARISON_MIME}. */
export interface ComparisonPayload {
  version: 1;
  pairs: ComparisonPair[];
  recommendation: Recommendation;
  /** Coverage at the recommended Δk per metal × lattice: MLP properties inside their band (docs/method.md §7). */
  coverage?: CoverageRow[];
  units: Record<string, string>;
  /** Where the data come from (a file, a dataset), stated in exports; absent when unknown. */
  source?: string;
}

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
