/**
 * The error budget (docs/method.md §8): per Δk, the noise of the DFT labels (the SEMs of the test
 * set against the reference Δk, docs/method.md §5) beside the error of the MLP trained at that Δk
 * on the same test set (`dp test` RMSE, docs/method.md §8). An MLP whose error is larger than the
 * label noise cannot resolve that noise: its properties vary less than DFT's whether or not it
 * learned to smooth, so the comparison of thresholds cannot show the effect there.
 */
import { from, type ColumnTable } from 'arquero';
import { withMeta } from './meta.js';
import { semDeltas, semValues, type ConfigDelta, type SemFrame, type SemName } from './sem.js';
import { isFramesTable, semFramesFromFrames } from './fromframes.js';
import type { RmseRow } from './parity.js';

/** A quantity of the budget: its `dp test` name, the SEM that measures its label noise, unit. */
export interface BudgetQuantity {
  quantity: 'energy_per_atom' | 'force' | 'virial_per_atom';
  sem: SemName;
  unit: string;
}

/** Energy per atom ↔ E-RMSE, force components ↔ F-RMSE, virial per atom ↔ V-RMSE. */
export const BUDGET_QUANTITIES: readonly BudgetQuantity[] = [
  { quantity: 'energy_per_atom', sem: 'E-RMSE', unit: 'eV/atom' },
  { quantity: 'force', sem: 'F-RMSE', unit: 'eV/Å' },
  { quantity: 'virial_per_atom', sem: 'V-RMSE', unit: 'eV/atom' },
];

/** Verdict of one Δk. */
export type BudgetVerdict = 'learning' | 'model-error-dominates' | 'no-label-noise';

/** The plain-words verdicts. */
export const BUDGET_VERDICT_TEXT: Readonly<Record<BudgetVerdict, string>> = {
  learning: 'model error below label noise: smoothing can be attributed to learning',
  'model-error-dominates': 'model error dominates: this data cannot show the effect',
  'no-label-noise': 'no label noise at this Δk (the SEM reference): nothing to smooth',
};

/** The rule behind the verdicts, as stated in every output. */
export const BUDGET_RULE =
  'per quantity, the model resolves the label noise when its test RMSE is below the SEM of the same quantity ' +
  '(energy per atom ↔ E-RMSE, force components ↔ F-RMSE, virial per atom ↔ V-RMSE); per Δk, "learning" only when it does for every quantity compared, ' +
  '"no label noise" when every SEM is 0 (the reference Δk), "model error dominates" otherwise';

/** One quantity at one Δk (Å⁻¹): label noise and model error in `unit`. */
export interface ErrorBudgetRow {
  dk: number;
  quantity: BudgetQuantity['quantity'];
  sem: SemName;
  unit: string;
  /** The SEM pooled over every test configuration of every group: DFT at Δk against DFT at the reference. */
  label_noise: number;
  /** RMSE of the MLP trained at Δk against DFT at Δk on the same test set. */
  model_rmse: number;
  /** model_rmse / label_noise; null when the label noise is 0. */
  ratio: number | null;
  /** model_rmse < label_noise. */
  model_below_noise: boolean;
  /** The verdict of this Δk (the same on every quantity's row). */
  verdict: BudgetVerdict;
}

/** The verdict of one Δk (Å⁻¹) with the quantities that decided it. */
export interface ErrorBudgetVerdictRow {
  dk: number;
  verdict: BudgetVerdict;
  /** {@link BUDGET_VERDICT_TEXT} of the verdict. */
  text: string;
  /** Quantities compared, comma-separated. */
  compared: string;
  /** Of those, the ones whose model error is below the label noise. */
  below: string;
}

/** Options of {@link errorBudget}. */
export interface ErrorBudgetOptions {
  /** The `dp test` dataset whose RMSE is the model error; default "test" (the SEM configurations). */
  dataset?: string;
  /** The SEM reference Δk (Å⁻¹); default as {@link semDeltas}: 0.09 when present, else the finest. */
  reference?: number;
  /** Tags that define a SEM group; default metal, lattice, structure. */
  groupBy?: readonly string[];
}

/** What {@link errorBudgetRows} returns: the rows and what could not be compared, named. */
export interface ErrorBudgetResult {
  rows: ErrorBudgetRow[];
  verdicts: ErrorBudgetVerdictRow[];
  /** The SEM groups pooled into the label noise ("Al fcc pristine", …) and their reference Δk. */
  groups: { group: string; ref_dk: number }[];
  /** Δk or quantities with only one side (no model there, no SEM there, unlabelled test data, no virials). */
  notCompared: string[];
}

/**
 * The error budget of a test set: `input` holds its DFT single points at every Δk (SEM frames
 * or a frames table, as {@link semTable} takes them, docs/method.md §5), `rmse` the rows of `parity()` for the models (docs/method.md §8).
 * Label noise per Δk is each SEM pooled over every configuration of every group (all groups
 * must share their Δk), so it is the RMSE over the same configurations `dp test` pools over.
 * Verdict rule: {@link BUDGET_RULE}. Pairs that exist on one side only are named in
 * `notCompared`; two RMSE rows for one (Δk, dataset, quantity), or nothing comparable at all,
 * are errors. Units: energy and virial eV/atom, forces eV/Å, Δk Å⁻¹.
 */
export function errorBudgetRows(input: readonly SemFrame[] | ColumnTable, rmse: ColumnTable | readonly RmseRow[], options: ErrorBudgetOptions = {}): ErrorBudgetResult {
  const frames = isFramesTable(input) ? semFramesFromFrames(input) : (input as readonly SemFrame[]);
  const dataset = options.dataset ?? 'test';
  const withVirial = frames.length > 0 && frames.every((f) => f.virial && f.virial.length === 9);
  const sems: SemName[] = withVirial ? ['E-RMSE', 'F-RMSE', 'V-RMSE'] : ['E-RMSE', 'F-RMSE'];
  const groups = semDeltas(frames, { reference: options.reference, groupBy: options.groupBy, sems });
  const notCompared: string[] = [];
  if (!withVirial) notCompared.push('virial_per_atom at every Δk: some test frames have no virial, so no V-RMSE');
  const name = (t: Record<string, string>): string => Object.values(t).join(' ');
  const dks = groups[0].dks;
  for (const g of groups) {
    const missing = dks.filter((d) => !g.dks.includes(d));
    const extra = g.dks.filter((d) => !dks.includes(d));
    if (missing.length || extra.length) {
      throw new Error(`error budget: SEM group ${name(g.tags)} has Δk ${g.dks.join(', ')} but ${name(groups[0].tags)} has ${dks.join(', ')} Å⁻¹: the pooled label noise needs every group at the same Δk`);
    }
  }
  const noise = new Map<number, Record<SemName, number>>();
  dks.forEach((dk) => {
    const all: ConfigDelta[] = groups.flatMap((g) => g.deltas[g.dks.indexOf(dk)]);
    noise.set(dk, semValues(all, sems));
  });
  const rmseRows = (Array.isArray(rmse) ? rmse : (rmse as ColumnTable).objects()) as RmseRow[];
  const model = new Map<string, RmseRow>();
  for (const r of rmseRows) {
    if (r.dataset !== dataset) continue;
    const k = `${r.dk}|${r.quantity}`;
    if (model.has(k)) throw new Error(`error budget: two RMSE rows for Δk ${r.dk} Å⁻¹, dataset ${dataset}, ${r.quantity}: pool them with parity() first`);
    model.set(k, r);
  }
  const modelDks = [...new Set(rmseRows.filter((r) => r.dataset === dataset).map((r) => r.dk))];
  if (modelDks.length === 0) {
    throw new Error(`error budget: no RMSE rows of dataset "${dataset}" (datasets present: ${[...new Set(rmseRows.map((r) => r.dataset))].join(', ') || 'none'})`);
  }
  for (const dk of modelDks.filter((d) => !noise.has(d)).sort((a, b) => a - b)) notCompared.push(`Δk ${dk}: a model but no test-set SEMs there`);
  const rows: ErrorBudgetRow[] = [];
  const verdicts: ErrorBudgetVerdictRow[] = [];
  for (const dk of dks) {
    if (!modelDks.includes(dk)) {
      notCompared.push(`Δk ${dk}: label noise but no model trained there${groups.every((g) => g.refDk === dk) ? ' (the SEM reference)' : ''}`);
      continue;
    }
    const here: Omit<ErrorBudgetRow, 'verdict'>[] = [];
    for (const q of BUDGET_QUANTITIES) {
      if (!sems.includes(q.sem)) continue;
      const m = model.get(`${dk}|${q.quantity}`);
      if (!m || m.rmse === null) {
        notCompared.push(`Δk ${dk}, ${q.quantity}: ${m ? 'the test data has no DFT labels for it' : 'no RMSE row'}`);
        continue;
      }
      const n = noise.get(dk)![q.sem];
      here.push({ dk, quantity: q.quantity, sem: q.sem, unit: q.unit, label_noise: n, model_rmse: m.rmse, ratio: n > 0 ? m.rmse / n : null, model_below_noise: m.rmse < n });
    }
    if (here.length === 0) continue;
    const verdict: BudgetVerdict = here.every((r) => r.label_noise === 0) ? 'no-label-noise' : here.every((r) => r.model_below_noise) ? 'learning' : 'model-error-dominates';
    for (const r of here) rows.push({ ...r, verdict });
    verdicts.push({ dk, verdict, text: BUDGET_VERDICT_TEXT[verdict], compared: here.map((r) => r.quantity).join(', '), below: here.filter((r) => r.model_below_noise).map((r) => r.quantity).join(', ') });
  }
  if (rows.length === 0) throw new Error(`error budget: no Δk has both test-set SEMs (${dks.join(', ')} Å⁻¹) and a model RMSE on "${dataset}" (${modelDks.join(', ')} Å⁻¹)`);
  return { rows, verdicts, groups: groups.map((g) => ({ group: name(g.tags), ref_dk: g.refDk })), notCompared };
}

/** Units of the error-budget table. */
export const ERROR_BUDGET_UNITS: Record<string, string> = { dk: 'Å⁻¹', label_noise: 'from column unit', model_rmse: 'from column unit', ratio: '1' };

/**
 * {@link errorBudgetRows} as an arquero table (one row per Δk and quantity) with units, the
 * verdicts per Δk, the rule, the groups pooled and what was not compared in its metadata.
 */
export function errorBudget(frames: readonly SemFrame[] | ColumnTable, rmse: ColumnTable | readonly RmseRow[], options: ErrorBudgetOptions = {}): ColumnTable {
  const r = errorBudgetRows(frames, rmse, options);
  return withMeta(from(r.rows), {
    kind: 'error-budget',
    units: { ...ERROR_BUDGET_UNITS },
    notes: { dataset: options.dataset ?? 'test', rule: BUDGET_RULE, verdicts: r.verdicts, groups: r.groups, not_compared: r.notCompared },
  });
}
