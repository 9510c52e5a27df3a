/**
 * The vega-lite spec of the sweep widget: one property, a metal × lattice facet grid (the
 * paper's Fig. 3), each method against Δk (Å⁻¹) with its reference value, the band
 * x_ref ± f·MAD_max, the outlined threshold Δk_T and, as grey crosses, points left out of the
 * analysis (moduli of an unstable C). The data come as the named dataset
 * {@link SWEEP_DATA} (rows of `chartData`), so the slider only replaces data.
 */
import type { TopLevelSpec } from 'vega-lite';

/** Name of the chart's dataset. */
export const SWEEP_DATA = 'deltak_sweep';

/** What the spec depends on (anything else is data). */
export interface SweepChartLayout {
  property: string;
  unit: string;
  metals: string[];
  lattices: string[];
  /** Every method of the payload (fixes the colours whatever is toggled off). */
  methods: string[];
  palette: string[];
  /** Width and height of one panel, px. */
  width: number;
  height: number;
  config: Record<string, unknown>;
}

/**
 * Panel width (px) that fits `columns` panels into `available` px: 140 to 340 px (520 px for a
 * single column).
 */
export function panelWidth(available: number, columns: number): number {
  const perPanel = (available - 90) / Math.max(1, columns) - 24;
  return Math.max(140, Math.min(columns <= 1 ? 520 : 340, Math.floor(perPanel)));
}

/** The vega-lite spec for a layout. */
export function sweepSpec(l: SweepChartLayout): TopLevelSpec {
  const yTitle = `${l.property} (${l.unit})`;
  const color = {
    field: 'method',
    type: 'nominal' as const,
    title: 'method',
    scale: { domain: l.methods, range: l.palette.slice(0, Math.max(1, l.methods.length)) },
    legend: { orient: 'top' as const, direction: 'horizontal' as const, symbolOpacity: 1 },
  };
  const x = { field: 'dk', type: 'quantitative' as const, title: 'Δk (Å⁻¹)', scale: { zero: false, nice: false, padding: 8 } };
  const y = { field: 'value', type: 'quantitative' as const, title: yTitle, scale: { zero: false } };
  const fmt = '.4~g';
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    description: `${l.property} against k-point spacing Δk for each metal and lattice, with thresholds Δk_T`,
    data: { name: SWEEP_DATA },
    config: l.config,
    facet: {
      row: { field: 'metal', type: 'nominal', title: 'metal', sort: l.metals, header: { labelAngle: 0, labelAlign: 'left' } },
      column: { field: 'lattice', type: 'nominal', title: 'lattice', sort: l.lattices },
    },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: l.width,
      height: l.height,
      layer: [
        {
          transform: [{ filter: "datum.layer === 'band'" }],
          mark: { type: 'rect', opacity: 0.13 },
          encoding: { y: { field: 'lo', type: 'quantitative', title: yTitle }, y2: { field: 'hi' }, color },
        },
        {
          transform: [{ filter: "datum.layer === 'reference'" }],
          mark: { type: 'rule', strokeDash: [4, 3], opacity: 0.7 },
          encoding: { y: { ...y }, color },
        },
        {
          transform: [{ filter: "datum.layer === 'point'" }],
          mark: { type: 'line', point: true, strokeWidth: 1.5 },
          encoding: {
            x, y, color,
            tooltip: [
              { field: 'method', title: 'method' },
              { field: 'dk', title: 'Δk (Å⁻¹)', format: fmt },
              { field: 'value', title: yTitle, format: fmt },
            ],
          },
        },
        {
          transform: [{ filter: "datum.layer === 'excluded'" }],
          mark: { type: 'point', shape: 'cross', filled: true, size: 110, color: '#888888', opacity: 1 },
          encoding: {
            x, y,
            tooltip: [
              { field: 'method', title: 'method' },
              { field: 'dk', title: 'Δk (Å⁻¹)', format: fmt },
              { field: 'value', title: yTitle, format: fmt },
              { field: 'reason', title: 'reason' },
            ],
          },
        },
        {
          transform: [{ filter: "datum.layer === 'threshold'" }],
          mark: { type: 'point', filled: false, size: 260, strokeWidth: 2.5, opacity: 1 },
          encoding: {
            x, y, color,
            tooltip: [
              { field: 'method', title: 'method' },
              { field: 'dk', title: 'Δk_T (Å⁻¹)', format: fmt },
              { field: 'value', title: yTitle, format: fmt },
            ],
          },
        },
      ],
    },
  } as TopLevelSpec;
}
