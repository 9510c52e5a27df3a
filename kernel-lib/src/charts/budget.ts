/**
 * Vega-lite v5 spec of the error budget (docs/method.md §8): per quantity, the label noise of
 * the DFT test set (SEM against the reference Δk) and the test RMSE of the MLP trained at each Δk.
 */
import { VEGALITE_V5_SCHEMA, type FigureOptions, type VegaLiteSpec } from './sweep.js';
import { chartConfig, panelGrid, seriesColours } from './theme.js';
import type { ErrorBudgetRow } from '../core/errorbudget.js';

/** Title and unit of each quantity's panel, in display order. */
const PANEL: ReadonlyMap<string, { title: string; unit: string }> = new Map([
  ['energy_per_atom', { title: 'energy per atom', unit: 'eV/atom' }], ['force', { title: 'force components', unit: 'eV/Å' }], ['virial_per_atom', { title: 'virial per atom', unit: 'eV/atom' }],
]);

/** Title of a quantity's panel ("energy per atom"), the quantity itself when unknown. */
export function budgetPanelTitle(quantity: string): string {
  return PANEL.get(quantity)?.title ?? quantity;
}

/** Series names of the chart. */
export const BUDGET_SERIES = { noise: 'label noise: DFT at Δk against the reference (SEM)', model: 'model error: MLP trained at Δk, test RMSE' } as const;

/**
 * The y scale and ticks of a panel whose values are `values`: logarithmic from just below the
 * least to just above the largest, ticks at 1, 3 or 1, 2, 5 of each decade (the coarsest giving 3
 * ticks); a symmetric log from 0 when a value is 0 (no label noise), so it stays drawable.
 */
function budgetScale(values: readonly number[]): { scale: Record<string, unknown>; ticks?: number[] } {
  const finite = values.filter((v) => Number.isFinite(v));
  const positive = finite.filter((v) => v > 0);
  if (positive.length === 0) return { scale: { type: 'linear' } };
  const lo = Math.min(...positive);
  const hi = Math.max(...positive);
  const d0 = Math.floor(Math.log10(lo));
  const d1 = Math.ceil(Math.log10(hi));
  // the coarsest of 1, 1-3, 1-2-5 per decade that puts at least 3 ticks in the range
  let inRange: number[] = [];
  for (const steps of [[1], [1, 3], [1, 2, 5]]) {
    const ticks: number[] = [];
    for (let d = d0; d <= d1; d++) for (const m of steps) ticks.push(Number((m * 10 ** d).toPrecision(1)));
    inRange = ticks.filter((t) => t >= lo / 1.5 && t <= hi * 1.5);
    if (inRange.length >= 3) break;
  }
  if (finite.some((v) => v <= 0)) return { scale: { type: 'symlog', constant: lo / 10 }, ticks: [0, ...inRange] };
  return { scale: { type: 'log', domain: [lo / 1.25, hi * 1.25], nice: false }, ticks: inRange };
}

/**
 * One panel per quantity (its unit on the y axis): label noise and model error against Δk
 * (Å⁻¹), on a logarithmic y axis (symmetric log where a value is 0); the verdict of each
 * Δk in the tooltip. Panels are picked by the quantity's position (a number in the data); the
 * quantity and its unit appear only in titles (plain strings), never in a vega expression.
 */
export function errorBudgetChart(rows: readonly ErrorBudgetRow[], options: FigureOptions = {}): VegaLiteSpec {
  if (rows.length === 0) throw new Error('errorBudgetChart: no rows');
  const order = [...PANEL.keys()];
  const rank = (q: string): number => (order.indexOf(q) + 1 || 99);
  const quantities = [...new Set<string>(rows.map((r) => r.quantity))].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  const values = rows.flatMap((r) => {
    const base = { dk: r.dk, quantity: r.quantity, quantity_index: quantities.indexOf(r.quantity), unit: r.unit, sem: r.sem, verdict: r.verdict, ratio: r.ratio };
    return [{ ...base, series: BUDGET_SERIES.noise, value: r.label_noise }, { ...base, series: BUDGET_SERIES.model, value: r.model_rmse }];
  });
  const dks = [...new Set(rows.map((r) => r.dk))].sort((a, b) => a - b);
  const grid = panelGrid(options.width ?? 760, quantities.length, { minWidth: 170, maxWidth: 320, gutter: 90 });
  const series = [BUDGET_SERIES.noise, BUDGET_SERIES.model];
  // below the panels; where the full names would reach past a narrow figure, their short forms
  const legend = {
    orient: 'bottom', direction: 'vertical',
    ...(grid.figureWidth >= 330
      ? { labelLimit: 420 }
      : { labelExpr: "indexof(datum.label, 'label noise') === 0 ? 'label noise (SEM)' : 'model error (test RMSE)'" }),
  };
  return {
    $schema: VEGALITE_V5_SCHEMA,
    description: 'deltak: error budget, label noise of the DFT test set beside the MLP test error, per Δk',
    data: { values },
    config: chartConfig(options.theme),
    concat: quantities.map((q, i) => {
      const unit = PANEL.get(q)?.unit ?? rows.find((r) => r.quantity === q)?.unit ?? '';
      const y = budgetScale(values.filter((v) => v.quantity_index === i).map((v) => v.value));
      return {
        title: { text: budgetPanelTitle(q), fontSize: 11, anchor: 'start' },
        transform: [{ filter: { field: 'quantity_index', equal: i } }],
        width: grid.width,
        height: 170,
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'dk', type: 'quantitative', title: 'Δk (Å⁻¹)', scale: { zero: false, nice: false, padding: 8 }, axis: { values: dks, format: '.3~g', labelOverlap: 'greedy' } },
          y: { field: 'value', type: 'quantitative', title: 'RMSE', axis: { title: `RMSE (${unit})`, format: '.2~g', ...(y.ticks ? { values: y.ticks } : {}) }, scale: y.scale },
          color: { field: 'series', type: 'nominal', title: null, sort: series, scale: { domain: series, range: seriesColours(['label noise', 'model error']) }, legend },
          tooltip: [
            { field: 'dk', title: 'Δk (Å⁻¹)', format: '~g' }, { field: 'series', title: 'series' }, { field: 'value', title: 'RMSE', format: '.3~g' }, { field: 'unit', title: 'unit' },
            { field: 'ratio', title: 'model / noise', format: '.3~g' }, { field: 'verdict', title: 'verdict' },
          ],
        },
      };
    }),
    columns: grid.columns,
    resolve: { scale: { y: 'independent' } },
  };
}
