/**
 * The tidy property sweep of docs/method.md §9: one row per (metal, lattice, property, method, Δk).
 */
import { from, type ColumnTable } from 'arquero';
import { withMeta } from './meta.js';

/** One value of one property at one Δk (docs/method.md §9). */
export interface SweepRow {
  metal: string;
  lattice: string;
  property: string;
  /** Unit of `value`, e.g. "GPa", "eV", "Å^3/atom". */
  unit: string;
  /** "DFT" or "MLP" (any label is accepted; "DFT" gets the reference rule of docs/method.md §4). */
  method: string;
  /** k-point spacing Δk in Å⁻¹. */
  dk: number;
  /** The property value, in `unit`. */
  value: number;
  structure?: string;
  source?: string;
}

/** A sweep given as rows or as an arquero table with the same columns. */
export type SweepInput = readonly SweepRow[] | ColumnTable;

/** Units of the sweep's fixed columns. */
export const SWEEP_UNITS: Record<string, string> = { dk: 'Å⁻¹', value: 'from column unit' };

const REQUIRED = ['metal', 'lattice', 'property', 'unit', 'method', 'dk', 'value'] as const;

/** The sweep columns that hold text, even text that reads as a number (the unit "1" of B0′ and ν). */
export const SWEEP_TEXT_COLUMNS = ['metal', 'lattice', 'property', 'unit', 'method'] as const;

type SweepTextColumn = (typeof SWEEP_TEXT_COLUMNS)[number];

function isTable(x: unknown): x is ColumnTable {
  return typeof x === 'object' && x !== null && typeof (x as ColumnTable).objects === 'function';
}

function describe(r: Record<string, unknown>): string {
  return `metal=${r.metal}, lattice=${r.lattice}, property=${r.property}, method=${r.method}, dk=${r.dk}`;
}

/** The identity of a curve: one property of one metal × lattice by one method. */
export function curveKey(r: Pick<SweepRow, 'metal' | 'lattice' | 'property' | 'method'>): string {
  return JSON.stringify([r.metal, r.lattice, r.property, r.method]);
}

/**
 * A validated sweep held column by column (rows in input order): each text column as integer
 * codes into its list of names (numbered by first appearance), Δk (Å⁻¹) and values (their unit)
 * in typed arrays, each row's property group and curve numbered, and the rows of every curve
 * sorted by Δk. What the analyses work on; {@link sweepRows} gives it back as rows.
 */
export interface SweepColumns {
  /** Number of rows. */
  readonly length: number;
  /** Per text column, the code of each row: `names[column][codes[column][i]]` is its text. */
  readonly codes: Readonly<Record<SweepTextColumn, Int32Array>>;
  readonly names: Readonly<Record<SweepTextColumn, readonly string[]>>;
  /** Δk of each row, Å⁻¹. */
  readonly dk: Float64Array;
  /** Value of each row, in the row's unit. */
  readonly value: Float64Array;
  /** The (metal, lattice, property) of each row, numbered 0 … nGroups − 1 by first appearance. */
  readonly group: Int32Array;
  readonly nGroups: number;
  /** The curve (metal, lattice, property, method) of each row, numbered 0 … nCurves − 1 by first appearance. */
  readonly curve: Int32Array;
  readonly nCurves: number;
  /** The rows of curve c are byCurve[curveStart[c]] … byCurve[curveStart[c + 1] − 1], by ascending Δk. */
  readonly byCurve: Int32Array;
  readonly curveStart: Int32Array;
  /** The optional `structure` and `source` of each row (null or undefined where a row has none), or null when no row has one. */
  readonly structure: ArrayLike<unknown> | null;
  readonly source: ArrayLike<unknown> | null;
}

/** Text interned to codes numbered by first appearance; a run of equal text costs one comparison. */
class Interner {
  readonly names: string[] = [];
  private readonly map = new Map<string, number>();
  private last: string | null = null;
  private lastCode = -1;
  code(s: string): number {
    if (s === this.last) return this.lastCode;
    let c = this.map.get(s);
    if (c === undefined) {
      c = this.names.length;
      this.map.set(s, c);
      this.names.push(s);
    }
    this.last = s;
    this.lastCode = c;
    return c;
  }
}

/**
 * Number the pairs (a[i], b[i]) of the first n rows by first appearance, with a ∈ [0, na) and
 * b ∈ [0, nb): a lookup table when na·nb is small beside n, a Map otherwise. Returns the codes and
 * how many pairs there are.
 */
export function pairCodes(a: Int32Array, na: number, b: Int32Array, nb: number, n: number): { codes: Int32Array; size: number } {
  const codes = new Int32Array(n);
  let size = 0;
  if (na * nb <= 2 * n + 4096) {
    const seen = new Int32Array(na * nb).fill(-1);
    for (let i = 0; i < n; i++) {
      const k = a[i] * nb + b[i];
      let c = seen[k];
      if (c < 0) c = seen[k] = size++;
      codes[i] = c;
    }
  } else {
    const seen = new Map<number | string, number>();
    const exact = na * nb <= Number.MAX_SAFE_INTEGER;
    let la = -1, lb = -1, lc = -1;
    for (let i = 0; i < n; i++) {
      if (a[i] !== la || b[i] !== lb) {
        la = a[i];
        lb = b[i];
        const k = exact ? la * nb + lb : `${la},${lb}`;
        const c = seen.get(k);
        if (c === undefined) seen.set(k, (lc = size++));
        else lc = c;
      }
      codes[i] = lc;
    }
  }
  return { codes, size };
}

/** A sweep's rows as columns of raw values, before any check. */
interface RawColumns {
  n: number;
  /** The value of column c at row i. */
  col: Record<string, ArrayLike<unknown> | null>;
  /** Row i of a row array (to check that it is an object), else null. */
  rows: readonly unknown[] | null;
}

/** The columns of an arquero table as arrays (its own arrays when it is neither filtered nor ordered). */
function tableColumns(t: ColumnTable): RawColumns {
  const direct = !t.isFiltered() && !t.isOrdered();
  const col: Record<string, ArrayLike<unknown> | null> = {};
  for (const c of [...REQUIRED, 'structure', 'source']) {
    const column = t.column(c) as unknown;
    if (column === undefined) col[c] = null;
    else col[c] = direct && (Array.isArray(column) || ArrayBuffer.isView(column)) ? (column as ArrayLike<unknown>) : (t.array(c) as ArrayLike<unknown>);
  }
  return { n: t.numRows(), col, rows: null };
}

/** The raw value of `c` at row i (undefined for a missing column or a row that is not an object). */
function rawAt(raw: RawColumns, c: string, i: number): unknown {
  if (raw.rows) {
    const r = raw.rows[i] as Record<string, unknown> | null;
    return typeof r === 'object' && r !== null ? r[c] : undefined;
  }
  const a = raw.col[c];
  return a ? a[i] : undefined;
}

/** Row i as an object of its sweep columns, for error messages. */
function rawRow(raw: RawColumns, i: number): Record<string, unknown> {
  if (raw.rows) return raw.rows[i] as Record<string, unknown>;
  const o: Record<string, unknown> = {};
  for (const c of REQUIRED) o[c] = rawAt(raw, c, i);
  return o;
}

/** Why row i breaks the layout of docs/method.md §9 (a missing column, text that is not text, a number that is not finite, Δk ≤ 0), or null. */
function rowError(i: number, r: Record<string, unknown>): string | null {
  if (typeof r !== 'object' || r === null) return `sweep row ${i}: expected an object, got ${r}`;
  for (const c of REQUIRED) {
    if (r[c] === undefined || r[c] === null || r[c] === '') return `sweep row ${i} (${describe(r)}): column "${c}" is missing`;
  }
  for (const c of SWEEP_TEXT_COLUMNS) {
    if (typeof r[c] !== 'string') return `sweep row ${i} (${describe(r)}): column "${c}" must be text, got ${typeof r[c]}`;
  }
  for (const c of ['dk', 'value'] as const) {
    const x = r[c];
    if (typeof x !== 'number' || !Number.isFinite(x)) return `sweep row ${i} (${describe(r)}): ${c} is ${String(x)}, expected a finite number`;
  }
  if ((r.dk as number) <= 0) return `sweep row ${i} (${describe(r)}): dk must be > 0 Å⁻¹`;
  return null;
}

const isText = (x: unknown): x is string => typeof x === 'string' && x !== '';

/**
 * Validate a sweep and hold it by column ({@link SweepColumns}). Errors name the row (0-based, in
 * input order) and what was expected: a missing column, text that is not text, a non-numeric or
 * non-finite dk/value, dk ≤ 0, two rows for the same (metal, lattice, property, method, dk), or
 * mixed units within one property. Of several bad rows, the first in input order is named.
 */
export function sweepColumns(input: SweepInput): SweepColumns {
  let raw: RawColumns;
  if (isTable(input)) raw = tableColumns(input);
  else {
    if (!Array.isArray(input)) throw new Error('sweep must be an array of rows or an arquero table');
    raw = { n: input.length, col: {}, rows: input };
  }
  const n = raw.n;
  if (n === 0) throw new Error('sweep is empty: expected rows with ' + REQUIRED.join(', '));
  const intern = { metal: new Interner(), lattice: new Interner(), property: new Interner(), unit: new Interner(), method: new Interner() };
  const codes = { metal: new Int32Array(n), lattice: new Int32Array(n), property: new Int32Array(n), unit: new Int32Array(n), method: new Int32Array(n) };
  const dk = new Float64Array(n);
  const value = new Float64Array(n);
  let structure: ArrayLike<unknown> | null = raw.rows ? null : raw.col.structure;
  let source: ArrayLike<unknown> | null = raw.rows ? null : raw.col.source;
  // 1. each row on its own, in input order, up to the first bad one
  let bad = n;
  let badWhy = '';
  const add = (i: number, m: unknown, l: unknown, p: unknown, u: unknown, me: unknown, d: unknown, v: unknown): boolean => {
    if (!(isText(m) && isText(l) && isText(p) && isText(u) && isText(me) && typeof d === 'number' && typeof v === 'number' && Number.isFinite(d) && Number.isFinite(v) && d > 0)) return false;
    codes.metal[i] = intern.metal.code(m);
    codes.lattice[i] = intern.lattice.code(l);
    codes.property[i] = intern.property.code(p);
    codes.unit[i] = intern.unit.code(u);
    codes.method[i] = intern.method.code(me);
    dk[i] = d;
    value[i] = v;
    return true;
  };
  if (raw.rows) {
    const rows = raw.rows as readonly Record<string, unknown>[];
    let st: unknown[] | null = null, so: unknown[] | null = null;
    for (let i = 0; i < n; i++) {
      const r = rows[i];
      if (typeof r !== 'object' || r === null || !add(i, r.metal, r.lattice, r.property, r.unit, r.method, r.dk, r.value)) {
        bad = i;
        break;
      }
      if (r.structure !== undefined && r.structure !== null) (st ??= new Array<unknown>(n))[i] = r.structure;
      if (r.source !== undefined && r.source !== null) (so ??= new Array<unknown>(n))[i] = r.source;
    }
    structure = st;
    source = so;
  } else {
    const c = raw.col;
    const none: ArrayLike<unknown> = { length: 0 };
    const [m, l, p, u, me, d, v] = REQUIRED.map((k) => c[k] ?? none);
    for (let i = 0; i < n; i++) {
      if (!add(i, m[i], l[i], p[i], u[i], me[i], d[i], v[i])) {
        bad = i;
        break;
      }
    }
  }
  if (bad < n) badWhy = rowError(bad, rawRow(raw, bad))!;
  // 2. groups and curves of the good rows; units within a group; duplicates within a curve
  const ml = pairCodes(codes.metal, intern.metal.names.length, codes.lattice, intern.lattice.names.length, bad);
  const g = pairCodes(ml.codes, ml.size, codes.property, intern.property.names.length, bad);
  const cv = pairCodes(g.codes, g.size, codes.method, intern.method.names.length, bad);
  let unitBad = n, unitRow = -1;
  {
    const first = new Int32Array(g.size).fill(-1);
    for (let i = 0; i < bad; i++) {
      const f = first[g.codes[i]];
      if (f < 0) first[g.codes[i]] = i;
      else if (codes.unit[f] !== codes.unit[i]) {
        unitBad = i;
        unitRow = f;
        break;
      }
    }
  }
  const { byCurve, curveStart } = rowsByCurve(cv.codes, cv.size, dk, bad);
  let dupBad = n, dupPrev = -1;
  for (let c = 0; c < cv.size; c++) {
    for (let j = curveStart[c] + 1; j < curveStart[c + 1]; j++) {
      if (dk[byCurve[j]] !== dk[byCurve[j - 1]]) continue;
      let k = j - 1; // the first row of this Δk (rows of equal Δk stay in input order)
      while (k > curveStart[c] && dk[byCurve[k - 1]] === dk[byCurve[j]]) k--;
      if (byCurve[j] < dupBad) {
        dupBad = byCurve[j];
        dupPrev = byCurve[k];
      }
    }
  }
  const first = Math.min(bad, unitBad, dupBad);
  if (first < n) {
    if (dupBad === first) throw new Error(`sweep rows ${dupPrev} and ${dupBad} are duplicates: both are (${describe(rawRow(raw, dupBad))})`);
    if (unitBad === first) {
      const name = (i: number): string => intern.unit.names[codes.unit[i]];
      throw new Error(`sweep row ${unitBad} (${describe(rawRow(raw, unitBad))}): unit "${name(unitBad)}" differs from "${name(unitRow)}" in row ${unitRow} for the same property`);
    }
    throw new Error(badWhy);
  }
  return {
    length: n, codes, dk, value,
    names: { metal: intern.metal.names, lattice: intern.lattice.names, property: intern.property.names, unit: intern.unit.names, method: intern.method.names },
    group: g.codes, nGroups: g.size, curve: cv.codes, nCurves: cv.size, byCurve, curveStart, structure, source,
  };
}

/** Rows grouped by curve (curve 0 first) and sorted by Δk within each, equal Δk in input order. */
function rowsByCurve(curve: Int32Array, nCurves: number, dk: Float64Array, n: number): { byCurve: Int32Array; curveStart: Int32Array } {
  const curveStart = new Int32Array(nCurves + 1);
  for (let i = 0; i < n; i++) curveStart[curve[i] + 1]++;
  for (let c = 0; c < nCurves; c++) curveStart[c + 1] += curveStart[c];
  const at = curveStart.slice(0, nCurves);
  const byCurve = new Int32Array(n);
  for (let i = 0; i < n; i++) byCurve[at[curve[i]]++] = i;
  for (let c = 0; c < nCurves; c++) {
    const s = curveStart[c], e = curveStart[c + 1];
    if (e - s <= 32) {
      for (let j = s + 1; j < e; j++) {
        const r = byCurve[j], d = dk[r];
        let k = j - 1;
        while (k >= s && dk[byCurve[k]] > d) {
          byCurve[k + 1] = byCurve[k];
          k--;
        }
        byCurve[k + 1] = r;
      }
    } else {
      const seg = Array.from(byCurve.subarray(s, e)).sort((a, b) => dk[a] - dk[b] || a - b);
      byCurve.set(seg, s);
    }
  }
  return { byCurve, curveStart };
}

/** Row i of a validated sweep as a plain object. */
export function sweepRowAt(cols: SweepColumns, i: number): SweepRow {
  const { codes, names } = cols;
  const row: SweepRow = {
    metal: names.metal[codes.metal[i]],
    lattice: names.lattice[codes.lattice[i]],
    property: names.property[codes.property[i]],
    unit: names.unit[codes.unit[i]],
    method: names.method[codes.method[i]],
    dk: cols.dk[i],
    value: cols.value[i],
  };
  const st = cols.structure?.[i], so = cols.source?.[i];
  if (st !== undefined && st !== null) row.structure = String(st);
  if (so !== undefined && so !== null) row.source = String(so);
  return row;
}

/**
 * Validate a sweep and return its rows as plain objects (input order kept).
 * Errors name the row (0-based, in input order) and what was expected: a missing column,
 * a non-numeric or non-finite dk/value, dk ≤ 0, mixed units within one property,
 * or two rows for the same (metal, lattice, property, method, dk); see {@link sweepColumns}.
 */
export function sweepRows(input: SweepInput): SweepRow[] {
  const cols = sweepColumns(input);
  const out = new Array<SweepRow>(cols.length);
  for (let i = 0; i < cols.length; i++) out[i] = sweepRowAt(cols, i);
  return out;
}

/** The sweep as an arquero table (validated by {@link sweepRows}), with units in its metadata. */
export function sweepTable(input: SweepInput): ColumnTable {
  const rows = sweepRows(input);
  return withMeta(from(rows), { kind: 'sweep', units: { ...SWEEP_UNITS } });
}

/** Result of {@link completeCurves}: the rows of complete curves, and the others named. */
export interface CompleteCurves {
  rows: SweepRow[];
  /** "metal lattice property method (Δk 0.09, 0.12 …; missing 0.18)" for every incomplete curve. */
  incomplete: string[];
}

/**
 * Keep the curves (metal, lattice, property, method) that have every Δk (Å⁻¹) of their method:
 * `dks[method]` when given, else every Δk any curve of that method has. The others are listed,
 * not dropped silently; a curve of fewer than two Δk is incomplete too.
 */
export function completeCurves(sweep: SweepInput, dks: Readonly<Record<string, readonly number[]>> = {}): CompleteCurves {
  const rows = sweepRows(sweep);
  const byCurve = new Map<string, { method: string; dks: Set<number> }>();
  const byMethod = new Map<string, Set<number>>();
  for (const r of rows) {
    const k = curveKey(r);
    const c = byCurve.get(k) ?? { method: r.method, dks: new Set<number>() };
    byCurve.set(k, c);
    c.dks.add(r.dk);
    const m = byMethod.get(r.method) ?? new Set<number>();
    byMethod.set(r.method, m.add(r.dk));
  }
  const want = (method: string): number[] => [...(dks[method] ?? byMethod.get(method) ?? [])];
  const ok = new Set<string>();
  const incomplete: string[] = [];
  for (const [k, c] of byCurve) {
    const w = want(c.method);
    const lack = w.filter((d) => !c.dks.has(d)).sort((a, b) => a - b);
    if (w.length > 1 && lack.length === 0 && c.dks.size > 1) ok.add(k);
    else {
      const have = [...c.dks].sort((a, b) => a - b).join(', ');
      incomplete.push(`${(JSON.parse(k) as string[]).join(' ')} (Δk ${have}${lack.length ? `; missing ${lack.join(', ')}` : ''})`);
    }
  }
  return { rows: rows.filter((r) => ok.has(curveKey(r))), incomplete };
}
