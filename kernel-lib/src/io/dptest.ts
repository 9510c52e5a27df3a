/**
 * The parity files of DeePMD-kit's `dp test -d PREFIX`: PREFIX.e.out, .e_peratom.out, .f.out,
 * .v.out, .v_peratom.out (a "# system: data_… pred_…" header per tested system).
 */
import { existsSync } from 'node:fs';
import { from, type ColumnTable } from 'arquero';
import { withMeta } from '../core/meta.js';
import { ReadError, looksBinary, requireLineEnd, parseDecimal } from './errors.js';
import { readFileBytes } from './files.js';

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

interface Block {
  system: string;
  values: number[][];
}

function parseFile(path: string, ncomp: number): Block[] {
  const buf = readFileBytes(path, 'dp test output');
  if (buf.length === 0) throw new ReadError(path, { line: 1 }, 'empty file');
  if (looksBinary(buf)) throw new ReadError(path, { line: 1 }, 'binary data where dp test output was expected');
  const text = buf.toString('utf8');
  requireLineEnd(path, text, 'dp test output');
  const lines = text.split('\n');
  const blocks: Block[] = [];
  let cur: Block | null = null;
  lines.forEach((l, i) => {
    const t = l.trim();
    if (t === '') return;
    if (t.startsWith('#')) {
      const m = /^#\s*(.*?):\s*data_/.exec(t);
      cur = { system: m ? m[1] : '', values: [] };
      blocks.push(cur);
      return;
    }
    if (!cur) {
      cur = { system: '', values: [] };
      blocks.push(cur);
    }
    const w = t.split(/\s+/).map(parseDecimal);
    if (w.length !== 2 * ncomp) throw new ReadError(path, { line: i + 1 }, `${w.length} columns, expected ${2 * ncomp} (data and pred)${i >= lines.length - 2 ? ' (truncated file?)' : ''}`);
    const bad = w.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw new ReadError(path, { line: i + 1 }, `column ${bad + 1} is not a finite number`);
    cur.values.push(w);
  });
  if (blocks.length === 0 || blocks.every((b) => b.values.length === 0)) throw new ReadError(path, {}, 'no data rows');
  return blocks;
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
  const rows: ParityRow[] = [];
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
    const allZero = blocks.every((b) => b.values.every((w) => w.slice(0, nc).every((x) => x === 0)));
    if (spec.quantity === 'energy_per_atom') perAtomBlocks = blocks;
    if (allZero) unlabelled.push(spec.quantity);
    if (spec.quantity === 'energy') {
      frameCounts = blocks.map((b) => ({ system: b.system, n: b.values.length }));
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
        if (!fc || fc.n !== b.values.length || fc.system !== b.system) {
          throw new ReadError(path, { array: b.system || `block ${k}` }, `${b.values.length} frames, but ${prefix}.e.out has ${fc ? fc.n : 0} for this system: frame counts disagree`);
        }
      });
    } else if (frameCounts && spec.quantity === 'force') {
      natomsBySystem = new Map();
      blocks.forEach((b, k) => {
        const fc = frameCounts![k];
        if (!fc || fc.system !== b.system) throw new ReadError(path, { array: b.system || `block ${k}` }, `system does not match ${prefix}.e.out`);
        const nat = b.values.length / fc.n;
        if (!Number.isInteger(nat)) throw new ReadError(path, { array: b.system || `block ${k}` }, `${b.values.length} force rows are not a whole number of atoms for ${fc.n} frames`);
        // the atom count the energies imply (predicted energy / predicted energy per atom)
        const pa = perAtomBlocks?.[k]?.values[0]?.[1];
        const pe = energyBlocks?.[k]?.values[0]?.[1];
        if (pa !== undefined && pe !== undefined && pa !== 0) {
          const implied = Math.round(pe / pa);
          if (implied !== nat) throw new ReadError(path, { array: b.system || `block ${k}` }, `${b.values.length} force rows mean ${nat} atoms per frame, but ${prefix}.e.out / .e_peratom.out mean ${implied} (truncated or mixed-up dp test output)`);
        }
        natomsBySystem!.set(b.system, nat);
      });
    }
    for (const b of blocks) {
      const nat = spec.quantity === 'force' ? natomsBySystem?.get(b.system) ?? null : null;
      b.values.forEach((w, r) => {
        for (let c = 0; c < nc; c++) {
          rows.push({
            system: b.system,
            quantity: spec.quantity,
            frame: spec.quantity === 'force' ? (nat ? Math.floor(r / nat) : null) : r,
            atom: spec.quantity === 'force' ? (nat ? r % nat : r) : null,
            component: spec.comps[c],
            data: allZero ? null : w[c],
            pred: w[nc + c],
            unit: spec.unit,
          });
        }
      });
    }
  }
  return withMeta(from(rows), {
    kind: 'parity',
    units: { data: 'from column unit', pred: 'from column unit' },
    notes: { reader: 'readDpTest', prefix, files: present, unlabelled },
  });
}
