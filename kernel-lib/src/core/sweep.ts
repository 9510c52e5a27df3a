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
 * Validate a sweep and return its rows as plain objects (input order kept).
 * Errors name the row (0-based, in input order) and what was expected: a missing column,
 * a non-numeric or non-finite dk/value, dk ≤ 0, mixed units within one property,
 * or two rows for the same (metal, lattice, property, method, dk).
 */
export function sweepRows(input: SweepInput): SweepRow[] {
  const raw: Record<string, unknown>[] = isTable(input)
    ? (input.objects() as Record<string, unknown>[])
    : (input as unknown as Record<string, unknown>[]);
  if (!Array.isArray(raw)) throw new Error('sweep must be an array of rows or an arquero table');
  if (raw.length === 0) throw new Error('sweep is empty: expected rows with ' + REQUIRED.join(', '));
  const seen = new Map<string, number>();
  const units = new Map<string, { unit: string; row: number }>();
  return raw.map((r, i) => {
    if (typeof r !== 'object' || r === null) throw new Error(`sweep row ${i}: expected an object, got ${r}`);
    for (const c of REQUIRED) {
      if (r[c] === undefined || r[c] === null || r[c] === '') {
        throw new Error(`sweep row ${i} (${describe(r)}): column "${c}" is missing`);
      }
    }
    for (const c of SWEEP_TEXT_COLUMNS) {
      if (typeof r[c] !== 'string') {
        throw new Error(`sweep row ${i} (${describe(r)}): column "${c}" must be text, got ${typeof r[c]}`);
      }
    }
    for (const c of ['dk', 'value'] as const) {
      const x = r[c];
      if (typeof x !== 'number' || !Number.isFinite(x)) {
        throw new Error(`sweep row ${i} (${describe(r)}): ${c} is ${String(x)}, expected a finite number`);
      }
    }
    if ((r.dk as number) <= 0) throw new Error(`sweep row ${i} (${describe(r)}): dk must be > 0 Å⁻¹`);
    const row: SweepRow = {
      metal: r.metal as string,
      lattice: r.lattice as string,
      property: r.property as string,
      unit: r.unit as string,
      method: r.method as string,
      dk: r.dk as number,
      value: r.value as number,
    };
    if (r.structure !== undefined && r.structure !== null) row.structure = String(r.structure);
    if (r.source !== undefined && r.source !== null) row.source = String(r.source);
    const key = curveKey(row) + '|' + row.dk;
    const prev = seen.get(key);
    if (prev !== undefined) {
      throw new Error(`sweep rows ${prev} and ${i} are duplicates: both are (${describe(r)})`);
    }
    seen.set(key, i);
    const pk = JSON.stringify([row.metal, row.lattice, row.property]);
    const u = units.get(pk);
    if (u && u.unit !== row.unit) {
      throw new Error(
        `sweep row ${i} (${describe(r)}): unit "${row.unit}" differs from "${u.unit}" in row ${u.row} for the same property`,
      );
    }
    if (!u) units.set(pk, { unit: row.unit, row: i });
    return row;
  });
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
