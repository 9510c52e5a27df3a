/**
 * Every number the readers give, compared with dpdata's and ASE's readings of the same files
 * (test/io/crosscheck.py in the project's .venv), and the `dp test -d` parity files (the
 * fixture's and the reference dataset's in data/al/dptest) against numpy.loadtxt. Both sides
 * parse the same decimal text (correctly rounded), so they agree to the round-off of what follows
 * the parse (unit conversions, cell volumes, fractional → Cartesian coordinates, a rotation of
 * the cell), plus the difference of the unit constants the tools use: tolerances derived per
 * number in tolerance.ts (parsedTolerance and the notes above it).
 * And the VASP readers on files of several MiB (fixture steps repeated), which they read through
 * a reused buffer refilled many times: the fixture's cross-checked frames again, exactly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ColumnTable } from 'arquero';
import { readOutcar, readVasprun, readDeepmd, readExtxyz, readDpTest, type ParityRow } from '../src/io/index.js';
import { REPO_ROOT, FIXTURES, NO_FIXTURES, fx, tempDir } from './io-helpers.js';
import { assertAllWithin, assertWithin, parsedTolerance, cellCondInf, rotationTolerance, readingTolerances, DPDATA_VASP_VIRIAL_REL } from './tolerance.js';

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

/**
 * Rotate our frame's vectors by R with cell_ref = cell_ours · R (R orthogonal) when the cells
 * differ by more than their parse round-off; returns the frame and the ∞-norm condition number
 * of our cell when it was rotated (for rotationTolerance), else null.
 */
function alignTo<T extends { cell: ArrayLike<number>; positions: ArrayLike<number>; forces: ArrayLike<number> | null; virial: ArrayLike<number> | null }>(r: T, refCell: ArrayLike<number>, at: string): { row: T; rotated: number | null } {
  if (Array.from(r.cell).every((x, i) => Math.abs(x - refCell[i]) <= parsedTolerance(refCell[i]))) return { row: r, rotated: null };
  const kappa = cellCondInf(r.cell);
  const R = mul(inv3(r.cell), refCell, 3);
  // R·Rᵀ = I to the round-off of R (rotationTolerance on the unit rows of I)
  assertAllWithin(mul(R, tr(R), 3), [1, 0, 0, 0, 1, 0, 0, 0, 1], rotationTolerance([1, 1, 1, 1, 1, 1, 1, 1, 1], kappa), `${at}: cells differ by more than a rotation`);
  const n = r.positions.length / 3;
  return {
    row: {
      ...r,
      cell: mul(r.cell, R, 3),
      positions: mul(r.positions, R, n),
      forces: r.forces ? mul(r.forces, R, n) : null,
      virial: r.virial ? mul(tr(R), mul(r.virial, R, 3), 3) : null,
    },
    rotated: kappa,
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
      const { row: r, rotated } = e.tool === 'dpdata' ? alignTo(rows[i], f.cell, at) : { row: rows[i], rotated: null };
      assert.deepEqual(r.symbols, f.symbols, `${at}: species`);
      // tolerances derived per number: readingTolerances
      const tol = readingTolerances(f, rotated, e.tool === 'dpdata' && e.fmt.startsWith('vasp') ? DPDATA_VASP_VIRIAL_REL : 0);
      if (f.energy !== null) assertWithin(r.energy, f.energy, parsedTolerance(f.energy), `${at} energy`);
      if (e.tool === 'ase' && e.fmt.startsWith('vasp') && f.energy_sigma0 != null) {
        assertWithin(r.energy_sigma0, f.energy_sigma0, parsedTolerance(f.energy_sigma0), `${at} energy_sigma0`);
      }
      assertAllWithin(r.cell, f.cell, tol.cell, `${at} cell`);
      assertAllWithin(r.positions, f.positions, tol.positions, `${at} positions`);
      if (f.forces) assertAllWithin(r.forces, f.forces, tol.forces, `${at} forces`);
      else assert.equal(r.forces, null, `${at}: forces where the reference has none`);
      // ASE keeps a stress as 6 Voigt components (upper triangle): mirror ours the same way
      const v = e.tool === 'ase' && r.virial ? Array.from(r.virial, (x, k) => (k === 3 || k === 6 || k === 7 ? r.virial![[0, 0, 0, 1, 0, 0, 2, 5, 0][k]] : x)) : r.virial;
      if (f.virial) assertAllWithin(v, f.virial, tol.virial, `${at} virial`);
      else assert.equal(r.virial, null, `${at}: virial where the reference has none`);
      compared++;
    });
  }
  assert.ok(compared > 250, `compared only ${compared} frames`);
});

interface DpTestRef {
  prefix: string;
  files: { suffix: string; blocks: { header: string | null; values: number[][] }[] }[];
}

/** Quantity and components of each `dp test -d` file, as DeePMD-kit writes them. */
const DP_TEST_FILES: Record<string, { quantity: string; comps: string[] }> = {
  '.e.out': { quantity: 'energy', comps: [''] },
  '.e_peratom.out': { quantity: 'energy_per_atom', comps: [''] },
  '.f.out': { quantity: 'force', comps: ['x', 'y', 'z'] },
  '.v.out': { quantity: 'virial', comps: ['xx', 'xy', 'xz', 'yx', 'yy', 'yz', 'zx', 'zy', 'zz'] },
  '.v_peratom.out': { quantity: 'virial_per_atom', comps: ['xx', 'xy', 'xz', 'yx', 'yy', 'yz', 'zx', 'zy', 'zz'] },
};

/** `dp test -d` prefixes under dir (one per *.e.out). */
function dpTestPrefixes(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? dpTestPrefixes(join(dir, e.name)) : e.name.endsWith('.e.out') ? [join(dir, e.name.slice(0, -'.e.out'.length))] : [],
  ).sort();
}

/**
 * readDpTest's table of each prefix against numpy.loadtxt's reading of the same files: every
 * data and pred value parsed from the same decimal text by both (parsedTolerance: each within
 * u·|x|), in file order, with its system, component, frame and atom. Returns the number of values
 * compared.
 */
function crossCheckDpTest(prefixes: readonly string[]): number {
  const out = execFileSync(PY, [join(REPO_ROOT, 'test', 'io', 'crosscheck.py'), '--dp-test', ...prefixes], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const refs = JSON.parse(out) as DpTestRef[];
  assert.equal(refs.length, prefixes.length);
  const rel = (a: number, b: number, what: string): void => assertWithin(a, b, parsedTolerance(b), `${what} (deltak vs numpy)`);
  let compared = 0;
  for (const ref of refs) {
    const rows = readDpTest(ref.prefix).objects() as ParityRow[];
    const energyRows = ref.files.find((f) => f.suffix === '.e.out')!.blocks.map((b) => b.values.length);
    assert.ok(ref.files.length >= 1, `${ref.prefix}: no files read by numpy`);
    let used = 0;
    for (const f of ref.files) {
      const { quantity, comps } = DP_TEST_FILES[f.suffix];
      const nc = comps.length;
      const mine = rows.filter((r) => r.quantity === quantity);
      const unlabelled = f.blocks.every((b) => b.values.every((w) => w.slice(0, nc).every((x) => x === 0)));
      let k = 0;
      f.blocks.forEach((b, bi) => {
        const nat = quantity === 'force' ? b.values.length / energyRows[bi] : null;
        b.values.forEach((w, r) => {
          assert.equal(w.length, 2 * nc, `${ref.prefix}${f.suffix} row ${r}: numpy read ${w.length} columns`);
          for (let c = 0; c < nc; c++, k++) {
            const at = `${ref.prefix}${f.suffix} block ${bi} row ${r} ${comps[c] || 'value'}`;
            const m = mine[k];
            assert.ok(m, `${at}: missing in readDpTest's table`);
            assert.ok(b.header === null ? m.system === '' : b.header.startsWith(`# ${m.system}:`), `${at}: system ${JSON.stringify(m.system)} vs header ${JSON.stringify(b.header)}`);
            assert.equal(m.component, comps[c], `${at}: component`);
            assert.equal(m.frame, nat === null ? r : Math.floor(r / nat), `${at}: frame`);
            assert.equal(m.atom, nat === null ? null : r % nat, `${at}: atom`);
            if (unlabelled) assert.equal(m.data, null, `${at}: unlabelled data (all 0) should be null`);
            else rel(m.data ?? NaN, w[c], `${at} data`);
            rel(m.pred, w[nc + c], `${at} pred`);
            compared += 2;
          }
        });
      });
      assert.equal(mine.length, k, `${ref.prefix}${f.suffix}: readDpTest has ${mine.length} ${quantity} rows, numpy ${k}`);
      used += mine.length;
    }
    assert.equal(rows.length, used, `${ref.prefix}: rows of quantities numpy did not read`);
  }
  return compared;
}

test('readDpTest agrees with numpy.loadtxt on the dp test fixture, number by number', { skip: NO_FIXTURES }, () => {
  const prefix = join(FIXTURES, 'dp_test', 'deepmdkit_agent_commit', 'test_dp_test_ener_detail');
  // 1 frame of 6 atoms: 2 energies, 18 forces, 18 virials (data and pred each)
  assert.equal(crossCheckDpTest([prefix]), 2 * (1 + 1 + 18 + 9 + 9));
});

const PIPELINE_DPTEST = dpTestPrefixes(join(REPO_ROOT, 'data', 'al', 'dptest'));
test('readDpTest agrees with numpy.loadtxt on the reference dataset\'s dp test files, number by number', {
  skip: PIPELINE_DPTEST.length === 0 ? `no dp test output under ${join(REPO_ROOT, 'data', 'al', 'dptest')}; skipping` : false,
}, () => {
  const n = crossCheckDpTest(PIPELINE_DPTEST);
  assert.ok(n >= 100 * PIPELINE_DPTEST.length, `compared only ${n} values over ${PIPELINE_DPTEST.length} prefixes`);
});

/** Lines [0, head) + [a, b) × k + [b, end) of a fixture, written to path. */
function repeatLines(src: string, path: string, head: number, a: number, b: number, k: number): void {
  const lines = readFileSync(src, 'latin1').split('\n');
  const body = lines.slice(a, b).join('\n') + '\n';
  writeFileSync(path, lines.slice(0, head).join('\n') + '\n' + body.repeat(k) + lines.slice(b).join('\n'), 'latin1');
}

test('VASP readers on multi-MiB files (buffer refilled many times) give the fixture\'s frames again, exactly', { skip: NO_FIXTURES }, () => {
  const { dir, cleanup } = tempDir('bigvasp');
  try {
    type Big = { numRows(): number; objects(): object[] };
    const same = (big: Big, ref: Row[], refRow: (i: number) => number, what: string): void => {
      const rows = big.objects() as Row[];
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i];
        const f = ref[refRow(i)];
        const at = `${what} frame ${i}`;
        assert.equal(r.energy, f.energy, `${at} energy`);
        assert.equal(r.energy_sigma0, f.energy_sigma0, `${at} energy_sigma0`);
        for (const key of ['cell', 'positions', 'forces', 'virial'] as const) assert.deepEqual(Array.from(r[key] ?? []), Array.from(f[key] ?? []), `${at} ${key}`);
      }
    };
    // vasprun.xml: the 10 <calculation> blocks of the Ti32 run, 25 times (3.5 MiB)
    const xmlSrc = fx('vasp/dpdata_Ti32_aimd_nwrite0/vasprun.xml');
    const xml = readFileSync(xmlSrc, 'latin1');
    const c0 = xml.indexOf('<calculation>');
    const c1 = xml.lastIndexOf('</calculation>') + '</calculation>'.length;
    const vr = join(dir, 'vasprun.xml');
    writeFileSync(vr, xml.slice(0, c0) + (xml.slice(c0, c1) + '\n').repeat(25) + xml.slice(c1), 'latin1');
    const vref = readVasprun(xmlSrc).objects() as Row[];
    const vbig = readVasprun(vr);
    assert.equal(vbig.numRows(), 250);
    same(vbig, vref, (i) => i % 10, 'vasprun.xml × 25');
    // OUTCAR: the 10 steps of the Li40 relaxation, 3 times (3.5 MiB)
    const liSrc = fx('vasp/dpgen_Li40_relax_kspacing/OUTCAR');
    const li = readFileSync(liSrc, 'latin1').split('\n');
    const first = li.findIndex((l) => l.includes('Iteration'));
    let last = -1;
    li.forEach((l, i) => {
      if (l.includes('energy(sigma->0)')) last = i;
    });
    const oc = join(dir, 'OUTCAR-li');
    repeatLines(liSrc, oc, first, first, last + 1, 3);
    const liBig = readOutcar(oc);
    assert.equal(liBig.numRows(), 30);
    same(liBig, readOutcar(liSrc).objects() as Row[], (i) => i % 10, 'Li40 OUTCAR × 3');
    // OUTCAR: the last MD step of the Ti32 run (the one with positions besides the first), 150 times (3.9 MiB)
    const tiSrc = fx('vasp/dpdata_Ti32_aimd_nwrite0/OUTCAR');
    const ti = readFileSync(tiSrc, 'latin1').split('\n');
    const tiFirst = ti.findIndex((l) => l.includes('Iteration'));
    let lastStep = -1;
    let end = -1;
    ti.forEach((l, i) => {
      if (/Iteration\s+\d+\(\s*1\)/.test(l)) lastStep = i;
      if (l.includes('total amount of memory used by VASP')) end = i;
    });
    const md = join(dir, 'OUTCAR-md');
    repeatLines(tiSrc, md, tiFirst, lastStep, end, 150);
    const mdBig = readOutcar(md);
    assert.equal(mdBig.numRows(), 150);
    const tiRef = readOutcar(tiSrc).objects() as Row[];
    same(mdBig, tiRef, () => tiRef.length - 1, 'Ti32 MD OUTCAR × 150');
  } finally {
    cleanup();
  }
});
