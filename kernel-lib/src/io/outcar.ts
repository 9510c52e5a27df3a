/**
 * VASP OUTCAR (5.x and 6.x), streamed line by line in bounded memory: every ionic step's cell,
 * positions, species, free energy (TOTEN), energy(σ→0), forces and stress, and the settings that
 * matter for Δk (KSPACING, ISMEAR, SIGMA, ENCUT, PSTRESS, the k-point mesh and count).
 */
import { statSync, openSync, readSync, closeSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ColumnTable } from 'arquero';
import { ReadError, forEachLine, parseNumbers, lineAt } from './errors.js';
import { framesTable, volumeOf, KBAR_IN_EV_PER_A3, type Frame } from './frames.js';
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
  /** A file that ends inside an ionic step: error (default) or drop the unfinished step. */
  truncated?: 'error' | 'drop';
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

function num(re: RegExp, line: string): number | null {
  const m = re.exec(line);
  return m ? Number(m[1]) : null;
}

/**
 * Read every ionic step of a VASP OUTCAR into a frames table (units Å, eV, eV/Å, virial eV).
 * The virial is W = stress("in kB") · V in eV, as dpdata converts it (the "in kB" line is −σ, and
 * includes PSTRESS when it is set). Steps without positions and forces (NWRITE = 0 prints them
 * for the first and last step only) are left out and listed in the metadata (`skipped_steps`).
 * Per-frame tags: step (1-based ionic step), scf_converged, scf_iterations and the settings.
 */
export function readOutcar(path: string, options: ReadOutcarOptions = {}): ColumnTable {
  const size = statSync(path).size;
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

  // ionic-step state
  let lattice: Float64Array | null = null;
  let latRow = -1;
  let stressKb: Float64Array | null = null;
  let positions: Float64Array | null = null;
  let forces: Float64Array | null = null;
  let scfIter = 0;
  let energy: number | null = null;
  let inFreeBlock = false;
  let step = 0;
  let stepStartOffset = 0;
  let stepsOffset = -1;
  const frames: Frame[] = [];
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
    if (!st.kmesh && kptList.length > 0) {
      const inf = inferMesh(kptList);
      if (inf) {
        st.kmesh = inf.mesh;
        st.kmeshSource = inf.shifted ? 'inferred from the irreducible k-points (shifted Monkhorst-Pack)' : 'inferred from the irreducible k-points';
      }
    }
  };

  const finishStep = (locate: () => number, endOffset: number): void => {
    step++;
    if (!positions || !forces) {
      skipped.push({ step, reason: st.nwrite === 0 ? 'NWRITE = 0: no positions and forces printed for this step' : 'no POSITION/TOTAL-FORCE block in this step' });
    } else if (!lattice) {
      fail(locate(), `ionic step ${step} has no "direct lattice vectors" before its positions`);
    } else {
      const converged = st.nelm === null ? null : scfIter < st.nelm;
      if (converged === false && options.unconverged === 'error') {
        fail(locate(), `ionic step ${step}: SCF used ${scfIter} iterations = NELM (${st.nelm}), not converged`);
      }
      if (!(converged === false && options.unconverged === 'drop')) {
        const cell = lattice;
        let virial: Float64Array | null = null;
        if (stressKb) {
          const s = stressKb;
          const f = volumeOf(cell) * KBAR_IN_EV_PER_A3;
          // VASP order XX YY ZZ XY YZ ZX
          virial = Float64Array.of(s[0] * f, s[3] * f, s[5] * f, s[3] * f, s[1] * f, s[4] * f, s[5] * f, s[4] * f, s[2] * f);
        }
        frames.push({
          id: `${path}#${frames.length}`,
          source: path,
          frame: frames.length,
          symbols: symbols!,
          cell,
          pbc: [true, true, true],
          positions,
          forces,
          energy,
          energySigma0: null,
          virial,
          dk: null,
          kmesh: st.kmesh,
          nkpts: st.nkpts,
          tags: { step, scf_iterations: scfIter, scf_converged: converged, ...(st.pstress ? { pstress_kbar: st.pstress } : {}) },
        });
      } else {
        skipped.push({ step, reason: `SCF not converged (${scfIter} iterations = NELM)` });
      }
    }
    positions = null;
    forces = null;
    stressKb = null;
    energy = null;
    scfIter = 0;
    stepStartOffset = endOffset;
  };


  /**
   * The ionic loop: jump from marker to marker with Buffer.indexOf on the raw bytes (the SCF
   * iterations between them are never decoded or split into lines); only the blocks found are
   * decoded and parsed. Reads through one reused buffer (grown only for a block larger than it).
   */
  const MARKS = ['Iteration', 'in kB', 'direct lattice vectors', 'TOTAL-FORCE', 'FREE ENERGIE OF THE ION-ELECTRON SYSTEM', 'free  energy   TOTEN', 'energy  without entropy'].map((m) => Buffer.from(m, 'latin1'));
  const scanSteps = (): void => {
    const fd = openSync(path, 'r');
    let buf = Buffer.allocUnsafe(1 << 23);
    let filled = 0;
    let filePos = stepsOffset;
    let base = stepsOffset;
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
        const next = MARKS.map((m) => v.indexOf(m));
        let i = 0;
        let stop = -1;
        scan: for (;;) {
          let k = -1;
          let p = n;
          for (let m = 0; m < next.length; m++) {
            if (next[m] >= 0 && next[m] < p) {
              p = next[m];
              k = m;
            }
          }
          if (k < 0) break;
          const ls = v.lastIndexOf(10, p) + 1;
          let le = v.indexOf(10, p);
          if (le < 0) {
            if (!eof) {
              stop = ls;
              break;
            }
            le = n;
          }
          const lineEnd = le > ls && v[le - 1] === 13 ? le - 1 : le;
          let q = le + 1;
          const fb = firstNB(ls, lineEnd);
          /** End offsets of the `count` lines after the current one, or null when the buffer ends first. */
          const nextLines = (count: number): number[] | null => {
            const ends: number[] = [];
            let at = le;
            for (let r = 0; r < count; r++) {
              const nl = at + 1 < n ? v.indexOf(10, at + 1) : -1;
              if (nl < 0) {
                if (eof && at + 1 < n) {
                  ends.push(n);
                  at = n;
                  continue;
                }
                return null;
              }
              ends.push(nl);
              at = nl;
            }
            return ends;
          };
          switch (k) {
            case 0: {
              if (v[fb] !== DASHES) break;
              const m = /Iteration\s*(\d+)\s*\(\s*(\d+)\)/.exec(str(p, lineEnd));
              if (m) scfIter = Number(m[2]);
              break;
            }
            case 1: {
              if (fb !== p) break;
              const line = str(ls, lineEnd);
              stressKb = new Float64Array(6);
              const c6 = parseNumbers(line, p - ls + 5, line.length, stressKb);
              if (c6 !== 6) failAt(base + ls, `"in kB" line has ${c6} numbers, expected 6: ${JSON.stringify(line.trim())}`);
              for (let c = 0; c < 6; c++) if (!Number.isFinite(stressKb[c])) failAt(base + ls, `not a finite number in the "in kB" stress line: ${JSON.stringify(line.trim())}`);
              break;
            }
            case 2: {
              const ends = nextLines(3);
              if (!ends) {
                if (!eof) {
                  stop = ls;
                  break scan;
                }
                failAt(base + ls, 'file ends inside a "direct lattice vectors" block (truncated OUTCAR)');
              }
              const lat = new Float64Array(9);
              let from = le + 1;
              for (let r = 0; r < 3; r++) {
                const line = str(from, ends![r]);
                const c3 = parseNumbers(line, 0, line.length, row);
                if (c3 < 3) failAt(base + from, `lattice vector row ${r + 1} has ${c3} numbers, expected 3 (or 6)`);
                for (let c = 0; c < 3; c++) {
                  if (!Number.isFinite(row[c])) failAt(base + from, `not a finite number in lattice vector row ${r + 1}`);
                  lat[3 * r + c] = row[c];
                }
                from = ends![r] + 1;
              }
              lattice = lat;
              q = from;
              break;
            }
            case 3: {
              if (v.indexOf('POSITION', fb) !== fb) break;
              const natoms = symbols!.length;
              const ends = nextLines(natoms + 2);
              if (!ends) {
                if (!eof) {
                  stop = ls;
                  break scan;
                }
                failAt(base + ls, `file ends inside the POSITION/TOTAL-FORCE block of ionic step ${step + 1} (truncated OUTCAR)`);
              }
              const b0 = le + 1;
              const block = str(b0, ends![natoms + 1]);
              const e0 = (r: number): number => ends![r] - b0; // end of line r of the block in `block`
              if (block.charCodeAt(firstNonBlank(block, 0, e0(0))) !== DASHES) failAt(base + b0, 'expected a dashed line after POSITION/TOTAL-FORCE');
              const pos = new Float64Array(3 * natoms);
              const frc = new Float64Array(3 * natoms);
              for (let a = 0; a < natoms; a++) {
                const from = e0(a) + 1;
                const to = e0(a + 1);
                const c6 = parseNumbers(block, from, to, row);
                if (c6 !== 6) {
                  const txt = block.slice(from, to).trim();
                  failAt(base + b0 + from, /^-+$/.test(txt)
                    ? `POSITION/TOTAL-FORCE block ends after ${a} rows, but NIONS = ${natoms}`
                    : `POSITION/TOTAL-FORCE row of atom ${a + 1} has ${c6} fields, expected 6 numbers: ${JSON.stringify(txt)}`);
                }
                for (let c = 0; c < 6; c++) if (!Number.isFinite(row[c])) failAt(base + b0 + from, `not a finite number in the POSITION/TOTAL-FORCE row of atom ${a + 1}: ${JSON.stringify(block.slice(from, to).trim())}`);
                pos[3 * a] = row[0];
                pos[3 * a + 1] = row[1];
                pos[3 * a + 2] = row[2];
                frc[3 * a] = row[3];
                frc[3 * a + 1] = row[4];
                frc[3 * a + 2] = row[5];
              }
              const last = e0(natoms) + 1;
              if (block.charCodeAt(firstNonBlank(block, last, block.length)) !== DASHES) failAt(base + b0 + last, `POSITION/TOTAL-FORCE block has more than ${natoms} rows (NIONS = ${natoms})`);
              positions = pos;
              forces = frc;
              q = ends![natoms + 1] + 1;
              break;
            }
            case 4:
              if (fb === p) inFreeBlock = true;
              break;
            case 5: {
              if (!inFreeBlock || fb !== p) break;
              const line = str(p, lineEnd);
              const m = /=\s*(\S+)/.exec(line);
              energy = m ? Number(m[1]) : NaN;
              if (!Number.isFinite(energy)) failAt(base + ls, `cannot read the free energy TOTEN: ${JSON.stringify(line.trim())}`);
              break;
            }
            case 6: {
              if (!inFreeBlock || fb !== p) break;
              const line = str(p, lineEnd);
              const m = /sigma->0\)\s*=\s*(\S+)/.exec(line);
              const e0 = m ? Number(m[1]) : NaN;
              const at = base + ls;
              if (!Number.isFinite(e0)) failAt(at, `cannot read energy(sigma->0): ${JSON.stringify(line.trim())}`);
              if (energy === null) failAt(at, 'energy(sigma->0) without a preceding free energy TOTEN');
              inFreeBlock = false;
              const before = frames.length;
              finishStep(() => lineAt(path, at), base + q);
              if (frames.length > before) frames[frames.length - 1].energySigma0 = e0;
              break;
            }
          }
          i = q;
          for (let m = 0; m < next.length; m++) if (next[m] >= 0 && next[m] < i) next[m] = v.indexOf(MARKS[m], i);
        }
        if (eof) break;
        if (stop < 0) stop = Math.max(i, v.lastIndexOf(10) + 1);
        if (stop === 0 && filled === buf.length) {
          const bigger = Buffer.allocUnsafe(buf.length * 2);
          buf.copy(bigger, 0, 0, filled);
          buf = bigger;
        } else {
          buf.copy(buf, 0, stop, filled);
          filled -= stop;
          base += stop;
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
        lattice![3 * latRow + k] = row[k];
      }
      latRow++;
      if (latRow === 3) latRow = -1;
      return;
    }
    if (kptRemaining > 0) {
      const n = parseNumbers(t, s, e, row);
      if (n >= 3) {
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
      lattice = new Float64Array(9);
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
          if (m && m[1] === 'KSPACING') st.kspacing = Number(m[2]);
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
          nions = num(/NIONS\s*=\s*(\d+)/, line);
        }
        if (st.nkpts === null && line.includes('NKPTS =')) st.nkpts = num(/NKPTS\s*=\s*(\d+)/, line);
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
        if (c === 69 /* E */ && st.encut === null && line.startsWith('ENCUT', at)) st.encut = num(/ENCUT\s*=\s*([-\d.]+)/, line);
        else if (c === 73 /* I */ && st.ismear === null && line.startsWith('ISMEAR', at)) {
          st.ismear = num(/ISMEAR\s*=\s*([-\d]+)/, line);
          st.sigma = num(/SIGMA\s*=\s*([-\d.]+)/, line);
        } else if (c === 80 /* P */ && st.pstress === null && line.startsWith('PSTRESS', at)) st.pstress = num(/PSTRESS\s*=\s*([-\d.]+)/, line);
        else if (c === 78 /* N */ && st.nelm === null && line.startsWith('NELM', at)) st.nelm = num(/NELM\s*=\s*(\d+)/, line);
        else if (c === 78 && st.nwrite === null && line.startsWith('NWRITE', at)) st.nwrite = num(/NWRITE\s*=\s*(\d+)/, line);
        else if (c === 73 && st.ibrion === null && line.startsWith('IBRION', at)) st.ibrion = num(/IBRION\s*=\s*([-\d]+)/, line);
        else if (c === 73 && st.isif === null && line.startsWith('ISIF', at)) st.isif = num(/ISIF\s*=\s*([-\d]+)/, line);
        return;
      }
    }
    return;
  }, 1 << 20);
  if (header) {
    throw new ReadError(path, { line: 1 }, 'no ionic step found (no "Iteration" line): not a VASP OUTCAR, or the run stopped before its first SCF step');
  }
  stepStartOffset = stepsOffset;
  scanSteps();
  if (positions !== null || inFreeBlock) {
    if (options.truncated !== 'drop') {
      throw new ReadError(path, { line: lineAt(path, stepStartOffset) }, `file ends in ionic step ${step + 1} (started here) before its free energy: truncated OUTCAR (pass { truncated: "drop" } to keep the finished steps)`);
    }
    skipped.push({ step: step + 1, reason: 'unfinished at the end of the file' });
  }
  if (frames.length === 0) {
    throw new ReadError(path, {}, `no complete ionic step (positions, forces and free energy) in ${step} step(s)` + (skipped.length ? `: ${skipped[0].reason}` : ''));
  }
  if (st.kspacing === null) {
    // VASP 5 does not echo the INCAR: an INCAR beside the OUTCAR tells KSPACING
    const incar = join(dirname(path), 'INCAR');
    if (existsSync(incar)) {
      const ks = readIncar(incar).KSPACING;
      if (ks !== undefined) {
        st.kspacing = Number(ks);
        if (!(st.kspacing > 0)) throw new ReadError(incar, {}, `KSPACING = ${ks} is not a positive number of Å⁻¹`);
        st.kspacingFrom = incar;
      }
    }
  }
  for (const f of frames) {
    const found = discoverDk({ path, kspacing: st.kspacing, mesh: st.kmesh, cell: f.cell }, options);
    f.dk = found?.dk ?? null;
    if (found) f.tags.dk_source = found.source;
    f.tags.ismear = st.ismear;
    f.tags.sigma = st.sigma;
    f.tags.encut = st.encut;
    f.tags.kspacing = st.kspacing;
  }
  return framesTable(frames, {
    notes: { reader: 'readOutcar', file: path, settings: st, skipped_steps: skipped, ionic_steps: step, bytes: size },
  });
}
