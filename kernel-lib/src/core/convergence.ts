/**
 * Variability (MAD) and the threshold Δk_T of docs/method.md §4 (the paper's eqn 1):
 * Δk_T is the smallest Δk above the reference Δk_min with |x(Δk) − x(Δk_min)| ≥ f · MAD_max,
 * MAD_max = max(MAD_DFT, MAD_MLP) of one (metal, lattice, property).
 */
import { table, type ColumnTable } from 'arquero';
import { withMeta } from './meta.js';
import { madOf } from './stats.js';
import { sweepColumns, sweepRowAt, type SweepColumns, type SweepInput, type SweepRow } from './sweep.js';
import { checkUnstableOption, unstableModuliRows, type ExcludedPoint, type UnstableOption } from './stability.js';

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

/** One curve: its first row (in input order) and its points, ascending Δk. */
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
 * The curves of a validated sweep held by column, the points of each in flat typed arrays:
 * curve k (in the analyses' order) is `ids[k]` in the sweep's numbering, its points
 * dk[start[k]] … dk[start[k + 1] − 1] ascending, with `value` alongside; `row[k]` is its first
 * row in input order.
 */
interface CurveSet {
  ids: Int32Array;
  row: Int32Array;
  start: Int32Array;
  dk: Float64Array;
  value: Float64Array;
}

/**
 * Group the rows of a validated sweep that `keep` keeps (all when null) into curves, points
 * sorted by Δk. Order: (metal, lattice, property) by the first kept row, then method with DFT
 * first ({@link methodOrder}), so the result does not depend on row order within a property.
 */
function curveSet(cols: SweepColumns, keep: Uint8Array | null): CurveSet {
  const { nCurves, nGroups, curveStart, byCurve, curveGroup } = cols;
  const n = cols.length;
  const dkAll = cols.dk, valueAll = cols.value;
  // per curve: its kept points and first kept row; per group: the first kept row of its curves
  const nKept = new Int32Array(nCurves);
  const firstRow = new Int32Array(nCurves);
  const groupFirst = new Int32Array(nGroups).fill(n);
  let total = 0;
  for (let c = 0; c < nCurves; c++) {
    let count = 0, f = n;
    for (let j = curveStart[c], e = curveStart[c + 1]; j < e; j++) {
      const r = byCurve[j];
      if (keep !== null && keep[r] === 0) continue;
      count++;
      if (r < f) f = r;
    }
    nKept[c] = count;
    firstRow[c] = f;
    total += count;
    if (f < groupFirst[curveGroup[c]]) groupFirst[curveGroup[c]] = f;
  }
  // groups ranked by their first kept row, methods by methodOrder
  const ranked: number[] = [];
  for (let g = 0; g < nGroups; g++) if (groupFirst[g] < n) ranked.push(g);
  ranked.sort((a, b) => groupFirst[a] - groupFirst[b]);
  const rank = new Int32Array(nGroups);
  for (let k = 0; k < ranked.length; k++) rank[ranked[k]] = k;
  const methods = cols.names.method;
  const methodRank = new Int32Array(methods.length);
  methods.map((_, k) => k).sort((a, b) => methodOrder(methods[a], methods[b])).forEach((me, k) => (methodRank[me] = k));
  // curves by group rank (counting sort), then by method within a group (insertion sort: few methods)
  const at = new Int32Array(ranked.length + 1);
  let m = 0;
  for (let c = 0; c < nCurves; c++) {
    if (nKept[c] === 0) continue;
    at[rank[curveGroup[c]] + 1]++;
    m++;
  }
  for (let g = 0; g < ranked.length; g++) at[g + 1] += at[g];
  const ids = new Int32Array(m);
  for (let c = 0; c < nCurves; c++) if (nKept[c] > 0) ids[at[rank[curveGroup[c]]]++] = c;
  const method = cols.curveCodes.method;
  for (let k = 1; k < m; k++) {
    const c = ids[k], g = curveGroup[c], mr = methodRank[method[c]];
    let j = k - 1;
    while (j >= 0 && curveGroup[ids[j]] === g && methodRank[method[ids[j]]] > mr) {
      ids[j + 1] = ids[j];
      j--;
    }
    ids[j + 1] = c;
  }
  const start = new Int32Array(m + 1);
  const row = new Int32Array(m);
  const dk = new Float64Array(total), value = new Float64Array(total);
  let p = 0;
  for (let k = 0; k < m; k++) {
    const c = ids[k];
    row[k] = firstRow[c];
    for (let j = curveStart[c], e = curveStart[c + 1]; j < e; j++) {
      const r = byCurve[j];
      if (keep !== null && keep[r] === 0) continue;
      dk[p] = dkAll[r];
      value[p++] = valueAll[r];
    }
    start[k + 1] = p;
  }
  return { ids, row, start, dk, value };
}

/**
 * Group validated rows into curves, points sorted by Δk. Order: (metal, lattice, property) by
 * first appearance, then method with DFT first, so the result does not depend on row order
 * within a property.
 */
export function curves(rows: readonly SweepRow[]): Curve[] {
  const cs = curveSet(sweepColumns(rows), null);
  return Array.from(cs.row, (r, k) => ({
    key: rows[r],
    points: Array.from(cs.dk.subarray(cs.start[k], cs.start[k + 1]), (dk, j) => ({ dk, value: cs.value[cs.start[k] + j] })),
  }));
}

function describeCurve(r: Pick<SweepRow, 'metal' | 'lattice' | 'property' | 'method'>): string {
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
function anchorDks(anchor: ReferenceAnchor, method: string, dks: ArrayLike<number>): number[] {
  const sorted = Array.from(dks).sort((a, b) => a - b);
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
 * The index in s … e − 1 of the reference Δk of one curve whose Δk (Å⁻¹) dks[s … e − 1] ascend,
 * under a rule on one Δk (docs/method.md §4): "min" the finest; "auto" 0.09 Å⁻¹ for DFT when
 * present, else the finest; a number that Δk (a curve without it is an error).
 */
function referenceIndex(rule: 'auto' | 'min' | number, method: string, dks: ArrayLike<number>, s: number, e: number, reference: ReferenceOption): number {
  if (rule === 'min') return s;
  if (rule === 'auto') {
    if (method.toUpperCase() === 'DFT') for (let k = s; k < e; k++) if (dks[k] === DFT_REFERENCE_DK) return k;
    return s;
  }
  if (typeof rule !== 'number' || !Number.isFinite(rule)) {
    throw new Error(`reference must be "auto", "min", a Δk in Å⁻¹, {anchor: "mean-finest", n} or {anchor: "median-below", below}, or {method: one of these}, got ${JSON.stringify(reference)}`);
  }
  for (let k = s; k < e; k++) if (dks[k] === rule) return k;
  throw new Error(`reference Δk ${rule} Å⁻¹ is not in the sweep of method ${method} (has ${Array.prototype.slice.call(dks, s, e).join(', ')})`);
}

/** The reference of one curve whose points dks[s … e − 1] (Å⁻¹), values[s … e − 1] ascend in Δk. */
function sortedReference(method: string, dks: ArrayLike<number>, values: ArrayLike<number>, s: number, e: number, reference: ReferenceOption): CurveReference {
  const rule = ruleOf(method, reference);
  if (isAnchor(rule)) {
    // an anchor takes the finest n, or every Δk below a cut: the first of the sorted points
    const dk = anchorDks(rule, method, Array.prototype.slice.call(dks, s, e) as number[]);
    const vs = Array.prototype.slice.call(values, s, s + dk.length) as number[];
    if (rule.anchor === 'mean-finest') return { dks: dk, value: vs.reduce((a, b) => a + b, 0) / vs.length, rule: dk.length === 1 ? `Δk ${dk[0]}` : `mean of Δk ${dk.join(', ')}` };
    return { dks: dk, value: median(vs), rule: dk.length === 1 ? `Δk ${dk[0]}` : `median of Δk ${dk.join(', ')} (below ${rule.below})` };
  }
  const k = referenceIndex(rule, method, dks, s, e, reference);
  return { dks: [dks[k]], value: values[k], rule: `Δk ${dks[k]}` };
}

/** Points as two arrays ascending in Δk (Å⁻¹). */
function sortedPoints(points: readonly { dk: number; value: number }[]): { dk: Float64Array; value: Float64Array } {
  const s = [...points].sort((a, b) => a.dk - b.dk);
  return { dk: Float64Array.from(s, (p) => p.dk), value: Float64Array.from(s, (p) => p.value) };
}

/**
 * The reference of one curve (points in any order) under `reference`: one Δk (the value there)
 * or an anchor (mean of the finest n, median below a cut) — see {@link ReferenceOption}.
 */
export function curveReference(method: string, points: readonly { dk: number; value: number }[], reference: ReferenceOption = 'auto'): CurveReference {
  const p = sortedPoints(points);
  return sortedReference(method, p.dk, p.value, 0, points.length, reference);
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
  const rule = ruleOf(method, reference);
  if (isAnchor(rule)) return anchorDks(rule, method, dks)[0];
  const sorted = Float64Array.from(dks).sort();
  return sorted[referenceIndex(rule, method, sorted, 0, sorted.length, reference)];
}

function checkFactor(factor: number): void {
  if (typeof factor !== 'number' || !Number.isFinite(factor) || factor <= 0) {
    throw new Error(`factor must be a positive number, got ${factor}`);
  }
}

/**
 * The index of Δk_T among points dks[s … e − 1] (Å⁻¹, ascending) with values alongside: the
 * first Δk strictly above `aboveDk` whose |value − refValue| reaches `bound` (≥, with
 * {@link TIE_RTOL}); −1 when none does or bound = 0.
 */
function thresholdIndex(dks: ArrayLike<number>, values: ArrayLike<number>, s: number, e: number, aboveDk: number, refValue: number, bound: number): number {
  if (!(bound > 0)) return -1;
  const reach = bound * (1 - TIE_RTOL);
  for (let k = s; k < e; k++) if (dks[k] > aboveDk && Math.abs(values[k] - refValue) >= reach) return k;
  return -1;
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
  const p = sortedPoints(points);
  const k = thresholdIndex(p.dk, p.value, 0, points.length, aboveDk, refValue, bound);
  return k < 0 ? null : p.dk[k];
}

/** Whether |value − refValue| stays inside the band f·MAD_max, i.e. does not reach `bound` (the complement of the Δk_T test). */
export function insideBand(value: number, refValue: number, bound: number): boolean {
  if (!(bound > 0)) return value === refValue;
  return Math.abs(value - refValue) < bound * (1 - TIE_RTOL);
}

/** The rows an analysis leaves out of a validated sweep (moduli of an unstable C), as a mask and as points. */
interface Exclusion {
  /** keep[i] = 0 for a row left out; null when none is. */
  keep: Uint8Array | null;
  excluded: ExcludedPoint[];
  /** Rows left out per curve (the sweep's numbering). */
  perCurve: Int32Array;
}

/**
 * The points an analysis leaves out: with `unstable` "exclude" (default) the moduli of a C that
 * is not positive definite, each with its reason; and, where that leaves a curve a single Δk
 * (no MAD), that last point too, with the reason — the whole curve is then out of MAD, bands and
 * thresholds, and named in `excluded` point by point. Nothing is left out with "include".
 */
function exclusion(cols: SweepColumns, unstable: UnstableOption | undefined): Exclusion {
  const perCurve = new Int32Array(cols.nCurves);
  if (checkUnstableOption(unstable ?? 'exclude') === 'include') return { keep: null, excluded: [], perCurve };
  const { rows, reasons } = unstableModuliRows(cols);
  if (rows.length === 0) return { keep: null, excluded: [], perCurve };
  const keep = new Uint8Array(cols.length).fill(1);
  const point = (i: number, reason: string): ExcludedPoint => {
    const { metal, lattice, property, unit, method, dk, value } = sweepRowAt(cols, i);
    return { metal, lattice, property, unit, method, dk, value, reason };
  };
  const excluded = rows.map((i, k): ExcludedPoint => {
    keep[i] = 0;
    perCurve[cols.curve[i]]++;
    return point(i, reasons[k]);
  });
  for (let c = 0; c < cols.nCurves; c++) {
    const s = cols.curveStart[c], e = cols.curveStart[c + 1];
    if (perCurve[c] === 0 || e - s - perCurve[c] !== 1) continue;
    for (let j = s; j < e; j++) {
      const i = cols.byCurve[j];
      if (keep[i] === 0) continue;
      keep[i] = 0;
      perCurve[c]++;
      excluded.push(point(i, `the only Δk of its curve left once ${perCurve[c] - 1} moduli of an unstable C are out: a single Δk has no MAD, so the curve is out of MAD, bands and thresholds`));
    }
  }
  return { keep, excluded, perCurve };
}

/** The text of curve c (the sweep's numbering). */
function curveText(cols: SweepColumns, c: number): Pick<SweepRow, 'metal' | 'lattice' | 'property' | 'unit' | 'method'> {
  const { curveCodes: codes, names } = cols;
  return {
    metal: names.metal[codes.metal[c]], lattice: names.lattice[codes.lattice[c]], property: names.property[codes.property[c]],
    unit: names.unit[codes.unit[c]], method: names.method[codes.method[c]],
  };
}

/** The thresholds table by column (the fields of {@link ThresholdRow}), and the points left out. */
function thresholdColumns(cols: SweepColumns, options: ThresholdOptions): { columns: Record<keyof ThresholdRow, unknown[]>; excluded: ExcludedPoint[] } {
  const factor = options.factor ?? 0.5;
  checkFactor(factor);
  const ex = exclusion(cols, options.unstable);
  const cs = curveSet(cols, ex.keep);
  const m = cs.ids.length;
  for (let k = 0; k < m; k++) {
    if (cs.start[k + 1] - cs.start[k] < 2) {
      const n = ex.perCurve[cs.ids[k]];
      throw new Error(
        `${describeCurve(curveText(cols, cs.ids[k]))} has a single Δk (${cs.dk[cs.start[k]]} Å⁻¹)${n ? ` once ${n} moduli of an unstable C are left out (option unstable: "include" keeps them)` : ''}: a threshold needs at least two`,
      );
    }
  }
  const mads = new Float64Array(m);
  const madMax = new Float64Array(cols.nGroups);
  for (let k = 0; k < m; k++) {
    mads[k] = madOf(cs.value, cs.start[k], cs.start[k + 1]);
    const g = cols.curveGroup[cs.ids[k]];
    madMax[g] = Math.max(madMax[g], mads[k]);
  }
  const reference = options.reference ?? 'auto';
  const c: Record<keyof ThresholdRow, unknown[]> = {
    metal: new Array(m), lattice: new Array(m), property: new Array(m), unit: new Array(m), method: new Array(m),
    n_dk: new Array(m), ref_dk: new Array(m), ref_value: new Array(m), ref_rule: new Array(m), n_excluded: new Array(m),
    mad: new Array(m), mad_max: new Array(m), factor: new Array(m), bound: new Array(m), threshold_dk: new Array(m), threshold_value: new Array(m),
  };
  const { curveCodes: codes, names } = cols;
  for (let k = 0; k < m; k++) {
    const r = cs.ids[k];
    const method = names.method[codes.method[r]];
    const s = cs.start[k], e = cs.start[k + 1];
    const ref = sortedReference(method, cs.dk, cs.value, s, e, reference);
    const mad_max = madMax[cols.curveGroup[r]];
    const bound = factor * mad_max;
    const hit = thresholdIndex(cs.dk, cs.value, s, e, ref.dks[0], ref.value, bound);
    c.metal[k] = names.metal[codes.metal[r]];
    c.lattice[k] = names.lattice[codes.lattice[r]];
    c.property[k] = names.property[codes.property[r]];
    c.unit[k] = names.unit[codes.unit[r]];
    c.method[k] = method;
    c.n_dk[k] = e - s;
    c.ref_dk[k] = ref.dks[0];
    c.ref_value[k] = ref.value;
    c.ref_rule[k] = ref.rule;
    c.n_excluded[k] = ex.perCurve[cs.ids[k]];
    c.mad[k] = mads[k];
    c.mad_max[k] = mad_max;
    c.factor[k] = factor;
    c.bound[k] = bound;
    c.threshold_dk[k] = hit < 0 ? null : cs.dk[hit];
    c.threshold_value[k] = hit < 0 ? null : cs.value[hit];
  }
  return { columns: c, excluded: ex.excluded };
}

/** Rows from columns of equal length (keys in the columns' order). */
function rowsOf<T>(columns: Record<string, unknown[]>): T[] {
  const names = Object.keys(columns);
  const n = names.length ? columns[names[0]].length : 0;
  const out = new Array<T>(n);
  for (let i = 0; i < n; i++) {
    const o: Record<string, unknown> = {};
    for (const c of names) o[c] = columns[c][i];
    out[i] = o as T;
  }
  return out;
}

/**
 * Thresholds of a tidy sweep (rows or arquero table with metal, lattice, property, unit, method,
 * dk [Å⁻¹], value): one row per (metal, lattice, property, method) with ref_dk, ref_value, mad,
 * mad_max, factor, bound and threshold_dk (null = the sweep never reaches the bound).
 * A curve with a single Δk is an error (its MAD says nothing); see {@link sweepRows} for the
 * other input errors.
 */
export function thresholdRows(sweep: SweepInput, options: ThresholdOptions = {}): ThresholdRow[] {
  checkFactor(options.factor ?? 0.5);
  return rowsOf<ThresholdRow>(thresholdColumns(sweepColumns(sweep), options).columns);
}

/**
 * The sweep rows an analysis uses and the ones it leaves out: with `unstable` "exclude"
 * (default) the moduli of a C that is not positive definite (stability.ts `unstableModuli`) are left
 * out, each with its reason, and so is the last point of a curve they leave with a single Δk;
 * with "include" nothing is.
 */
export function analysedRows(rows: readonly SweepRow[], unstable: UnstableOption = 'exclude'): { kept: SweepRow[]; excluded: ExcludedPoint[] } {
  if (checkUnstableOption(unstable) === 'include') return { kept: [...rows], excluded: [] };
  const ex = exclusion(sweepColumns(rows), unstable);
  if (ex.keep === null) return { kept: [...rows], excluded: ex.excluded };
  return { kept: rows.filter((_, i) => ex.keep![i] === 1), excluded: ex.excluded };
}

/**
 * The validated sweep's rows, made when first asked for (a display of the table draws them) and
 * then kept; until then the metadata holds only the sweep's columns.
 */
function lazySweep(cols: SweepColumns): () => SweepRow[] {
  let rows: SweepRow[] | null = null;
  return () => {
    if (!rows) {
      rows = new Array<SweepRow>(cols.length);
      for (let i = 0; i < cols.length; i++) rows[i] = sweepRowAt(cols, i);
    }
    return rows;
  };
}

/**
 * {@link thresholdRows} as an arquero table, with units and the options used in its metadata:
 * `notes.sweep` (the validated sweep's rows, made when first read), `notes.n_rows` (its row
 * count), `notes.excluded` (the points left out).
 */
export function thresholds(sweep: SweepInput, options: ThresholdOptions = {}): ColumnTable {
  const cols = sweepColumns(sweep);
  const { columns, excluded } = thresholdColumns(cols, options);
  const unstable = options.unstable ?? 'exclude';
  const sweepOf = lazySweep(cols);
  return withMeta(table(columns), {
    kind: 'thresholds',
    units: { ...THRESHOLD_UNITS },
    notes: {
      factor: options.factor ?? 0.5, reference: options.reference ?? 'auto', reference_text: describeReference(options.reference ?? 'auto'),
      unstable, excluded, n_rows: cols.length,
      get sweep(): SweepRow[] {
        return sweepOf();
      },
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
  const cols = sweepColumns(sweep);
  const ex = exclusion(cols, unstable);
  let cs: CurveSet;
  if (options.dkBelow !== undefined) {
    const lim = options.dkBelow;
    const before = curveSet(cols, ex.keep);
    const keep = new Uint8Array(cols.length);
    let any = false;
    for (let i = 0; i < cols.length; i++) {
      if ((!ex.keep || ex.keep[i]) && cols.dk[i] < lim) {
        keep[i] = 1;
        any = true;
      }
    }
    if (!any) throw new Error(`madSummary: no Δk below ${lim} Å⁻¹`);
    cs = curveSet(cols, keep);
    // a curve with no Δk in range is not "method absent": name it
    const kept = new Set(cs.ids);
    const gone = Array.from(before.ids, (c) => (kept.has(c) ? null : describeCurve(curveText(cols, c)))).filter((d) => d !== null);
    if (gone.length > 0) throw new Error(`madSummary: ${gone.join('; ')}: no Δk below ${lim} Å⁻¹, so no MAD there`);
  } else cs = curveSet(cols, ex.keep);
  const m = cs.ids.length;
  const methodCodes = [...new Set(Array.from(cs.ids, (c) => cols.curveCodes.method[c]))];
  const methods = methodCodes.map((c) => cols.names.method[c]).sort(methodOrder);
  // one output row per (metal, lattice, property); its curves are next to each other in cs
  const rowOf = new Int32Array(m);
  let nRows = 0;
  for (let k = 0; k < m; k++) rowOf[k] = k > 0 && cols.curveGroup[cs.ids[k]] === cols.curveGroup[cs.ids[k - 1]] ? rowOf[k - 1] : nRows++;
  const out: Record<string, unknown[]> = { metal: new Array(nRows), lattice: new Array(nRows), property: new Array(nRows), unit: new Array(nRows) };
  // per method code, its columns: ref_dk, value, mad, "v ± mad"
  const perMethod: unknown[][][] = [];
  for (const me of methods) {
    const c4 = [`${me}_ref_dk`, `${me}_value`, `${me}_mad`, me].map((c) => (out[c] = new Array<unknown>(nRows).fill(null)));
    perMethod[cols.names.method.indexOf(me)] = c4;
  }
  const reference = options.reference ?? 'auto';
  const { curveCodes: codes, names } = cols;
  for (let k = 0; k < m; k++) {
    const c = cs.ids[k];
    const s = cs.start[k], e = cs.start[k + 1];
    if (e - s < 2) throw new Error(`${describeCurve(curveText(cols, c))} has a single Δk (${cs.dk[s]} Å⁻¹) in range: its MAD says nothing`);
    const i = rowOf[k];
    if (k === 0 || i !== rowOf[k - 1]) {
      out.metal[i] = names.metal[codes.metal[c]];
      out.lattice[i] = names.lattice[codes.lattice[c]];
      out.property[i] = names.property[codes.property[c]];
      out.unit[i] = names.unit[codes.unit[c]];
    }
    const ref = sortedReference(names.method[codes.method[c]], cs.dk, cs.value, s, e, reference);
    const v = madOf(cs.value, s, e);
    const [refDk, value, mad, text] = perMethod[codes.method[c]];
    refDk[i] = ref.dks[0];
    value[i] = ref.value;
    mad[i] = v;
    text[i] = formatPlusMinus(ref.value, v);
  }
  const units: Record<string, string> = {};
  for (const me of methods) {
    units[`${me}_ref_dk`] = 'Å⁻¹';
    units[`${me}_value`] = 'from column unit';
    units[`${me}_mad`] = 'from column unit';
  }
  return withMeta(table(out), {
    kind: 'mad-summary',
    units,
    notes: {
      methods, dkBelow: options.dkBelow ?? null, reference, reference_text: describeReference(reference),
      unstable, excluded: ex.excluded,
    },
  });
}
