/**
 * Vega-lite v5 specs of the paper's figures (plain JSON; JupyterLab's renderer and vega in
 * Node draw them): SEM against Δk with thresholds (Fig. 4/S3), the outcome bars (Fig. 5),
 * parity (Fig. 2a) and RMSE against Δk (Fig. 2b/c).
 */
import { VEGALITE_V5_SCHEMA, indexLookup, panelOf, type ChartData, type FigureOptions, type VegaLiteSpec } from './sweep.js';
import { SEM_NAMES, SEM_UNITS, type SemPoint } from '../core/sem.js';
import { chartConfig, colourScale, DK_SCHEME, panelGrid, topLegend } from './theme.js';

/** A SEM value with optional interval (Fig. 4 input). Δk in Å⁻¹. */
export interface SemChartRow extends SemPoint {
  lo?: number;
  hi?: number;
}

/** A SEM threshold for the outlined marks. */
export interface SemChartThreshold {
  metal: string;
  lattice: string;
  structure: string;
  sem: string;
  threshold_dk: number | null;
}

/** One datum of the SEM figure: a point of a series or an outlined threshold. */
export interface SemDatum {
  layer: 'point' | 'threshold';
  /** "metal lattice". */
  panel: string;
  structure: string;
  sem: string;
  /** Unit of the SEM. */
  unit: string;
  /** Δk, Å⁻¹. */
  dk: number;
  /** The SEM in its unit. */
  value: number;
  /** Bootstrap interval, in the SEM's unit. */
  lo?: number;
  hi?: number;
}

/** The SEM figure's rows: the series and their thresholds (at the threshold's value). */
export function semData(rows: readonly SemChartRow[], thresholds: readonly SemChartThreshold[], units: Readonly<Record<string, string>> = SEM_UNITS): SemDatum[] {
  const out: SemDatum[] = rows.map((r) => {
    const d: SemDatum = { layer: 'point', panel: panelOf(r), structure: r.structure, sem: r.sem, unit: units[r.sem] ?? '', dk: r.dk, value: r.value };
    if (r.lo !== undefined && r.hi !== undefined) Object.assign(d, { lo: r.lo, hi: r.hi });
    return d;
  });
  for (const t of thresholds) {
    if (t.threshold_dk === null) continue;
    const at = rows.find((r) => r.metal === t.metal && r.lattice === t.lattice && r.structure === t.structure && r.sem === t.sem && r.dk === t.threshold_dk);
    if (!at) throw new Error(`SEM payload: threshold ${t.threshold_dk} Å⁻¹ of ${panelOf(t)} ${t.structure} ${t.sem} is not a Δk of its series`);
    out.push({ layer: 'threshold', panel: panelOf(t), structure: t.structure, sem: t.sem, unit: units[t.sem] ?? '', dk: t.threshold_dk, value: at.value });
  }
  return out;
}

/** Order of SEM names: {@link SEM_NAMES} first, others alphabetically. */
export function semOrder(a: string, b: string): number {
  const names = SEM_NAMES as readonly string[];
  const ia = names.indexOf(a), ib = names.indexOf(b);
  if (ia !== ib) return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The parameters of a SEM figure besides its data. */
export interface SemFigureLayout extends FigureOptions {
  /** Panels' groups ("metal lattice") in display order. */
  panels: readonly string[];
  /** SEMs drawn, in {@link semOrder}. */
  sems: readonly string[];
  /** Unit of each SEM. */
  units: Readonly<Record<string, string>>;
  /** Every structure type of the data (fixes the colours). */
  structures: readonly string[];
  /** The sampled Δk (Å⁻¹): the x ticks. */
  dks: readonly number[];
  /** Height of one panel, px; default 130. */
  panelHeight?: number;
}

/**
 * Fig. 4/S3: one panel per group × SEM (each SEM's unit on its y axis), panels wrapping to the
 * width, one line per structure type against Δk (Å⁻¹), thresholds Δk_T^SEM outlined, bootstrap
 * intervals as error bars when rows carry lo/hi. With `interactive`, as the sweep figure: hovering
 * a line highlights that structure type in every panel, a click on a legend entry keeps that
 * structure type drawn and fades the others (shift-click adds one), and each panel zooms (wheel)
 * and pans (drag) on its own; double-click resets.
 *
 * Safe for any name by construction: panels are picked by their position (looked up from the
 * data), encoding and tooltip titles are fixed words, a SEM's name and unit appear only as its
 * axis title (a plain string), and lines are grouped by structure and layer together (vega keys
 * its groups by value: a composite key is never an object key like `__proto__`).
 */
export function semFigure(layout: SemFigureLayout, data: ChartData, withIntervals = false): VegaLiteSpec {
  const n = layout.panels.length * layout.sems.length;
  const grid = panelGrid(layout.width ?? 760, n, { minWidth: 170, maxWidth: 420, gutter: 90 });
  const interactive = layout.interactive ?? false;
  const color = {
    field: 'structure', type: 'nominal', title: 'structure', scale: colourScale(layout.structures),
    legend: topLegend(grid.figureWidth, { symbolOpacity: 1 }),
  };
  const x = {
    field: 'dk', type: 'quantitative', title: 'Δk (Å⁻¹)', scale: { zero: false, nice: false, padding: 8 },
    axis: { values: [...layout.dks], format: '.3~g', labelOverlap: 'greedy' },
  };
  const tooltip = [
    { field: 'structure', title: 'structure' }, { field: 'panel', title: 'metal and lattice' }, { field: 'sem', title: 'SEM' },
    { field: 'dk', title: 'Δk (Å⁻¹)', format: '~g' }, { field: 'value', title: 'value', format: '.4~g' }, { field: 'unit', title: 'unit' },
  ];
  const intervalTooltip = [...tooltip, { field: 'lo', title: 'interval low', format: '.4~g' }, { field: 'hi', title: 'interval high', format: '.4~g' }];
  const faded = (on: number, off: number): Record<string, unknown> =>
    interactive ? { condition: { param: 'shown', empty: true, value: on }, value: off } : { value: on };
  const lineWidth = interactive ? { condition: { param: 'hover', empty: false, value: 3.5 }, value: 1.5 } : { value: 1.5 };
  // hover and legend picks: one selection over every panel's line (the same name in each); zoom per panel
  const selections = [
    { name: 'hover', select: { type: 'point', on: 'mouseover', clear: 'mouseout', fields: ['structure'] } },
    { name: 'shown', select: { type: 'point', fields: ['structure'] }, bind: 'legend' },
  ];
  const panels = layout.panels.flatMap((group, i) => layout.sems.map((sem, j) => {
    const axis = { title: `${sem} (${layout.units[sem] ?? ''})` };
    const y = { field: 'value', type: 'quantitative', title: 'value', axis };
    const layer: Record<string, unknown>[] = [
      {
        name: `sem_line_${i}_${j}`,
        transform: [{ filter: "datum.layer === 'point'" }],
        params: interactive ? [...selections, { name: `zoom_${i}_${j}`, select: { type: 'interval', encodings: ['x', 'y'] }, bind: 'scales' }] : [],
        mark: { type: 'line', point: true },
        encoding: { x, y, color, detail: { field: 'layer' }, opacity: faded(1, 0.08), strokeWidth: lineWidth, tooltip: withIntervals ? intervalTooltip : tooltip },
      },
      {
        transform: [{ filter: "datum.layer === 'threshold'" }],
        mark: { type: 'point', filled: false, size: 240, strokeWidth: 2.5 },
        encoding: { x, y, color, opacity: faded(1, 0.08), tooltip: [tooltip[0], tooltip[1], tooltip[2], { field: 'dk', title: 'Δk_T^SEM (Å⁻¹)', format: '~g' }, tooltip[4], tooltip[5]] },
      },
    ];
    if (withIntervals) {
      layer.splice(1, 0, {
        transform: [{ filter: "datum.layer === 'point'" }],
        mark: 'errorbar',
        encoding: { x, y: { field: 'lo', type: 'quantitative', title: 'interval', axis }, y2: { field: 'hi' }, color, opacity: faded(1, 0.08) },
      });
    }
    return {
      title: layout.panels.length > 1 ? { text: group, fontSize: 11, anchor: 'start' } : undefined,
      transform: [{ filter: { field: 'panel_index', equal: i } }, { filter: { field: 'sem_index', equal: j } }],
      width: grid.width,
      height: layout.panelHeight ?? 130,
      layer,
    };
  }));
  return {
    $schema: VEGALITE_V5_SCHEMA,
    description: 'deltak: statistical error metrics of the DFT test set against Δk, thresholds Δk_T^SEM outlined',
    data,
    config: chartConfig(layout.theme),
    transform: [indexLookup('panel', layout.panels, 'panel_index'), indexLookup('sem', layout.sems, 'sem_index')],
    concat: panels,
    columns: grid.columns,
    resolve: { scale: { y: 'independent' } },
  };
}

/**
 * Fig. 4/S3 with data inline (the vega-lite fallback, `deltak report`): the SEM `sem` (every SEM
 * of the rows when absent) against Δk per metal × lattice, thresholds outlined.
 */
export function semChart(rows: readonly SemChartRow[], thresholds: readonly SemChartThreshold[] = [], sem?: string, options: FigureOptions = {}): VegaLiteSpec {
  const sel = rows.filter((r) => sem === undefined || r.sem === sem);
  if (sel.length === 0) throw new Error(`semChart: no rows for SEM ${sem}`);
  const values = semData(sel, thresholds.filter((t) => sem === undefined || t.sem === sem));
  return semFigure({
    ...options,
    panels: [...new Set(sel.map(panelOf))],
    sems: [...new Set(sel.map((r) => r.sem))].sort(semOrder),
    units: SEM_UNITS,
    structures: [...new Set(sel.map((r) => r.structure))],
    dks: [...new Set(sel.map((r) => r.dk))].sort((a, b) => a - b),
  }, { values }, sel.some((r) => r.lo !== undefined && r.hi !== undefined));
}

/** One outcome share for Fig. 5: by metal or SEM, percent of exact/conservative/mismatch. */
export interface OutcomeShare {
  by: string;
  key: string;
  exact: number;
  conservative: number;
  mismatch: number;
}

/** The outcomes of a SEM ↔ MLP pair, in display order (docs/method.md §6). */
export const OUTCOME_ORDER = ['exact', 'conservative', 'mismatch'] as const;

/** One bar segment of Fig. 5: the share (%) of one outcome among the pairs of a metal or a SEM. */
export interface OutcomeDatum {
  by: 'metal' | 'SEM';
  group: string;
  outcome: string;
  /** Share of the group's pairs, %. */
  percent: number;
  /** Number of pairs with this outcome, when known. */
  count?: number;
}

/**
 * Fig. 5 as stacked bars (%) of exact / conservative / mismatch per metal and per SEM, side by
 * side when they fit. The segments' ends are summed by a window over (by, group) together rather
 * than by vega-lite's stack, whose groups vega keys by the group's name alone (a metal named
 * `__proto__` would be an object key).
 */
export function comparisonFigure(options: FigureOptions, data: ChartData): VegaLiteSpec {
  const grid = panelGrid(options.width ?? 760, 2, { minWidth: 150, maxWidth: 320, gutter: 110 });
  const width = grid.width;
  const legend = topLegend(grid.figureWidth);
  const bar = (by: string) => ({
    title: `per ${by}`,
    transform: [{ filter: { field: 'by', equal: by } }],
    width,
    mark: { type: 'bar' },
    encoding: {
      y: { field: 'group', type: 'nominal', title: by },
      x: { field: 'start', type: 'quantitative', title: 'share of pairs (%)', scale: { domain: [0, 100] } },
      x2: { field: 'end' },
      color: {
        field: 'outcome', type: 'nominal', title: 'Δk_T^SEM against Δk_T^MLP', scale: colourScale(OUTCOME_ORDER),
        legend,
      },
      tooltip: [{ field: 'group', title: by }, { field: 'outcome', title: 'outcome' }, { field: 'count', title: 'pairs' }, { field: 'percent', title: 'share (%)', format: '.1f' }],
    },
  });
  return {
    $schema: VEGALITE_V5_SCHEMA,
    description: 'deltak: share of exact, conservative and mismatched SEM thresholds per metal and per SEM (%)',
    data,
    config: chartConfig(options.theme),
    transform: [
      { calculate: `indexof(${JSON.stringify(OUTCOME_ORDER)}, datum.outcome)`, as: 'order' },
      { window: [{ op: 'sum', field: 'percent', as: 'end' }], groupby: ['by', 'group'], sort: [{ field: 'order' }], frame: [null, 0] },
      { calculate: 'datum.end - datum.percent', as: 'start' },
    ],
    concat: [bar('metal'), bar('SEM')],
    columns: grid.columns,
  };
}

/** Fig. 5 from the comparison summary (the vega-lite fallback, `deltak report`). */
export function comparisonChart(summary: readonly OutcomeShare[], options: FigureOptions = {}): VegaLiteSpec {
  const values: OutcomeDatum[] = summary.flatMap((r) =>
    OUTCOME_ORDER.map((o) => ({ by: r.by === 'metal' ? 'metal' as const : 'SEM' as const, group: r.key, outcome: o, percent: r[o] })),
  );
  return comparisonFigure(options, { values });
}

/** A parity point: DFT and MLP values of one quantity at one Δk. */
export interface ParityPoint {
  dk: number;
  quantity: string;
  dft: number;
  mlp: number;
}

/** Fig. 2's quantities: axis name and unit (energies and virials per atom, force components). */
export const QUANTITY_AXIS: Readonly<Record<string, { name: string; unit: string }>> = {
  energy: { name: 'energy', unit: 'eV/atom' }, energy_per_atom: { name: 'energy', unit: 'eV/atom' },
  force: { name: 'force', unit: 'eV/Å' },
  virial: { name: 'virial', unit: 'eV/atom' }, virial_per_atom: { name: 'virial', unit: 'eV/atom' },
};
const quantityTitle = (q: string): string => {
  const a = Object.prototype.hasOwnProperty.call(QUANTITY_AXIS, q) ? QUANTITY_AXIS[q] : undefined;
  return a ? `${a.name} (${a.unit})` : q;
};

/** The Δk colour of Fig. 2: sequential (fine → coarse), each sampled Δk (Å⁻¹) in the legend. */
const dkColour = (dks: readonly number[]): Record<string, unknown> => ({
  field: 'dk', type: 'ordinal', title: 'Δk (Å⁻¹)', sort: 'ascending',
  scale: { domain: [...dks], scheme: DK_SCHEME }, legend: { format: '.3~g', symbolOpacity: 1 },
});

/**
 * Fig. 2a: MLP against DFT for one quantity, coloured by the Δk of the MLP's training data, with
 * the y = x line. The quantity's name appears only in the axis titles (plain strings).
 */
export function parityChart(points: readonly ParityPoint[], quantity = 'energy', options: FigureOptions = {}): VegaLiteSpec {
  const sel = points.filter((p) => p.quantity === quantity);
  if (sel.length === 0) throw new Error(`parityChart: no points for ${quantity}`);
  const lo = Math.min(...sel.map((p) => Math.min(p.dft, p.mlp)));
  const hi = Math.max(...sel.map((p) => Math.max(p.dft, p.mlp)));
  const t = quantityTitle(quantity);
  const side = Math.max(220, Math.min(360, (options.width ?? 760) - 160));
  return {
    $schema: VEGALITE_V5_SCHEMA,
    description: `deltak: parity of MLP against DFT, ${quantity}`,
    config: chartConfig(options.theme),
    width: side,
    height: side,
    layer: [
      { data: { values: [{ a: lo, b: lo }, { a: hi, b: hi }] }, mark: { type: 'line', color: 'gray', strokeDash: [4, 4] }, encoding: { x: { field: 'a', type: 'quantitative', title: 'DFT', axis: { title: `DFT ${t}` } }, y: { field: 'b', type: 'quantitative', title: 'MLP', axis: { title: `MLP ${t}` } } } },
      {
        data: { values: sel },
        mark: { type: 'point', opacity: 0.7, size: 14, filled: true },
        encoding: {
          x: { field: 'dft', type: 'quantitative', title: 'DFT', axis: { title: `DFT ${t}` }, scale: { zero: false } },
          y: { field: 'mlp', type: 'quantitative', title: 'MLP', axis: { title: `MLP ${t}` }, scale: { zero: false } },
          color: dkColour([...new Set(sel.map((p) => p.dk))].sort((a, b) => a - b)),
          tooltip: [{ field: 'dk', title: 'Δk (Å⁻¹)', format: '~g' }, { field: 'dft', title: 'DFT', format: '.5~g' }, { field: 'mlp', title: 'MLP', format: '.5~g' }],
        },
      },
    ],
  };
}

/** An RMSE value of the MLP at one Δk on one dataset (train or test). */
export interface RmseChartRow {
  dk: number;
  dataset: string;
  quantity: string;
  rmse: number;
}

/**
 * Fig. 2b/c: RMSE of energy, force and virial against Δk (Å⁻¹), one panel per quantity with its
 * unit, training and test sets. Panels are picked by the quantity's position (a number in the
 * data), names appear only in axis titles, lines are grouped by dataset and quantity together.
 */
export function rmseChart(rows: readonly RmseChartRow[], options: FigureOptions = {}): VegaLiteSpec {
  const quantities = [...new Set(rows.map((r) => r.quantity))];
  const datasets = [...new Set(rows.map((r) => r.dataset))];
  const dks = [...new Set(rows.map((r) => r.dk))].sort((a, b) => a - b);
  const grid = panelGrid(options.width ?? 760, quantities.length, { minWidth: 170, maxWidth: 320, gutter: 90 });
  return {
    $schema: VEGALITE_V5_SCHEMA,
    description: 'deltak: MLP RMSE against the Δk of its training data',
    data: { values: rows.map((r) => ({ ...r, quantity_index: quantities.indexOf(r.quantity) })) },
    config: chartConfig(options.theme),
    concat: quantities.map((q, i) => ({
      transform: [{ filter: { field: 'quantity_index', equal: i } }],
      width: grid.width,
      height: 160,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'dk', type: 'quantitative', title: 'Δk (Å⁻¹)', scale: { zero: false, nice: false, padding: 8 }, axis: { values: dks, format: '.3~g', labelOverlap: 'greedy' } },
        y: { field: 'rmse', type: 'quantitative', title: 'RMSE', axis: { title: `RMSE ${quantityTitle(q)}` } },
        color: { field: 'dataset', type: 'nominal', title: 'dataset', scale: colourScale(datasets) },
        detail: { field: 'quantity_index' },
        tooltip: [{ field: 'dataset', title: 'dataset' }, { field: 'dk', title: 'Δk (Å⁻¹)', format: '~g' }, { field: 'rmse', title: 'RMSE', format: '.4~g' }],
      },
    })),
    columns: grid.columns,
    resolve: { scale: { y: 'independent' } },
  };
}
