/**
 * The parity files of DeePMD-kit's `dp test -d PREFIX`: PREFIX.e.out, .e_peratom.out, .f.out,
 * .v.out, .v_peratom.out (a "# system: data_… pred_…" header per tested system).
 */
import { existsSync } from 'node:fs';
import { table as aqTable, type ColumnTable } from 'arquero';
import { withMeta } from '../../core/meta.js';
import { ReadError, noLineEndError } from '../errors.js';
import { forEachLineBytes, decimalAt } from '../bytes.js';
import { fileSize } from '../files.js';

/** One data/prediction pair of a parity table. */
export interface ParityRow {
  /** Tested system (as named in the file header). */
  system: string;
  /** energy, energy_per_atom, force, virial or virial_per_atom. */
  quantity: string;
  /** Frame within the system (for forces: when the atom count is known from the energy file). */
  frame: number | null;
  /** Atom within the frame (forces only). */
  atom: number | null;
  /** Component: "" for energies, x/y/z for forces, xx…zz for virials. */
  component: string;
  /** Reference (DFT) value; null when the tested data had no such labels (all zeros). */
  data: number | null;
  /** Model prediction. */
  pred: number;
  unit: string;
}

const FILES: { suffix: string; quantity: string; comps: string[]; unit: string }[] = [
  { suffix: '.e.out', quantity: 'energy', comps: [''], unit: 'eV' },
  { suffix: '.e_peratom.out', quantity: 'energy_per_atom', comps: [''], unit: 'eV/atom' },
  { suffix: '.f.out', quantity: 'force', comps: ['x', 'y', 'z'], unit: 'eV/Å' },
  { suffix: '.v.out', quantity: 'virial', comps: ['xx', 'xy', 'xz', 'yx', 'yy', 'yz', 'zx', 'zy', 'zz'], unit: 'eV' },
  { suffix: '.v_peratom.out', quantity: 'virial_per_atom', comps: ['xx', 'xy', 'xz', 'yx', 'yy', 'yz', 'zx', 'zy', 'zz'], unit: 'eV/atom' },
];

/** One tested system's rows of a parity file: `rows` rows of data and pred columns, flattened. */
interface Block {
  system: string;
  /** Row r is values[r·2n, (r+1)·2n): n data columns then n pred columns. */
  values: Float64Array;
  rows: number;
}

/** A block being read: its values grow by doubling. */
class Growing {
  data = new Float64Array(256);
  rows = 0;
  constructor(readonly system: string, readonly width: number) {}
  /** Room for one more row: the offset of its first value. */
  next(): number {
    const at = this.rows * this.width;
    if (at + this.width > this.data.length) {
      const d = new Float64Array(Math.max(2 * this.data.length, at + this.width));
      d.set(this.data);
      this.data = d;
    }
    this.rows++;
    return at;
  }
  done(): Block {
    return { system: this.system, values: this.data.slice(0, this.rows * this.width), rows: this.rows };
  }
}

/** Read one parity file of `ncomp` components per row (streamed line by line; any size). */
function parseFile(path: string, ncomp: number): Block[] {
  const size = fileSize(path, 'dp test output');
  if (size === 0) throw new ReadError(path, { line: 1 }, 'empty file');
  const width = 2 * ncomp;
  const blocks: Growing[] = [];
  let cur: Growing | null = null;
  forEachLineBytes(path, (b, s, e, lineNo, _offset, ended) => {
    while (s < e && b[s] <= 32) s++;
    while (e > s && b[e - 1] <= 32) e--;
    if (s === e) return;
    if (!ended) throw noLineEndError(path, lineNo, 'dp test output');
    if (b[s] === 35 /* # */) {
      const m = /^#\s*(.*?):\s*data_/.exec(b.toString('utf8', s, e));
      cur = new Growing(m ? m[1] : '', width);
      blocks.push(cur);
      return;
    }
    if (!cur) {
      cur = new Growing('', width);
      blocks.push(cur);
    }
    const at = cur.next();
    let n = 0;
    let bad = -1;
    for (let i = s; i < e; ) {
      while (i < e && b[i] <= 32) i++;
      if (i >= e) break;
      const w = i;
      while (i < e && b[i] > 32) i++;
      const x = decimalAt(b, w, i);
      if (n < width) cur.data[at + n] = x;
      if (bad < 0 && !Number.isFinite(x)) bad = n;
      n++;
    }
    if (n !== width) throw new ReadError(path, { line: lineNo }, `${n} columns, expected ${width} (data and pred)`);
    if (bad >= 0) throw new ReadError(path, { line: lineNo }, `column ${bad + 1} is not a finite number`);
  }, { what: 'dp test output' });
  if (blocks.length === 0 || blocks.every((x) => x.rows === 0)) throw new ReadError(path, {}, 'no data rows');
  return blocks.map((x) => x.done());
}

/**
 * Read the files of `dp test -d PREFIX` into one long parity table: system, quantity, frame,
 * atom, component, data, pred, unit (eV, eV/atom, eV/Å). PREFIX.e.out is required; the others
 * are read when present. Files whose data columns are all exactly 0 come from unlabelled test
 * data: their `data` is null and the metadata says so.
 */
export function readDpTest(prefix: string): ColumnTable {
  const ePath = prefix + '.e.out';
  if (!existsSync(ePath)) throw new ReadError(ePath, {}, 'no such file: readDpTest takes the PREFIX given to `dp test -d PREFIX`');
  // the table's columns (one entry per data/pred pair, in the order of ParityRow)
  const cols = { system: [] as string[], quantity: [] as string[], frame: [] as (number | null)[], atom: [] as (number | null)[], component: [] as string[], data: [] as (number | null)[], pred: [] as number[], unit: [] as string[] };
  const unlabelled: string[] = [];
  const present: string[] = [];
  let frameCounts: { system: string; n: number }[] | null = null;
  let natomsBySystem: Map<string, number> | null = null;
  let energyBlocks: Block[] | null = null;
  let perAtomBlocks: Block[] | null = null;
  for (const spec of FILES) {
    const path = prefix + spec.suffix;
    if (!existsSync(path)) continue;
    present.push(spec.suffix);
    const nc = spec.comps.length;
    const blocks = parseFile(path, nc);
    const allZero = blocks.every((b) => {
      for (let r = 0; r < b.rows; r++) for (let c = 0; c < nc; c++) if (b.values[2 * nc * r + c] !== 0) return false;
      return true;
    });
    if (spec.quantity === 'energy_per_atom') perAtomBlocks = blocks;
    if (allZero) unlabelled.push(spec.quantity);
    if (spec.quantity === 'energy') {
      frameCounts = blocks.map((b) => ({ system: b.system, n: b.rows }));
      energyBlocks = blocks;
    } else if (frameCounts && blocks.length !== frameCounts.length) {
      // every file of one dp test run has a block for each system of the .e.out
      const have = new Set(blocks.map((b) => b.system));
      const missing = frameCounts.filter((f) => !have.has(f.system)).map((f) => f.system || '(unnamed)');
      throw new ReadError(path, {}, `${blocks.length} system block(s), but ${prefix}.e.out has ${frameCounts.length}` + (missing.length ? `: missing ${missing.join(', ')}` : '') + ' (a partial or mixed-up dp test output)');
    }
    if (spec.quantity === 'energy') {
      // nothing more
    } else if (frameCounts && spec.quantity !== 'force') {
      blocks.forEach((b, k) => {
        const fc = frameCounts![k];
        if (!fc || fc.n !== b.rows || fc.system !== b.system) {
          throw new ReadError(path, { array: b.system || `block ${k}` }, `${b.rows} frames, but ${prefix}.e.out has ${fc ? fc.n : 0} for this system: frame counts disagree`);
        }
      });
    } else if (frameCounts && spec.quantity === 'force') {
      natomsBySystem = new Map();
      blocks.forEach((b, k) => {
        const fc = frameCounts![k];
        if (!fc || fc.system !== b.system) throw new ReadError(path, { array: b.system || `block ${k}` }, `system does not match ${prefix}.e.out`);
        const nat = b.rows / fc.n;
        if (!Number.isInteger(nat)) throw new ReadError(path, { array: b.system || `block ${k}` }, `${b.rows} force rows are not a whole number of atoms for ${fc.n} frames`);
        // the atom count the energies imply (predicted energy / predicted energy per atom)
        const pa = perAtomBlocks?.[k]?.rows ? perAtomBlocks[k].values[1] : undefined;
        const pe = energyBlocks?.[k]?.rows ? energyBlocks[k].values[1] : undefined;
        if (pa !== undefined && pe !== undefined && pa !== 0) {
          const implied = Math.round(pe / pa);
          if (implied !== nat) throw new ReadError(path, { array: b.system || `block ${k}` }, `${b.rows} force rows mean ${nat} atoms per frame, but ${prefix}.e.out / .e_peratom.out mean ${implied} (truncated or mixed-up dp test output)`);
        }
        natomsBySystem!.set(b.system, nat);
      });
    }
    for (const b of blocks) {
      const nat = spec.quantity === 'force' ? natomsBySystem?.get(b.system) ?? null : null;
      const w = b.values;
      for (let r = 0; r < b.rows; r++) {
        for (let c = 0; c < nc; c++) {
          cols.system.push(b.system);
          cols.quantity.push(spec.quantity);
          cols.frame.push(spec.quantity === 'force' ? (nat ? Math.floor(r / nat) : null) : r);
          cols.atom.push(spec.quantity === 'force' ? (nat ? r % nat : r) : null);
          cols.component.push(spec.comps[c]);
          cols.data.push(allZero ? null : w[2 * nc * r + c]);
          cols.pred.push(w[2 * nc * r + nc + c]);
          cols.unit.push(spec.unit);
        }
      }
    }
  }
  return withMeta(aqTable(cols), {
    kind: 'parity',
    units: { data: 'from column unit', pred: 'from column unit' },
    notes: { reader: 'readDpTest', prefix, files: present, unlabelled },
  });
}
