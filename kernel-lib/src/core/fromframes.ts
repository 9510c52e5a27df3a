/**
 * From a frames table (what the readers return: one row per configuration, tags from the
 * file) to the inputs of the analyses: tagged calculations for computeProperties and
 * matched single points for semTable. Pure: works on the table's rows.
 */
import type { ColumnTable } from 'arquero';
import type { Calculation, CalculationKind } from './properties.js';
import type { SemFrame } from './sem.js';

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

const KINDS = ['eos', 'elastic', 'vacancy', 'oh', 'td', 'bulk', 'atom'];

const rowsOf = (frames: ColumnTable | readonly FrameRow[]): FrameRow[] =>
  (Array.isArray(frames) ? [...frames] : ((frames as ColumnTable).objects() as unknown as FrameRow[]));

function where(r: FrameRow): string {
  return `frame "${r.id}"${r.source ? ` of ${r.source}` : ''}`;
}

function tag(r: FrameRow, name: string, fallback?: string): string {
  const v = r.tags?.[name] ?? fallback;
  if (v === undefined || v === null || v === '') throw new Error(`${where(r)}: no "${name}" tag`);
  return String(v);
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
  return rowsOf(frames).map((r) => {
    const kind = tag(r, 'kind');
    if (!KINDS.includes(kind)) throw new Error(`${where(r)}: kind "${kind}", expected one of ${KINDS.join(', ')}`);
    if (r.dk === null || !Number.isFinite(r.dk)) throw new Error(`${where(r)}: its Δk is not known`);
    if (r.energy === null || !Number.isFinite(r.energy)) throw new Error(`${where(r)}: no energy`);
    if (r.volume === null) throw new Error(`${where(r)}: no cell, so no volume`);
    const c: Calculation = {
      metal: tag(r, 'metal'), lattice: tag(r, 'lattice'), method: tag(r, 'method', options.method ?? 'DFT'), dk: r.dk,
      kind: kind as CalculationKind, natoms: r.natoms, volume: r.volume, energy: r.energy, id: r.id,
    };
    if (kind === 'elastic') {
      if (!r.stress) throw new Error(`${where(r)}: an elastic frame needs a stress`);
      c.strain = voigt(r, 'strain');
      c.stress = voigtOf(r.stress);
    }
    return c;
  });
}

/**
 * Single points for semTable from frames tagged metal, lattice, structure and a configuration
 * id (tag `config`, default the frame id) at some Δk.
 */
export function semFramesFromFrames(frames: ColumnTable | readonly FrameRow[], options: { idTag?: string } = {}): SemFrame[] {
  const idTag = options.idTag ?? 'config';
  return rowsOf(frames).map((r) => {
    if (r.dk === null || !Number.isFinite(r.dk)) throw new Error(`${where(r)}: its Δk is not known`);
    if (r.energy === null) throw new Error(`${where(r)}: no energy`);
    if (!r.forces) throw new Error(`${where(r)}: no forces`);
    return {
      id: tag(r, idTag, r.id), dk: r.dk, species: r.symbols, positions: r.positions, energy: r.energy, forces: r.forces, virial: r.virial,
      metal: tag(r, 'metal'), lattice: tag(r, 'lattice'), structure: tag(r, 'structure'),
    };
  });
}
