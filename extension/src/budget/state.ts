/**
 * State of the error-budget view (docs/method.md §8): per Δk (Å⁻¹), the label noise of the DFT
 * test set (SEM against the reference Δk) beside the test RMSE of the MLP trained at that Δk,
 * per quantity (energy and virial per atom in eV/atom, force components in eV/Å), with the
 * verdict of each Δk. Pure (no DOM): tested in Node.
 */
import { BUDGET_QUANTITIES, BUDGET_VERDICT_TEXT, type BudgetVerdict, type ErrorBudgetRow, type ErrorBudgetVerdictRow } from 'deltak/core';
import type { ErrorBudgetPayload } from 'deltak/payloads';
import { budgetPanelTitle, DELTAK_VERSION, formatDk } from 'deltak/charts';
import { checkArray, checkNumber, checkNumberOrNull, checkObject, checkSem, checkString } from '../common/validate.js';
import { UNKNOWN_SOURCE, type ExportContext } from '../common/context.js';

/** The quantities of a budget, in display order. */
const QUANTITIES: readonly string[] = BUDGET_QUANTITIES.map((q) => q.quantity);
/** The verdicts a payload may carry. */
const VERDICTS: readonly string[] = Object.keys(BUDGET_VERDICT_TEXT);

/** A validated error-budget payload and what it shows. */
export interface BudgetModel {
  payload: ErrorBudgetPayload;
  /** Quantities present, in {@link BUDGET_QUANTITIES} order. */
  quantities: ErrorBudgetRow['quantity'][];
  /** Unit of each quantity present (from its rows). */
  units: ReadonlyMap<string, string>;
  /** The Δk of the verdicts, ascending, Å⁻¹. */
  dks: number[];
}

/**
 * Validate an untrusted payload of `application/vnd.deltak.errorbudget.v1+json`; every error
 * names the field. A quantity with two units, or two rows for one Δk and quantity, is an error.
 */
export function budgetModel(data: unknown): BudgetModel {
  const p = checkObject(data, 'error-budget payload');
  if (p.version !== 1) throw new Error(`error-budget payload: expected version 1, got ${JSON.stringify(p.version)}`);
  const rows = checkArray(p.rows, 'error-budget payload field "rows"');
  if (rows.length === 0) throw new Error('error-budget payload field "rows": expected at least one row');
  const units = new Map<string, string>();
  const seen = new Set<string>();
  rows.forEach((x, i) => {
    const r = checkObject(x, `error-budget payload rows[${i}]`);
    const dk = checkNumber(r.dk, `error-budget payload rows[${i}].dk`);
    if (dk <= 0) throw new Error(`error-budget payload rows[${i}].dk: expected Δk > 0 Å⁻¹, got ${dk}`);
    const q = checkString(r.quantity, `error-budget payload rows[${i}].quantity`);
    if (!QUANTITIES.includes(q)) throw new Error(`error-budget payload rows[${i}].quantity: expected one of ${QUANTITIES.join(', ')}, got ${JSON.stringify(q)}`);
    checkSem(r.sem, `error-budget payload rows[${i}].sem`);
    const unit = checkString(r.unit, `error-budget payload rows[${i}].unit`);
    if (units.has(q) && units.get(q) !== unit) throw new Error(`error-budget payload rows[${i}].unit: ${q} is in ${units.get(q)} in another row, here ${unit}`);
    units.set(q, unit);
    checkNumber(r.label_noise, `error-budget payload rows[${i}].label_noise`);
    checkNumber(r.model_rmse, `error-budget payload rows[${i}].model_rmse`);
    checkNumberOrNull(r.ratio, `error-budget payload rows[${i}].ratio`);
    if (typeof r.model_below_noise !== 'boolean') throw new Error(`error-budget payload rows[${i}].model_below_noise: expected true or false, got ${JSON.stringify(r.model_below_noise)}`);
    checkVerdict(r.verdict, `error-budget payload rows[${i}].verdict`);
    const key = JSON.stringify([dk, q]);
    if (seen.has(key)) throw new Error(`error-budget payload rows[${i}]: a second row for Δk ${dk} Å⁻¹, ${q}`);
    seen.add(key);
  });
  checkArray(p.verdicts, 'error-budget payload field "verdicts"').forEach((x, i) => {
    const v = checkObject(x, `error-budget payload verdicts[${i}]`);
    checkNumber(v.dk, `error-budget payload verdicts[${i}].dk`);
    checkVerdict(v.verdict, `error-budget payload verdicts[${i}].verdict`);
    for (const k of ['text', 'compared', 'below']) checkString(v[k], `error-budget payload verdicts[${i}].${k}`);
  });
  checkString(p.rule, 'error-budget payload field "rule"');
  checkString(p.dataset, 'error-budget payload field "dataset"');
  checkArray(p.groups, 'error-budget payload field "groups"').forEach((x, i) => {
    const g = checkObject(x, `error-budget payload groups[${i}]`);
    checkString(g.group, `error-budget payload groups[${i}].group`);
    checkNumber(g.ref_dk, `error-budget payload groups[${i}].ref_dk`);
  });
  checkArray(p.not_compared, 'error-budget payload field "not_compared"').forEach((x, i) => checkString(x, `error-budget payload not_compared[${i}]`));
  checkObject(p.units, 'error-budget payload field "units"');
  const payload = data as ErrorBudgetPayload;
  const present = new Set<string>(payload.rows.map((r) => r.quantity));
  const quantities = BUDGET_QUANTITIES.map((q) => q.quantity).filter((q) => present.has(q));
  const dks = [...new Set(payload.verdicts.map((v) => v.dk))].sort((a, b) => a - b);
  for (const r of payload.rows) {
    if (!dks.includes(r.dk)) throw new Error(`error-budget payload: Δk ${r.dk} Å⁻¹ has rows but no verdict`);
  }
  return { payload, quantities, units, dks };
}

function checkVerdict(x: unknown, what: string): BudgetVerdict {
  if (typeof x !== 'string' || !VERDICTS.includes(x)) throw new Error(`${what}: expected one of ${VERDICTS.join(', ')}, got ${JSON.stringify(x)}`);
  return x as BudgetVerdict;
}

/** One column of the table: its header (with its unit) and the cell of a Δk. */
export interface BudgetColumn {
  header: string;
  /** The cell's number (null: none), or its text. */
  value: (dk: number) => number | string | null;
}

/** The verdict of a Δk (Å⁻¹). */
export function verdictAt(m: BudgetModel, dk: number): ErrorBudgetVerdictRow | undefined {
  return m.payload.verdicts.find((v) => v.dk === dk);
}

/**
 * The table's columns, one row per Δk: Δk (Å⁻¹), then per quantity its label noise and model
 * RMSE in its unit and their ratio (dimensionless), then the verdict and the quantities whose
 * model error is below the label noise.
 */
export function budgetColumns(m: BudgetModel): BudgetColumn[] {
  const at = new Map(m.payload.rows.map((r) => [JSON.stringify([r.dk, r.quantity]), r]));
  const row = (dk: number, q: string): ErrorBudgetRow | undefined => at.get(JSON.stringify([dk, q]));
  const cols: BudgetColumn[] = [{ header: 'Δk (Å⁻¹)', value: (dk) => dk }];
  for (const q of m.quantities) {
    const title = budgetPanelTitle(q);
    const unit = m.units.get(q) ?? '';
    cols.push(
      { header: `${title}: label noise (${unit})`, value: (dk) => row(dk, q)?.label_noise ?? null },
      { header: `${title}: model RMSE (${unit})`, value: (dk) => row(dk, q)?.model_rmse ?? null },
      { header: `${title}: model / noise (1)`, value: (dk) => row(dk, q)?.ratio ?? null },
    );
  }
  cols.push(
    { header: 'verdict', value: (dk) => verdictAt(m, dk)?.text ?? 'none' },
    { header: 'quantities with model error below label noise', value: (dk) => verdictAt(m, dk)?.below || 'none' },
  );
  return cols;
}

/** The table as CSV columns and rows (one row per Δk and quantity, full precision). */
export function budgetCsvRows(m: BudgetModel): { header: string[]; rows: (string | number | boolean | null)[][] } {
  return {
    header: ['dk (Å⁻¹)', 'quantity', 'sem', 'unit', 'label_noise (unit)', 'model_rmse (unit)', 'ratio (1)', 'model_below_noise', 'verdict'],
    rows: m.payload.rows.map((r) => [r.dk, r.quantity, r.sem, r.unit, r.label_noise, r.model_rmse, r.ratio, r.model_below_noise, r.verdict]),
  };
}

/** The reference Δk of the label noise in words: "0.09 Å⁻¹, pooled over Al fcc pristine, …". */
export function budgetReference(m: BudgetModel): string {
  const refs = [...new Set(m.payload.groups.map((g) => g.ref_dk))].sort((a, b) => a - b);
  return `label noise: SEMs against Δk ${refs.map(formatDk).join(', ')} Å⁻¹, pooled over ${m.payload.groups.map((g) => g.group).join(', ') || 'no group'}`;
}

/** The context of the error-budget view's exports. */
export function budgetExportContext(m: BudgetModel, version = DELTAK_VERSION): ExportContext {
  const units: Record<string, string> = { dk: 'Å⁻¹', ratio: '1' };
  for (const q of m.quantities) units[q] = m.units.get(q) ?? '';
  return {
    title: `Error budget per Δk (Å⁻¹): label noise of the DFT test set beside the test RMSE of the MLP (dataset "${m.payload.dataset}")`,
    reference: budgetReference(m),
    source: UNKNOWN_SOURCE,
    version,
    units,
  };
}
