/**
 * State of the SEM view (docs/method.md §5, the paper's Fig. 4): SEMs of a DFT test set against Δk,
 * per group (metal × lattice × structure type), with the thresholds Δk_T^SEM of the payload.
 */
import type { SemPayload, SemRow, SemThresholdRow } from 'deltak/payloads';
import { checkArray, checkNumber, checkNumberOrNull, checkObject, checkString } from '../common/validate.js';

/** The value of the group selector that keeps every group. */
export const ALL = '*';
/** SEMs in the paper's order; others follow alphabetically. */
export const SEM_ORDER = ['AEAD', 'E-RMSE', 'F-RMSE', 'V-RMSE'];

/** A validated SEM payload and what it offers. */
export interface SemModel {
  payload: SemPayload;
  /** "metal lattice" groups in order of appearance. */
  groups: string[];
  sems: string[];
  structures: string[];
}

/** The user's choice: a "metal lattice" group or {@link ALL}. */
export interface SemState {
  group: string;
}

const uniq = <T>(xs: Iterable<T>): T[] => [...new Set(xs)];

/** Order of SEM names: the paper's four first. */
export function semOrder(a: string, b: string): number {
  const ia = SEM_ORDER.indexOf(a), ib = SEM_ORDER.indexOf(b);
  if (ia !== ib) return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The "metal lattice" label of a row. */
export const groupOf = (r: { metal: string; lattice: string }): string => `${r.metal} ${r.lattice}`;

/** Validate an untrusted payload of `application/vnd.deltak.sem.v1+json`. */
export function semModel(data: unknown): SemModel {
  const p = checkObject(data, 'SEM payload');
  if (p.version !== 1) throw new Error(`SEM payload: expected version 1, got ${JSON.stringify(p.version)}`);
  const rows = checkArray(p.sems, 'SEM payload field "sems"');
  if (rows.length === 0) throw new Error('SEM payload field "sems": expected at least one row');
  const seen = new Set<string>();
  rows.forEach((x, i) => {
    const r = checkObject(x, `SEM payload sems[${i}]`);
    for (const k of ['metal', 'lattice', 'structure', 'sem']) checkString(r[k], `SEM payload sems[${i}].${k}`);
    const dk = checkNumber(r.dk, `SEM payload sems[${i}].dk`);
    if (dk <= 0) throw new Error(`SEM payload sems[${i}].dk: expected Δk > 0 Å⁻¹, got ${dk}`);
    checkNumber(r.value, `SEM payload sems[${i}].value`);
    checkNumber(r.n_configs, `SEM payload sems[${i}].n_configs`);
    const key = JSON.stringify([r.metal, r.lattice, r.structure, r.sem, r.dk]);
    if (seen.has(key)) throw new Error(`SEM payload sems[${i}]: a second row for ${key}`);
    seen.add(key);
  });
  const options = checkObject(p.options, 'SEM payload field "options"');
  checkNumber(options.factor, 'SEM payload options.factor');
  checkNumber(options.reference_dk, 'SEM payload options.reference_dk');
  checkArray(p.thresholds, 'SEM payload field "thresholds"').forEach((x, i) => {
    const t = checkObject(x, `SEM payload thresholds[${i}]`);
    for (const k of ['metal', 'lattice', 'structure', 'sem']) checkString(t[k], `SEM payload thresholds[${i}].${k}`);
    for (const k of ['ref_dk', 'mad', 'factor', 'bound']) checkNumber(t[k], `SEM payload thresholds[${i}].${k}`);
    checkNumberOrNull(t.threshold_dk, `SEM payload thresholds[${i}].threshold_dk`);
  });
  const units = checkObject(p.units, 'SEM payload field "units"');
  const payload = data as SemPayload;
  const sems = uniq(payload.sems.map((r) => r.sem)).sort(semOrder);
  for (const s of sems) checkString(units[s], `SEM payload units["${s}"] (unit of ${s})`);
  return { payload, groups: uniq(payload.sems.map(groupOf)), sems, structures: uniq(payload.sems.map((r) => r.structure)) };
}

/** One datum of the SEM chart: a point of a series or an outlined threshold. */
export interface SemDatum {
  layer: 'point' | 'threshold';
  group: string;
  structure: string;
  sem: string;
  /** Δk, Å⁻¹. */
  dk: number;
  /** The SEM in its unit. */
  value: number;
}

/** The chart's data: the selected series and their thresholds (at the threshold's value). */
export function semChartData(m: SemModel, s: SemState): SemDatum[] {
  const sel = (r: { metal: string; lattice: string }): boolean => s.group === ALL || groupOf(r) === s.group;
  const out: SemDatum[] = m.payload.sems.filter(sel).map((r: SemRow) => ({
    layer: 'point' as const, group: groupOf(r), structure: r.structure, sem: r.sem, dk: r.dk, value: r.value,
  }));
  for (const t of m.payload.thresholds.filter(sel)) {
    if (t.threshold_dk === null) continue;
    const at = m.payload.sems.find((r) => groupOf(r) === groupOf(t) && r.structure === t.structure && r.sem === t.sem && r.dk === t.threshold_dk);
    if (!at) throw new Error(`SEM payload: threshold ${t.threshold_dk} Å⁻¹ of ${groupOf(t)} ${t.structure} ${t.sem} is not a Δk of its series`);
    out.push({ layer: 'threshold', group: groupOf(t), structure: t.structure, sem: t.sem, dk: t.threshold_dk, value: at.value });
  }
  return out;
}

/** The thresholds of the selection. */
export function semTableRows(m: SemModel, s: SemState): SemThresholdRow[] {
  return m.payload.thresholds.filter((t) => s.group === ALL || groupOf(t) === s.group);
}
