/**
 * The one frames-table layout every reader returns (docs/method.md §9): one row per configuration,
 * per-atom arrays as typed arrays, units in the table's metadata.
 */
import { table as aqTable, type ColumnTable } from 'arquero';
import { withMeta, tableMeta } from '../core/meta.js';
import { EV_PER_A3_IN_GPA } from '../core/units.js';

/** The unit constants of docs/method.md §3, defined once in core/units.ts. */
export { EV_PER_A3_IN_GPA, KBAR_IN_EV_PER_A3 } from '../core/units.js';

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

/** Units of the frames-table columns (docs/method.md §9). */
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


/** Absolute determinant of a flattened 3×3 cell (Å³). */
export function volumeOf(cell: ArrayLike<number>): number {
  return volumeAt(cell, 0);
}

/** Absolute determinant (Å³) of the flattened 3×3 cell a[o, o + 9). */
export function volumeAt(a: ArrayLike<number>, o: number): number {
  const d =
    a[o] * (a[o + 4] * a[o + 8] - a[o + 5] * a[o + 7]) -
    a[o + 1] * (a[o + 3] * a[o + 8] - a[o + 5] * a[o + 6]) +
    a[o + 2] * (a[o + 3] * a[o + 7] - a[o + 4] * a[o + 6]);
  return Math.abs(d);
}

/**
 * What is wrong with a cell a configuration is read with, or null when its triple product
 * a₁·(a₂×a₃) is a positive finite volume (Å³). A zero volume (coplanar or zero vectors) would
 * make the stress NaN or ±Infinity; a negative one is a left-handed cell, which VASP refuses
 * ("exchange two basis vectors") and no DFT code of this field writes.
 */
export function cellVolumeProblem(cell: ArrayLike<number>): string | null {
  const d =
    cell[0] * (cell[4] * cell[8] - cell[5] * cell[7]) -
    cell[1] * (cell[3] * cell[8] - cell[5] * cell[6]) +
    cell[2] * (cell[3] * cell[7] - cell[4] * cell[6]);
  // a volume far from zero next to an upper bound of the lengths' product (|x| + |y| + |z| ≥ |(x, y, z)|) is fine as it is
  const bound =
    (Math.abs(cell[0]) + Math.abs(cell[1]) + Math.abs(cell[2])) *
    (Math.abs(cell[3]) + Math.abs(cell[4]) + Math.abs(cell[5])) *
    (Math.abs(cell[6]) + Math.abs(cell[7]) + Math.abs(cell[8]));
  if (d < Infinity && bound < 1e300 && d > 2e-9 * bound) return null;
  const len = (k: number): number => Math.hypot(cell[k], cell[k + 1], cell[k + 2]);
  const scale = len(0) * len(3) * len(6);
  if (!Number.isFinite(d) || !Number.isFinite(scale)) return `the cell has a non-finite component (triple product ${d} Å³)`;
  if (Math.abs(d) <= 1e-9 * scale) return `the cell has zero volume (its vectors are zero or coplanar; triple product ${d} Å³)`;
  if (d < 0) return `the cell vectors are left-handed (triple product ${d} Å³), which VASP refuses: a corrupted cell, or two vectors to exchange`;
  return null;
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
    const k = blockOf(starts, i);
    const j = i - starts[k];
    return blocks[k].subarray(j * width, j * width + width) as T;
  });
}

/** Index of the last block whose first row is at or before row i (binary search over `starts`). */
function blockOf(starts: readonly number[], i: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= i) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Columns of a frames table given as compact arrays and per-row accessors (see {@link lazyFramesTable}). */
export interface LazyFrames {
  /** Number of frames. */
  n: number;
  /** File or folder read. */
  source: string;
  /** Species of every atom (the same atoms in every frame). */
  symbols: string[];
  pbc: [boolean, boolean, boolean];
  cell: LazyColumn<Float64Array>;
  positions: LazyColumn<AtomArray>;
  forces: LazyColumn<AtomArray | null> | null;
  virial: LazyColumn<Float64Array | null> | null;
  /** Free energies, eV (NaN = none). */
  energy: Float64Array | null;
  /** Energies σ→0, eV (NaN = none). */
  energySigma0: Float64Array | null;
  /** Cell volumes, Å³. */
  volume: Float64Array;
  /** Δk per frame (NaN = not established), or one value for all. */
  dk: Float64Array | number | null;
  kmesh: [number, number, number] | null;
  nkpts: number | null;
  tags: LazyColumn<Record<string, unknown>>;
}

/**
 * The frames table (same columns, units and metadata as {@link framesTable}) over compact storage:
 * per-frame arrays are views made when a row is read, so memory stays near the arrays kept.
 */
export function lazyFramesTable(f: LazyFrames, options: FramesTableOptions = {}): ColumnTable {
  const n = f.n;
  const same = <T>(v: T): LazyColumn<T> => new LazyColumn(n, () => v);
  const natoms = f.symbols.length;
  const counts = countSpecies(f.symbols);
  const orNull = (a: Float64Array | null): LazyColumn<number | null> => new LazyColumn(n, (i) => (a && !Number.isNaN(a[i]) ? a[i] : null));
  const virial = f.virial;
  const cols: Record<string, unknown> = {
    id: new LazyColumn(n, (i) => `${f.source}#${i}`),
    source: same(f.source),
    frame: new LazyColumn(n, (i) => i),
    formula: same(formulaOf(counts)),
    counts: same(counts),
    natoms: same(natoms),
    volume: f.volume,
    energy: orNull(f.energy),
    energy_sigma0: orNull(f.energySigma0),
    energy_per_atom: new LazyColumn(n, (i) => (f.energy && !Number.isNaN(f.energy[i]) ? f.energy[i] / natoms : null)),
    virial: virial ?? same(null),
    stress: virial
      ? new LazyColumn(n, (i) => {
          const w = virial.at(i);
          if (!w) return null;
          const k = -EV_PER_A3_IN_GPA / f.volume[i];
          return Float64Array.from(w, (x) => x * k);
        })
      : same(null),
    dk: typeof f.dk === 'number' || f.dk === null ? same(f.dk) : orNull(f.dk),
    kmesh: same(f.kmesh ? f.kmesh.join('x') : null),
    nkpts: same(f.nkpts),
    cell: f.cell,
    pbc: same(f.pbc),
    symbols: same(f.symbols),
    positions: f.positions,
    forces: f.forces ?? same(null),
    tags: f.tags,
  };
  return withMeta(aqTable(cols as Parameters<typeof aqTable>[0]), {
    kind: options.kind ?? 'frames',
    units: { ...FRAMES_UNITS },
    notes: { conventions: FRAMES_CONVENTIONS, ...(options.notes ?? {}) },
  });
}

/** A list of numbers in a Float64Array that grows by doubling. */
export class NumberList {
  /** The numbers, [0, length) of it in use. */
  data: Float64Array;
  /** Count of numbers pushed. */
  length = 0;
  /** `capacity`: room at the start, in numbers. */
  constructor(capacity = 64) {
    this.data = new Float64Array(Math.max(1, capacity));
  }
  /** Append x. */
  push(x: number): void {
    if (this.length === this.data.length) this.grow(1);
    this.data[this.length++] = x;
  }
  /** Room for k more numbers: returns the index in {@link data} to write them at (the length grows by k). */
  reserve(k: number): number {
    if (this.length + k > this.data.length) this.grow(k);
    const at = this.length;
    this.length += k;
    return at;
  }
  private grow(k: number): void {
    let cap = this.data.length * 2;
    while (cap < this.length + k) cap *= 2;
    const d = new Float64Array(cap);
    d.set(this.data.subarray(0, this.length));
    this.data = d;
  }
  /** The numbers pushed (a view when the array is nearly full, else a trimmed copy). */
  done(): Float64Array {
    return this.length * 4 >= this.data.length * 3 ? this.data.subarray(0, this.length) : this.data.slice(0, this.length);
  }
}

/**
 * Fixed-width rows appended into blocks that double up to 64 Ki values (512 kB), then stay at
 * that size. The last block is trimmed by a view, not a copy: what is unused of it (< 512 kB) is
 * never written, and a file of many frames never holds two copies of its arrays.
 */
class BlockStore {
  private blocks: Float64Array[] = [];
  private starts: number[] = [];
  private used = 0; // rows in the last block
  private cap = 0; // rows the last block holds
  count = 0;
  constructor(readonly width: number) {}
  push(row: ArrayLike<number>): void {
    if (this.used === this.cap) {
      const maxRows = Math.max(1, Math.floor((1 << 16) / this.width));
      this.cap = Math.min(maxRows, Math.max(4, this.cap * 2));
      this.blocks.push(new Float64Array(this.cap * this.width));
      this.starts.push(this.count);
      this.used = 0;
    }
    this.blocks[this.blocks.length - 1].set(row, this.used * this.width);
    this.used++;
    this.count++;
  }
  /** Row i (a view). */
  rowAt(i: number): Float64Array {
    const k = blockOf(this.starts, i);
    const j = i - this.starts[k];
    return this.blocks[k].subarray(j * this.width, j * this.width + this.width);
  }
  column(): LazyColumn<Float64Array> {
    const blocks = this.blocks.slice();
    if (blocks.length > 0 && this.used < this.cap) {
      const last = blocks.length - 1;
      blocks[last] = blocks[last].subarray(0, this.used * this.width);
    }
    return blockColumn(blocks, this.width);
  }
}

/** One configuration added to a {@link FrameStore}. */
export interface StoredFrame {
  cell: ArrayLike<number>;
  positions: ArrayLike<number>;
  forces: ArrayLike<number> | null;
  virial: ArrayLike<number> | null;
  energy: number | null;
  energySigma0: number | null;
  /** Ionic step (1-based), tag `step`; shared settings go to {@link FrameStore.build}. */
  step: number;
  /** SCF iterations of the step, tag `scf_iterations`. */
  scfIterations: number;
  /** SCF converged (iterations < NELM), null when NELM is unknown; tag `scf_converged`. */
  scfConverged: boolean | null;
}

/**
 * Collects the configurations of one file (same atoms in every frame) into compact blocks,
 * then builds the frames table with {@link lazyFramesTable}.
 */
export class FrameStore {
  private cells = new BlockStore(9);
  private pos: BlockStore;
  private frc: BlockStore;
  private vir = new BlockStore(9);
  private hasForces: number[] = [];
  private hasVirial: number[] = [];
  private energy = new NumberList();
  private sigma0 = new NumberList();
  private volume = new NumberList();
  private step = new NumberList();
  private scfIterations = new NumberList();
  private scfConverged = new NumberList(); // 1, 0, or NaN when NELM is unknown
  private readonly zero9 = new Float64Array(9);
  private readonly zeroAtoms: Float64Array;
  constructor(readonly symbols: string[]) {
    this.pos = new BlockStore(3 * symbols.length);
    this.frc = new BlockStore(3 * symbols.length);
    this.zeroAtoms = new Float64Array(3 * symbols.length);
  }
  /** Number of frames stored. */
  get length(): number {
    return this.cells.count;
  }
  /** Append one configuration (arrays are copied). */
  add(f: StoredFrame): void {
    this.cells.push(f.cell);
    this.pos.push(f.positions);
    this.frc.push(f.forces ?? this.zeroAtoms);
    this.vir.push(f.virial ?? this.zero9);
    this.hasForces.push(f.forces ? 1 : 0);
    this.hasVirial.push(f.virial ? 1 : 0);
    this.energy.push(f.energy ?? NaN);
    this.sigma0.push(f.energySigma0 ?? NaN);
    this.volume.push(volumeOf(f.cell));
    this.step.push(f.step);
    this.scfIterations.push(f.scfIterations);
    this.scfConverged.push(f.scfConverged === null ? NaN : f.scfConverged ? 1 : 0);
  }
  /** Cell (Å, flattened rows) of frame i. */
  cellAt(i: number): Float64Array {
    return this.cells.rowAt(i);
  }
  /** Set energy σ→0 (eV) of the last frame added. */
  setLastSigma0(e0: number): void {
    this.sigma0.data[this.sigma0.length - 1] = e0;
  }
  /** The frames table; `shared` tags are added to every row's tags. */
  build(source: string, meta: { dk: Float64Array | number | null; kmesh: [number, number, number] | null; nkpts: number | null; shared: Record<string, unknown> }, options: FramesTableOptions = {}): ColumnTable {
    const n = this.length;
    const hf = Uint8Array.from(this.hasForces);
    const hv = Uint8Array.from(this.hasVirial);
    const frc = this.frc.column();
    const vir = this.vir.column();
    const step = this.step.done();
    const iters = this.scfIterations.done();
    const conv = this.scfConverged.done();
    return lazyFramesTable(
      {
        n,
        source,
        symbols: this.symbols,
        pbc: [true, true, true],
        cell: this.cells.column(),
        positions: this.pos.column(),
        forces: new LazyColumn(n, (i) => (hf[i] ? frc.at(i) : null)),
        virial: new LazyColumn(n, (i) => (hv[i] ? vir.at(i) : null)),
        energy: this.energy.done(),
        energySigma0: this.sigma0.done(),
        volume: this.volume.done(),
        dk: meta.dk,
        kmesh: meta.kmesh,
        nkpts: meta.nkpts,
        tags: new LazyColumn(n, (i) => ({
          step: step[i],
          scf_iterations: iters[i],
          scf_converged: Number.isNaN(conv[i]) ? null : conv[i] === 1,
          ...meta.shared,
        })),
      },
      options,
    );
  }
}
