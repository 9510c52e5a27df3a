/**
 * Every number the readers give, compared with dpdata's and ASE's readings of the same files
 * (test/io/crosscheck.py in the project's .venv): energies to 1e-8 eV, forces and virials to
 * 1e-6, cells and positions to 1e-6 Å.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ColumnTable } from 'arquero';
import { readOutcar, readVasprun, readDeepmd, readExtxyz } from '../src/io/index.js';
import { REPO_ROOT, FIXTURES, NO_FIXTURES, assertClose } from './io-helpers.js';

interface RefFrame {
  energy: number | null;
  energy_sigma0?: number | null;
  forces: number[] | null;
  virial: number[] | null;
  cell: number[];
  positions: number[];
  symbols: string[];
}
interface RefEntry {
  file: string;
  tool: 'dpdata' | 'ase';
  fmt: string;
  frames?: RefFrame[];
  error?: string;
}

const PY = join(REPO_ROOT, '.venv', 'bin', 'python');
/** The project's own GPAW single points (written by ASE in data/pipeline), every one of them. */
function extxyzUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? extxyzUnder(join(dir, e.name)) : e.name.endsWith('.extxyz') ? [join(dir, e.name)] : [],
  );
}
const gpawFiles = [...extxyzUnder(join(REPO_ROOT, 'data', 'al-fcc', 'raw')), ...extxyzUnder(join(REPO_ROOT, 'data', 'al', 'dft'))];

function ours(e: RefEntry): ColumnTable {
  switch (e.fmt) {
    case 'vasp/outcar':
    case 'vasp-out':
      return readOutcar(e.file);
    case 'vasp/xml':
    case 'vasp-xml':
      return readVasprun(e.file);
    case 'deepmd/npy':
      return readDeepmd(e.file, { format: 'npy', typeMap: e.file.includes('Mg4') ? ['Mg'] : undefined });
    case 'deepmd/raw':
      return readDeepmd(e.file, { format: 'raw', typeMap: e.file.includes('Mg4') ? ['Mg'] : undefined });
    case 'extxyz':
      return readExtxyz(e.file);
    default:
      throw new Error(`no reader for ${e.fmt}`);
  }
}

/** 3×3 (row-major) helpers for the rotation dpdata applies to some cells (lower-triangular form). */
function inv3(m: ArrayLike<number>): number[] {
  const [a, b, c, d, e, f, g, h, k] = Array.from(m);
  const A = e * k - f * h, B = -(d * k - f * g), C = d * h - e * g;
  const det = a * A + b * B + c * C;
  return [A / det, -(b * k - c * h) / det, (b * f - c * e) / det, B / det, (a * k - c * g) / det, -(a * f - c * d) / det, C / det, -(a * h - b * g) / det, (a * e - b * d) / det];
}
function mul(x: ArrayLike<number>, y: ArrayLike<number>, rows: number): number[] {
  const out = new Array(rows * 3).fill(0);
  for (let i = 0; i < rows; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) out[3 * i + j] += x[3 * i + k] * y[3 * k + j];
  return out;
}
const tr = (m: ArrayLike<number>): number[] => [m[0], m[3], m[6], m[1], m[4], m[7], m[2], m[5], m[8]];

/** Rotate our frame's vectors by R with cell_ref = cell_ours · R (R orthogonal) when the cells differ. */
function alignTo<T extends { cell: ArrayLike<number>; positions: ArrayLike<number>; forces: ArrayLike<number> | null; virial: ArrayLike<number> | null }>(r: T, refCell: ArrayLike<number>, at: string): T {
  if (Array.from(r.cell).every((x, i) => Math.abs(x - refCell[i]) < 1e-6)) return r;
  const R = mul(inv3(r.cell), refCell, 3);
  assertClose(mul(R, tr(R), 3), [1, 0, 0, 0, 1, 0, 0, 0, 1], 1e-6, `${at}: cells differ by more than a rotation`);
  const n = r.positions.length / 3;
  return {
    ...r,
    cell: mul(r.cell, R, 3),
    positions: mul(r.positions, R, n),
    forces: r.forces ? mul(r.forces, R, n) : null,
    virial: r.virial ? mul(tr(R), mul(r.virial, R, 3), 3) : null,
  };
}

type Row = {
  energy: number | null; energy_sigma0: number | null; forces: ArrayLike<number> | null; virial: ArrayLike<number> | null;
  cell: ArrayLike<number>; positions: ArrayLike<number>; symbols: string[]; tags: Record<string, unknown>;
};

test('readers agree with dpdata and ASE on every fixture, number by number', { skip: NO_FIXTURES }, () => {
  const out = execFileSync(PY, [join(REPO_ROOT, 'test', 'io', 'crosscheck.py'), FIXTURES, ...gpawFiles], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const entries = JSON.parse(out) as RefEntry[];
  assert.ok(entries.length >= 30, `expected the reference readings of every fixture, got ${entries.length}`);
  let compared = 0;
  for (const e of entries) {
    const name = `${e.tool} ${e.fmt} ${e.file}`;
    if (e.error) {
      // the reference tool refuses the file: ours must still read it (the NWRITE=0 OUTCAR for ASE)
      assert.ok(e.file.includes('nwrite0') && e.tool === 'ase', `${name}: reference failed unexpectedly: ${e.error}`);
      assert.equal(readOutcar(e.file).numRows(), 2);
      continue;
    }
    let rows = ours(e).objects() as Row[];
    // dpdata leaves out ionic steps whose SCF hit NELM; ours keeps them flagged
    if (e.tool === 'dpdata' && e.fmt.startsWith('vasp')) rows = rows.filter((r) => r.tags.scf_converged !== false);
    const ref = e.frames!;
    assert.equal(rows.length, ref.length, `${name}: ${rows.length} frames vs ${ref.length}`);
    ref.forEach((f, i) => {
      const at = `${name} frame ${i}`;
      const r = e.tool === 'dpdata' ? alignTo(rows[i], f.cell, at) : rows[i];
      assert.deepEqual(r.symbols, f.symbols, `${at}: species`);
      if (f.energy !== null) assertClose([r.energy ?? NaN], [f.energy], 1e-8, `${at} energy`);
      if (e.tool === 'ase' && e.fmt.startsWith('vasp') && f.energy_sigma0 != null) {
        assertClose([r.energy_sigma0 ?? NaN], [f.energy_sigma0], 1e-8, `${at} energy_sigma0`);
      }
      assertClose(r.cell, f.cell, 1e-6, `${at} cell`);
      assertClose(r.positions, f.positions, 1e-6, `${at} positions`);
      if (f.forces) assertClose(r.forces, f.forces, 1e-6, `${at} forces`);
      else assert.equal(r.forces, null, `${at}: forces where the reference has none`);
      // ASE keeps a stress as 6 Voigt components (upper triangle): mirror ours the same way
      const v = e.tool === 'ase' && r.virial ? Array.from(r.virial, (x, k) => (k === 3 || k === 6 || k === 7 ? r.virial![[0, 0, 0, 1, 0, 0, 2, 5, 0][k]] : x)) : r.virial;
      if (f.virial) assertClose(v, f.virial, 1e-6, `${at} virial`);
      else assert.equal(r.virial, null, `${at}: virial where the reference has none`);
      compared++;
    });
  }
  assert.ok(compared > 250, `compared only ${compared} frames`);
});
