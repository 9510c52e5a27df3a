/**
 * Vega-lite v5 spec of the error budget (docs/method.md §8): per quantity, the label noise of
 * the DFT test set (SEM against the reference Δk) and the test RMSE of the MLP trained at each Δk.
 */
import { VEGALITE_V5_SCHEMA, type VegaLiteSpec } from './sweep.js';
import type { ErrorBudgetRow } from '../core/errorbudget.js';

const PANEL: Record<string, string> = { energy_per_atom: 'energy per atom (eV/atom)', force: 'force components (eV/Å)', virial_per_atom: 'virial per atom (eV/atom)' };

/** Series names of the chart. */
export const BUDGET_SERIES = { noise: 'label noise: DFT at Δk against the reference (SEM)', model: 'model error: MLP trained at Δk, test RMSE' } as const;

/**
 * One panel per quantity: label noise and model error against Δk (Å⁻¹), on a symmetric-log
 * y axis (zero at the reference stays drawable); the verdict of each Δk in the tooltip.
 */
export function errorBudgetChart(rows: readonly ErrorBudgetRow[]): VegaLiteSpec {
  if (rows.length === 0) throw new Error('errorBudgetChart: no rows');
  const values = rows.flatMap((r) => {
    const base = { dk: r.dk, panel: PANEL[r.quantity] ?? `${r.quantity} (${r.unit})`, sem: r.sem, verdict: r.verdict, ratio: r.ratio };
    return [{ ...base, series: BUDGET_SERIES.noise, value: r.label_noise }, { ...base, series: BUDGET_SERIES.model, value: r.model_rmse }];
  });
  return {
    $schema: VEGALITE_V5_SCHEMA,
    description: 'deltak: error budget, label noise of the DFT test set beside the MLP test error, per Δk',
    data: { values },
    facet: { column: { field: 'panel', type: 'nominal', title: null, sort: Object.values(PANEL) } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 220,
      height: 170,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'dk', type: 'quantitative', title: 'Δk (Å⁻¹)' },
        y: { field: 'value', type: 'quantitative', title: 'RMSE (unit in header)', scale: { type: 'symlog', constant: 1e-4 } },
        color: { field: 'series', type: 'nominal', title: null, sort: [BUDGET_SERIES.noise, BUDGET_SERIES.model], legend: { orient: 'bottom', direction: 'vertical', labelLimit: 420 } },
        tooltip: [
          { field: 'dk', title: 'Δk (Å⁻¹)' }, { field: 'series' }, { field: 'value', format: '.3~g' },
          { field: 'ratio', title: 'model / noise', format: '.3~g' }, { field: 'verdict' },
        ],
      },
    },
  };
}
