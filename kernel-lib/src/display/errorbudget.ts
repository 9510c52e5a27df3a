/**
 * MIME bundle of the error budget (docs/method.md §8): deltak's own type (the extension's
 * error-budget view: chart and table of verdicts), a vega-lite v5 chart (what JupyterLab draws
 * without the extension) and a text table with the verdict of every Δk.
 */
import type { ColumnTable } from 'arquero';
import { tableMeta } from '../core/meta.js';
import { BUDGET_RULE, ERROR_BUDGET_UNITS, type ErrorBudgetResult, type ErrorBudgetRow, type ErrorBudgetVerdictRow } from '../core/errorbudget.js';
import { errorBudgetChart } from '../charts/budget.js';
import { VEGALITE_MIME, type MimeBundle } from './bundle.js';
import { ERROR_BUDGET_MIME, type ErrorBudgetPayload } from './payloads.js';
import { formatTable } from './text.js';

/** The budget of {@link errorBudgetRows}, or the table of `errorBudget()` (which carries it in its metadata). */
export type ErrorBudgetInput = (ErrorBudgetResult & { dataset?: string }) | ColumnTable;

function resultOf(x: ErrorBudgetInput): ErrorBudgetResult & { dataset: string } {
  if (typeof (x as ColumnTable).objects === 'function') {
    const t = x as ColumnTable;
    const meta = tableMeta(t);
    if (!meta || meta.kind !== 'error-budget' || !meta.notes) throw new Error('errorBudgetBundle: expected the table returned by errorBudget(frames, rmse) or the result of errorBudgetRows');
    const n = meta.notes;
    return { rows: t.objects() as ErrorBudgetRow[], verdicts: n.verdicts as ErrorBudgetVerdictRow[], groups: n.groups as ErrorBudgetResult['groups'], notCompared: n.not_compared as string[], dataset: String(n.dataset) };
  }
  const r = x as ErrorBudgetResult & { dataset?: string };
  return { ...r, dataset: r.dataset ?? 'test' };
}

/** The error budget as a MIME bundle: payload, vega-lite v5 chart, and text with every verdict. */
export function errorBudgetBundle(budget: ErrorBudgetInput): MimeBundle {
  const b = resultOf(budget);
  const payload: ErrorBudgetPayload = {
    version: 1, rows: b.rows, verdicts: b.verdicts, rule: BUDGET_RULE, dataset: b.dataset, groups: b.groups, not_compared: b.notCompared,
    units: { ...ERROR_BUDGET_UNITS, energy_per_atom: 'eV/atom', force: 'eV/Å', virial_per_atom: 'eV/atom' },
  };
  const text = [
    `deltak error budget: label noise of the DFT test set (SEMs against ${[...new Set(b.groups.map((g) => g.ref_dk))].join(', ')} Å⁻¹, pooled over ${b.groups.map((g) => g.group).join(', ')}) beside the MLP error on the ${b.dataset} set; energy and virial per atom in eV/atom, forces in eV/Å, Δk in Å⁻¹.`,
    formatTable(b.rows as unknown as Record<string, unknown>[], { columns: ['dk', 'quantity', 'unit', 'label_noise', 'model_rmse', 'ratio', 'model_below_noise'], units: ERROR_BUDGET_UNITS, maxRows: 200 }),
    'Verdict per Δk:',
    ...b.verdicts.map((v) => `  ${v.dk} Å⁻¹: ${v.text}${v.verdict === 'model-error-dominates' ? ` (below the noise: ${v.below || 'none'} of ${v.compared})` : ''}`),
    `Rule: ${BUDGET_RULE}.`,
    ...(b.notCompared.length ? [`Not compared: ${b.notCompared.join('; ')}.`] : []),
  ].join('\n');
  return { data: { [ERROR_BUDGET_MIME]: payload, [VEGALITE_MIME]: errorBudgetChart(b.rows), 'text/plain': text }, metadata: {} };
}
