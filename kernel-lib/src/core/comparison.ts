/**
 * Do the SEM thresholds predict the MLP property thresholds? (docs/method.md §6, the paper's Fig. 5)
 */
import { from, type ColumnTable } from 'arquero';
import { withMeta } from './meta.js';
import type { ThresholdRow } from './convergence.js';
import type { SemName, SemThresholdRow } from './sem.js';

/** Outcome of one (MLP property, SEM) pair. */
export type Outcome = 'exact' | 'conservative' | 'mismatch';

/**
 * The SEM structure type a property is paired with: pristine ↔ EOS and elastic; vacancy ↔ E_vac;
 * oh ↔ E_Oh; td ↔ E_Td. Any other property is an error (see {@link semGroupOf}).
 */
export function structureOfProperty(property: string): string {
  const g = semGroupOf(property);
  if (g === null) {
    throw new Error(`no SEM structure group for property ${JSON.stringify(property)}: docs/method.md §6 pairs the EOS and elastic properties (${PRISTINE.join(', ')}) with pristine, E_vac with vacancy, E_Oh and E_Td with oh and td`);
  }
  return g;
}

/** Properties of the perfect crystal, judged by the pristine test group (docs/method.md §6). */
const PRISTINE = ['V0', 'E0', 'B0', 'B0p', 'E_coh', 'C11', 'C12', 'C13', 'C33', 'C44', 'C66', 'B', 'G', 'E', 'nu'];

/**
 * The SEM structure group of a property (pristine, vacancy, oh, td), or null for a property
 * docs/method.md §6 does not pair with any (E_int of an unnamed site, a property of the user's own).
 */
export function semGroupOf(property: string): string | null {
  if (property === 'E_vac') return 'vacancy';
  if (property === 'E_Oh') return 'oh';
  if (property === 'E_Td') return 'td';
  return PRISTINE.includes(property) ? 'pristine' : null;
}

/** Δk_T as a number for comparison: null ("never reached") is +∞. */
export const asDk = (x: number | null): number => (x === null ? Infinity : x);

/** Outcome of Δk_T^SEM against Δk_T^MLP: exact (=), conservative (SEM <), mismatch (SEM >). */
export function outcome(semDk: number | null, mlpDk: number | null): Outcome {
  const s = asDk(semDk), m = asDk(mlpDk);
  return s === m ? 'exact' : s < m ? 'conservative' : 'mismatch';
}

/** One compared pair. Δk in Å⁻¹ (null = never reaches the bound). */
export interface ComparisonRow {
  metal: string;
  lattice: string;
  property: string;
  structure: string;
  sem: SemName;
  mlp_dk: number | null;
  sem_dk: number | null;
  outcome: Outcome;
}

type Rows<T> = ColumnTable | readonly T[];
const rowsOf = <T>(x: Rows<T>): T[] => (Array.isArray(x) ? [...x] : ((x as ColumnTable).objects() as T[]));

/**
 * Pair every MLP property threshold (rows of `thresholds()`, method "MLP") with the SEM
 * thresholds of the matching group (metal, lattice, structure of the property), one row per
 * (property, SEM). A property whose group has no SEM thresholds is an error naming it.
 */
export function compareThresholds(propertyThresholds: Rows<ThresholdRow>, semThresholds: Rows<SemThresholdRow>, options: { method?: string } = {}): ColumnTable {
  const method = options.method ?? 'MLP';
  const props = rowsOf(propertyThresholds).filter((r) => r.method === method);
  if (props.length === 0) throw new Error(`compareThresholds: no property thresholds of method ${method}`);
  const sems = rowsOf(semThresholds);
  const out: ComparisonRow[] = [];
  for (const p of props) {
    const structure = structureOfProperty(p.property);
    const match = sems.filter((s) => s.metal === p.metal && s.lattice === p.lattice && s.structure === structure);
    if (match.length === 0) {
      throw new Error(`compareThresholds: no SEM thresholds for ${p.metal} ${p.lattice} ${structure} (paired with ${p.property})`);
    }
    for (const s of match) {
      out.push({
        metal: p.metal, lattice: p.lattice, property: p.property, structure, sem: s.sem,
        mlp_dk: p.threshold_dk, sem_dk: s.threshold_dk as number | null, outcome: outcome(s.threshold_dk as number | null, p.threshold_dk),
      });
    }
  }
  return withMeta(from(out), { kind: 'comparison', units: { mlp_dk: 'Å⁻¹', sem_dk: 'Å⁻¹' }, notes: { method } });
}

/**
 * Split the property thresholds of a method (default MLP) by whether the SEM thresholds have
 * their group (metal, lattice, structure of the property): `paired` can go to
 * {@link compareThresholds}; `unpaired` are the ones a partial test set cannot judge, to be
 * named to the user rather than left out silently.
 */
export function splitBySemGroup(propertyThresholds: Rows<ThresholdRow>, semThresholds: Rows<SemThresholdRow>, options: { method?: string } = {}): { paired: ThresholdRow[]; unpaired: ThresholdRow[] } {
  const method = options.method ?? 'MLP';
  const groups = new Set(rowsOf(semThresholds).map((s) => `${s.metal}|${s.lattice}|${s.structure}`));
  const props = rowsOf(propertyThresholds).filter((r) => r.method === method);
  const has = (p: ThresholdRow): boolean => semGroupOf(p.property) !== null && groups.has(`${p.metal}|${p.lattice}|${semGroupOf(p.property)}`);
  return { paired: props.filter(has), unpaired: props.filter((p) => !has(p)) };
}

/** One line of the Fig. 5 summary: percentages of each outcome. */
export interface ComparisonSummaryRow {
  by: 'metal' | 'sem';
  key: string;
  n: number;
  exact: number;
  conservative: number;
  mismatch: number;
}

/** The % table of Fig. 5: share (0–100 %) of exact / conservative / mismatch per metal and per SEM. */
export function comparisonSummary(comparison: Rows<ComparisonRow>): ColumnTable {
  const rows = rowsOf(comparison);
  const out: ComparisonSummaryRow[] = [];
  for (const by of ['metal', 'sem'] as const) {
    const keys = [...new Set(rows.map((r) => String(r[by])))];
    for (const key of keys) {
      const sel = rows.filter((r) => String(r[by]) === key);
      const pct = (o: Outcome): number => (100 * sel.filter((r) => r.outcome === o).length) / sel.length;
      out.push({ by, key, n: sel.length, exact: pct('exact'), conservative: pct('conservative'), mismatch: pct('mismatch') });
    }
  }
  return withMeta(from(out), { kind: 'comparison-summary', units: { exact: '%', conservative: '%', mismatch: '%' } });
}
