/**
 * Frames of any atoms (the count and species may change from frame to frame, as in an extended
 * XYZ file) collected into compact columns: positions and forces in shared blocks, per-frame
 * numbers in typed arrays, so a file of many frames costs little more than its arrays. The
 * frames table (same columns, units and metadata as {@link framesTable}) makes a row's arrays
 * as views when the row is read.
 */
import { table as aqTable, type ColumnTable } from 'arquero';
import { withMeta } from '../core/meta.js';
import {
  LazyColumn, NumberList, countSpecies, formulaOf, volumeAt, FRAMES_UNITS, FRAMES_CONVENTIONS, EV_PER_A3_IN_GPA,
  type FramesTableOptions,
} from './frames.js';

/**
 * Blocks filled in order: the first of 4 Ki values, each next one twice the last up to 64 Ki
 * (512 kB; larger for one frame that needs more). The first few are made within the first frames
 * of a file, so that the code that makes one is run (and compiled) with the rest.
 */
class Blocks {
  readonly blocks: Float64Array[] = [];
  private used = 0;
  /** Room for `k` values in one block: its block index and offset in `at`. */
  reserve(k: number, at: { block: number; offset: number }): Float64Array {
    let last = this.blocks[this.blocks.length - 1];
    if (!last || this.used + k > last.length) {
      last = new Float64Array(Math.max(last ? Math.min(1 << 16, 2 * last.length) : 1 << 12, k));
      this.blocks.push(last);
      this.used = 0;
    }
    at.block = this.blocks.length - 1;
    at.offset = this.used;
    this.used += k;
    return last;
  }
  /** Give back the last `k` values reserved. */
  giveBack(k: number): void {
    this.used -= k;
  }
}

/** One configuration added to {@link FrameColumns} (positions and forces are written in place, see {@link FrameColumns.atoms}). */
export interface FrameFields {
  /** Species of every atom: pass the same array for frames of the same atoms (it is kept, not copied). */
  symbols: string[];
  cell: Float64Array | null;
  pbc: [boolean, boolean, boolean];
  energy: number | null;
  energySigma0: number | null;
  /** Virial W = −σV, 9 components, eV (copied). */
  virial: ArrayLike<number> | null;
  dk: number | null;
  kmesh: [number, number, number] | null;
  nkpts: number | null;
  /** Anything else the file says; an empty object is not kept. */
  tags: Record<string, unknown>;
}

/** Where a frame's atoms go (see {@link FrameColumns.atoms}). */
export interface AtomRoom {
  /** Positions, Å: atom a, component k at pos[posOffset + 3a + k]. */
  pos: Float64Array;
  posOffset: number;
  /** Forces, eV/Å, at frc[frcOffset + 3a + k]; null for a frame without forces. */
  frc: Float64Array | null;
  frcOffset: number;
}

/** Where each number of a frame is in {@link FrameColumns}'s scalars, and how many there are. */
const S_POS_BLOCK = 0;
const S_POS_OFFSET = 1;
const S_FRC_BLOCK = 2; // -1: no forces
const S_FRC_OFFSET = 3;
const S_PBC = 4; // bit k: periodic along a_k
const S_ENERGY = 5;
const S_SIGMA0 = 6;
const S_DK = 7;
const S_NKPTS = 8;
const SCALARS = 9;

const PBC: [boolean, boolean, boolean][] = Array.from({ length: 8 }, (_, k) => [(k & 1) > 0, (k & 2) > 0, (k & 4) > 0]);

/**
 * Collects the frames of one file. For each frame: {@link atoms} gives the arrays to write its
 * positions and forces into, then {@link add} records the rest.
 */
export class FrameColumns {
  private readonly pos = new Blocks();
  private readonly frc = new Blocks();
  private readonly posAt = { block: 0, offset: 0 };
  private readonly frcAt = { block: 0, offset: 0 };
  private pendingForces = false;
  private pendingAtoms = -1;
  /** The numbers of each frame, SCALARS per frame at the offsets S_…; NaN for none. */
  private readonly scalars = new NumberList(1024);
  private readonly symbols: string[][] = [];
  private readonly cells = new NumberList(1024); // 9 per frame, NaN when there is no cell
  private readonly virials = new NumberList(1024); // 9 per frame, NaN when there is none
  private readonly kmesh: (string | null)[] = [];
  private readonly tags: (Record<string, unknown> | null)[] = [];
  private readonly room: AtomRoom = { pos: new Float64Array(0), posOffset: 0, frc: null, frcOffset: 0 };
  private readonly formulas = new Map<string[], { counts: Record<string, number>; formula: string }>();
  constructor(readonly source: string) {}

  /** Number of frames added. */
  get length(): number {
    return this.symbols.length;
  }

  /**
   * Room for the next frame's atoms: write positions (Å) at `pos[posOffset + 3a + k]` and, when
   * `withForces`, forces (eV/Å) at `frc[frcOffset + 3a + k]`; then call {@link add}. A frame
   * abandoned before add leaves no trace (the next call reuses the room). The object returned is
   * the same at every call: it holds the room of the last call.
   */
  atoms(natoms: number, withForces: boolean): AtomRoom {
    if (this.pendingAtoms >= 0) this.release();
    const room = this.room;
    room.pos = this.pos.reserve(3 * natoms, this.posAt);
    room.posOffset = this.posAt.offset;
    room.frc = withForces ? this.frc.reserve(3 * natoms, this.frcAt) : null;
    room.frcOffset = withForces ? this.frcAt.offset : 0;
    this.pendingAtoms = natoms;
    this.pendingForces = withForces;
    return room;
  }

  /** Give back the room of an abandoned frame. */
  private release(): void {
    const k = 3 * this.pendingAtoms;
    this.pos.giveBack(k);
    if (this.pendingForces) this.frc.giveBack(k);
    this.pendingAtoms = -1;
  }

  /** Record the frame whose atoms were written after the last {@link atoms} call. */
  add(f: FrameFields): void {
    if (this.pendingAtoms !== f.symbols.length) throw new Error(`FrameColumns.add: ${f.symbols.length} symbols for room of ${this.pendingAtoms} atoms`);
    this.pendingAtoms = -1;
    const q = this.scalars.reserve(SCALARS);
    const sd = this.scalars.data;
    sd[q + S_POS_BLOCK] = this.posAt.block;
    sd[q + S_POS_OFFSET] = this.posAt.offset;
    sd[q + S_FRC_BLOCK] = this.pendingForces ? this.frcAt.block : -1;
    sd[q + S_FRC_OFFSET] = this.pendingForces ? this.frcAt.offset : 0;
    sd[q + S_PBC] = (f.pbc[0] ? 1 : 0) | (f.pbc[1] ? 2 : 0) | (f.pbc[2] ? 4 : 0);
    sd[q + S_ENERGY] = f.energy ?? NaN;
    sd[q + S_SIGMA0] = f.energySigma0 ?? NaN;
    sd[q + S_DK] = f.dk ?? NaN;
    sd[q + S_NKPTS] = f.nkpts ?? NaN;
    this.symbols.push(f.symbols);
    const cell = f.cell;
    const c = this.cells.reserve(9);
    const cd = this.cells.data;
    for (let k = 0; k < 9; k++) cd[c + k] = cell ? cell[k] : NaN;
    const virial = f.virial;
    const w = this.virials.reserve(9);
    const wd = this.virials.data;
    for (let k = 0; k < 9; k++) wd[w + k] = virial ? virial[k] : NaN;
    this.kmesh.push(f.kmesh ? f.kmesh.join('x') : null);
    let empty = true;
    for (const _ in f.tags) {
      empty = false;
      break;
    }
    this.tags.push(empty ? null : f.tags);
  }

  private formulaOf(symbols: string[]): { counts: Record<string, number>; formula: string } {
    let fc = this.formulas.get(symbols);
    if (!fc) {
      const counts = countSpecies(symbols);
      fc = { counts, formula: formulaOf(counts) };
      this.formulas.set(symbols, fc);
    }
    return fc;
  }

  /** The frames table of the frames added (units Å, eV, eV/Å, virial eV, stress GPa, Δk Å⁻¹). */
  build(options: FramesTableOptions = {}): ColumnTable {
    const n = this.length;
    const source = this.source;
    const symbols = this.symbols;
    const cells = this.cells.done();
    const virials = this.virials.done();
    // the per-frame numbers are read where add put them, SCALARS apart (no copy per column)
    const sc = this.scalars.done();
    const posBlocks = this.pos.blocks;
    const frcBlocks = this.frc.blocks;
    const kmesh = this.kmesh;
    const tags = this.tags;
    /** Scalar `at` of frame i, or null for NaN. */
    const orNull = (at: number): LazyColumn<number | null> => new LazyColumn(n, (i) => {
      const x = sc[SCALARS * i + at];
      return Number.isNaN(x) ? null : x;
    });
    /** Cell volume of frame i (Å³), NaN without a cell. */
    const volumeOfFrame = (i: number): number => (Number.isNaN(cells[9 * i]) ? NaN : volumeAt(cells, 9 * i));
    const hasVirial = (i: number): boolean => !Number.isNaN(virials[9 * i]);
    const cols: Record<string, unknown> = {
      id: new LazyColumn(n, (i) => `${source}#${i}`),
      source: new LazyColumn(n, () => source),
      frame: new LazyColumn(n, (i) => i),
      formula: new LazyColumn(n, (i) => this.formulaOf(symbols[i]).formula),
      counts: new LazyColumn(n, (i) => this.formulaOf(symbols[i]).counts),
      natoms: new LazyColumn(n, (i) => symbols[i].length),
      volume: new LazyColumn(n, (i) => {
        const v = volumeOfFrame(i);
        return Number.isNaN(v) ? null : v;
      }),
      energy: orNull(S_ENERGY),
      energy_sigma0: orNull(S_SIGMA0),
      energy_per_atom: new LazyColumn(n, (i) => {
        const e = sc[SCALARS * i + S_ENERGY];
        return Number.isNaN(e) ? null : e / symbols[i].length;
      }),
      virial: new LazyColumn(n, (i) => (hasVirial(i) ? virials.subarray(9 * i, 9 * i + 9) : null)),
      stress: new LazyColumn(n, (i) => {
        const v = volumeOfFrame(i);
        if (!hasVirial(i) || !(v > 0)) return null;
        const k = -EV_PER_A3_IN_GPA / v;
        return Float64Array.from(virials.subarray(9 * i, 9 * i + 9), (x) => x * k);
      }),
      dk: orNull(S_DK),
      kmesh: new LazyColumn(n, (i) => kmesh[i]),
      nkpts: orNull(S_NKPTS),
      cell: new LazyColumn(n, (i) => (Number.isNaN(cells[9 * i]) ? null : cells.subarray(9 * i, 9 * i + 9))),
      pbc: new LazyColumn(n, (i) => PBC[sc[SCALARS * i + S_PBC]]),
      symbols: new LazyColumn(n, (i) => symbols[i]),
      positions: new LazyColumn(n, (i) => {
        const o = sc[SCALARS * i + S_POS_OFFSET];
        return posBlocks[sc[SCALARS * i + S_POS_BLOCK]].subarray(o, o + 3 * symbols[i].length);
      }),
      forces: new LazyColumn(n, (i) => {
        const b = sc[SCALARS * i + S_FRC_BLOCK];
        const o = sc[SCALARS * i + S_FRC_OFFSET];
        return b < 0 ? null : frcBlocks[b].subarray(o, o + 3 * symbols[i].length);
      }),
      tags: new LazyColumn(n, (i) => tags[i] ?? {}),
    };
    return withMeta(aqTable(cols as Parameters<typeof aqTable>[0]), {
      kind: options.kind ?? 'frames',
      units: { ...FRAMES_UNITS },
      notes: { conventions: FRAMES_CONVENTIONS, ...(options.notes ?? {}) },
    });
  }
}
