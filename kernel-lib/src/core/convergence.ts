/**
 * Variability (MAD) and the threshold Δk_T of docs/method.md §4 (the paper's eqn 1):
 * Δk_T is the smallest Δk above the reference Δk_min with |x(Δk) − x(Δk_min)| ≥ f · MAD_max,
 * MAD_max = max(MAD_DFT, MAD_MLP) of one (metal, lattice, property).
 */
import { from, type ColumnTable } from 'arquero';
import { withMeta } from './meta.js';
import { mad } from './stats.js';
import { curveKey, sweepRows, type SweepInput, type SweepRow } from './sweep.js';

/**
 * Which Δk is the reference of each curve.
 * - "auto" (default): DFT uses 0.09 Å⁻¹ when present, otherwise its smallest Δk; every other
 *   method uses its own smallest Δk (docs/method.md §4 choice).
 * - "min": every curve uses its own smallest Δk.
 * - a number: that Δk (Å⁻¹) for every curve; a curve without it is an error.
 * - an object method → Δk; methods not named fall back to "auto".
 */
export type ReferenceOption = 'auto' | 'min' | number | Readonly<Record<string, number>>;

/** Options of {@link thresholds}. */
export interface ThresholdOptions {
  /** Criterion factor f in |x − x_ref| ≥ f · MAD_max; default 0.5. */
  factor?: number;
  /** Reference Δk rule; default "auto". */
  reference?: ReferenceOption;
}

/** One row of the thresholds table. Δk in Å⁻¹; value, MAD and bound in the property's unit. */
export interface ThresholdRow {
  metal: string;
  lattice: string;
  property: string;
  unit: string;
  method: string;
  /** Number of Δk values in the curve. */
  n_dk: number;
  ref_dk: number;
  ref_value: number;
  /** MAD of this method's values over all its Δk. */
  mad: number;
  /** max over methods of `mad` for this (metal, lattice, property). */
  mad_max: number;
  factor: number;
  /** factor · mad_max. */
  bound: number;
  /** Δk_T, or null when no Δk reaches the bound or MAD_max = 0 (stable over the sweep). */
  threshold_dk: number | null;
  /** The value at Δk_T, or null. */
  threshold_value: number | null;
}

/** The Δk used as reference by default for DFT (docs/method.md §4). */
export const DFT_REFERENCE_DK = 0.09;

/**
 * Relative slack with which a deviation counts as reaching the bound: |x − x_ref| ≥
 * f·MAD_max·(1 − 1e-12). Ties "exactly at the bound" count (≥), and rounding in the
 * MAD's last bit does not decide them.
 */
export const TIE_RTOL = 1e-12;

/** Units of the thresholds table's columns. */
export const THRESHOLD_UNITS: Record<string, string> = {
  ref_dk: 'Å⁻¹',
  threshold_dk: 'Å⁻¹',
  ref_value: 'from column unit',
  mad: 'from column unit',
  mad_max: 'from column unit',
  bound: 'from column unit',
  threshold_value: 'from column unit',
  factor: '1',
};

interface Curve {
  key: SweepRow;
  points: { dk: number; value: number }[];
}

/** Methods in display order: DFT first, then the others alphabetically. */
export function methodOrder(a: string, b: string): number {
  const da = a.toUpperCase() === 'DFT', db = b.toUpperCase() === 'DFT';
  if (da !== db) return da ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Group validated rows into curves, points sorted by Δk. Order: (metal, lattice, property) by
 * first appearance, then method with DFT first, so the result does not depend on row order
 * within a property.
 */
export function curves(rows: readonly SweepRow[]): Curve[] {
  const map = new Map<string, Curve>();
  const groupIndex = new Map<string, number>();
  for (const r of rows) {
    const g = JSON.stringify([r.metal, r.lattice, r.property]);
    if (!groupIndex.has(g)) groupIndex.set(g, groupIndex.size);
    const k = curveKey(r);
    let c = map.get(k);
    if (!c) map.set(k, (c = { key: r, points: [] }));
    c.points.push({ dk: r.dk, value: r.value });
  }
  for (const c of map.values()) c.points.sort((a, b) => a.dk - b.dk);
  const gi = (c: Curve): number => groupIndex.get(JSON.stringify([c.key.metal, c.key.lattice, c.key.property]))!;
  return [...map.values()].sort((a, b) => gi(a) - gi(b) || methodOrder(a.key.method, b.key.method));
}

function describeCurve(r: SweepRow): string {
  return `${r.metal} ${r.lattice} ${r.property} (${r.method})`;
}

/** The reference Δk (Å⁻¹) of one curve under `reference`. */
export function referenceDk(method: string, dks: readonly number[], reference: ReferenceOption = 'auto'): number {
  const smallest = Math.min(...dks);
  let rule: ReferenceOption = reference;
  if (typeof rule === 'object') rule = rule[method] ?? 'auto';
  if (rule === 'min') return smallest;
  if (rule === 'auto') {
    if (method.toUpperCase() === 'DFT' && dks.includes(DFT_REFERENCE_DK)) return DFT_REFERENCE_DK;
    return smallest;
  }
  if (typeof rule !== 'number' || !Number.isFinite(rule)) {
    throw new Error(`reference must be "auto", "min", a Δk in Å⁻¹ or {method: Δk}, got ${JSON.stringify(reference)}`);
  }
  if (!dks.includes(rule)) {
    throw new Error(`reference Δk ${rule} Å⁻¹ is not in the sweep of method ${method} (has ${dks.join(', ')})`);
  }
  return rule;
}

function checkFactor(factor: number): void {
  if (typeof factor !== 'number' || !Number.isFinite(factor) || factor <= 0) {
    throw new Error(`factor must be a positive number, got ${factor}`);
  }
}

/**
 * Δk_T (Å⁻¹) for one curve: the smallest Δk above `refDk` whose |value − value(refDk)| reaches
 * `bound` (≥, with {@link TIE_RTOL}); null when none does or bound = 0.
 */
export function thresholdDk(points: readonly { dk: number; value: number }[], refDk: number, bound: number): number | null {
  const ref = points.find((p) => p.dk === refDk);
  if (!ref) throw new Error(`reference Δk ${refDk} Å⁻¹ is not among the points`);
  if (!(bound > 0)) return null;
  const above = points.filter((p) => p.dk > refDk).sort((a, b) => a.dk - b.dk);
  for (const p of above) {
    if (Math.abs(p.value - ref.value) >= bound * (1 - TIE_RTOL)) return p.dk;
  }
  return null;
}

/**
 * Thresholds of a tidy sweep (rows or arquero table with metal, lattice, property, unit, method,
 * dk [Å⁻¹], value): one row per (metal, lattice, property, method) with ref_dk, ref_value, mad,
 * mad_max, factor, bound and threshold_dk (null = the sweep never reaches the bound).
 * A curve with a single Δk is an error (its MAD says nothing); see {@link sweepRows} for the
 * other input errors.
 */
export function thresholdRows(sweep: SweepInput, options: ThresholdOptions = {}): ThresholdRow[] {
  const factor = options.factor ?? 0.5;
  checkFactor(factor);
  const cs = curves(sweepRows(sweep));
  for (const c of cs) {
    if (c.points.length < 2) {
      throw new Error(
        `${describeCurve(c.key)} has a single Δk (${c.points[0].dk} Å⁻¹): a threshold needs at least two`,
      );
    }
  }
  const mads = cs.map((c) => mad(c.points.map((p) => p.value)));
  const madMax = new Map<string, number>();
  cs.forEach((c, i) => {
    const pk = JSON.stringify([c.key.metal, c.key.lattice, c.key.property]);
    madMax.set(pk, Math.max(madMax.get(pk) ?? 0, mads[i]));
  });
  return cs.map((c, i) => {
    const { metal, lattice, property, unit, method } = c.key;
    const dks = c.points.map((p) => p.dk);
    const ref_dk = referenceDk(method, dks, options.reference ?? 'auto');
    const ref_value = c.points.find((p) => p.dk === ref_dk)!.value;
    const mad_max = madMax.get(JSON.stringify([metal, lattice, property]))!;
    const bound = factor * mad_max;
    const threshold_dk = thresholdDk(c.points, ref_dk, bound);
    const threshold_value = threshold_dk === null ? null : c.points.find((p) => p.dk === threshold_dk)!.value;
    return {
      metal, lattice, property, unit, method,
      n_dk: c.points.length, ref_dk, ref_value, mad: mads[i], mad_max, factor, bound,
      threshold_dk, threshold_value,
    };
  });
}

/**
 * {@link thresholdRows} as an arquero table, with units and the options used in its metadata.
 */
export function thresholds(sweep: SweepInput, options: ThresholdOptions = {}): ColumnTable {
  const input = sweepRows(sweep);
  const rows = thresholdRows(input, options);
  return withMeta(from(rows), {
    kind: 'thresholds',
    units: { ...THRESHOLD_UNITS },
    notes: { factor: options.factor ?? 0.5, reference: options.reference ?? 'auto', sweep: input },
  });
}

/** Options of {@link madSummary}. */
export interface MadSummaryOptions {
  /** Keep only Δk strictly below this value (Å⁻¹), e.g. 0.66 for the paper's "Δk < 0.66". */
  dkBelow?: number;
  /** Reference Δk rule for the "value at Δk_min" column; default "auto". */
  reference?: ReferenceOption;
}

/** One row of the Table 1 layout: per method, value at the reference Δk and MAD over Δk. */
export interface MadSummaryRow {
  metal: string;
  lattice: string;
  property: string;
  unit: string;
  /** Per method M: `${M}_ref_dk` (Å⁻¹), `${M}_value`, `${M}_mad` (unit), `${M}` ("v ± mad"). */
  [column: string]: string | number | null;
}

/** "0.641 ± 0.519": value and MAD to the decimal place of the MAD's third significant digit. */
export function formatPlusMinus(value: number, spread: number): string {
  const digits = spread > 0 ? Math.max(0, Math.min(10, 2 - Math.floor(Math.log10(spread)))) : 3;
  return `${value.toFixed(digits)} ± ${spread.toFixed(digits)}`;
}

/**
 * The paper's Table 1 layout: one row per (metal, lattice, property) with, for each method
 * (DFT first), the value at its reference Δk ± the MAD over its Δk (all, or those below
 * `dkBelow`). A method absent for a property gives nulls; a curve left with one Δk, or with
 * none below `dkBelow`, is an error.
 */
export function madSummary(sweep: SweepInput, options: MadSummaryOptions = {}): ColumnTable {
  let rows = sweepRows(sweep);
  if (options.dkBelow !== undefined) {
    const lim = options.dkBelow;
    const before = curves(rows);
    rows = rows.filter((r) => r.dk < lim);
    if (rows.length === 0) throw new Error(`madSummary: no Δk below ${lim} Å⁻¹`);
    // a curve with no Δk in range is not "method absent": name it
    const kept = new Set(curves(rows).map((c) => describeCurve(c.key)));
    const gone = before.map((c) => describeCurve(c.key)).filter((d) => !kept.has(d));
    if (gone.length > 0) throw new Error(`madSummary: ${gone.join('; ')}: no Δk below ${lim} Å⁻¹, so no MAD there`);
  }
  const cs = curves(rows);
  const methods = [...new Set(cs.map((c) => c.key.method))].sort(methodOrder);
  const out = new Map<string, MadSummaryRow>();
  for (const c of cs) {
    const { metal, lattice, property, unit, method } = c.key;
    if (c.points.length < 2) {
      throw new Error(`${describeCurve(c.key)} has a single Δk (${c.points[0].dk} Å⁻¹) in range: its MAD says nothing`);
    }
    const pk = JSON.stringify([metal, lattice, property]);
    let row = out.get(pk);
    if (!row) {
      row = { metal, lattice, property, unit };
      for (const m of methods) {
        row[`${m}_ref_dk`] = null;
        row[`${m}_value`] = null;
        row[`${m}_mad`] = null;
        row[m] = null;
      }
      out.set(pk, row);
    }
    const refDk = referenceDk(method, c.points.map((p) => p.dk), options.reference ?? 'auto');
    const v = c.points.find((p) => p.dk === refDk)!.value;
    const m = mad(c.points.map((p) => p.value));
    row[`${method}_ref_dk`] = refDk;
    row[`${method}_value`] = v;
    row[`${method}_mad`] = m;
    row[method] = formatPlusMinus(v, m);
  }
  const units: Record<string, string> = {};
  for (const m of methods) {
    units[`${m}_ref_dk`] = 'Å⁻¹';
    units[`${m}_value`] = 'from column unit';
    units[`${m}_mad`] = 'from column unit';
  }
  return withMeta(from([...out.values()]), {
    kind: 'mad-summary',
    units,
    notes: { methods, dkBelow: options.dkBelow ?? null, reference: options.reference ?? 'auto' },
  });
}
