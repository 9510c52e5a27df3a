/**
 * VASP OUTCAR (5.x and 6.x), streamed in bounded memory: every ionic step's cell, positions,
 * species, free energy (TOTEN), energy(σ→0), forces and stress, and the settings that matter for
 * Δk (KSPACING, ISMEAR, SIGMA, ENCUT, PSTRESS, the k-point mesh and count).
 *
 * Read in named steps: the header line by line (one small parser per quantity, {@link HEADER}),
 * then the ionic steps from the bytes (each step found at its "FREE ENERGIE" block; its energies,
 * stress, positions and forces, and cell read by one function each), then the run's end.
 */
import { closeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ColumnTable } from 'arquero';
import { ReadError, truncatedError, UNFINISHED, type Truncated } from '../errors.js';
import { forEachLine, parseNumbers, parseNumbersBytes, lineAt, bytesAt, parseDecimal, streamChunks } from '../bytes.js';
import { fileSize, openFile, isFile } from '../files.js';
import { FrameStore, volumeOf, cellVolumeProblem, KBAR_IN_EV_PER_A3 } from '../frames.js';
import { elementOfPotcar } from '../elements.js';
import type { DkOptions } from '../dk.js';
import { readIncar } from './incar.js';
import { buildVaspFrames, type VaspSettings } from './vaspframes.js';

/** Options of {@link readOutcar}. */
export interface ReadOutcarOptions extends DkOptions {
  /**
   * Ions per POTCAR when the OUTCAR's own list is incomplete (VASP ≤ 6.3 cuts "ions per type"
   * and the POSCAR line after 10 species); take it from the POSCAR.
   */
  ionsPerType?: readonly number[];
  /** Ionic steps whose SCF hit NELM: keep them flagged `scf_converged: false` (default), drop, or error. */
  unconverged?: 'keep' | 'drop' | 'error';
  /**
   * A file that ends inside an ionic step (anywhere after its first SCF iteration), or after a
   * step but without VASP's closing timing summary (a job cut, killed or still running): error
   * (default), or keep the finished steps ('drop'); the notes list a dropped step and say
   * `run_finished: false`.
   */
  truncated?: Truncated;
}

/**
 * Γ-centred (or shifted Monkhorst–Pack) divisions that hold the given fractional k-points:
 * the smallest N per axis with every coordinate a multiple of 1/N (or an odd multiple of 1/2N).
 */
export function inferMesh(kpts: readonly (readonly number[])[]): { mesh: [number, number, number]; shifted: boolean } | null {
  if (kpts.length === 0) return null;
  const mesh: number[] = [];
  let shifted = false;
  for (let ax = 0; ax < 3; ax++) {
    let found = 0;
    for (let m = 1; m <= 400 && !found; m++) {
      if (kpts.every((k) => Math.abs(k[ax] * m - Math.round(k[ax] * m)) < 2e-4 * m)) found = m;
    }
    if (!found) return null;
    const odd = kpts.some((k) => Math.abs(Math.round(k[ax] * found)) % 2 === 1);
    if (found % 2 === 0 && odd && !kpts.some((k) => Math.abs(k[ax]) < 1e-8)) {
      shifted = true;
      mesh.push(found / 2);
    } else mesh.push(found);
  }
  return { mesh: mesh as [number, number, number], shifted };
}

const DASHES = 45; // '-'

/**
 * The value of "`tag` = value" on a header line as a decimal number, or null when the line does
 * not set `tag` ("ENCUTGW =" does not set ENCUT). A value that is not a finite number (250.0 turned
 * into "Inf", "1e400" or "25x.0") is an error naming the line: a setting is read or refused, never dropped.
 */
function setting(path: string, tag: string, line: string, lineNo: number): number | null {
  const m = new RegExp(`(?:^|[\\s;])${tag}\\s*=\\s*([^\\s;]*)`).exec(line);
  if (!m) return null;
  const v = parseDecimal(m[1]);
  if (!Number.isFinite(v)) throw new ReadError(path, { line: lineNo }, `${tag} = ${JSON.stringify(m[1])} is not a finite number: ${JSON.stringify(line.trim())}`);
  return v;
}

/** The state of one OUTCAR read: settings, the current ionic step (arrays reused for every step), the steps kept. */
class Outcar {
  readonly st: VaspSettings = {
    version: null, kspacing: null, ismear: null, sigma: null, encut: null, pstress: null, nelm: null,
    nwrite: null, ibrion: null, isif: null, kmesh: null, kmeshSource: null, nkpts: null, species: [], ionsPerType: [],
  };
  // header
  readonly titel: string[] = [];
  readonly vrhfin: string[] = [];
  readonly potcar: string[] = [];
  nions: number | null = null;
  ionsPerTypeLine = 0;
  inIncar = false;
  readonly kptList: number[][] = [];
  kptRemaining = 0;
  /** Byte offset of the first ionic step (its first "Iteration" line), -1 before it is found. */
  stepsOffset = -1;
  // the current ionic step: one cell, position, force and stress array each, reused for every
  // step (FrameStore.add copies them), so the ionic loop allocates almost nothing per step
  readonly lattice = new Float64Array(9);
  hasLattice = false;
  /** Row of the "direct lattice vectors" block being read in the header, -1 outside one. */
  latRow = -1;
  readonly stressKb = new Float64Array(6);
  hasStress = false;
  positions = new Float64Array(0);
  forces = new Float64Array(0);
  hasPositions = false;
  readonly virial = new Float64Array(9);
  scfIter = 0;
  energy: number | null = null;
  // the run
  symbols: string[] = [];
  store: FrameStore | null = null;
  step = 0;
  stepStartOffset = 0;
  inFreeBlock = false;
  unfinishedScf = false;
  /** VASP's closing timing summary follows the last step. */
  runFinished = false;
  readonly skipped: { step: number; reason: string }[] = [];
  readonly row = new Float64Array(8);
  constructor(readonly path: string, readonly options: ReadOutcarOptions) {}

  fail(line: number, msg: string): never {
    throw new ReadError(this.path, { line }, msg);
  }

  /** The error for byte `offset` of the file, naming its line. */
  failAt(offset: number, msg: string): never {
    throw new ReadError(this.path, { line: lineAt(this.path, offset) }, msg);
  }
}

/** One kind of header line: `matches` looks at the line (its first non-blank character c at p), `read` takes what it says. */
interface HeaderLine {
  matches(line: string, c: number, at: number, r: Outcar): boolean;
  read(r: Outcar, line: string, lineNo: number): void;
}

/** A header setting "TAG = value" read once, at the start of its line. */
function headerSetting(tag: string, key: 'encut' | 'pstress' | 'nelm' | 'nwrite' | 'ibrion' | 'isif'): HeaderLine {
  const c0 = tag.charCodeAt(0);
  return {
    matches: (line, c, at, r) => c === c0 && r.st[key] === null && line.startsWith(tag, at),
    read: (r, line, lineNo) => {
      r.st[key] = setting(r.path, tag, line, lineNo);
    },
  };
}

/**
 * The header's lines, one small parser per quantity, tried in order (the first that matches reads
 * the line). The INCAR echo (VASP 6) gives KSPACING; POTCAR, TITEL and VRHFIN lines the species.
 */
const HEADER: HeaderLine[] = [
  { // "INCAR:" starts the echo of the INCAR file
    matches: (line, c, at) => c === 73 /* I */ && line.startsWith('INCAR:', at),
    read: (r) => {
      r.inIncar = true;
    },
  },
  { // "POTCAR:    PAW_PBE Li_sv 10Sep2004", listed twice (NWRITE = 0 prints only those)
    matches: (line, c, at) => c === 80 /* P */ && line.startsWith('POTCAR:', at),
    read: (r, line, lineNo) => {
      r.inIncar = false;
      const el = elementOfPotcar(line.slice(line.indexOf(':') + 1));
      if (!el) r.fail(lineNo, `cannot read an element from ${JSON.stringify(line.trim())}`);
      r.potcar.push(el!);
    },
  },
  { // a line of the INCAR echo: only KSPACING is taken
    matches: (_line, _c, _at, r) => r.inIncar,
    read: (r, line, lineNo) => {
      const m = /^\s*([A-Z][A-Z0-9_]*)\s*=\s*(\S+)/.exec(line);
      if (m && m[1] === 'KSPACING') {
        const v = parseDecimal(m[2]);
        if (!(v > 0)) r.fail(lineNo, `KSPACING = ${m[2]} in the INCAR echo is not a positive number of Å⁻¹`);
        r.st.kspacing = v;
      }
    },
  },
  { // "TITEL  = PAW_PBE Li_sv 10Sep2004": one per POTCAR
    matches: (line, c, at) => c === 84 /* T */ && line.startsWith('TITEL', at),
    read: (r, line, lineNo) => {
      const m = /TITEL\s*=\s*(.*)$/.exec(line);
      const el = m ? elementOfPotcar(m[1]) : null;
      if (!el) r.fail(lineNo, `cannot read an element from POTCAR title ${JSON.stringify(line.trim())}`);
      r.titel.push(el!);
    },
  },
  { // "VRHFIN =Li: 1s2s2p": one per POTCAR
    matches: (line, c, at) => c === 86 /* V */ && line.startsWith('VRHFIN', at),
    read: (r, line) => {
      const m = /VRHFIN\s*=\s*([A-Za-z]+)/.exec(line);
      const el = m ? elementOfPotcar(m[1]) : null;
      if (el) r.vrhfin.push(el);
    },
  },
  { // "ions per type =  40" (VASP ≤ 6.3 cuts it after 10 species)
    matches: (line, _c, _at, r) => r.ionsPerTypeLine === 0 && line.includes('ions per type ='),
    read: (r, line, lineNo) => {
      r.ionsPerTypeLine = lineNo;
      r.st.ionsPerType = line.split('=')[1].trim().split(/\s+/).map(Number);
      if (r.st.ionsPerType.some((x) => !Number.isInteger(x) || x < 0)) r.fail(lineNo, `cannot read "ions per type": ${JSON.stringify(line.trim())}`);
    },
  },
  { // "NKPTS =     60   k-points in BZ     NKDIM =     60   number of bands    NBANDS=     40", NIONS further on
    matches: (line, _c, _at, r) => (r.nions === null && line.includes('NIONS =')) || (r.st.nkpts === null && line.includes('NKPTS =')),
    read: (r, line, lineNo) => {
      if (r.nions === null && line.includes('NIONS =')) r.nions = setting(r.path, 'NIONS', line, lineNo);
      if (r.st.nkpts === null && line.includes('NKPTS =')) r.st.nkpts = setting(r.path, 'NKPTS', line, lineNo);
    },
  },
  { // "generate k-points for:    4    4    4": the mesh as VASP makes it
    matches: (line) => line.includes('generate k-points for:'),
    read: (r, line) => {
      const m = /generate k-points for:\s*(\d+)\s+(\d+)\s+(\d+)/.exec(line);
      if (m) {
        r.st.kmesh = [Number(m[1]), Number(m[2]), Number(m[3])];
        r.st.kmeshSource = 'printed';
      }
    },
  },
  { // the irreducible k-points follow (the mesh is inferred from them when it is not printed)
    matches: (line, _c, at) => line.startsWith('k-points in reciprocal lattice and weights', at),
    read: (r) => {
      r.kptList.length = 0;
      r.kptRemaining = r.st.nkpts ?? 100000;
    },
  },
  headerSetting('ENCUT', 'encut'),
  { // "ISMEAR =     1;   SIGMA  =   0.20  broadening in eV"
    matches: (line, c, at, r) => c === 73 /* I */ && r.st.ismear === null && line.startsWith('ISMEAR', at),
    read: (r, line, lineNo) => {
      r.st.ismear = setting(r.path, 'ISMEAR', line, lineNo);
      r.st.sigma = setting(r.path, 'SIGMA', line, lineNo);
    },
  },
  headerSetting('PSTRESS', 'pstress'),
  headerSetting('NELM', 'nelm'),
  headerSetting('NWRITE', 'nwrite'),
  headerSetting('IBRION', 'ibrion'),
  headerSetting('ISIF', 'isif'),
];

/** A row of a "direct lattice vectors" block in the header (the first cell). */
function latticeRow(r: Outcar, t: string, s: number, e: number, lineNo: number): void {
  const n = parseNumbers(t, s, e, r.row);
  if (n < 3) r.fail(lineNo, `lattice vector row ${r.latRow + 1} has ${n} numbers, expected 3 (or 6)`);
  for (let k = 0; k < 3; k++) {
    if (!Number.isFinite(r.row[k])) r.fail(lineNo, `not a finite number in lattice vector row ${r.latRow + 1}`);
    r.lattice[3 * r.latRow + k] = r.row[k];
  }
  r.latRow++;
  if (r.latRow === 3) {
    r.latRow = -1;
    const bad = cellVolumeProblem(r.lattice);
    if (bad) r.fail(lineNo - 3, `"direct lattice vectors": ${bad}`);
  }
}

/** A row of the irreducible k-point list; a line of fewer than 3 numbers after the first row ends it. */
function kpointRow(r: Outcar, t: string, s: number, e: number, lineNo: number): void {
  const n = parseNumbers(t, s, e, r.row);
  if (n >= 3) {
    // the mesh is inferred from these when the OUTCAR does not print it: a k-point is read or refused
    if (!(Number.isFinite(r.row[0]) && Number.isFinite(r.row[1]) && Number.isFinite(r.row[2]))) r.fail(lineNo, `not a finite number in the k-point list: ${JSON.stringify(t.slice(s, e).trim())}`);
    r.kptList.push([r.row[0], r.row[1], r.row[2]]);
    r.kptRemaining--;
  } else if (r.kptList.length > 0) r.kptRemaining = 0;
}

/**
 * Read the header: every line up to the first SCF iteration ("--- Iteration"), streamed as text.
 * Sets the settings, the species and the first cell, and where the ionic steps start.
 */
function readHeader(r: Outcar): void {
  forEachLine(r.path, (t, s, e, lineNo, offset) => {
    if (lineNo === 1) r.st.version = t.slice(s, e).trim().split(/\s+/)[0] ?? null;
    if (r.latRow >= 0) return latticeRow(r, t, s, e, lineNo);
    if (r.kptRemaining > 0) return kpointRow(r, t, s, e, lineNo);
    let p = s;
    while (p < e && t.charCodeAt(p) === 32) p++;
    if (p === e) return;
    const c = t.charCodeAt(p);
    if (c === 100 /* d */ && t.startsWith('direct lattice vectors', p)) {
      r.hasLattice = true;
      r.latRow = 0;
      return;
    }
    const line = t.slice(s, e);
    if (c === 45 /* - */ && line.includes('Iteration')) {
      finishHeader(r, lineNo);
      r.stepsOffset = offset;
      return false;
    }
    const at = p - s;
    for (const h of HEADER) {
      if (h.matches(line, c, at, r)) {
        h.read(r, line, lineNo);
        return;
      }
    }
  }, 1 << 16);
  if (r.stepsOffset < 0) {
    throw new ReadError(r.path, { line: 1 }, 'no ionic step found (no "Iteration" line): not a VASP OUTCAR, or the run stopped before its first SCF step');
  }
}

/** The header is read (line `lineNo` starts the first SCF step): species, ions per type, the atoms of every step, the mesh. */
function finishHeader(r: Outcar, lineNo: number): void {
  const { st, options } = r;
  // TITEL/VRHFIN: one per POTCAR; the "POTCAR:" lines list every POTCAR twice (NWRITE = 0 prints only those)
  const potcar = r.potcar;
  const half = potcar.length / 2;
  const fromPotcar = Number.isInteger(half) && potcar.slice(0, half).join() === potcar.slice(half).join() ? potcar.slice(0, half) : potcar;
  st.species = r.titel.length > 0 ? r.titel : r.vrhfin.length > 0 ? r.vrhfin : fromPotcar;
  if (st.species.length === 0) r.fail(lineNo, 'no POTCAR species (POTCAR/TITEL/VRHFIN lines) before the first ionic step: not an OUTCAR, or its header is missing');
  const where = r.ionsPerTypeLine || lineNo;
  let ipt = st.ionsPerType;
  if (options.ionsPerType) {
    ipt = [...options.ionsPerType];
    if (ipt.length !== st.species.length) r.fail(where, `ionsPerType option has ${ipt.length} counts for ${st.species.length} POTCARs (${st.species.join(' ')})`);
    // the counts the file prints (all, or the first 10 where VASP ≤ 6.3 cuts the line) must agree
    const printed = st.ionsPerType;
    const k = printed.findIndex((c, i) => c !== ipt[i]);
    if (printed.length > 0 && k >= 0) {
      r.fail(where, `ionsPerType option gives ${ipt[k]} ions of type ${k + 1} (${st.species[k]}), but the file's "ions per type" says ${printed[k]}`);
    }
  } else if (ipt.length !== st.species.length) {
    const sum = ipt.reduce((a, b) => a + b, 0);
    r.fail(
      where,
      `"ions per type" lists ${ipt.length} counts (${sum} ions) for ${st.species.length} POTCARs (${st.species.join(' ')})` +
        (r.nions !== null ? ` and NIONS = ${r.nions}` : '') +
        (ipt.length === 10 && st.species.length > 10 ? '; VASP ≤ 6.3 truncates this line after 10 species, so the species of the remaining ions are unknown' : '') +
        '; pass { ionsPerType: [...] } from the POSCAR',
    );
  }
  const total = ipt.reduce((a, b) => a + b, 0);
  if (r.nions !== null && total !== r.nions) r.fail(where, `ions per type sum to ${total}, but NIONS = ${r.nions}`);
  st.ionsPerType = ipt;
  const symbols: string[] = [];
  ipt.forEach((c, i) => {
    for (let k = 0; k < c; k++) symbols.push(st.species[i]);
  });
  r.symbols = symbols;
  r.store = new FrameStore(symbols);
  r.positions = new Float64Array(3 * total);
  r.forces = new Float64Array(3 * total);
  if (!st.kmesh && r.kptList.length > 0) {
    const inf = inferMesh(r.kptList);
    if (inf) {
      st.kmesh = inf.mesh;
      st.kmeshSource = inf.shifted ? 'inferred from the irreducible k-points (shifted Monkhorst-Pack)' : 'inferred from the irreducible k-points';
    }
  }
}

/** Close ionic step `step + 1`; `at` is a byte offset of the step (for error messages), `endOffset` where the next starts. */
function finishStep(r: Outcar, at: number, endOffset: number): void {
  const { st, options } = r;
  r.step++;
  const step = r.step;
  if (!r.hasPositions) {
    r.skipped.push({ step, reason: st.nwrite === 0 ? 'NWRITE = 0: no positions and forces printed for this step' : 'no POSITION/TOTAL-FORCE block in this step' });
  } else if (!r.hasLattice) {
    r.failAt(at, `ionic step ${step} has no "direct lattice vectors" before its positions`);
  } else {
    const converged = st.nelm === null ? null : r.scfIter < st.nelm;
    if (converged === false && options.unconverged === 'error') {
      r.failAt(at, `ionic step ${step}: SCF used ${r.scfIter} iterations = NELM (${st.nelm}), not converged`);
    }
    if (!(converged === false && options.unconverged === 'drop')) {
      if (r.hasStress) {
        const s = r.stressKb;
        const v = r.virial;
        const f = volumeOf(r.lattice) * KBAR_IN_EV_PER_A3;
        // VASP order XX YY ZZ XY YZ ZX
        v[0] = s[0] * f;
        v[1] = v[3] = s[3] * f;
        v[2] = v[6] = s[5] * f;
        v[4] = s[1] * f;
        v[5] = v[7] = s[4] * f;
        v[8] = s[2] * f;
      }
      r.store!.add({
        cell: r.lattice,
        positions: r.positions,
        forces: r.forces,
        virial: r.hasStress ? r.virial : null,
        energy: r.energy,
        energySigma0: null,
        step,
        scfIterations: r.scfIter,
        scfConverged: converged,
      });
    } else {
      r.skipped.push({ step, reason: `SCF not converged (${r.scfIter} iterations = NELM)` });
    }
  }
  r.hasPositions = false;
  r.hasStress = false;
  r.energy = null;
  r.scfIter = 0;
  r.stepStartOffset = endOffset;
}

const [FREE, ITER, INKB, TOTF, LATV, POSI, TOTEN, WOENT, SIGMA0, TIMING, STRESS] = [
  'FREE ENERGIE OF THE ION-ELECTRON SYSTEM', 'Iteration', 'in kB', 'TOTAL-FORCE', 'direct lattice vectors', 'POSITION',
  'free  energy   TOTEN', 'energy  without entropy', 'sigma->0)', 'General timing and accounting', 'FORCE on cell =-STRESS',
].map((m) => Buffer.from(m, 'latin1'));

/**
 * Last start of `needle` in b[lo, hi) (the whole needle inside), or -1: native forward searches
 * from lo (Node's backward search is several times slower). A search that finds nothing runs
 * on to the end of b, so b should end not far after hi (the ionic loop passes a view that ends
 * at the current step's energy block).
 */
function lastIn(b: Buffer, needle: Buffer, lo: number, hi: number): number {
  const end = hi - needle.length;
  let last = -1;
  for (let j = b.indexOf(needle, lo); j >= 0 && j <= end; j = b.indexOf(needle, j + 1)) last = j;
  return last;
}

/** lastIn over windows growing back from hi (most markers sit just before the energy block). */
function lastNear(b: Buffer, needle: Buffer, lo: number, hi: number): number {
  for (let w = 1 << 14; ; w *= 4) {
    const a = Math.max(lo, hi - w);
    const r = lastIn(b, needle, a, hi);
    if (r >= 0 || a === lo) return r;
  }
}

/**
 * The bytes of the ionic loop held now: v[0, n) is the file from byte `base` on, `eof` when it
 * runs to the end of the file. Line helpers work on these offsets.
 */
class Chunk {
  constructor(readonly r: Outcar, readonly v: Buffer, readonly n: number, readonly base: number, readonly eof: boolean) {}
  str(x: number, y: number): string {
    return this.v.toString('latin1', x, y);
  }
  /** First non-blank byte of [x, y), or y. */
  firstNB(x: number, y: number): number {
    while (x < y && this.v[x] === 32) x++;
    return x;
  }
  lineStart(j: number): number {
    while (j > 0 && this.v[j - 1] !== 10) j--;
    return j;
  }
  lineEndOf(j: number): number {
    while (j < this.n && this.v[j] !== 10) j++;
    return j;
  }
  /** End (the newline, or the end of the file) of the line after the line ending at `le`, or -1 when the buffer ends first. */
  nextLineEnd(le: number): number {
    if (le + 1 >= this.n) return -1;
    const nl = this.lineEndOf(le + 1);
    return nl >= this.n && !this.eof ? -1 : nl;
  }
  isDashes(x: number, y: number): boolean {
    return this.v[this.firstNB(x, y)] === DASHES;
  }
  /** The first whitespace-separated word of [x, y) as a number (NaN when there is none or it is not a number). */
  firstNumber(x: number, y: number): number {
    const b = this.v;
    while (x < y && (b[x] === 32 || b[x] === 9)) x++;
    let e = x;
    while (e < y && b[e] !== 32 && b[e] !== 9 && b[e] !== 13) e++;
    return e > x && parseNumbersBytes(b, x, e, this.r.row) === 1 ? this.r.row[0] : NaN;
  }
  /** The value after the first "=" in [x, y), or NaN. */
  valueAfterEq(x: number, y: number): number {
    while (x < y && this.v[x] !== 61 /* = */) x++;
    return x < y ? this.firstNumber(x + 1, y) : NaN;
  }
  fail(x: number, msg: string): never {
    return this.r.failAt(this.base + x, msg);
  }
}

/**
 * SCF iterations of an "Iteration  N(  M)" header at j: M, read after the "(" (VASP prints N as
 * "****" from ionic step 10000 on). An unreadable M is an error: 0 would pass for converged.
 */
function scfCount(c: Chunk, j: number): number {
  const b = c.v;
  const y = Math.min(c.n, j + 40);
  let x = j + ITER.length;
  while (x < y && b[x] !== 40 /* ( */ && b[x] !== 10) x++;
  x++;
  while (x < y && b[x] === 32) x++;
  let m = 0;
  const d = x;
  while (x < y && b[x] >= 48 && b[x] <= 57) m = m * 10 + (b[x++] - 48);
  if (!(x > d && b[x] === 41 /* ) */)) {
    c.fail(j, `cannot read the SCF iteration count M of "Iteration N(M)": ${JSON.stringify(c.str(j, y).trim())}`);
  }
  return m;
}

/** Parse a POSITION/TOTAL-FORCE block whose header line starts at ls; false when the buffer ends inside it. */
function positionBlock(c: Chunk, ls: number): boolean {
  const r = c.r;
  const natoms = r.symbols.length;
  const row = r.row;
  const hdrEnd = c.lineEndOf(ls);
  const dashEnd = c.nextLineEnd(hdrEnd);
  if (dashEnd < 0) return false;
  if (!c.isDashes(hdrEnd + 1, dashEnd)) c.fail(hdrEnd + 1, 'expected a dashed line after POSITION/TOTAL-FORCE');
  let le = dashEnd;
  for (let a = 0; a < natoms; a++) {
    const to = c.nextLineEnd(le);
    if (to < 0) return false;
    const from = le + 1;
    const c6 = parseNumbersBytes(c.v, from, to, row);
    if (c6 !== 6 || !(Number.isFinite(row[0]) && Number.isFinite(row[1]) && Number.isFinite(row[2]) && Number.isFinite(row[3]) && Number.isFinite(row[4]) && Number.isFinite(row[5]))) {
      const txt = c.str(from, to).trim();
      c.fail(from, /^-+$/.test(txt)
        ? `POSITION/TOTAL-FORCE block ends after ${a} rows, but NIONS = ${natoms}`
        : c6 !== 6
          ? `POSITION/TOTAL-FORCE row of atom ${a + 1} has ${c6} fields, expected 6 numbers: ${JSON.stringify(txt)}`
          : `not a finite number in the POSITION/TOTAL-FORCE row of atom ${a + 1}: ${JSON.stringify(txt)}`);
    }
    r.positions[3 * a] = row[0];
    r.positions[3 * a + 1] = row[1];
    r.positions[3 * a + 2] = row[2];
    r.forces[3 * a] = row[3];
    r.forces[3 * a + 1] = row[4];
    r.forces[3 * a + 2] = row[5];
    le = to;
  }
  const lastEnd = c.nextLineEnd(le);
  if (lastEnd < 0) return false;
  if (!c.isDashes(le + 1, lastEnd)) c.fail(le + 1, `POSITION/TOTAL-FORCE block has more than ${natoms} rows (NIONS = ${natoms})`);
  r.hasPositions = true;
  return true;
}

/** Parse a "direct lattice vectors" block whose header line starts at ls; false when the buffer ends inside it. */
function latticeBlock(c: Chunk, ls: number): boolean {
  const r = c.r;
  let le = c.lineEndOf(ls);
  for (let k = 0; k < 3; k++) {
    const to = c.nextLineEnd(le);
    if (to < 0) return false;
    le = to;
  }
  le = c.lineEndOf(ls);
  for (let k = 0; k < 3; k++) {
    const from = le + 1;
    const to = c.lineEndOf(from);
    const c3 = parseNumbersBytes(c.v, from, to, r.row);
    if (c3 < 3) c.fail(from, `lattice vector row ${k + 1} has ${c3} numbers, expected 3 (or 6)`);
    for (let q = 0; q < 3; q++) {
      if (!Number.isFinite(r.row[q])) c.fail(from, `not a finite number in lattice vector row ${k + 1}`);
      r.lattice[3 * k + q] = r.row[q];
    }
    le = to;
  }
  const bad = cellVolumeProblem(r.lattice);
  if (bad) c.fail(ls, `"direct lattice vectors": ${bad}`);
  r.hasLattice = true;
  return true;
}

/** The energies of a FREE ENERGIE block: TOTEN, energy(σ→0) and where it is, and where the step ends. */
interface EnergyBlock {
  energy: number | null;
  e0: number | null;
  /** File offset of the energy(σ→0) line. */
  e0At: number;
  /** End of the block in the chunk (start of the next step). */
  q: number;
  /** The buffer ends inside the block: read more. */
  cut: boolean;
}

/** Read TOTEN and energy(σ→0) in the 6 lines after the FREE ENERGIE header at p. */
function energyBlock(c: Chunk, p: number): EnergyBlock {
  const out: EnergyBlock = { energy: null, e0: null, e0At: 0, q: -1, cut: false };
  let le = c.lineEndOf(p);
  for (let k = 0; k < 6; k++) {
    const e = c.nextLineEnd(le);
    if (e < 0) {
      out.cut = !c.eof;
      break;
    }
    if (c.eof && e >= c.n) break; // the file's last line, without its newline: maybe cut mid-number
    const at = le + 1;
    const fb = c.firstNB(at, e);
    if (bytesAt(c.v, fb, TOTEN)) {
      out.energy = c.valueAfterEq(fb, e);
      if (!Number.isFinite(out.energy)) c.fail(at, `cannot read the free energy TOTEN: ${JSON.stringify(c.str(at, e).trim())}`);
    } else if (bytesAt(c.v, fb, WOENT)) {
      const sg = c.v.indexOf(SIGMA0, fb);
      out.e0 = sg < 0 || sg + SIGMA0.length > e ? NaN : c.valueAfterEq(sg + SIGMA0.length, e);
      out.e0At = c.base + at;
      if (!Number.isFinite(out.e0)) c.fail(at, `cannot read energy(sigma->0): ${JSON.stringify(c.str(at, e).trim())}`);
      out.q = e + 1;
      break;
    }
    le = e;
  }
  return out;
}

/**
 * The stress of the step whose SCF starts at lo and whose energy block starts at ls: the "in kB"
 * line that ends the "FORCE on cell =-STRESS" block (a block without a readable one is a
 * corrupted file, not a step without stress).
 */
function stressOf(c: Chunk, sv: Buffer, lo: number, ls: number): void {
  const r = c.r;
  const sb = lastNear(sv, STRESS, lo, ls);
  const kb = lastNear(sv, INKB, sb >= 0 ? sb : lo, ls);
  const isLine = kb >= 0 && c.firstNB(c.lineStart(kb), kb) === kb;
  if (sb >= 0 && !isLine) {
    c.fail(c.lineStart(sb), `the stress block of ionic step ${r.step + 1} ("FORCE on cell =-STRESS") has no "in kB" line: the stress cannot be read`);
  }
  if (!isLine) return;
  const kls = c.lineStart(kb);
  const kle = c.lineEndOf(kb);
  const c6 = parseNumbersBytes(c.v, kb + 5, kle, r.stressKb);
  if (c6 !== 6) c.fail(kls, `"in kB" line has ${c6} numbers, expected 6: ${JSON.stringify(c.str(kls, kle).trim())}`);
  for (let k = 0; k < 6; k++) if (!Number.isFinite(r.stressKb[k])) c.fail(kls, `not a finite number in the "in kB" stress line: ${JSON.stringify(c.str(kls, kle).trim())}`);
  r.hasStress = true;
}

/**
 * One ionic step, from `start` to its energy block at ls (header line p): the last SCF
 * iteration, stress, POSITION/TOTAL-FORCE and "direct lattice vectors" are found searching
 * backwards within the step; numbers are parsed from the bytes.
 */
function ionicStep(c: Chunk, start: number, ls: number, eb: EnergyBlock): void {
  const r = c.r;
  const sv = c.v.subarray(0, ls); // a view that ends at the energy block (same offsets as v)
  const it = lastNear(sv, ITER, start, ls);
  r.scfIter = it >= 0 ? scfCount(c, it) : 0;
  const lo = it >= 0 ? it : start;
  stressOf(c, sv, lo, ls);
  let tf = lastNear(sv, TOTF, lo, ls);
  let pls = -1;
  while (tf >= 0) {
    pls = c.lineStart(tf);
    if (bytesAt(c.v, c.firstNB(pls, tf), POSI)) break;
    tf = lastNear(sv, TOTF, lo, tf);
    pls = -1;
  }
  if (pls >= 0) positionBlock(c, pls);
  const lv = lastNear(sv, LATV, start, pls >= 0 ? pls : ls);
  if (lv >= 0) latticeBlock(c, c.lineStart(lv));
  else if (pls >= 0 && r.st.isif !== null && r.st.isif >= 3) {
    // ISIF ≥ 3 changes the cell every step, and VASP prints it with the positions
    c.fail(pls, `ionic step ${r.step + 1} has positions but no "direct lattice vectors" block, and ISIF = ${r.st.isif} changes the cell: the previous step's cell would be wrong`);
  }
  r.energy = eb.energy;
  const before = r.store!.length;
  finishStep(r, eb.e0At, c.base + eb.q);
  if (r.store!.length > before) r.store!.setLastSigma0(eb.e0!);
}

/**
 * "ML FREE ENERGIE …" at p (line ls): VASP's machine-learned force field (ML_LMLFF). Followed by
 * the SCF ("Iteration") of a DFT step, it is that step's ML prediction; followed by another energy
 * block or the end, it is an ionic step of its own without DFT: counted and listed as skipped.
 * Returns where the next step starts, or -1 to decide with more of the file.
 */
function mlStep(c: Chunk, p: number): number {
  const r = c.r;
  const nextIt = c.v.indexOf(ITER, p);
  const nextFree = c.v.indexOf(FREE, p + FREE.length);
  if (nextIt < 0 && nextFree < 0 && !c.eof) return -1;
  if (nextIt < 0 || (nextFree >= 0 && nextFree < nextIt)) {
    r.step++;
    r.skipped.push({ step: r.step, reason: 'machine-learned force-field step (ML_LMLFF): no DFT energy, forces or stress' });
  }
  return c.lineEndOf(p) + 1;
}

/** The end of the file, after the last energy block at `start`: a cut lattice or POSITION block, an unfinished SCF, the timing summary. */
function runEnd(c: Chunk, start: number): void {
  const r = c.r;
  const { v, n } = c;
  const lv = lastIn(v, LATV, start, n);
  if (lv >= 0 && !latticeBlock(c, c.lineStart(lv))) c.fail(c.lineStart(lv), 'file ends inside a "direct lattice vectors" block (truncated OUTCAR)');
  let tf = lastIn(v, TOTF, start, n);
  while (tf >= 0 && !bytesAt(v, c.firstNB(c.lineStart(tf), tf), POSI)) tf = lastIn(v, TOTF, start, tf);
  if (tf >= 0 && !positionBlock(c, c.lineStart(tf))) c.fail(c.lineStart(tf), `file ends inside the POSITION/TOTAL-FORCE block of ionic step ${r.step + 1} (truncated OUTCAR)`);
  // SCF iterations after the last free energy: a step that never finished (a finished
  // run ends with its last free energy and the timing summary)
  if (lastIn(v, ITER, start, n) >= 0) r.unfinishedScf = true;
  r.runFinished = lastIn(v, TIMING, start, n) >= 0;
}

/**
 * The ionic loop. One forward search (Buffer.indexOf on the raw bytes) finds each step's
 * "FREE ENERGIE OF THE ION-ELECTRON SYSTEM"; {@link ionicStep} reads the step before it. The
 * SCF iterations are never decoded, and no line becomes a string. One reused buffer (1 MiB)
 * holds at least the current step (grown only for a step larger than it).
 */
function readSteps(r: Outcar): void {
  const { fd } = openFile(r.path, 'a VASP OUTCAR');
  let searched = 0; // bytes of the buffer already searched for FREE (the step starts at its first byte)
  r.stepStartOffset = r.stepsOffset;
  try {
    streamChunks(fd, (v, _kept, base, eof) => {
      const filled = v.length;
      const c = new Chunk(r, v, filled, base, eof);
      let start = 0; // start of the current step in v
      let from = searched;
      let resume = -1; // where the next search for FREE starts (in v)
      for (;;) {
        const p = v.indexOf(FREE, from);
        if (p < 0) {
          resume = Math.max(from, filled - FREE.length + 1);
          break;
        }
        const ls = c.lineStart(p);
        from = p + FREE.length;
        const fb0 = c.firstNB(ls, p);
        if (fb0 !== p) {
          // "ML FREE ENERGIE": the next step's search starts after it
          if (p - fb0 === 3 && v[fb0] === 77 /* M */ && v[fb0 + 1] === 76 /* L */ && v[fb0 + 2] === 32) {
            const q = mlStep(c, p);
            if (q < 0) {
              resume = ls;
              break;
            }
            start = q;
            r.stepStartOffset = base + q;
          }
          continue;
        }
        const eb = energyBlock(c, p);
        if (eb.cut && eb.e0 === null) {
          resume = ls;
          break;
        }
        if (eb.e0 === null) {
          if (eof) {
            r.inFreeBlock = true; // reported as an unfinished step
            break;
          }
          c.fail(ls, 'no "energy  without entropy … energy(sigma->0)" line after FREE ENERGIE OF THE ION-ELECTRON SYSTEM');
        }
        if (eb.energy === null) r.failAt(eb.e0At, 'energy(sigma->0) without a preceding free energy TOTEN');
        ionicStep(c, start, ls, eb);
        start = eb.q;
        from = eb.q;
      }
      if (eof) {
        runEnd(c, start);
        return -1;
      }
      // the current step is kept (from `start`), and so is what was searched of it
      if (resume < start) resume = start;
      searched = resume - start;
      return start;
    }, { start: r.stepsOffset });
  } finally {
    closeSync(fd);
  }
}

/** The run is read: refuse an unfinished one (unless truncated: 'drop'), find KSPACING in an INCAR beside it, build the table. */
function finishRun(r: Outcar, size: number): ColumnTable {
  const { path, options, st, skipped } = r;
  if (r.hasPositions || r.inFreeBlock || r.unfinishedScf) {
    if (options.truncated !== 'drop') {
      throw truncatedError(path, { line: lineAt(path, r.stepStartOffset) }, `file ends in ionic step ${r.step + 1} (started here) before its free energy: truncated OUTCAR`, 'the finished steps');
    }
    skipped.push({ step: r.step + 1, reason: UNFINISHED });
  }
  const out = r.store;
  if (!out || out.length === 0) {
    throw new ReadError(path, {}, `no complete ionic step (positions, forces and free energy) in ${r.step} step(s)` + (skipped.length ? `: ${skipped[0].reason}` : ''));
  }
  if (!r.runFinished && options.truncated !== 'drop') {
    // every finished run ends with the timing summary; without it more steps may have followed
    throw truncatedError(
      path,
      { line: lineAt(path, r.stepStartOffset) },
      `file ends after ionic step ${r.step} without VASP's closing "General timing and accounting" summary: the run did not finish ` +
        '(file cut, job killed or still running), so later steps may be missing',
      `the ${out.length} finished step(s)`,
    );
  }
  if (st.kspacing === null) {
    // VASP 5 does not echo the INCAR: an INCAR beside the OUTCAR tells KSPACING
    const incar = join(dirname(path), 'INCAR');
    if (isFile(incar)) {
      const ks = readIncar(incar).KSPACING;
      if (ks !== undefined) {
        st.kspacing = Number(ks);
        if (!(st.kspacing > 0)) throw new ReadError(incar, {}, `KSPACING = ${ks} is not a positive number of Å⁻¹`);
        st.kspacingFrom = incar;
      }
    }
  }
  return buildVaspFrames(out, path, st, options, { reader: 'readOutcar', skipped_steps: skipped, ionic_steps: r.step, run_finished: r.runFinished, bytes: size });
}

/**
 * Read every ionic step of a VASP OUTCAR into a frames table (units Å, eV, eV/Å, virial eV).
 * The virial is W = stress("in kB") · V in eV, as dpdata converts it (the "in kB" line is −σ, and
 * includes PSTRESS when it is set). Steps without positions and forces (NWRITE = 0 prints them
 * for the first and last step only) are left out and listed in the metadata (`skipped_steps`).
 * Per-frame tags: step (1-based ionic step), scf_converged, scf_iterations and the settings.
 */
export function readOutcar(path: string, options: ReadOutcarOptions = {}): ColumnTable {
  const size = fileSize(path, 'a VASP OUTCAR');
  if (size === 0) throw new ReadError(path, { line: 1 }, 'empty file, expected a VASP OUTCAR');
  const r = new Outcar(path, options);
  readHeader(r);
  readSteps(r);
  return finishRun(r, size);
}
