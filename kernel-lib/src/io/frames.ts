/**
 * The one frames-table layout every reader returns (METHOD §9): one row per configuration,
 * per-atom arrays as typed arrays, units in the table's metadata.
 */
import { table as aqTable, type ColumnTable } from 'arquero';
import { withMeta, tableMeta } from '../core/meta.js';

/** A per-atom array, flattened atom-major (x₀ y₀ z₀ x₁ …); float32 data stays float32. */
export type AtomArray = Float64Array | Float32Array;

/** One configuration as the readers produce it, before it becomes a table row. */
export interface Frame {
  /** Unique id: `${source}#${frame}` unless the format carries its own. */
  id: string;
  /** File or folder the configuration was read from. */
  source: string;
  /** 0-based index of the configuration within its source. */
  frame: number;
  /** Chemical symbol of every atom, in file order. */
  symbols: string[];
  /** Cell rows a₁ a₂ a₃ flattened (Å); null for a non-periodic configuration without a cell. */
  cell: Float64Array | null;
  /** Periodicity along a₁, a₂, a₃. */
  pbc: [boolean, boolean, boolean];
  /** Cartesian positions, Å, 3·natoms. */
  positions: AtomArray;
  /** Forces, eV/Å, 3·natoms; null when the file has none for this configuration. */
  forces: AtomArray | null;
  /** Free energy (VASP "free energy TOTEN"), eV; null when unlabelled. */
  energy: number | null;
  /** Energy extrapolated to σ → 0, eV; null when the file does not give it. */
  energySigma0: number | null;
  /** Virial W = −σ·V, 9 components row-major, eV; null when the file has none. */
  virial: Float64Array | null;
  /** Δk of the calculation, Å⁻¹, or null when not (yet) established. */
  dk: number | null;
  /** k-point mesh N₁×N₂×N₃ of the calculation, or null. */
  kmesh: [number, number, number] | null;
  /** Number of irreducible k-points, or null. */
  nkpts: number | null;
  /** Anything else the file says about this configuration (settings, flags, info keys). */
  tags: Record<string, unknown>;
}

/** Units of the frames-table columns (METHOD §9). */
export const FRAMES_UNITS: Record<string, string> = {
  volume: 'Å³',
  energy: 'eV',
  energy_sigma0: 'eV',
  energy_per_atom: 'eV/atom',
  virial: 'eV',
  stress: 'GPa',
  cell: 'Å',
  positions: 'Å',
  forces: 'eV/Å',
  dk: 'Å⁻¹',
};

/** Column order of every frames table. */
export const FRAMES_COLUMNS = [
  'id', 'source', 'frame', 'formula', 'counts', 'natoms', 'volume', 'energy', 'energy_sigma0',
  'energy_per_atom', 'virial', 'stress', 'dk', 'kmesh', 'nkpts', 'cell', 'pbc', 'symbols',
  'positions', 'forces', 'tags',
] as const;

/** Conventions recorded in every frames table's metadata. */
export const FRAMES_CONVENTIONS = {
  energy: 'free energy (VASP "free energy TOTEN"); energy_sigma0 is energy(sigma->0)',
  virial: 'W = -sigma * V (eV), DeePMD-kit convention; row-major 3x3 flattened',
  stress: 'sigma in GPa, tension positive (= -W / V); VASP "in kB" prints -sigma',
  positions: 'Cartesian, atom-major flattened typed arrays',
} as const;

/** eV/Å³ → GPa. */
export const EV_PER_A3_IN_GPA = 160.21766208;
/** kBar → eV/Å³ (1 kBar = 0.1 GPa). */
export const KBAR_IN_EV_PER_A3 = 0.1 / 160.21766208;

/** Absolute determinant of a flattened 3×3 cell (Å³). */
export function volumeOf(cell: ArrayLike<number>): number {
  const d =
    cell[0] * (cell[4] * cell[8] - cell[5] * cell[7]) -
    cell[1] * (cell[3] * cell[8] - cell[5] * cell[6]) +
    cell[2] * (cell[3] * cell[7] - cell[4] * cell[6]);
  return Math.abs(d);
}

/** Species counts in order of first appearance. */
export function countSpecies(symbols: readonly string[]): Record<string, number> {
  const c: Record<string, number> = {};
  for (const s of symbols) c[s] = (c[s] ?? 0) + 1;
  return c;
}

/** Formula in order of first appearance, e.g. "O64H128". */
export function formulaOf(counts: Record<string, number>): string {
  return Object.entries(counts).map(([s, n]) => `${s}${n}`).join('');
}

/** Options of {@link framesTable}. */
export interface FramesTableOptions {
  /** Table kind recorded in the metadata (default "frames"). */
  kind?: string;
  /** Extra notes (reader, settings, dropped steps, …) for the metadata. */
  notes?: Record<string, unknown>;
}

/**
 * Build the frames table (arquero) from frames: one row per configuration with the columns
 * of {@link FRAMES_COLUMNS}; units (Å, eV, eV/Å, GPa, Å⁻¹) and conventions in its metadata.
 */
export function framesTable(frames: readonly Frame[], options: FramesTableOptions = {}): ColumnTable {
  const n = frames.length;
  const cols: Record<string, unknown[]> = {};
  for (const c of FRAMES_COLUMNS) cols[c] = new Array(n);
  const formulaCache = new Map<string[], { counts: Record<string, number>; formula: string }>();
  for (let i = 0; i < n; i++) {
    const f = frames[i];
    const natoms = f.symbols.length;
    let fc = formulaCache.get(f.symbols);
    if (!fc) {
      const counts = countSpecies(f.symbols);
      fc = { counts, formula: formulaOf(counts) };
      formulaCache.set(f.symbols, fc);
    }
    const volume = f.cell ? volumeOf(f.cell) : null;
    let stress: Float64Array | null = null;
    if (f.virial && volume) {
      stress = new Float64Array(9);
      for (let k = 0; k < 9; k++) stress[k] = (-f.virial[k] / volume) * EV_PER_A3_IN_GPA;
    }
    cols.id[i] = f.id;
    cols.source[i] = f.source;
    cols.frame[i] = f.frame;
    cols.formula[i] = fc.formula;
    cols.counts[i] = fc.counts;
    cols.natoms[i] = natoms;
    cols.volume[i] = volume;
    cols.energy[i] = f.energy;
    cols.energy_sigma0[i] = f.energySigma0;
    cols.energy_per_atom[i] = f.energy === null ? null : f.energy / natoms;
    cols.virial[i] = f.virial;
    cols.stress[i] = stress;
    cols.dk[i] = f.dk;
    cols.kmesh[i] = f.kmesh ? f.kmesh.join('x') : null;
    cols.nkpts[i] = f.nkpts;
    cols.cell[i] = f.cell;
    cols.pbc[i] = f.pbc;
    cols.symbols[i] = f.symbols;
    cols.positions[i] = f.positions;
    cols.forces[i] = f.forces;
    cols.tags[i] = f.tags;
  }
  return withMeta(aqTable(cols), {
    kind: options.kind ?? 'frames',
    units: { ...FRAMES_UNITS },
    notes: { conventions: FRAMES_CONVENTIONS, ...(options.notes ?? {}) },
  });
}

/** Rows of several frames tables in one (metadata notes of each kept under `parts`). */
export function concatFrames(tables: readonly ColumnTable[]): ColumnTable {
  if (tables.length === 0) return framesTable([]);
  let t = tables[0];
  for (let i = 1; i < tables.length; i++) t = t.concat(tables[i]);
  if (tables.length === 1) return t;
  return withMeta(t, {
    kind: 'frames',
    units: { ...FRAMES_UNITS },
    notes: { conventions: FRAMES_CONVENTIONS, parts: tables.map((x) => tableMeta(x)?.notes ?? {}) },
  });
}

/** A column whose rows are computed on access (arquero's column interface: length, at, iterator). */
export class LazyColumn<T> {
  readonly length: number;
  private readonly fn: (row: number) => T;
  constructor(length: number, fn: (row: number) => T) {
    this.length = length;
    this.fn = fn;
  }
  at(row: number): T {
    return this.fn(row);
  }
  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0; i < this.length; i++) yield this.fn(i);
  }
}

/**
 * A per-frame column over contiguous blocks of `width` values (e.g. a DeePMD set's coord.npy):
 * row i is a subarray view made on access, so n frames cost no n objects until they are read.
 */
export function blockColumn<T extends AtomArray>(blocks: readonly T[], width: number): LazyColumn<T> {
  const starts: number[] = [];
  let n = 0;
  for (const b of blocks) {
    starts.push(n);
    n += b.length / width;
  }
  if (blocks.length === 1) {
    const b = blocks[0];
    return new LazyColumn(n, (i) => b.subarray(i * width, i * width + width) as T);
  }
  return new LazyColumn(n, (i) => {
    let k = starts.length - 1;
    while (starts[k] > i) k--;
    const j = i - starts[k];
    return blocks[k].subarray(j * width, j * width + width) as T;
  });
}
