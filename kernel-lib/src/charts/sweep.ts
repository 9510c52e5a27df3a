/**
 * The sweep figure (the paper's Fig. 3), defined once for the widget, the vega-lite fallback
 * and `deltak report`: one property, one panel per metal × lattice (panels wrap to the width
 * given), each method against Δk (Å⁻¹) with its reference value x_ref (dashed), the band
 * x_ref ± f·MAD_max, the threshold Δk_T outlined and, as grey crosses, points left out of the
 * analysis (moduli of an unstable C). docs/method.md §4.
 */
import type { SweepRow } from '../core/sweep.js';
import type { ThresholdRow } from '../core/convergence.js';
import type { ExcludedPoint } from '../core/stability.js';
import { chartConfig, colourScale, panelGrid, topLegend, type ChartTheme } from './theme.js';

/** The vega-lite v5 schema URL (JupyterLab 4's built-in renderer takes v5 only). */
export const VEGALITE_V5_SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';

/** A vega-lite specification as plain JSON. */
export type VegaLiteSpec = Record<string, unknown>;

/** Where a chart's rows come from: a named dataset (the widget replaces it) or inline values. */
export type ChartData = { name: string } | { values: readonly object[] };

/** What the figure's parameters are besides its data. */
export interface FigureOptions {
  /** Width available for the whole figure, px (panels wrap to it); default 760. */
  width?: number;
  /** Theme colours; none: the fallback in JupyterLab's own renderer (its theme applies). */
  theme?: ChartTheme;
  /** Hover highlight, zoom and pan, clickable legend; default false. */
  interactive?: boolean;
}

/** One datum of the sweep figure. */
export interface SweepDatum {
  /** "excluded": left out of MAD, bands and thresholds (moduli of an unstable C). */
  layer: 'point' | 'band' | 'reference' | 'threshold' | 'excluded';
  /** "metal lattice". */
  panel: string;
  property: string;
  method: string;
  /** Unit of value, lo, hi and dev (the property's). */
  unit: string;
  /** Δk, Å⁻¹ (points, reference, thresholds). */
  dk?: number;
  /** The value, in `unit`. */
  value?: number;
  /** The value drawn: `value`, or the edge of the clipped range for an outlier. */
  y?: number;
  /** Whether `y` is clipped (the point lies beyond the drawn range). */
  clipped?: boolean;
  /** Band x_ref ± f·MAD_max, in `unit`. */
  lo?: number;
  hi?: number;
  /** Deviation from the reference value x − x_ref, in `unit`. */
  dev?: number;
  /** Deviation in units of MAD_max (dimensionless). */
  dev_mad?: number;
  /** Why an excluded point is left out. */
  reason?: string;
}

/** How far from x_ref, in the panel's median deviation |x − x_ref|, a value may lie before it counts as an outlier. */
export const OUTLIER_SPAN = 6;

/** The "metal lattice" label of a row. */
export const panelOf = (r: { metal: string; lattice: string }): string => `${r.metal} ${r.lattice}`;

const curveKey = (r: { metal: string; lattice: string; property: string; method: string }): string => JSON.stringify([r.metal, r.lattice, r.property, r.method]);

/**
 * The figure's rows for the `sweep` rows given (any selection), with their thresholds: points
 * with their deviation from the reference (in the unit and in MAD_max), bands, reference values,
 * Δk_T points and excluded points. `clip`: values further than {@link OUTLIER_SPAN} median
 * deviations (a robust scale an outlier does not inflate) from x_ref are drawn at that edge and
 * flagged `clipped`; bands are cut at the same edge.
 */
export function sweepData(
  sweep: readonly SweepRow[],
  thresholds: readonly ThresholdRow[],
  options: { excluded?: readonly ExcludedPoint[]; clip?: boolean } = {},
): SweepDatum[] {
  const th = new Map(thresholds.map((t) => [curveKey(t), t]));
  const why = new Map((options.excluded ?? []).map((e) => [JSON.stringify([e.metal, e.lattice, e.property, e.method, e.dk]), e.reason]));
  // the clip range of a panel: OUTLIER_SPAN × the median of its non-zero |x − x_ref| around each x_ref
  const span = new Map<string, number>();
  if (options.clip) {
    const devs = new Map<string, number[]>();
    for (const r of sweep) {
      const t = th.get(curveKey(r));
      if (!t || r.value === t.ref_value) continue;
      const k = JSON.stringify([r.metal, r.lattice, r.property]);
      (devs.get(k) ?? devs.set(k, []).get(k)!).push(Math.abs(r.value - t.ref_value));
    }
    for (const [k, ds] of devs) {
      ds.sort((a, b) => a - b);
      span.set(k, OUTLIER_SPAN * ds[Math.floor((ds.length - 1) / 2)]);
    }
  }
  const out: SweepDatum[] = [];
  for (const r of sweep) {
    const base = { panel: panelOf(r), property: r.property, method: r.method, unit: r.unit, dk: r.dk, value: r.value };
    const reason = why.get(JSON.stringify([r.metal, r.lattice, r.property, r.method, r.dk]));
    const t = th.get(curveKey(r));
    const dev = t ? r.value - t.ref_value : undefined;
    const s = span.get(JSON.stringify([r.metal, r.lattice, r.property]));
    let y = r.value;
    let clipped = false;
    if (t && s !== undefined && Math.abs(r.value - t.ref_value) > s) {
      y = t.ref_value + Math.sign(r.value - t.ref_value) * s;
      clipped = true;
    }
    const d: SweepDatum = { layer: reason === undefined ? 'point' : 'excluded', ...base, y, clipped };
    if (dev !== undefined && t) {
      d.dev = dev;
      if (t.mad_max > 0) d.dev_mad = dev / t.mad_max;
    }
    if (reason !== undefined) d.reason = `left out: ${reason}`;
    out.push(d);
  }
  for (const t of thresholds) {
    const base = { panel: panelOf(t), property: t.property, method: t.method, unit: t.unit };
    const edge = Math.min(t.bound, span.get(JSON.stringify([t.metal, t.lattice, t.property])) ?? Infinity);
    out.push({ ...base, layer: 'band', lo: t.ref_value - edge, hi: t.ref_value + edge });
    out.push({ ...base, layer: 'reference', dk: t.ref_dk, value: t.ref_value, y: t.ref_value });
    if (t.threshold_dk !== null && t.threshold_value !== null) {
      out.push({ ...base, layer: 'threshold', dk: t.threshold_dk, value: t.threshold_value, y: t.threshold_value, dev: t.threshold_value - t.ref_value, dev_mad: t.mad_max > 0 ? (t.threshold_value - t.ref_value) / t.mad_max : undefined });
    }
  }
  return out;
}

/** The parameters of one sweep figure besides its data. */
export interface SweepFigureLayout extends FigureOptions {
  property: string;
  unit: string;
  /** Panels ("metal lattice") in display order. */
  panels: readonly string[];
  /** Every method of the data (fixes the colours whatever is hidden). */
  methods: readonly string[];
  /** The sampled Δk (Å⁻¹): the x ticks. */
  dks: readonly number[];
  /** Height of one panel, px; default 150. */
  panelHeight?: number;
}

const FMT = '.4~g';

/**
 * A vega-lite lookup transform that adds `as`, the position of the row's `field` in `names`
 * (0, 1, …), so filters and sorts compare numbers: names travel as data and are never written
 * into a vega expression (vega-lite 5.6.1 pastes some strings into expressions unescaped).
 */
export function indexLookup(field: string, names: readonly string[], as: string): Record<string, unknown> {
  return { lookup: field, from: { data: { values: names.map((n, i) => ({ [field]: n, [as]: i })) }, key: field, fields: [as] } };
}

/**
 * The sweep figure for one property (a vega-lite v5 layered, faceted spec), safe for any name by
 * construction: encoding and tooltip titles are fixed words (vega-lite writes those into the
 * expressions of tooltips and ARIA descriptions), the property and unit appear only as the axis
 * title (a plain string), panels are ordered through a lookup of their position, and lines are
 * grouped by method and layer together (vega keys its groups by value: a composite key is never
 * an object key like `__proto__`).
 */
export function sweepFigure(layout: SweepFigureLayout, data: ChartData): VegaLiteSpec {
  const grid = panelGrid(layout.width ?? 760, layout.panels.length, { minWidth: 180, maxWidth: 520, gutter: 90 });
  const yTitle = `${layout.property} (${layout.unit})`;
  const interactive = layout.interactive ?? false;
  const color = {
    field: 'method', type: 'nominal', title: 'method', scale: colourScale(layout.methods),
    legend: topLegend(grid.figureWidth, { symbolOpacity: 1 }),
  };
  const x = {
    field: 'dk', type: 'quantitative', title: 'Δk (Å⁻¹)', scale: { zero: false, nice: false, padding: 8 },
    axis: { values: [...layout.dks], format: '.3~g', labelOverlap: 'greedy' },
  };
  const yAxis = { title: yTitle };
  const y = { field: 'y', type: 'quantitative', title: 'value', axis: yAxis, scale: { zero: false } };
  const tooltip = [
    { field: 'method', title: 'method' },
    { field: 'dk', title: 'Δk (Å⁻¹)', format: '~g' },
    { field: 'value', title: 'value', format: FMT },
    { field: 'unit', title: 'unit' },
    { field: 'dev', title: 'x − x_ref', format: FMT },
    { field: 'dev_mad', title: '(x − x_ref) / MAD_max', format: '.3~f' },
  ];
  // hover highlights a method; a click on the legend hides the others; drag and wheel zoom and pan
  const params = interactive
    ? [
        { name: 'hover', select: { type: 'point', on: 'mouseover', clear: 'mouseout', fields: ['method'] } },
        { name: 'shown', select: { type: 'point', fields: ['method'] }, bind: 'legend' },
        { name: 'zoom', select: { type: 'interval', encodings: ['x', 'y'] }, bind: 'scales' },
      ]
    : [];
  const faded = (on: number, off: number): Record<string, unknown> =>
    interactive ? { condition: { param: 'shown', empty: true, value: on }, value: off } : { value: on };
  const lineWidth = interactive ? { condition: { param: 'hover', empty: false, value: 3.5 }, value: 1.5 } : { value: 1.5 };
  const layer: Record<string, unknown>[] = [
    {
      transform: [{ filter: "datum.layer === 'band'" }],
      mark: { type: 'rect', strokeWidth: 1, strokeDash: [4, 3], clip: true },
      encoding: {
        y: { field: 'lo', type: 'quantitative', title: 'band', axis: yAxis }, y2: { field: 'hi' }, color, stroke: color,
        fillOpacity: faded(0.1, 0), strokeOpacity: faded(0.8, 0),
      },
    },
    {
      transform: [{ filter: "datum.layer === 'reference'" }],
      mark: { type: 'rule', strokeDash: [2, 2], clip: true },
      encoding: { y, color, opacity: faded(0.7, 0) },
    },
    {
      transform: [{ filter: "datum.layer === 'point'" }],
      params,
      mark: { type: 'line', point: true, clip: true },
      encoding: { x, y, color, detail: { field: 'layer' }, opacity: faded(1, 0.06), strokeWidth: lineWidth, tooltip },
    },
    {
      transform: [{ filter: "datum.layer === 'point' && datum.clipped" }],
      mark: { type: 'point', shape: 'triangle', filled: true, size: 90, clip: true },
      encoding: { x, y, color, opacity: faded(1, 0.06), tooltip: [...tooltip, { field: 'clipped', title: 'beyond the drawn range' }] },
    },
    {
      transform: [{ filter: "datum.layer === 'excluded'" }],
      mark: { type: 'point', shape: 'cross', filled: true, size: 110, color: '#888888', clip: true },
      encoding: { x, y, opacity: faded(1, 0.06), tooltip: [...tooltip, { field: 'reason', title: 'reason' }] },
    },
    {
      transform: [{ filter: "datum.layer === 'threshold'" }],
      mark: { type: 'point', filled: false, size: 260, strokeWidth: 2.5, clip: true },
      encoding: { x, y, color, opacity: faded(1, 0.06), tooltip: [{ field: 'method', title: 'method' }, { field: 'dk', title: 'Δk_T (Å⁻¹)', format: '~g' }, { field: 'value', title: 'value', format: FMT }, { field: 'unit', title: 'unit' }, { field: 'dev_mad', title: '(x − x_ref) / MAD_max', format: '.3~f' }] },
    },
  ];
  return {
    $schema: VEGALITE_V5_SCHEMA,
    description: 'deltak: a property against k-point spacing Δk per metal and lattice, DFT and MLP, with the band x_ref ± f·MAD_max and thresholds Δk_T',
    data,
    config: chartConfig(layout.theme),
    transform: [indexLookup('panel', layout.panels, 'panel_order')],
    facet: { field: 'panel', type: 'nominal', title: null, sort: { field: 'panel_order', op: 'min' }, header: { labelAngle: 0, labelFontWeight: 'bold', labelLimit: grid.width } },
    columns: grid.columns,
    resolve: { scale: { y: 'independent' }, axis: { x: 'independent' } },
    spec: { width: grid.width, height: layout.panelHeight ?? 150, layer },
  };
}

/** Options of {@link sweepChart}. */
export interface SweepChartOptions extends FigureOptions {
  /** Points left out of the analysis (moduli of an unstable C), drawn as grey crosses with their reason. */
  excluded?: readonly ExcludedPoint[];
  /** Draw values far outside the band at the edge of the drawn range (see {@link sweepData}). */
  clip?: boolean;
}

/**
 * The sweep figure of every property of `sweep` (one {@link sweepFigure} per property, stacked),
 * data inline: the vega-lite fallback and `deltak report`.
 */
export function sweepChart(sweep: readonly SweepRow[], thresholds: readonly ThresholdRow[] = [], options: SweepChartOptions = {}): VegaLiteSpec {
  const properties = [...new Set(sweep.map((r) => r.property))];
  if (properties.length === 0) throw new Error('sweepChart: no rows');
  const methods = [...new Set(sweep.map((r) => r.method))];
  const figures = properties.map((p) => {
    const rows = sweep.filter((r) => r.property === p);
    const values = sweepData(rows, thresholds.filter((t) => t.property === p), { excluded: (options.excluded ?? []).filter((e) => e.property === p), clip: options.clip });
    const { $schema: _s, config: _c, ...fig } = sweepFigure({
      ...options, property: p, unit: rows[0].unit, panels: [...new Set(rows.map(panelOf))], methods,
      dks: [...new Set(rows.map((r) => r.dk))].sort((a, b) => a - b),
    }, { values });
    return fig;
  });
  if (figures.length === 1) return { $schema: VEGALITE_V5_SCHEMA, config: chartConfig(options.theme), ...figures[0] };
  return {
    $schema: VEGALITE_V5_SCHEMA,
    description: 'deltak: properties against k-point spacing Δk, DFT and MLP, with thresholds Δk_T',
    config: chartConfig(options.theme),
    vconcat: figures,
    resolve: { scale: { color: 'shared' } },
  };
}
