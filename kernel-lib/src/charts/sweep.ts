/**
 * Vega-lite v5 spec of a Δk sweep (the paper's Fig. 3 layout): one panel per property (rows)
 * and metal × lattice (columns), DFT and MLP against Δk, the band x_ref ± f·MAD_max and the
 * threshold Δk_T drawn as an outlined point. JupyterLab's built-in renderer takes v5 specs.
 */
import type { SweepRow } from '../core/sweep.js';
import type { ThresholdRow } from '../core/convergence.js';
import type { ExcludedPoint } from '../core/stability.js';

/** The vega-lite v5 schema URL (JupyterLab 4's built-in renderer takes v5 only). */
export const VEGALITE_V5_SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';

/** A vega-lite specification as plain JSON. */
export type VegaLiteSpec = Record<string, unknown>;

/** Options of {@link sweepChart}. */
export interface SweepChartOptions {
  /** Width of one panel in px; default 220. */
  width?: number;
  /** Height of one panel in px; default 140. */
  height?: number;
  /** Points left out of the analysis (moduli of an unstable C), drawn as grey crosses with their reason. */
  excluded?: readonly ExcludedPoint[];
}

const panelLabel = (r: { property: string; unit: string }): string => `${r.property} (${r.unit})`;
const groupLabel = (r: { metal: string; lattice: string }): string => `${r.metal} ${r.lattice}`;

/**
 * The sweep chart: Δk (Å⁻¹) on x, value in the property's unit on y (named in the row header).
 * With `thresholds`, adds the reference band and the outlined Δk_T points; `options.excluded`
 * points (left out of MAD, bands and thresholds) are drawn as grey crosses, their reason in the tooltip.
 */
export function sweepChart(
  sweep: readonly SweepRow[],
  thresholds: readonly ThresholdRow[] = [],
  options: SweepChartOptions = {},
): VegaLiteSpec {
  const values: Record<string, unknown>[] = [];
  const out = new Set((options.excluded ?? []).map((e) => JSON.stringify([e.metal, e.lattice, e.property, e.method, e.dk])));
  for (const r of sweep) {
    if (out.has(JSON.stringify([r.metal, r.lattice, r.property, r.method, r.dk]))) continue;
    values.push({ layer: 'point', panel: panelLabel(r), group: groupLabel(r), method: r.method, dk: r.dk, value: r.value });
  }
  for (const e of options.excluded ?? []) {
    values.push({ layer: 'excluded', panel: panelLabel(e), group: groupLabel(e), method: e.method, dk: e.dk, value: e.value, reason: `left out: ${e.reason}` });
  }
  for (const t of thresholds) {
    const base = { panel: panelLabel(t), group: groupLabel(t), method: t.method };
    values.push({ ...base, layer: 'band', lo: t.ref_value - t.bound, hi: t.ref_value + t.bound });
    if (t.threshold_dk !== null) {
      values.push({ ...base, layer: 'threshold', dk: t.threshold_dk, value: t.threshold_value });
    }
  }
  const color = { field: 'method', type: 'nominal', title: 'method' };
  const x = { field: 'dk', type: 'quantitative', title: 'Δk (Å⁻¹)' };
  const y = { field: 'value', type: 'quantitative', title: 'value', scale: { zero: false } };
  return {
    $schema: VEGALITE_V5_SCHEMA,
    description: 'deltak: property against k-point spacing Δk, DFT and MLP, with thresholds Δk_T',
    data: { values },
    facet: {
      row: { field: 'panel', type: 'nominal', title: null, header: { labelAngle: 0, labelAlign: 'left' } },
      column: { field: 'group', type: 'nominal', title: null },
    },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: options.width ?? 220,
      height: options.height ?? 140,
      layer: [
        {
          transform: [{ filter: "datum.layer === 'band'" }],
          mark: { type: 'rect', opacity: 0.12 },
          encoding: { y: { field: 'lo', type: 'quantitative', title: 'value' }, y2: { field: 'hi' }, color },
        },
        {
          transform: [{ filter: "datum.layer === 'point'" }],
          mark: { type: 'line', point: true },
          encoding: { x, y, color, tooltip: [{ field: 'method' }, { field: 'dk', title: 'Δk (Å⁻¹)' }, { field: 'value' }] },
        },
        {
          transform: [{ filter: "datum.layer === 'threshold'" }],
          mark: { type: 'point', filled: false, size: 220, strokeWidth: 2 },
          encoding: { x, y, color, tooltip: [{ field: 'method' }, { field: 'dk', title: 'Δk_T (Å⁻¹)' }] },
        },
        {
          transform: [{ filter: "datum.layer === 'excluded'" }],
          mark: { type: 'point', shape: 'cross', filled: true, size: 90, color: '#888888' },
          encoding: { x, y, tooltip: [{ field: 'method' }, { field: 'dk', title: 'Δk (Å⁻¹)' }, { field: 'value' }, { field: 'reason' }] },
        },
      ],
    },
  };
}
