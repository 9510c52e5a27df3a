/**
 * VASP OUTCAR (5.x and 6.x), streamed line by line in bounded memory: every ionic step's cell,
 * positions, species, free energy (TOTEN), energy(σ→0), forces and stress, and the settings that
 * matter for Δk (KSPACING, ISMEAR, SIGMA, ENCUT, PSTRESS, the k-point mesh and count).
 */
import { readSync, closeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ColumnTable } from 'arquero';
import { ReadError, truncatedError, UNFINISHED, type Truncated } from './errors.js';
import { forEachLine, parseNumbers, parseNumbersBytes, lineAt, bytesAt, parseDecimal } from './bytes.js';
import { fileSize, openFile, isFile } from './files.js';
import { FrameStore, volumeOf, cellVolumeProblem, KBAR_IN_EV_PER_A3 } from './frames.js';
import { elementOfPotcar } from './elements.js';
import { discoverDk, type DkOptions } from './dk.js';
import { readIncar } from './poscar.js';

/** Calculation settings read from a VASP output. */
export interface VaspSettings {
  /** VASP version string from the first line. */
  version: string | null;
  /** KSPACING (Å⁻¹) when set in the INCAR (as VASP echoes it, or from an INCAR beside the OUTCAR), else null. */
  kspacing: number | null;
  /** The INCAR file KSPACING was read from, when not from the output itself. */
  kspacingFrom?: string;
  ismear: number | null;
  /** Smearing width, eV. */
  sigma: number | null;
  /** Plane-wave cutoff, eV. */
  encut: number | null;
  /** PSTRESS, kBar (the "in kB" stress includes it, as VASP prints it). */
  pstress: number | null;
  nelm: number | null;
  nwrite: number | null;
  ibrion: number | null;
  isif: number | null;
  /** The k-point mesh N₁×N₂×N₃, or null. */
  kmesh: [number, number, number] | null;
  /** Where the mesh comes from: "printed", "KPOINTS", "inferred from the irreducible k-points", … */
  kmeshSource: string | null;
  /** Number of irreducible k-points. */
  nkpts: number | null;
  /** Element of each POTCAR, in order. */
  species: string[];
  /** Ions per POTCAR. */
  ionsPerType: number[];
}

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

/** Index of the first non-blank character of text[s, e), or e. */
function firstNonBlank(t: string, s: number, e: number): number {
  while (s < e && t.charCodeAt(s) === 32) s++;
  return s;
}

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
  const st: VaspSettings = {
    version: null, kspacing: null, ismear: null, sigma: null, encut: null, pstress: null, nelm: null,
    nwrite: null, ibrion: null, isif: null, kmesh: null, kmeshSource: null, nkpts: null, species: [], ionsPerType: [],
  };
  const titel: string[] = [];
  const vrhfin: string[] = [];
  const potcar: string[] = [];
  let nions: number | null = null;
  let ionsPerTypeLine = 0;
  let inIncar = false;
  let header = true;
  let symbols: string[] | null = null;
  const kptList: number[][] = [];
  let kptRemaining = 0;

  // ionic-step state: one cell, position, force and stress array each, reused for every step
  // (FrameStore.add copies them), so the ionic loop allocates almost nothing per step
  const lattice = new Float64Array(9);
  let hasLattice = false;
  let latRow = -1;
  const stressKb = new Float64Array(6);
  let hasStress = false;
  let positions = new Float64Array(0);
  let forces = new Float64Array(0);
  let hasPositions = false;
  const virial = new Float64Array(9);
  let scfIter = 0;
  let energy: number | null = null;
  let inFreeBlock = false;
  let unfinishedScf = false;
  let runFinished = false; // VASP's closing timing summary follows the last step
  let step = 0;
  let stepStartOffset = 0;
  let stepsOffset = -1;
  let store: FrameStore | null = null;
  const skipped: { step: number; reason: string }[] = [];
  const row = new Float64Array(8);

  const fail = (line: number, msg: string): never => {
    throw new ReadError(path, { line }, msg);
  };

  const finishHeader = (lineNo: number): void => {
    header = false;
    // TITEL/VRHFIN: one per POTCAR; the "POTCAR:" lines list every POTCAR twice (NWRITE = 0 prints only those)
    const half = potcar.length / 2;
    const fromPotcar = Number.isInteger(half) && potcar.slice(0, half).join() === potcar.slice(half).join() ? potcar.slice(0, half) : potcar;
    st.species = titel.length > 0 ? titel : vrhfin.length > 0 ? vrhfin : fromPotcar;
    if (st.species.length === 0) fail(lineNo, 'no POTCAR species (POTCAR/TITEL/VRHFIN lines) before the first ionic step: not an OUTCAR, or its header is missing');
    let ipt = st.ionsPerType;
    if (options.ionsPerType) {
      ipt = [...options.ionsPerType];
      if (ipt.length !== st.species.length) fail(ionsPerTypeLine || lineNo, `ionsPerType option has ${ipt.length} counts for ${st.species.length} POTCARs (${st.species.join(' ')})`);
      // the counts the file prints (all, or the first 10 where VASP ≤ 6.3 cuts the line) must agree
      const printed = st.ionsPerType;
      const k = printed.findIndex((c, i) => c !== ipt[i]);
      if (printed.length > 0 && k >= 0) {
        fail(ionsPerTypeLine || lineNo, `ionsPerType option gives ${ipt[k]} ions of type ${k + 1} (${st.species[k]}), but the file's "ions per type" says ${printed[k]}`);
      }
    } else if (ipt.length !== st.species.length) {
      const sum = ipt.reduce((a, b) => a + b, 0);
      fail(
        ionsPerTypeLine || lineNo,
        `"ions per type" lists ${ipt.length} counts (${sum} ions) for ${st.species.length} POTCARs (${st.species.join(' ')})` +
          (nions !== null ? ` and NIONS = ${nions}` : '') +
          (ipt.length === 10 && st.species.length > 10 ? '; VASP ≤ 6.3 truncates this line after 10 species, so the species of the remaining ions are unknown' : '') +
          '; pass { ionsPerType: [...] } from the POSCAR',
      );
    }
    const total = ipt.reduce((a, b) => a + b, 0);
    if (nions !== null && total !== nions) fail(ionsPerTypeLine || lineNo, `ions per type sum to ${total}, but NIONS = ${nions}`);
    st.ionsPerType = ipt;
    symbols = [];
    ipt.forEach((c, i) => {
      for (let k = 0; k < c; k++) symbols!.push(st.species[i]);
    });
    store = new FrameStore(symbols);
    positions = new Float64Array(3 * total);
    forces = new Float64Array(3 * total);
    if (!st.kmesh && kptList.length > 0) {
      const inf = inferMesh(kptList);
      if (inf) {
        st.kmesh = inf.mesh;
        st.kmeshSource = inf.shifted ? 'inferred from the irreducible k-points (shifted Monkhorst-Pack)' : 'inferred from the irreducible k-points';
      }
    }
  };

  /** Close ionic step `step + 1`; `at` is a byte offset of the step (for error messages), `endOffset` where the next starts. */
  const finishStep = (at: number, endOffset: number): void => {
    step++;
    if (!hasPositions) {
      skipped.push({ step, reason: st.nwrite === 0 ? 'NWRITE = 0: no positions and forces printed for this step' : 'no POSITION/TOTAL-FORCE block in this step' });
    } else if (!hasLattice) {
      fail(lineAt(path, at), `ionic step ${step} has no "direct lattice vectors" before its positions`);
    } else {
      const converged = st.nelm === null ? null : scfIter < st.nelm;
      if (converged === false && options.unconverged === 'error') {
        fail(lineAt(path, at), `ionic step ${step}: SCF used ${scfIter} iterations = NELM (${st.nelm}), not converged`);
      }
      if (!(converged === false && options.unconverged === 'drop')) {
        if (hasStress) {
          const s = stressKb;
          const f = volumeOf(lattice) * KBAR_IN_EV_PER_A3;
          // VASP order XX YY ZZ XY YZ ZX
          virial[0] = s[0] * f;
          virial[1] = virial[3] = s[3] * f;
          virial[2] = virial[6] = s[5] * f;
          virial[4] = s[1] * f;
          virial[5] = virial[7] = s[4] * f;
          virial[8] = s[2] * f;
        }
        store!.add({
          cell: lattice,
          positions,
          forces,
          virial: hasStress ? virial : null,
          energy,
          energySigma0: null,
          step,
          scfIterations: scfIter,
          scfConverged: converged,
        });
      } else {
        skipped.push({ step, reason: `SCF not converged (${scfIter} iterations = NELM)` });
      }
    }
    hasPositions = false;
    hasStress = false;
    energy = null;
    scfIter = 0;
    stepStartOffset = endOffset;
  };

  /**
   * The ionic loop. One forward search (Buffer.indexOf on the raw bytes) finds each step's
   * "FREE ENERGIE OF THE ION-ELECTRON SYSTEM"; the step's last "Iteration", "in kB",
   * POSITION/TOTAL-FORCE and "direct lattice vectors" are then found searching backwards within
   * the step. Numbers are parsed from the bytes: the SCF iterations are never decoded,
   * and no line becomes a string. One reused buffer (1 MiB) holds at least the current step
   * (grown only for a step larger than it).
   */
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
  const lastIn = (b: Buffer, needle: Buffer, lo: number, hi: number): number => {
    const end = hi - needle.length;
    let last = -1;
    for (let j = b.indexOf(needle, lo); j >= 0 && j <= end; j = b.indexOf(needle, j + 1)) last = j;
    return last;
  };
  /** lastIn over windows growing back from hi (most markers sit just before the energy block). */
  const lastNear = (b: Buffer, needle: Buffer, lo: number, hi: number): number => {
    for (let w = 1 << 14; ; w *= 4) {
      const a = Math.max(lo, hi - w);
      const r = lastIn(b, needle, a, hi);
      if (r >= 0 || a === lo) return r;
    }
  };
  /** The first whitespace-separated word of b[x, y) as a number (NaN when there is none or it is not a number). */
  const firstNumber = (b: Uint8Array, x: number, y: number): number => {
    while (x < y && (b[x] === 32 || b[x] === 9)) x++;
    let e = x;
    while (e < y && b[e] !== 32 && b[e] !== 9 && b[e] !== 13) e++;
    return e > x && parseNumbersBytes(b, x, e, row) === 1 ? row[0] : NaN;
  };
  /** The value after the first "=" in b[x, y), or NaN. */
  const valueAfterEq = (b: Uint8Array, x: number, y: number): number => {
    while (x < y && b[x] !== 61 /* = */) x++;
    return x < y ? firstNumber(b, x + 1, y) : NaN;
  };
  /**
   * SCF iterations of an "Iteration  N(  M)" header at j: M, read after the "(" (VASP prints N as
   * "****" from ionic step 10000 on). An unreadable M is an error: 0 would pass for converged.
   */
  const scfCount = (b: Uint8Array, j: number, y: number, at: number): number => {
    let x = j + ITER.length;
    while (x < y && b[x] !== 40 /* ( */ && b[x] !== 10) x++;
    x++;
    while (x < y && b[x] === 32) x++;
    let m = 0;
    const d = x;
    while (x < y && b[x] >= 48 && b[x] <= 57) m = m * 10 + (b[x++] - 48);
    if (!(x > d && b[x] === 41 /* ) */)) {
      throw new ReadError(path, { line: lineAt(path, at) }, `cannot read the SCF iteration count M of "Iteration N(M)": ${JSON.stringify(Buffer.from(b.subarray(j, Math.min(y, j + 40))).toString('latin1').trim())}`);
    }
    return m;
  };
  const scanSteps = (): void => {
    const { fd } = openFile(path, 'a VASP OUTCAR');
    let buf = Buffer.allocUnsafe(1 << 20);
    let filled = 0;
    let filePos = stepsOffset;
    let base = stepsOffset; // file offset of buf[0]; the current step starts at buf[0]
    let searched = 0; // bytes of buf already searched for FREE (the step start is 0)
    const failAt = (off: number, msg: string): never => {
      throw new ReadError(path, { line: lineAt(path, off) }, msg);
    };
    try {
      for (;;) {
        const got = readSync(fd, buf, filled, buf.length - filled, filePos);
        filePos += got;
        filled += got;
        const eof = got === 0;
        const v = filled < buf.length ? buf.subarray(0, filled) : buf;
        const n = filled;
        const str = (x: number, y: number): string => v.toString('latin1', x, y);
        const firstNB = (x: number, y: number): number => {
          while (x < y && v[x] === 32) x++;
          return x;
        };
        const lineStart = (j: number): number => {
          while (j > 0 && v[j - 1] !== 10) j--;
          return j;
        };
        const lineEndOf = (j: number): number => {
          while (j < n && v[j] !== 10) j++;
          return j;
        };
        /** End (the newline, or the end of the file) of the line after the line ending at `le`, or -1 when the buffer ends first. */
        const nextLineEnd = (le: number): number => {
          if (le + 1 >= n) return -1;
          const nl = lineEndOf(le + 1);
          return nl >= n && !eof ? -1 : nl;
        };
        const isDashes = (x: number, y: number): boolean => v[firstNB(x, y)] === DASHES;
        /** Parse a POSITION/TOTAL-FORCE block whose header line starts at ls; false when the buffer ends inside it. */
        const positionBlock = (ls: number): boolean => {
          const natoms = symbols!.length;
          const hdrEnd = lineEndOf(ls);
          const dashEnd = nextLineEnd(hdrEnd);
          if (dashEnd < 0) return false;
          if (!isDashes(hdrEnd + 1, dashEnd)) failAt(base + hdrEnd + 1, 'expected a dashed line after POSITION/TOTAL-FORCE');
          let le = dashEnd;
          for (let a = 0; a < natoms; a++) {
            const to = nextLineEnd(le);
            if (to < 0) return false;
            const from = le + 1;
            const c6 = parseNumbersBytes(v, from, to, row);
            if (c6 !== 6 || !(Number.isFinite(row[0]) && Number.isFinite(row[1]) && Number.isFinite(row[2]) && Number.isFinite(row[3]) && Number.isFinite(row[4]) && Number.isFinite(row[5]))) {
              const txt = str(from, to).trim();
              failAt(base + from, /^-+$/.test(txt)
                ? `POSITION/TOTAL-FORCE block ends after ${a} rows, but NIONS = ${natoms}`
                : c6 !== 6
                  ? `POSITION/TOTAL-FORCE row of atom ${a + 1} has ${c6} fields, expected 6 numbers: ${JSON.stringify(txt)}`
                  : `not a finite number in the POSITION/TOTAL-FORCE row of atom ${a + 1}: ${JSON.stringify(txt)}`);
            }
            positions[3 * a] = row[0];
            positions[3 * a + 1] = row[1];
            positions[3 * a + 2] = row[2];
            forces[3 * a] = row[3];
            forces[3 * a + 1] = row[4];
            forces[3 * a + 2] = row[5];
            le = to;
          }
          const lastEnd = nextLineEnd(le);
          if (lastEnd < 0) return false;
          if (!isDashes(le + 1, lastEnd)) failAt(base + le + 1, `POSITION/TOTAL-FORCE block has more than ${natoms} rows (NIONS = ${natoms})`);
          hasPositions = true;
          return true;
        };
        const latticeBlock = (ls: number): boolean => {
          let le = lineEndOf(ls);
          for (let r = 0; r < 3; r++) {
            const to = nextLineEnd(le);
            if (to < 0) return false;
            le = to;
          }
          le = lineEndOf(ls);
          for (let r = 0; r < 3; r++) {
            const from = le + 1;
            const to = lineEndOf(from);
            const c3 = parseNumbersBytes(v, from, to, row);
            if (c3 < 3) failAt(base + from, `lattice vector row ${r + 1} has ${c3} numbers, expected 3 (or 6)`);
            for (let c = 0; c < 3; c++) {
              if (!Number.isFinite(row[c])) failAt(base + from, `not a finite number in lattice vector row ${r + 1}`);
              lattice[3 * r + c] = row[c];
            }
            le = to;
          }
          const bad = cellVolumeProblem(lattice);
          if (bad) failAt(base + ls, `"direct lattice vectors": ${bad}`);
          hasLattice = true;
          return true;
        };
        let start = 0; // start of the current step in v
        let from = searched;
        let resume = -1; // where the next search for FREE starts (in v)
        for (;;) {
          const p = v.indexOf(FREE, from);
          if (p < 0) {
            resume = Math.max(from, n - FREE.length + 1);
            break;
          }
          const ls = lineStart(p);
          from = p + FREE.length;
          const fb0 = firstNB(ls, p);
          if (fb0 !== p) {
            // "ML FREE ENERGIE …": VASP's machine-learned force field (ML_LMLFF). Followed by the SCF
            // ("Iteration") of a DFT step, it is that step's ML prediction; followed by another
            // energy block or the end, it is an ionic step of its own without DFT: counted and
            // listed as skipped. Either way the next step's search starts after it.
            if (p - fb0 === 3 && v[fb0] === 77 /* M */ && v[fb0 + 1] === 76 /* L */ && v[fb0 + 2] === 32) {
              const nextIt = v.indexOf(ITER, p);
              const nextFree = v.indexOf(FREE, p + FREE.length);
              if (nextIt < 0 && nextFree < 0 && !eof) {
                resume = ls; // decide with more of the file
                break;
              }
              if (nextIt < 0 || (nextFree >= 0 && nextFree < nextIt)) {
                step++;
                skipped.push({ step, reason: 'machine-learned force-field step (ML_LMLFF): no DFT energy, forces or stress' });
              }
              const q = lineEndOf(p) + 1;
              start = q;
              stepStartOffset = base + q;
            }
            continue;
          }
          // TOTEN and energy(σ→0) in the 6 lines after the header
          const hdrEnd = lineEndOf(p);
          let energyLine: number | null = null;
          let e0: number | null = null;
          let e0At = 0;
          let q = -1;
          let cut = false; // the buffer ends within these 6 lines
          let le = hdrEnd;
          for (let r = 0; r < 6; r++) {
            const e = nextLineEnd(le);
            if (e < 0) {
              cut = !eof;
              break;
            }
            if (eof && e >= n) break; // the file's last line, without its newline: maybe cut mid-number
            const at = le + 1;
            const fb = firstNB(at, e);
            if (bytesAt(v, fb, TOTEN)) {
              energyLine = valueAfterEq(v, fb, e);
              if (!Number.isFinite(energyLine)) failAt(base + at, `cannot read the free energy TOTEN: ${JSON.stringify(str(at, e).trim())}`);
            } else if (bytesAt(v, fb, WOENT)) {
              const sg = v.indexOf(SIGMA0, fb);
              e0 = sg < 0 || sg + SIGMA0.length > e ? NaN : valueAfterEq(v, sg + SIGMA0.length, e);
              e0At = base + at;
              if (!Number.isFinite(e0)) failAt(e0At, `cannot read energy(sigma->0): ${JSON.stringify(str(at, e).trim())}`);
              q = e + 1;
              break;
            }
            le = e;
          }
          if (cut && e0 === null) {
            resume = ls;
            break;
          }
          if (e0 === null) {
            if (eof) {
              inFreeBlock = true; // reported as an unfinished step below
              break;
            }
            failAt(base + ls, 'no "energy  without entropy … energy(sigma->0)" line after FREE ENERGIE OF THE ION-ELECTRON SYSTEM');
          }
          if (energyLine === null) failAt(e0At, 'energy(sigma->0) without a preceding free energy TOTEN');
          // the rest of the step, searched backwards from the energy block within a view that
          // ends there (same offsets as v)
          const sv = v.subarray(0, ls);
          const it = lastNear(sv, ITER, start, ls);
          scfIter = it >= 0 ? scfCount(v, it, Math.min(n, it + 40), base + it) : 0;
          const lo = it >= 0 ? it : start;
          // the stress block ("FORCE on cell =-STRESS …") ends with its "in kB" line: a block
          // without a readable one is a corrupted file, not a step without stress
          const sb = lastNear(sv, STRESS, lo, ls);
          const kb = lastNear(sv, INKB, sb >= 0 ? sb : lo, ls);
          if (sb >= 0 && !(kb >= 0 && firstNB(lineStart(kb), kb) === kb)) {
            failAt(base + lineStart(sb), `the stress block of ionic step ${step + 1} ("FORCE on cell =-STRESS") has no "in kB" line: the stress cannot be read`);
          }
          if (kb >= 0 && firstNB(lineStart(kb), kb) === kb) {
            const kls = lineStart(kb);
            const kle = lineEndOf(kb);
            const c6 = parseNumbersBytes(v, kb + 5, kle, stressKb);
            if (c6 !== 6) failAt(base + kls, `"in kB" line has ${c6} numbers, expected 6: ${JSON.stringify(str(kls, kle).trim())}`);
            for (let c = 0; c < 6; c++) if (!Number.isFinite(stressKb[c])) failAt(base + kls, `not a finite number in the "in kB" stress line: ${JSON.stringify(str(kls, kle).trim())}`);
            hasStress = true;
          }
          let tf = lastNear(sv, TOTF, lo, ls);
          let pls = -1;
          while (tf >= 0) {
            pls = lineStart(tf);
            if (bytesAt(v, firstNB(pls, tf), POSI)) break;
            tf = lastNear(sv, TOTF, lo, tf);
            pls = -1;
          }
          if (pls >= 0) positionBlock(pls);
          const lv = lastNear(sv, LATV, start, pls >= 0 ? pls : ls);
          if (lv >= 0) latticeBlock(lineStart(lv));
          else if (pls >= 0 && st.isif !== null && st.isif >= 3) {
            // ISIF ≥ 3 changes the cell every step, and VASP prints it with the positions
            failAt(base + pls, `ionic step ${step + 1} has positions but no "direct lattice vectors" block, and ISIF = ${st.isif} changes the cell: the previous step's cell would be wrong`);
          }
          energy = energyLine;
          const before = store!.length;
          finishStep(e0At, base + q);
          if (store!.length > before) store!.setLastSigma0(e0!);
          start = q;
          from = q;
        }
        if (eof) {
          // what the unfinished tail holds: a cut lattice or POSITION block, or a finished one
          const lv = lastIn(v, LATV, start, n);
          if (lv >= 0 && !latticeBlock(lineStart(lv))) failAt(base + lineStart(lv), 'file ends inside a "direct lattice vectors" block (truncated OUTCAR)');
          let tf = lastIn(v, TOTF, start, n);
          while (tf >= 0 && !bytesAt(v, firstNB(lineStart(tf), tf), POSI)) tf = lastIn(v, TOTF, start, tf);
          if (tf >= 0 && !positionBlock(lineStart(tf))) failAt(base + lineStart(tf), `file ends inside the POSITION/TOTAL-FORCE block of ionic step ${step + 1} (truncated OUTCAR)`);
          // SCF iterations after the last free energy: a step that never finished (a finished
          // run ends with its last free energy and the timing summary)
          if (lastIn(v, ITER, start, n) >= 0) unfinishedScf = true;
          runFinished = lastIn(v, TIMING, start, n) >= 0;
          break;
        }
        if (resume < start) resume = start;
        if (start === 0 && filled === buf.length) {
          const bigger = Buffer.allocUnsafe(buf.length * 2);
          buf.copy(bigger, 0, 0, filled);
          buf = bigger;
          searched = resume;
        } else {
          buf.copy(buf, 0, start, filled);
          filled -= start;
          base += start;
          searched = resume - start;
        }
      }
    } finally {
      closeSync(fd);
    }
  };

  forEachLine(path, (t, s, e, lineNo, offset) => {
    if (lineNo === 1) st.version = t.slice(s, e).trim().split(/\s+/)[0] ?? null;
    if (latRow >= 0) {
      const n = parseNumbers(t, s, e, row);
      if (n < 3) fail(lineNo, `lattice vector row ${latRow + 1} has ${n} numbers, expected 3 (or 6)`);
      for (let k = 0; k < 3; k++) {
        if (!Number.isFinite(row[k])) fail(lineNo, `not a finite number in lattice vector row ${latRow + 1}`);
        lattice[3 * latRow + k] = row[k];
      }
      latRow++;
      if (latRow === 3) {
        latRow = -1;
        const bad = cellVolumeProblem(lattice);
        if (bad) fail(lineNo - 3, `"direct lattice vectors": ${bad}`);
      }
      return;
    }
    if (kptRemaining > 0) {
      const n = parseNumbers(t, s, e, row);
      if (n >= 3) {
        // the mesh is inferred from these when the OUTCAR does not print it: a k-point is read or refused
        if (!(Number.isFinite(row[0]) && Number.isFinite(row[1]) && Number.isFinite(row[2]))) fail(lineNo, `not a finite number in the k-point list: ${JSON.stringify(t.slice(s, e).trim())}`);
        kptList.push([row[0], row[1], row[2]]);
        kptRemaining--;
      } else if (kptList.length > 0) kptRemaining = 0;
      return;
    }
    const p = firstNonBlank(t, s, e);
    if (p === e) return;
    const c = t.charCodeAt(p);
    // markers of the ionic loop (also valid in the header for the first cell)
    if (c === 100 /* d */ && t.startsWith('direct lattice vectors', p)) {
      hasLattice = true;
      latRow = 0;
      return;
    }
    if (header) {
      const line = t.slice(s, e);
      if (c === 45 /* - */ && line.includes('Iteration')) {
        finishHeader(lineNo);
        stepsOffset = offset;
        return false;
      } else {
        if (c === 73 /* I */ && line.startsWith('INCAR:', p - s)) {
          inIncar = true;
          return;
        }
        if (c === 80 /* P */ && line.startsWith('POTCAR:', p - s)) {
          inIncar = false;
          const el = elementOfPotcar(line.slice(line.indexOf(':') + 1));
          if (!el) fail(lineNo, `cannot read an element from ${JSON.stringify(line.trim())}`);
          potcar.push(el!);
          return;
        }
        if (inIncar) {
          const m = /^\s*([A-Z][A-Z0-9_]*)\s*=\s*(\S+)/.exec(line);
          if (m && m[1] === 'KSPACING') {
            const v = parseDecimal(m[2]);
            if (!(v > 0)) fail(lineNo, `KSPACING = ${m[2]} in the INCAR echo is not a positive number of Å⁻¹`);
            st.kspacing = v;
          }
          return;
        }
        if (c === 84 /* T */ && line.startsWith('TITEL', p - s)) {
          const m = /TITEL\s*=\s*(.*)$/.exec(line);
          const el = m ? elementOfPotcar(m[1]) : null;
          if (!el) fail(lineNo, `cannot read an element from POTCAR title ${JSON.stringify(line.trim())}`);
          titel.push(el!);
          return;
        }
        if (c === 86 /* V */ && line.startsWith('VRHFIN', p - s)) {
          const m = /VRHFIN\s*=\s*([A-Za-z]+)/.exec(line);
          const el = m ? elementOfPotcar(m[1]) : null;
          if (el) vrhfin.push(el);
          return;
        }
        if (line.includes('ions per type =') && ionsPerTypeLine === 0) {
          ionsPerTypeLine = lineNo;
          st.ionsPerType = line.split('=')[1].trim().split(/\s+/).map(Number);
          if (st.ionsPerType.some((x) => !Number.isInteger(x) || x < 0)) fail(lineNo, `cannot read "ions per type": ${JSON.stringify(line.trim())}`);
          return;
        }
        if (nions === null && line.includes('NIONS =')) {
          nions = setting(path, 'NIONS', line, lineNo);
        }
        if (st.nkpts === null && line.includes('NKPTS =')) st.nkpts = setting(path, 'NKPTS', line, lineNo);
        if (line.includes('generate k-points for:')) {
          const m = /generate k-points for:\s*(\d+)\s+(\d+)\s+(\d+)/.exec(line);
          if (m) {
            st.kmesh = [Number(m[1]), Number(m[2]), Number(m[3])];
            st.kmeshSource = 'printed';
          }
          return;
        }
        if (line.startsWith('k-points in reciprocal lattice and weights', p - s)) {
          kptList.length = 0;
          kptRemaining = st.nkpts ?? 100000;
          return;
        }
        const at = p - s;
        if (c === 69 /* E */ && st.encut === null && line.startsWith('ENCUT', at)) st.encut = setting(path, 'ENCUT', line, lineNo);
        else if (c === 73 /* I */ && st.ismear === null && line.startsWith('ISMEAR', at)) {
          st.ismear = setting(path, 'ISMEAR', line, lineNo);
          st.sigma = setting(path, 'SIGMA', line, lineNo);
        } else if (c === 80 /* P */ && st.pstress === null && line.startsWith('PSTRESS', at)) st.pstress = setting(path, 'PSTRESS', line, lineNo);
        else if (c === 78 /* N */ && st.nelm === null && line.startsWith('NELM', at)) st.nelm = setting(path, 'NELM', line, lineNo);
        else if (c === 78 && st.nwrite === null && line.startsWith('NWRITE', at)) st.nwrite = setting(path, 'NWRITE', line, lineNo);
        else if (c === 73 && st.ibrion === null && line.startsWith('IBRION', at)) st.ibrion = setting(path, 'IBRION', line, lineNo);
        else if (c === 73 && st.isif === null && line.startsWith('ISIF', at)) st.isif = setting(path, 'ISIF', line, lineNo);
        return;
      }
    }
    return;
  }, 1 << 16);
  if (header) {
    throw new ReadError(path, { line: 1 }, 'no ionic step found (no "Iteration" line): not a VASP OUTCAR, or the run stopped before its first SCF step');
  }
  stepStartOffset = stepsOffset;
  scanSteps();
  if (hasPositions || inFreeBlock || unfinishedScf) {
    if (options.truncated !== 'drop') {
      throw truncatedError(path, { line: lineAt(path, stepStartOffset) }, `file ends in ionic step ${step + 1} (started here) before its free energy: truncated OUTCAR`, 'the finished steps');
    }
    skipped.push({ step: step + 1, reason: UNFINISHED });
  }
  const out = store as FrameStore | null;
  if (!out || out.length === 0) {
    throw new ReadError(path, {}, `no complete ionic step (positions, forces and free energy) in ${step} step(s)` + (skipped.length ? `: ${skipped[0].reason}` : ''));
  }
  if (!runFinished && options.truncated !== 'drop') {
    // every finished run ends with the timing summary; without it more steps may have followed
    throw truncatedError(
      path,
      { line: lineAt(path, stepStartOffset) },
      `file ends after ionic step ${step} without VASP's closing "General timing and accounting" summary: the run did not finish ` +
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
  return buildVaspFrames(out, path, st, options, { reader: 'readOutcar', skipped_steps: skipped, ionic_steps: step, run_finished: runFinished, bytes: size });
}

/**
 * The frames table of a VASP run (OUTCAR or vasprun.xml): Δk of every step from KSPACING or
 * mesh + cell, the run's settings (ISMEAR, SIGMA, ENCUT, KSPACING, PSTRESS in kBar) as shared
 * tags, and `notes` with the reader's bookkeeping in the metadata.
 */
export function buildVaspFrames(out: FrameStore, path: string, st: VaspSettings, options: DkOptions, notes: Record<string, unknown>): ColumnTable {
  const n = out.length;
  const dk = new Float64Array(n);
  const dkSources = new Set<string>();
  // VASP makes the k-point mesh once, from the first cell, and keeps it through a relaxation or
  // MD run: KSPACING (or a Δk given another way) is checked against that cell and holds for
  // every step. Only a Δk read off the mesh itself (mesh + cell narrowed by dkCandidates)
  // depends on the cell, step by step.
  let found = n > 0 ? discoverDk({ path, kspacing: st.kspacing, mesh: st.kmesh, cell: out.cellAt(0) }, options) : null;
  if (found) dkSources.add(found.source);
  const perCell = st.kmesh !== null && (options.dkCandidates?.length ?? 0) > 0;
  if (found === null && !perCell) {
    dk.fill(NaN);
  } else if (found === null || found.source === 'mesh') {
    let prev: Float64Array | null = null;
    for (let i = 0; i < n; i++) {
      const cell = out.cellAt(i);
      // a step with the cell of the step before (MD, fixed-cell relaxation) has its Δk
      let changed = prev === null;
      for (let k = 0; k < 9 && !changed; k++) changed = cell[k] !== prev![k];
      if (changed && i > 0) {
        found = discoverDk({ path, kspacing: st.kspacing, mesh: st.kmesh, cell }, options);
        if (found) dkSources.add(found.source);
      }
      dk[i] = found?.dk ?? NaN;
      prev = cell;
    }
  } else {
    dk.fill(found.dk);
  }
  const shared: Record<string, unknown> = { ismear: st.ismear, sigma: st.sigma, encut: st.encut, kspacing: st.kspacing };
  if (st.pstress) shared.pstress_kbar = st.pstress;
  if (dkSources.size > 0) shared.dk_source = [...dkSources].join(', ');
  return out.build(path, { dk, kmesh: st.kmesh, nkpts: st.nkpts, shared }, { notes: { ...notes, file: path, settings: st } });
}
