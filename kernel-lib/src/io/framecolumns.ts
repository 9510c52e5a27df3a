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
  LazyColumn, countSpecies, formulaOf, volumeOf, FRAMES_UNITS, FRAMES_CONVENTIONS, EV_PER_A3_IN_GPA,
  type FramesTableOptions,
} from './frames.js';

/** Numbers in a Float64Array that grows by doubling. */
class Numbers {
  data: Float64Array;
  length = 0;
  constructor(capacity = 64) {
    this.data = new Float64Array(capacity);
  }
  push(x: number): void {
    if (this.length === this.data.length) {
      const d = new Float64Array(this.data.length * 2);
      d.set(this.data);
      this.data = d;
    }
    this.data[this.length++] = x;
  }
  /** The numbers pushed (a view when the array is nearly full, else a trimmed copy). */
  done(): Float64Array {
    return this.length * 4 >= this.data.length * 3 ? this.data.subarray(0, this.length) : this.data.slice(0, this.length);
  }
}

/** Blocks of 64 Ki values (512 kB; larger for one frame that needs more), filled in order. */
class Blocks {
  readonly blocks: Float64Array[] = [];
  private used = 0;
  /** Room for `k` values in one block: its block index and offset in `at`. */
  reserve(k: number, at: { block: number; offset: number }): Float64Array {
    let last = this.blocks[this.blocks.length - 1];
    if (!last || this.used + k > last.length) {
      last = new Float64Array(Math.max(1 << 16, k));
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
  private readonly posBlock = new Numbers();
  private readonly posOffset = new Numbers();
  private readonly frcBlock = new Numbers(); // -1: no forces
  private readonly frcOffset = new Numbers();
  private readonly symbols: string[][] = [];
  private readonly cells = new Numbers(); // 9 per frame, NaN when there is no cell
  private readonly virials = new Numbers(); // 9 per frame, NaN when there is none
  private readonly pbc = new Numbers();
  private readonly energy = new Numbers();
  private readonly sigma0 = new Numbers();
  private readonly dk = new Numbers();
  private readonly nkpts = new Numbers();
  private readonly kmesh: (string | null)[] = [];
  private readonly tags: (Record<string, unknown> | null)[] = [];
  private readonly formulas = new Map<string[], { counts: Record<string, number>; formula: string }>();
  constructor(readonly source: string) {}

  /** Number of frames added. */
  get length(): number {
    return this.symbols.length;
  }

  /**
   * Room for the next frame's atoms: write positions (Å) at `pos[posOffset + 3a + k]` and, when
   * `withForces`, forces (eV/Å) at `frc[frcOffset + 3a + k]`; then call {@link add}. A frame
   * abandoned before add leaves no trace (the next call reuses the room).
   */
  atoms(natoms: number, withForces: boolean): { pos: Float64Array; posOffset: number; frc: Float64Array | null; frcOffset: number } {
    if (this.pendingAtoms >= 0) this.release();
    const pos = this.pos.reserve(3 * natoms, this.posAt);
    const frc = withForces ? this.frc.reserve(3 * natoms, this.frcAt) : null;
    this.pendingAtoms = natoms;
    this.pendingForces = withForces;
    return { pos, posOffset: this.posAt.offset, frc, frcOffset: withForces ? this.frcAt.offset : 0 };
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
    this.posBlock.push(this.posAt.block);
    this.posOffset.push(this.posAt.offset);
    this.frcBlock.push(this.pendingForces ? this.frcAt.block : -1);
    this.frcOffset.push(this.pendingForces ? this.frcAt.offset : 0);
    this.symbols.push(f.symbols);
    for (let k = 0; k < 9; k++) this.cells.push(f.cell ? f.cell[k] : NaN);
    for (let k = 0; k < 9; k++) this.virials.push(f.virial ? f.virial[k] : NaN);
    this.pbc.push((f.pbc[0] ? 1 : 0) | (f.pbc[1] ? 2 : 0) | (f.pbc[2] ? 4 : 0));
    this.energy.push(f.energy ?? NaN);
    this.sigma0.push(f.energySigma0 ?? NaN);
    this.dk.push(f.dk ?? NaN);
    this.nkpts.push(f.nkpts ?? NaN);
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
    const pbc = this.pbc.done();
    const energy = this.energy.done();
    const sigma0 = this.sigma0.done();
    const dk = this.dk.done();
    const nkpts = this.nkpts.done();
    const posB = this.posBlock.done();
    const posO = this.posOffset.done();
    const frcB = this.frcBlock.done();
    const frcO = this.frcOffset.done();
    const posBlocks = this.pos.blocks;
    const frcBlocks = this.frc.blocks;
    const kmesh = this.kmesh;
    const tags = this.tags;
    const volume = new Float64Array(n);
    for (let i = 0; i < n; i++) volume[i] = Number.isNaN(cells[9 * i]) ? NaN : volumeOf(cells.subarray(9 * i, 9 * i + 9));
    const orNull = (a: Float64Array): LazyColumn<number | null> => new LazyColumn(n, (i) => (Number.isNaN(a[i]) ? null : a[i]));
    const hasVirial = (i: number): boolean => !Number.isNaN(virials[9 * i]);
    const cols: Record<string, unknown> = {
      id: new LazyColumn(n, (i) => `${source}#${i}`),
      source: new LazyColumn(n, () => source),
      frame: new LazyColumn(n, (i) => i),
      formula: new LazyColumn(n, (i) => this.formulaOf(symbols[i]).formula),
      counts: new LazyColumn(n, (i) => this.formulaOf(symbols[i]).counts),
      natoms: new LazyColumn(n, (i) => symbols[i].length),
      volume: orNull(volume),
      energy: orNull(energy),
      energy_sigma0: orNull(sigma0),
      energy_per_atom: new LazyColumn(n, (i) => (Number.isNaN(energy[i]) ? null : energy[i] / symbols[i].length)),
      virial: new LazyColumn(n, (i) => (hasVirial(i) ? virials.subarray(9 * i, 9 * i + 9) : null)),
      stress: new LazyColumn(n, (i) => {
        if (!hasVirial(i) || !(volume[i] > 0)) return null;
        const k = -EV_PER_A3_IN_GPA / volume[i];
        return Float64Array.from(virials.subarray(9 * i, 9 * i + 9), (x) => x * k);
      }),
      dk: orNull(dk),
      kmesh: new LazyColumn(n, (i) => kmesh[i]),
      nkpts: orNull(nkpts),
      cell: new LazyColumn(n, (i) => (Number.isNaN(cells[9 * i]) ? null : cells.subarray(9 * i, 9 * i + 9))),
      pbc: new LazyColumn(n, (i) => PBC[pbc[i]]),
      symbols: new LazyColumn(n, (i) => symbols[i]),
      positions: new LazyColumn(n, (i) => posBlocks[posB[i]].subarray(posO[i], posO[i] + 3 * symbols[i].length)),
      forces: new LazyColumn(n, (i) => (frcB[i] < 0 ? null : frcBlocks[frcB[i]].subarray(frcO[i], frcO[i] + 3 * symbols[i].length))),
      tags: new LazyColumn(n, (i) => tags[i] ?? {}),
    };
    return withMeta(aqTable(cols as Parameters<typeof aqTable>[0]), {
      kind: options.kind ?? 'frames',
      units: { ...FRAMES_UNITS },
      notes: { conventions: FRAMES_CONVENTIONS, ...(options.notes ?? {}) },
    });
  }
}
