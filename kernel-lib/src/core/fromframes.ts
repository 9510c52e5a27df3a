/**
 * From a frames table (what the readers return: one row per configuration, tags from the
 * file) to the inputs of the analyses: tagged calculations for computeProperties and
 * matched single points for semTable. Pure: works on the table's rows.
 */
import type { ColumnTable } from 'arquero';
import { CALCULATION_KINDS, type Calculation, type CalculationKind, type SemFrame } from './records.js';

/** The frame-row fields these adapters read (a subset of the frames-table layout). */
export interface FrameRow {
  id: string;
  source?: string;
  natoms: number;
  volume: number | null;
  energy: number | null;
  stress: ArrayLike<number> | null;
  virial: ArrayLike<number> | null;
  dk: number | null;
  symbols: readonly string[];
  positions: ArrayLike<number>;
  forces: ArrayLike<number> | null;
  tags: Record<string, unknown>;
}

const KINDS: readonly string[] = CALCULATION_KINDS;

/** True for a frames table (what the readers return), false for rows or another table. */
export function isFramesTable(x: unknown): x is ColumnTable {
  if (typeof x !== 'object' || x === null || Array.isArray(x) || typeof (x as ColumnTable).columnNames !== 'function') return false;
  const cols = (x as ColumnTable).columnNames();
  return cols.includes('tags') && cols.includes('positions') && cols.includes('dk');
}

const rowsOf = (frames: ColumnTable | readonly FrameRow[]): FrameRow[] =>
  (Array.isArray(frames) ? [...frames] : ((frames as ColumnTable).objects() as unknown as FrameRow[]));

function where(r: FrameRow): string {
  return `frame "${r.id}"${r.source ? ` of ${r.source}` : ''}`;
}

const HOW: Record<string, string> = {
  dk: 'KSPACING in the INCAR, {dk} in a path pattern, or a dk tag',
  config: 'one id per configuration, the same at every Δk',
  kind: `one of ${KINDS.join(', ')}`,
  strain: '6 Voigt numbers (engineering shear) on each elastic frame',
};

/**
 * Collects what frames lack and throws one error listing every missing tag, how many frames lack
 * it (with an example source) and how to supply it.
 */
class Missing {
  private readonly lack = new Map<string, { n: number; example: string }>();
  constructor(private readonly analysis: string, private readonly total: number) {}
  add(name: string, r: FrameRow): void {
    const m = this.lack.get(name) ?? { n: 0, example: r.source ?? r.id };
    m.n++;
    this.lack.set(name, m);
  }
  tag(r: FrameRow, name: string, fallback?: string): string {
    const v = r.tags?.[name] ?? fallback;
    if (v === undefined || v === null || v === '') {
      this.add(name, r);
      return '';
    }
    return String(v);
  }
  throwIfAny(): void {
    if (this.lack.size === 0) return;
    const list = [...this.lack.entries()].map(([name, m]) => `"${name}" on ${m.n === this.total ? 'all' : m.n} of ${this.total} frames (e.g. ${m.example})${HOW[name] ? `: ${HOW[name]}` : ''}`);
    const tags = [...this.lack.keys()].filter((k) => k !== 'dk');
    const example = tags.length ? `{ ${tags.map((t) => `${t}: …`).join(', ')} }` : '{ dk: … }';
    throw new Error(
      `${this.analysis}: the frames lack ${list.join('; ')}. Give the tags in the files, or when reading: ` +
        `readFolder(dir, { pattern: "${tags.includes('config') ? '{metal}/{lattice}/{structure}/dk{dk}/{config}.extxyz' : '{metal}/{lattice}/{kind}/dk{dk}/*.extxyz'}" }) ` +
        `(a {name} per folder or file name that holds it) or readFolder(dir, { tags: (path) => (${example}) })`,
    );
  }
}

/** A Voigt vector from a tag given as numbers or as a space/comma-separated string. */
function voigt(r: FrameRow, name: string): number[] {
  const v = r.tags?.[name];
  const xs = Array.isArray(v) || ArrayBuffer.isView(v) ? Array.from(v as ArrayLike<number>, Number) : String(v ?? '').trim().split(/[\s,]+/).map(Number);
  if (xs.length !== 6 || !xs.every(Number.isFinite)) throw new Error(`${where(r)}: tag "${name}" must be 6 Voigt numbers, got ${JSON.stringify(v)}`);
  return xs;
}

/** 3 × 3 row-major → Voigt (xx, yy, zz, yz, xz, xy). */
export function voigtOf(m: ArrayLike<number>): number[] {
  return [m[0], m[4], m[8], m[5], m[2], m[1]];
}

/**
 * Calculations for computeProperties from frames tagged metal, lattice, kind (eos | elastic |
 * vacancy | oh | td | bulk | atom), method (default `options.method`, else "DFT") and a Δk.
 * Elastic frames need a `strain` tag (Voigt, engineering shear); their stress is the frames
 * table's (GPa, tension positive). Untagged frames are an error naming the frame.
 */
export function calculationsFromFrames(frames: ColumnTable | readonly FrameRow[], options: { method?: string } = {}): Calculation[] {
  const rows = rowsOf(frames);
  const miss = new Missing('computeProperties', rows.length);
  const out = rows.map((r) => {
    const kind = miss.tag(r, 'kind');
    if (kind && !KINDS.includes(kind)) throw new Error(`${where(r)}: kind "${kind}", expected one of ${KINDS.join(', ')}`);
    if (r.dk === null || !Number.isFinite(r.dk)) miss.add('dk', r);
    if (r.energy === null || !Number.isFinite(r.energy)) throw new Error(`${where(r)}: no energy`);
    if (r.volume === null) throw new Error(`${where(r)}: no cell, so no volume`);
    const c: Calculation = {
      metal: miss.tag(r, 'metal'), lattice: miss.tag(r, 'lattice'), method: miss.tag(r, 'method', options.method ?? 'DFT'), dk: r.dk as number,
      kind: kind as CalculationKind, natoms: r.natoms, volume: r.volume, energy: r.energy, id: r.id,
    };
    if (kind === 'elastic') {
      if (!r.stress) throw new Error(`${where(r)}: an elastic frame needs a stress`);
      if (r.tags?.strain === undefined || r.tags?.strain === null) miss.add('strain', r);
      else c.strain = voigt(r, 'strain');
      c.stress = voigtOf(r.stress);
    }
    return c;
  });
  miss.throwIfAny();
  return out;
}

/**
 * Single points for semTable from frames tagged metal, lattice, structure and a configuration
 * id (tag `config`, or `options.idTag`) at some Δk. Every missing tag is listed in one error.
 */
export function semFramesFromFrames(frames: ColumnTable | readonly FrameRow[], options: { idTag?: string } = {}): SemFrame[] {
  const idTag = options.idTag ?? 'config';
  const rows = rowsOf(frames);
  const miss = new Missing('semTable', rows.length);
  const out = rows.map((r) => {
    if (r.dk === null || !Number.isFinite(r.dk)) miss.add('dk', r);
    if (r.energy === null) throw new Error(`${where(r)}: no energy`);
    if (!r.forces) throw new Error(`${where(r)}: no forces`);
    return {
      id: miss.tag(r, idTag), dk: r.dk as number, species: r.symbols, positions: r.positions, energy: r.energy, forces: r.forces, virial: r.virial,
      metal: miss.tag(r, 'metal'), lattice: miss.tag(r, 'lattice'), structure: miss.tag(r, 'structure'),
    };
  });
  miss.throwIfAny();
  return out;
}
