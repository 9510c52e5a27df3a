/**
 * Variability (MAD) and the threshold Δk_T of docs/method.md §4 (the paper's eqn 1):
 * Δk_T is the smallest Δk above the reference Δk_min with |x(Δk) − x(Δk_min)| ≥ f · MAD_max,
 * MAD_max = max(MAD_DFT, MAD_MLP) of one (metal, lattice, property).
 */
import { from, type ColumnTable } from 'arquero';
import { withMeta } from './meta.js';
import { mad } from './stats.js';
import { curveKey, sweepRows, type SweepInput, type SweepRow } from './sweep.js';
import { checkUnstableOption, unstableModuli, type ExcludedPoint, type UnstableOption } from './stability.js';

/**
 * A reference anchored on several Δk of each curve, so that one outlying point cannot decide
 * the thresholds alone (docs/method.md §4):
 * - `{ anchor: "mean-finest", n }`: x_ref is the mean of the curve's values at its n finest Δk;
 * - `{ anchor: "median-below", below }`: x_ref is the median of its values at every Δk strictly
 *   below `below` (Å⁻¹); an even count takes the mean of the middle two.
 * Δk_T is then searched above the finest Δk of the anchor, whose members may reach the bound too.
 */
export type ReferenceAnchor =
  | { readonly anchor: 'mean-finest'; readonly n: number }
  | { readonly anchor: 'median-below'; readonly below: number };

/**
 * Which Δk is the reference of each curve.
 * - "auto" (default): DFT uses 0.09 Å⁻¹ when present, otherwise its smallest Δk; every other
 *   method uses its own smallest Δk (docs/method.md §4 choice).
 * - "min": every curve uses its own smallest Δk.
 * - a number: that Δk (Å⁻¹) for every curve; a curve without it is an error.
 * - a {@link ReferenceAnchor}: the mean of the finest n Δk, or the median below a cut, per curve.
 * - an object method → Δk or anchor; methods not named fall back to "auto".
 */
export type ReferenceOption = 'auto' | 'min' | number | ReferenceAnchor | Readonly<Record<string, number | ReferenceAnchor>>;

/** Options of {@link thresholds}. */
export interface ThresholdOptions {
  /** Criterion factor f in |x − x_ref| ≥ f · MAD_max; default 0.5. */
  factor?: number;
  /** Reference Δk rule; default "auto". */
  reference?: ReferenceOption;
  /**
   * Moduli (B, G, E, ν) from a C that is not positive definite: "exclude" (default) leaves them
   * out of MAD, bands and thresholds (listed in the metadata with the reason), "include" keeps them.
   */
  unstable?: UnstableOption;
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
  /** The reference Δk (Å⁻¹); for an anchor on several Δk, the finest of them (Δk_T is searched above it). */
  ref_dk: number;
  /** x_ref: the value at ref_dk, or the anchor's mean or median. */
  ref_value: number;
  /** How x_ref was taken, e.g. "Δk 0.12" or "mean of Δk 0.12, 0.18" (Å⁻¹). */
  ref_rule: string;
  /** Points of this curve left out of the analysis (moduli of an unstable C). */
  n_excluded: number;
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

const isAnchor = (x: unknown): x is ReferenceAnchor =>
  typeof x === 'object' && x !== null && typeof (x as { anchor?: unknown }).anchor === 'string';

/** The rule that applies to `method`: a per-method object is resolved, "auto" when not named. */
function ruleOf(method: string, reference: ReferenceOption): 'auto' | 'min' | number | ReferenceAnchor {
  if (isAnchor(reference)) return reference;
  if (typeof reference === 'object' && reference !== null) return (reference as Readonly<Record<string, number | ReferenceAnchor>>)[method] ?? 'auto';
  return reference;
}

/** The Δk (Å⁻¹, ascending) an anchor takes from a curve's Δk; errors name the curve's Δk. */
function anchorDks(anchor: ReferenceAnchor, method: string, dks: readonly number[]): number[] {
  const sorted = [...dks].sort((a, b) => a - b);
  if (anchor.anchor === 'mean-finest') {
    if (!Number.isInteger(anchor.n) || anchor.n < 1) throw new Error(`reference anchor "mean-finest" needs n, a whole number ≥ 1, got ${JSON.stringify(anchor.n)}`);
    if (anchor.n > sorted.length) throw new Error(`reference: the mean of the ${anchor.n} finest Δk needs ${anchor.n}, method ${method} has ${sorted.length} (${sorted.join(', ')} Å⁻¹)`);
    return sorted.slice(0, anchor.n);
  }
  if (anchor.anchor === 'median-below') {
    if (typeof anchor.below !== 'number' || !(anchor.below > 0)) throw new Error(`reference anchor "median-below" needs below, a Δk > 0 in Å⁻¹, got ${JSON.stringify(anchor.below)}`);
    const sel = sorted.filter((d) => d < anchor.below);
    if (sel.length === 0) throw new Error(`reference: no Δk below ${anchor.below} Å⁻¹ in the sweep of method ${method} (has ${sorted.join(', ')})`);
    return sel;
  }
  throw new Error(`reference anchor must be "mean-finest" or "median-below", got ${JSON.stringify((anchor as { anchor: unknown }).anchor)}`);
}

/** The median of finite numbers; an even count gives the mean of the middle two. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median: no values');
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The reference of one curve: the Δk it rests on (ascending, Å⁻¹), x_ref, and how it was taken. */
export interface CurveReference {
  dks: number[];
  value: number;
  rule: string;
}

/**
 * The reference of one curve (points in any order) under `reference`: one Δk (the value there)
 * or an anchor (mean of the finest n, median below a cut) — see {@link ReferenceOption}.
 */
export function curveReference(method: string, points: readonly { dk: number; value: number }[], reference: ReferenceOption = 'auto'): CurveReference {
  const rule = ruleOf(method, reference);
  if (isAnchor(rule)) {
    const dks = anchorDks(rule, method, points.map((p) => p.dk));
    const values = dks.map((d) => points.find((p) => p.dk === d)!.value);
    if (rule.anchor === 'mean-finest') return { dks, value: values.reduce((a, b) => a + b, 0) / values.length, rule: dks.length === 1 ? `Δk ${dks[0]}` : `mean of Δk ${dks.join(', ')}` };
    return { dks, value: median(values), rule: dks.length === 1 ? `Δk ${dks[0]}` : `median of Δk ${dks.join(', ')} (below ${rule.below})` };
  }
  const dk = referenceDk(method, points.map((p) => p.dk), reference);
  return { dks: [dk], value: points.find((p) => p.dk === dk)!.value, rule: `Δk ${dk}` };
}

/** A reference option in words, for captions and metadata (Δk in Å⁻¹). */
export function describeReference(reference: ReferenceOption = 'auto'): string {
  const one = (r: 'auto' | 'min' | number | ReferenceAnchor): string => {
    if (r === 'auto') return `auto (DFT ${DFT_REFERENCE_DK} Å⁻¹ when present, every curve otherwise its finest Δk)`;
    if (r === 'min') return 'the finest Δk of each curve';
    if (typeof r === 'number') return `Δk ${r} Å⁻¹ for every curve`;
    if (r.anchor === 'mean-finest') return `the mean of the ${r.n} finest Δk of each curve`;
    return `the median of each curve's values at Δk below ${r.below} Å⁻¹`;
  };
  if (isAnchor(reference) || typeof reference !== 'object') return one(reference as 'auto');
  const entries = Object.entries(reference as Readonly<Record<string, number | ReferenceAnchor>>);
  return `${entries.map(([m, r]) => `${m}: ${one(r)}`).join('; ')}; other methods: ${one('auto')}`;
}

/**
 * The reference Δk (Å⁻¹) of one curve under `reference`; for an anchor on several Δk, the finest
 * of them (see {@link curveReference} for x_ref).
 */
export function referenceDk(method: string, dks: readonly number[], reference: ReferenceOption = 'auto'): number {
  const smallest = Math.min(...dks);
  const rule = ruleOf(method, reference);
  if (isAnchor(rule)) return anchorDks(rule, method, dks)[0];
  if (rule === 'min') return smallest;
  if (rule === 'auto') {
    if (method.toUpperCase() === 'DFT' && dks.includes(DFT_REFERENCE_DK)) return DFT_REFERENCE_DK;
    return smallest;
  }
  if (typeof rule !== 'number' || !Number.isFinite(rule)) {
    throw new Error(`reference must be "auto", "min", a Δk in Å⁻¹, {anchor: "mean-finest", n} or {anchor: "median-below", below}, or {method: one of these}, got ${JSON.stringify(reference)}`);
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
  return thresholdAbove(points, refDk, ref.value, bound);
}

/**
 * Δk_T (Å⁻¹) against a reference value: the smallest Δk strictly above `aboveDk` whose
 * |value − refValue| reaches `bound` (≥, with {@link TIE_RTOL}); null when none does or bound = 0.
 */
export function thresholdAbove(points: readonly { dk: number; value: number }[], aboveDk: number, refValue: number, bound: number): number | null {
  if (!(bound > 0)) return null;
  const above = points.filter((p) => p.dk > aboveDk).sort((a, b) => a.dk - b.dk);
  for (const p of above) {
    if (Math.abs(p.value - refValue) >= bound * (1 - TIE_RTOL)) return p.dk;
  }
  return null;
}

/** Whether |value − refValue| stays inside the band f·MAD_max, i.e. does not reach `bound` (the complement of the Δk_T test). */
export function insideBand(value: number, refValue: number, bound: number): boolean {
  if (!(bound > 0)) return value === refValue;
  return Math.abs(value - refValue) < bound * (1 - TIE_RTOL);
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
  const { kept, excluded } = analysedRows(sweepRows(sweep), options.unstable);
  const cs = curves(kept);
  const nExcluded = (k: SweepRow): number => excluded.filter((e) => curveKey(e) === curveKey(k)).length;
  for (const c of cs) {
    if (c.points.length < 2) {
      const n = nExcluded(c.key);
      throw new Error(
        `${describeCurve(c.key)} has a single Δk (${c.points[0].dk} Å⁻¹)${n ? ` once ${n} moduli of an unstable C are left out (option unstable: "include" keeps them)` : ''}: a threshold needs at least two`,
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
    const ref = curveReference(method, c.points, options.reference ?? 'auto');
    const ref_dk = ref.dks[0];
    const ref_value = ref.value;
    const mad_max = madMax.get(JSON.stringify([metal, lattice, property]))!;
    const bound = factor * mad_max;
    const threshold_dk = thresholdAbove(c.points, ref_dk, ref_value, bound);
    const threshold_value = threshold_dk === null ? null : c.points.find((p) => p.dk === threshold_dk)!.value;
    return {
      metal, lattice, property, unit, method,
      n_dk: c.points.length, ref_dk, ref_value, ref_rule: ref.rule, n_excluded: nExcluded(c.key), mad: mads[i], mad_max, factor, bound,
      threshold_dk, threshold_value,
    };
  });
}

/**
 * The sweep rows an analysis uses and the ones it leaves out: with `unstable` "exclude"
 * (default) the moduli of a C that is not positive definite ({@link unstableModuli}) are left
 * out, each with its reason; with "include" nothing is.
 */
export function analysedRows(rows: readonly SweepRow[], unstable: UnstableOption = 'exclude'): { kept: SweepRow[]; excluded: ExcludedPoint[] } {
  if (checkUnstableOption(unstable) === 'include') return { kept: [...rows], excluded: [] };
  const excluded = unstableModuli(rows);
  if (excluded.length === 0) return { kept: [...rows], excluded };
  const out = new Set(excluded.map((e) => curveKey(e) + '|' + e.dk));
  return { kept: rows.filter((r) => !out.has(curveKey(r) + '|' + r.dk)), excluded };
}

/**
 * {@link thresholdRows} as an arquero table, with units and the options used in its metadata.
 */
export function thresholds(sweep: SweepInput, options: ThresholdOptions = {}): ColumnTable {
  const input = sweepRows(sweep);
  const rows = thresholdRows(input, options);
  const unstable = options.unstable ?? 'exclude';
  return withMeta(from(rows), {
    kind: 'thresholds',
    units: { ...THRESHOLD_UNITS },
    notes: {
      factor: options.factor ?? 0.5, reference: options.reference ?? 'auto', reference_text: describeReference(options.reference ?? 'auto'),
      unstable, excluded: analysedRows(input, unstable).excluded, sweep: input,
    },
  });
}

/** Options of {@link madSummary}. */
export interface MadSummaryOptions {
  /** Keep only Δk strictly below this value (Å⁻¹), e.g. 0.66 for the paper's "Δk < 0.66". */
  dkBelow?: number;
  /** Reference Δk rule for the "value at Δk_min" column; default "auto". */
  reference?: ReferenceOption;
  /** Moduli of a C that is not positive definite: "exclude" (default) or "include" (see {@link ThresholdOptions}). */
  unstable?: UnstableOption;
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
 * (DFT first), the value at its reference Δk (or anchor) ± the MAD over its Δk (all, or those below
 * `dkBelow`; moduli of an unstable C left out unless `unstable: "include"`). A method absent for a property gives nulls; a curve left with one Δk, or with
 * none below `dkBelow`, is an error.
 */
export function madSummary(sweep: SweepInput, options: MadSummaryOptions = {}): ColumnTable {
  const unstable = options.unstable ?? 'exclude';
  const analysed = analysedRows(sweepRows(sweep), unstable);
  let rows = analysed.kept;
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
    const ref = curveReference(method, c.points, options.reference ?? 'auto');
    const refDk = ref.dks[0];
    const v = ref.value;
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
    notes: {
      methods, dkBelow: options.dkBelow ?? null, reference: options.reference ?? 'auto', reference_text: describeReference(options.reference ?? 'auto'),
      unstable, excluded: analysed.excluded,
    },
  });
}
