/**
 * MIME bundles for notebooks: deltak's own type (data + analysis options, rendered as an
 * interactive widget by the JupyterLab extension), a vega-lite v5 fallback for JupyterLab's
 * built-in renderer, and text/plain.
 */
import type { ColumnTable } from 'arquero';
import { tableMeta } from '../core/meta.js';
import { sweepRows, type SweepInput, type SweepRow } from '../core/sweep.js';
import {
  thresholdRows,
  analysedRows,
  describeReference,
  THRESHOLD_UNITS,
  type ReferenceOption,
  type ThresholdRow,
} from '../core/convergence.js';
import type { ExcludedPoint, UnstableOption } from '../core/stability.js';
import { sweepChart, type VegaLiteSpec } from '../charts/sweep.js';
import { formatTable } from './text.js';

/** deltak's MIME type for a Δk sweep with its threshold analysis. */
export const SWEEP_MIME = 'application/vnd.deltak.sweep.v1+json';
/** MIME type of the vega-lite fallback (JupyterLab 4 renders v5). */
export const VEGALITE_MIME = 'application/vnd.vegalite.v5+json';

/** A Jupyter display_data content: data by MIME type, metadata, transient display id. */
export interface MimeBundle {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  transient?: { display_id?: string };
}

/** The payload of {@link SWEEP_MIME}: what the widget needs to recompute in the browser. */
export interface SweepPayload {
  version: 1;
  /** What the user displayed: the sweep itself or its thresholds table. */
  kind: 'sweep' | 'thresholds';
  sweep: SweepRow[];
  /** `unstable` absent means the default, "exclude". */
  options: { factor: number; reference: ReferenceOption; unstable?: UnstableOption };
  thresholds: ThresholdRow[];
  /** Sweep points left out of MAD, bands and thresholds, with the reason (moduli of an unstable C). */
  excluded?: ExcludedPoint[];
  units: Record<string, string>;
  /** Where the data come from (a file, a dataset), stated in exports; absent when unknown. */
  source?: string;
  /** What the widget opens on (absent fields: its defaults). */
  view?: SweepViewOptions;
}

/**
 * What the sweep widget shows, besides the analysis options: the widget opens on it, saves it in
 * the notebook (output metadata) and writes it back as a `showSweep` call ("copy as code").
 */
export interface SweepViewOptions {
  /** The property shown (default: the first of the sweep). */
  property?: string;
  /** One metal, or every metal (default). */
  metal?: string;
  /** One lattice, or every lattice (default). */
  lattice?: string;
  /** The methods drawn (default: every method). */
  methods?: string[];
  /** Values far outside the band drawn at the edge of the range (default false). */
  clip?: boolean;
  /** Methods picked in the chart's legend, the others faded (default: none picked, all shown). */
  legend?: string[];
}

/** Options of {@link sweepBundle}: the analysis options and what the widget opens on. */
export interface SweepBundleOptions extends SweepViewOptions {
  /** Criterion factor f (default 0.5). */
  factor?: number;
  /** Reference Δk rule (default "auto"). */
  reference?: ReferenceOption;
  /** Whether the user displayed the sweep or a thresholds table; default "sweep". */
  kind?: 'sweep' | 'thresholds';
  /** Moduli of a C that is not positive definite: "exclude" (default) or "include". */
  unstable?: UnstableOption;
  /** Where the data come from (a file, a dataset), stated in the widget's exports. */
  source?: string;
}

const TABLE_COLUMNS = ['metal', 'lattice', 'property', 'unit', 'method', 'ref_rule', 'ref_value', 'mad', 'mad_max', 'factor', 'threshold_dk'];

/** The MIME bundle of a sweep (rows or arquero table) with thresholds at `factor`. */
export function sweepBundle(sweep: SweepInput, options: SweepBundleOptions = {}): MimeBundle {
  const rows = sweepRows(sweep);
  const factor = options.factor ?? 0.5;
  const reference = options.reference ?? 'auto';
  const unstable = options.unstable ?? 'exclude';
  const th = thresholdRows(rows, { factor, reference, unstable });
  const { excluded } = analysedRows(rows, unstable);
  const payload: SweepPayload = {
    version: 1,
    kind: options.kind ?? 'sweep',
    sweep: rows,
    options: { factor, reference, unstable },
    thresholds: th,
    excluded,
    units: { dk: 'Å⁻¹', ...THRESHOLD_UNITS },
    ...(options.source ? { source: options.source } : {}),
  };
  const view = viewOptions(options);
  if (view) payload.view = view;
  const metals = [...new Set(rows.map((r) => `${r.metal} ${r.lattice}`))].join(', ');
  const props = [...new Set(rows.map((r) => r.property))].join(', ');
  const dks = [...new Set(rows.map((r) => r.dk))].sort((a, b) => a - b).join(', ');
  const text = [
    `deltak ${payload.kind}: ${rows.length} values; ${metals}; properties ${props}; Δk (Å⁻¹) ${dks}`,
    `thresholds Δk_T (Å⁻¹) at factor ${factor} (— = never reaches the bound); reference: ${describeReference(reference)}:`,
    formatTable(th as unknown as Record<string, unknown>[], { columns: TABLE_COLUMNS, units: THRESHOLD_UNITS }),
    ...(excluded.length
      ? [`left out of MAD, bands and thresholds (unstable: "include" keeps them): ${excluded.map((e) => `${e.metal} ${e.lattice} ${e.method} ${e.property} at ${e.dk} Å⁻¹`).join(', ')}: ${[...new Set(excluded.map((e) => e.reason))].join('; ')}`]
      : []),
  ].join('\n');
  const chart: VegaLiteSpec = sweepChart(rows, th, { excluded });
  return { data: { [SWEEP_MIME]: payload, [VEGALITE_MIME]: chart, 'text/plain': text }, metadata: {} };
}

const VIEW_KEYS = ['property', 'metal', 'lattice', 'methods', 'clip', 'legend'] as const;

/** The view options given in `options` (undefined when none). */
function viewOptions(options: SweepViewOptions): SweepViewOptions | undefined {
  const view: Record<string, unknown> = {};
  for (const k of VIEW_KEYS) if (options[k] !== undefined) view[k] = Array.isArray(options[k]) ? [...(options[k] as string[])] : options[k];
  return Object.keys(view).length ? (view as SweepViewOptions) : undefined;
}

/**
 * The MIME bundle of a thresholds table made by `thresholds()`: it carries its sweep and
 * options, so the widget can recompute. A table deltak did not make is an error.
 */
export function thresholdsBundle(table: ColumnTable): MimeBundle {
  const meta = tableMeta(table);
  if (!meta || meta.kind !== 'thresholds' || !meta.notes || !Array.isArray(meta.notes.sweep)) {
    throw new Error('thresholdsBundle: expected a table returned by thresholds(sweep, options)');
  }
  const n = meta.notes;
  return sweepBundle(n.sweep as SweepRow[], {
    factor: n.factor as number,
    reference: n.reference as ReferenceOption,
    unstable: (n.unstable as UnstableOption | undefined) ?? 'exclude',
    kind: 'thresholds',
  });
}
