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
 * A validated sweep held column by column (rows in input order): Δk (Å⁻¹) and values (their unit)
 * in typed arrays, each row's curve (metal, lattice, property, method) numbered, and per curve its
 * text as integer codes into lists of names (numbered by first appearance) and its property group;
 * the rows of every curve sorted by Δk. What the analyses work on; {@link sweepRows} gives it back
 * as rows.
 */
export interface SweepColumns {
  /** Number of rows. */
  readonly length: number;
  /** Per text column, the names its codes point to. */
  readonly names: Readonly<Record<SweepTextColumn, readonly string[]>>;
  /** Δk of each row, Å⁻¹. */
  readonly dk: Float64Array;
  /** Value of each row, in the row's unit. */
  readonly value: Float64Array;
  /** The curve (metal, lattice, property, method) of each row, numbered 0 … nCurves − 1 by first appearance. */
  readonly curve: Int32Array;
  readonly nCurves: number;
  /**
   * Per text column, the code of each curve's text: `names[column][curveCodes[column][c]]` is the
   * text of every row of curve c (one unit per property group, so per curve too).
   */
  readonly curveCodes: Readonly<Record<SweepTextColumn, Int32Array>>;
  /** The (metal, lattice, property) of each curve, numbered 0 … nGroups − 1 by first appearance. */
  readonly curveGroup: Int32Array;
  readonly nGroups: number;
  /** The rows of curve c are byCurve[curveStart[c]] … byCurve[curveStart[c + 1] − 1], by ascending Δk. */
  readonly byCurve: Int32Array;
  readonly curveStart: Int32Array;
  /** The optional `structure` and `source` of each row (null or undefined where a row has none), or null when no row has one. */
  readonly structure: ArrayLike<unknown> | null;
  readonly source: ArrayLike<unknown> | null;
}

/** Text interned to codes numbered by first appearance. */
class Interner {
  readonly names: string[] = [];
  private readonly map = new Map<string, number>();
  code(s: string): number {
    let c = this.map.get(s);
    if (c === undefined) {
      c = this.names.length;
      this.map.set(s, c);
      this.names.push(s);
    }
    return c;
  }
}

/**
 * Pairs (a, b) of codes (whole numbers ≥ 0) numbered by first appearance: a Map per b (codes of a
 * few names: lattices, properties, methods) keyed by a.
 */
export class PairNumbers {
  size = 0;
  private readonly byB: Map<number, number>[] = [];
  /** The number of the pair (a, b): the next one at its first appearance. */
  code(a: number, b: number): number {
    const seen = (this.byB[b] ??= new Map<number, number>());
    let c = seen.get(a);
    if (c === undefined) seen.set(a, (c = this.size++));
    return c;
  }
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

const UNSET = Symbol('unset');

/** The columns of a row array, up to the first row that is not an object; `objects` is how many rows are. */
function rowArrayColumns(rows: readonly unknown[]): { raw: RawColumns; objects: number } {
  const n = rows.length;
  const col: Record<string, unknown[]> = {};
  for (const c of REQUIRED) col[c] = new Array<unknown>(n);
  const { metal, lattice, property, unit, method, dk, value } = col;
  let st: unknown[] | null = null, so: unknown[] | null = null;
  let i = 0;
  for (; i < n; i++) {
    const r = rows[i] as Record<string, unknown> | null;
    if (typeof r !== 'object' || r === null) break;
    metal[i] = r.metal;
    lattice[i] = r.lattice;
    property[i] = r.property;
    unit[i] = r.unit;
    method[i] = r.method;
    dk[i] = r.dk;
    value[i] = r.value;
    if (r.structure !== undefined && r.structure !== null) (st ??= new Array<unknown>(n))[i] = r.structure;
    if (r.source !== undefined && r.source !== null) (so ??= new Array<unknown>(n))[i] = r.source;
  }
  return { raw: { n, col: { ...col, structure: st, source: so }, rows }, objects: i };
}

/**
 * Validate a sweep and hold it by column ({@link SweepColumns}). Errors name the row (0-based, in
 * input order) and what was expected: a missing column, text that is not text, a non-numeric or
 * non-finite dk/value, dk ≤ 0, two rows for the same (metal, lattice, property, method, dk), or
 * mixed units within one property. Of several bad rows, the first in input order is named.
 *
 * Rows come in runs of equal text (a curve's Δk): a first pass checks the numbers and finds where
 * the text changes, a second checks, interns and numbers the text once per run. When every curve
 * is one run with Δk strictly ascending, its rows are already in order and free of duplicates.
 */
export function sweepColumns(input: SweepInput): SweepColumns {
  let raw: RawColumns;
  let bad: number;
  if (isTable(input)) {
    raw = tableColumns(input);
    bad = raw.n;
  } else {
    if (!Array.isArray(input)) throw new Error('sweep must be an array of rows or an arquero table');
    ({ raw, objects: bad } = rowArrayColumns(input));
  }
  const n = raw.n;
  if (n === 0) throw new Error('sweep is empty: expected rows with ' + REQUIRED.join(', '));
  const none: ArrayLike<unknown> = { length: 0 };
  const [M, L, P, U, ME, D, V] = REQUIRED.map((k) => raw.col[k] ?? none);
  // 1. numbers, and the rows where the text changes (runs); Δk ascending within each run
  const dk = new Float64Array(n), value = new Float64Array(n);
  const runStart = new Int32Array(n + 1);
  let nRuns = 0, ordered = true;
  {
    let pm: unknown = UNSET, pl: unknown = UNSET, pp: unknown = UNSET, pu: unknown = UNSET, pme: unknown = UNSET;
    let last = 0;
    for (let i = 0; i < bad; i++) {
      const d = D[i], v = V[i];
      if (typeof d !== 'number' || typeof v !== 'number' || !(d > 0 && d < Infinity) || !Number.isFinite(v)) {
        bad = i;
        break;
      }
      const m = M[i], l = L[i], p = P[i], u = U[i], me = ME[i];
      if (m !== pm || l !== pl || p !== pp || u !== pu || me !== pme) {
        runStart[nRuns++] = i;
        pm = m;
        pl = l;
        pp = p;
        pu = u;
        pme = me;
      } else if (!(d > last)) ordered = false;
      last = d;
      dk[i] = d;
      value[i] = v;
    }
  }
  // 2. per run: text checked and interned, group and curve numbered, the group's unit checked
  const intern = { metal: new Interner(), lattice: new Interner(), property: new Interner(), unit: new Interner(), method: new Interner() };
  const metalLattice = new PairNumbers(), groups = new PairNumbers(), curves = new PairNumbers();
  const curve = new Int32Array(n);
  // per curve and per group (at most one of each a run), filled as they first appear
  const cMetal = new Int32Array(nRuns), cLattice = new Int32Array(nRuns), cProperty = new Int32Array(nRuns), cUnit = new Int32Array(nRuns), cMethod = new Int32Array(nRuns);
  const cGroup = new Int32Array(nRuns), cRow = new Int32Array(nRuns + 1);
  const groupUnit = new Int32Array(nRuns), groupRow = new Int32Array(nRuns);
  let nCurves = 0, nGroups = 0;
  let unitBad = n, unitRow = -1;
  {
    let pm: unknown = UNSET, pl: unknown = UNSET, pp: unknown = UNSET, pu: unknown = UNSET, pme: unknown = UNSET;
    let cm = -1, cl = -1, cp = -1, cu = -1, cme = -1, cg = -1, cc = -1;
    runStart[nRuns] = bad;
    for (let r = 0; r < nRuns && runStart[r] < bad; r++) {
      const i = runStart[r];
      const m = M[i], l = L[i], p = P[i], u = U[i], me = ME[i];
      // what equals the run before's text is text already
      if ((m !== pm && !isText(m)) || (l !== pl && !isText(l)) || (p !== pp && !isText(p)) || (u !== pu && !isText(u)) || (me !== pme && !isText(me))) {
        bad = i;
        break;
      }
      const newGroup = m !== pm || l !== pl || p !== pp;
      if (m !== pm) cm = intern.metal.code((pm = m) as string);
      if (l !== pl) cl = intern.lattice.code((pl = l) as string);
      if (p !== pp) cp = intern.property.code((pp = p) as string);
      if (u !== pu) cu = intern.unit.code((pu = u) as string);
      if (newGroup) {
        cg = groups.code(metalLattice.code(cm, cl), cp);
        if (cg === nGroups) {
          groupUnit[cg] = cu;
          groupRow[cg] = i;
          nGroups++;
        }
      }
      if (groupUnit[cg] !== cu && unitBad === n) {
        unitBad = i;
        unitRow = groupRow[cg];
      }
      if (newGroup || me !== pme) {
        if (me !== pme) cme = intern.method.code((pme = me) as string);
        const c = curves.code(cg, cme);
        if (c === nCurves) {
          cMetal[c] = cm;
          cLattice[c] = cl;
          cProperty[c] = cp;
          cUnit[c] = groupUnit[cg];
          cMethod[c] = cme;
          cGroup[c] = cg;
          cRow[c] = i;
          nCurves++;
        } else ordered = false;
        cc = c;
      } else ordered = false; // the curve goes on in a new run (its unit changed)
      curve.fill(cc, i, runStart[r + 1] < bad ? runStart[r + 1] : bad);
    }
  }
  // 3. the rows of each curve by Δk; duplicates within a curve (none when the rows came in order)
  let byCurve: Int32Array, curveStart: Int32Array;
  let dupBad = n, dupPrev = -1;
  if (ordered) {
    byCurve = new Int32Array(n);
    for (let i = 0; i < bad; i++) byCurve[i] = i;
    curveStart = cRow.slice(0, nCurves + 1);
    curveStart[nCurves] = bad;
  } else {
    ({ byCurve, curveStart } = rowsByCurve(curve, nCurves, dk, bad));
    for (let c = 0; c < nCurves; c++) {
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
  }
  const first = Math.min(bad, unitBad, dupBad);
  if (first < n) {
    if (dupBad === first) throw new Error(`sweep rows ${dupPrev} and ${dupBad} are duplicates: both are (${describe(rawRow(raw, dupBad))})`);
    if (unitBad === first) {
      const name = (i: number): unknown => rawAt(raw, 'unit', i);
      throw new Error(`sweep row ${unitBad} (${describe(rawRow(raw, unitBad))}): unit "${name(unitBad)}" differs from "${name(unitRow)}" in row ${unitRow} for the same property`);
    }
    throw new Error(rowError(bad, rawRow(raw, bad))!);
  }
  return {
    length: n, dk, value, curve, nCurves, nGroups, byCurve, curveStart,
    names: { metal: intern.metal.names, lattice: intern.lattice.names, property: intern.property.names, unit: intern.unit.names, method: intern.method.names },
    curveCodes: { metal: cMetal.slice(0, nCurves), lattice: cLattice.slice(0, nCurves), property: cProperty.slice(0, nCurves), unit: cUnit.slice(0, nCurves), method: cMethod.slice(0, nCurves) },
    curveGroup: cGroup.slice(0, nCurves),
    structure: raw.col.structure ?? null, source: raw.col.source ?? null,
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
  const { curveCodes: cc, names } = cols;
  const c = cols.curve[i];
  const row: SweepRow = {
    metal: names.metal[cc.metal[c]],
    lattice: names.lattice[cc.lattice[c]],
    property: names.property[cc.property[c]],
    unit: names.unit[cc.unit[c]],
    method: names.method[cc.method[c]],
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
