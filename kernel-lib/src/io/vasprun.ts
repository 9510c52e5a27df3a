/**
 * VASP vasprun.xml, read streaming (SAX-style, bounded memory; eigenvalues, DOS and projections
 * are skipped unparsed): every ionic step's cell, positions, species, free energy, energy(σ→0),
 * forces and stress, with the INCAR settings and the k-point mesh.
 */
import { readSync, closeSync } from 'node:fs';
import type { ColumnTable } from 'arquero';
import { ReadError, truncatedError, UNFINISHED, type Truncated } from './errors.js';
import { looksBinary, parseNumbersBytes, bytesAt, parseDecimal } from './bytes.js';
import { fileSize, openFile } from './files.js';
import { FrameStore, volumeOf, cellVolumeProblem, KBAR_IN_EV_PER_A3 } from './frames.js';
import { isElement } from './elements.js';
import type { DkOptions } from './dk.js';
import { streamXml, attr } from './xmlstream.js';
import { buildVaspFrames, type VaspSettings } from './vaspframes.js';

/** Options of {@link readVasprun}. */
export interface ReadVasprunOptions extends DkOptions {
  /** A file that ends inside a calculation (a killed run): error (default) or keep the finished steps. */
  truncated?: Truncated;
}

/** Subtrees never needed here: skipped without tokenizing. */
const SKIP = new Set(['eigenvalues', 'dos', 'projected', 'eigenvalues_kpoints_opt', 'projected_kpoints_opt', 'dielectricfunction', 'partial', 'dynmat', 'born_charges', 'electronic_structure']);

/** Numbers appended to a reused Float64Array (grows by doubling). */
class Numbers {
  data = new Float64Array(64);
  length = 0;
  /** Room for `k` more numbers. */
  reserve(k: number): void {
    if (this.length + k <= this.data.length) return;
    let m = this.data.length * 2;
    while (m < this.length + k) m *= 2;
    const d = new Float64Array(m);
    d.set(this.data.subarray(0, this.length));
    this.data = d;
  }
}

/** Slots of {@link Calc.energies}. */
const E_FR = 0;
const SC_FR = 1;
const SC_E0 = 2;

/** What one <calculation> holds so far; one object, reset for every calculation. */
interface Calc {
  basis: Numbers;
  positions: Numbers;
  forces: Numbers;
  hasForces: boolean;
  stress: Numbers;
  hasStress: boolean;
  /** e_fr_energy of the calculation, of its last SCF step, and e_0_energy of its last SCF step (eV; NaN: none). */
  energies: Float64Array;
  scsteps: number;
  hasStructure: boolean;
}

/**
 * Read every ionic step (<calculation>) of a vasprun.xml into a frames table (units Å, eV, eV/Å,
 * virial eV as dpdata converts the kBar stress: W = stress · V). `energy` is the step's
 * e_fr_energy; `energy_sigma0` is e_fr_energy + (e_0 − e_fr) of the last SCF step, as pymatgen
 * corrects it (VASP 5 writes a wrong e_0_energy at the calculation level, and in linear-response
 * runs the last SCF steps are response iterations). ENCUT falls back to ENMAX of <parameters>;
 * settings that are not numbers are errors. Species come from the per-atom list, so an atomtypes
 * table that lists one element twice is merged. KSPACING counts only when set in <incar>
 * (the <parameters> section always lists a default).
 */
export function readVasprun(path: string, options: ReadVasprunOptions = {}): ColumnTable {
  const size = fileSize(path, 'a vasprun.xml');
  if (size === 0) throw new ReadError(path, { line: 1 }, 'empty file, expected a vasprun.xml');
  {
    const { fd } = openFile(path, 'a vasprun.xml');
    const head = Buffer.alloc(Math.min(size, 4096));
    readSync(fd, head, 0, head.length, 0);
    closeSync(fd);
    if (looksBinary(head)) throw new ReadError(path, { line: 1 }, 'binary data where XML was expected');
    if (!head.toString('latin1').includes('<modeling')) throw new ReadError(path, { line: 1 }, 'no <modeling> root element: not a vasprun.xml');
  }
  const st: VaspSettings = {
    version: null, kspacing: null, ismear: null, sigma: null, encut: null, pstress: null, nelm: null,
    nwrite: null, ibrion: null, isif: null, kmesh: null, kmeshSource: null, nkpts: null, species: [], ionsPerType: [],
  };
  const param: Record<string, string> = {};
  const stack: string[] = [];
  const names: (string | null)[] = [];
  let textBuf = '';
  let collecting = false;
  let symbols: string[] = [];
  let atomRowCol = -1;
  let kgenParam: string | null = null;
  let nkptList = 0;
  const weights = new Numbers(); // the k-point weights of the run's <kpoints> (one per k-point, summing to 1)
  let inRunKpoints = false;
  const calc: Calc = {
    basis: new Numbers(), positions: new Numbers(), forces: new Numbers(), hasForces: false, stress: new Numbers(), hasStress: false,
    energies: new Float64Array(3), scsteps: 0, hasStructure: false,
  };
  let inCalc = false;
  let closedModeling = false;
  let calcIndex = 0;
  let store: FrameStore | null = null;
  const nFrames = (): number => (store ? store.length : 0);
  const skipped: { step: number; reason: string }[] = [];
  // per-step arrays handed to FrameStore.add (which copies them): allocated once
  const cell = new Float64Array(9);
  let pos = new Float64Array(0);
  let frc = new Float64Array(0);
  const virial = new Float64Array(9);
  const one = new Float64Array(1);
  // the name="…" attribute of each (interned) attribute text, looked up once
  const nameAttr = new Map<string, string | null>();
  const nameOf = (attrs: string): string | null => {
    let v = nameAttr.get(attrs);
    if (v === undefined) {
      v = attr(attrs, 'name');
      nameAttr.set(attrs, v);
    }
    return v;
  };

  const fail = (msg: string, frame?: number, array?: string): never => {
    throw new ReadError(path, { frame, array }, msg);
  };
  /** A numeric setting: the user's <incar> value first, then <parameters>; text that is not a number is an error. */
  const setting = (k: string, fromParameters = true): number | null => {
    const key = `incar:${k}` in param ? `incar:${k}` : fromParameters && k in param ? k : null;
    if (key === null) return null;
    const text = param[key];
    const v = parseDecimal(text.replace(/[dD]/, 'e')); // Fortran writes 1.0D-3
    if (!Number.isFinite(v)) fail(`${key.startsWith('incar:') ? '<incar>' : '<parameters>'} ${k} = ${JSON.stringify(text)} is not a number`, undefined, k);
    return v;
  };

  /**
   * energy(σ→0) of a step: the step's e_fr_energy plus (e_0 − e_fr) of its last SCF step. Equal
   * to the last SCF step's e_0 in a plain run; right also where the last <scstep> is not a
   * total-energy iteration (linear response, LEPSILON), and where VASP 5 writes a wrong
   * calculation-level e_0_energy. Null when the SCF steps give no e_0.
   */
  const sigma0 = (e: Float64Array): number | null => {
    if (Number.isNaN(e[SC_E0])) return null;
    if (Number.isNaN(e[E_FR]) || Number.isNaN(e[SC_FR]) || e[E_FR] === e[SC_FR]) return e[SC_E0];
    return e[E_FR] + (e[SC_E0] - e[SC_FR]);
  };

  let nelm: number | null | undefined;
  const finishCalc = (): void => {
    const c = calc;
    const step = calcIndex;
    inCalc = false;
    const nat = symbols.length;
    if (!c.hasStructure) {
      skipped.push({ step, reason: 'no <structure> in this <calculation>' });
      return;
    }
    if (c.basis.length !== 9) fail(`<structure> of <calculation> ${step}: basis has ${c.basis.length} numbers, expected 9`, nFrames(), 'basis');
    if (c.positions.length !== 3 * nat) fail(`<structure> of <calculation> ${step}: positions has ${c.positions.length / 3} rows for ${nat} atoms`, nFrames(), 'positions');
    if (!c.hasForces) {
      skipped.push({ step, reason: 'no forces in this <calculation>' });
      return;
    }
    if (c.forces.length !== 3 * nat) fail(`forces has ${c.forces.length / 3} rows for ${nat} atoms`, nFrames(), 'forces');
    for (let k = 0; k < 9; k++) cell[k] = c.basis.data[k];
    const bad = cellVolumeProblem(cell);
    if (bad) fail(`<structure> of <calculation> ${step}: ${bad}`, nFrames(), 'basis');
    if (pos.length !== 3 * nat) {
      pos = new Float64Array(3 * nat);
      frc = new Float64Array(3 * nat);
    }
    const fr = c.positions.data;
    const fo = c.forces.data;
    for (let k = 0; k < 3 * nat; k++) frc[k] = fo[k];
    for (let a = 0; a < nat; a++) {
      const f0 = fr[3 * a], f1 = fr[3 * a + 1], f2 = fr[3 * a + 2];
      for (let k = 0; k < 3; k++) pos[3 * a + k] = f0 * cell[k] + f1 * cell[3 + k] + f2 * cell[6 + k];
    }
    if (c.hasStress) {
      if (c.stress.length !== 9) fail(`stress has ${c.stress.length} components, expected 9`, nFrames(), 'stress');
      const f = volumeOf(cell) * KBAR_IN_EV_PER_A3;
      for (let k = 0; k < 9; k++) virial[k] = c.stress.data[k] * f;
    }
    const e = c.energies;
    const energy = !Number.isNaN(e[E_FR]) ? e[E_FR] : !Number.isNaN(e[SC_FR]) ? e[SC_FR] : null;
    if (energy === null) fail('no e_fr_energy in this <calculation>', nFrames(), 'energy');
    if (nelm === undefined) nelm = setting('NELM'); // <incar> and <parameters> come before the calculations
    if (!store) store = new FrameStore(symbols);
    store.add({
      cell,
      positions: pos,
      forces: frc,
      virial: c.hasStress ? virial : null,
      energy,
      energySigma0: sigma0(e),
      step,
      scfIterations: c.scsteps,
      scfConverged: nelm === null ? null : c.scsteps < nelm,
    });
  };

  let result: { bytes: number; depth: number };
  const [CLOSE_V, CLOSE_VARRAY, NAME_E_FR, NAME_E_0, VARRAY, I_NAME, VARRAY_BASIS, VARRAY_POSITIONS] = [
    '</v>', '</varray>', 'e_fr_energy', 'e_0_energy', '<varray', '<i name="', '<varray name="basis"', '<varray name="positions"',
  ].map((m) => Buffer.from(m, 'latin1'));
  /**
   * The element `<tag …>` (its "<" at the returned offset) whose name attribute is `key`, found
   * from the occurrence of the key's bytes at k: the tag must start within the 200 bytes before
   * it. Any XML spelling of the attribute is accepted (spaces around "=", either quote).
   * Returns the offset of "<", or -1 when this occurrence is not such an attribute.
   */
  const tagNamed = (b: Buffer, lo: number, k: number, tag: string, key: string): number => {
    let lt = k;
    while (lt > lo && lt > k - 200 && b[lt] !== 60 /* < */ && b[lt] !== 62 /* > */) lt--;
    if (b[lt] !== 60) return -1;
    let gt = k;
    while (gt < k + 200 && b[gt] !== 62 && b[gt] !== 60) gt++;
    if (b[gt] !== 62) return -1;
    const text = b.toString('latin1', lt + 1, gt);
    const sp = text.search(/[\s/]/);
    if ((sp < 0 ? text : text.slice(0, sp)) !== tag) return -1;
    return attr(sp < 0 ? '' : text.slice(sp), 'name') === key ? lt : -1;
  };
  /**
   * Numbers of every <v> in bytes b[start, end) appended to `arr`; returns the rows. The markup
   * between rows is a few bytes: it is stepped over in JavaScript, not with a native search per row.
   */
  const vRows = (b: Buffer, start: number, end: number, arr: Numbers, label: string): number => {
    let rowsRead = 0;
    let k = start;
    for (;;) {
      while (k < end && b[k] !== 60 /* < */) k++;
      if (k + 2 >= end) break;
      const c = b[k + 2];
      if (b[k + 1] !== 118 /* v */ || (c !== 62 /* > */ && c !== 32 && c !== 9)) {
        k += 2;
        continue;
      }
      let gt = k + 2;
      while (gt < end && b[gt] !== 62) gt++;
      let close = gt + 1;
      while (close < end && b[close] !== 60) close++;
      if (!(close + 3 < end && b[close + 1] === 47 /* / */ && b[close + 2] === 118 && b[close + 3] === 62)) {
        close = b.indexOf(CLOSE_V, gt); // not "</v>" right after the numbers: search for it
      }
      if (gt >= end || close < 0 || close > end) break;
      arr.reserve(((close - gt) >> 1) + 1);
      const at = arr.length;
      const n = parseNumbersBytes(b, gt + 1, close, arr.data, at);
      for (let q = at; q < at + n; q++) {
        if (!Number.isFinite(arr.data[q])) fail(`not a finite number in <varray name="${label}">: ${JSON.stringify(b.toString('latin1', gt + 1, close).trim())}`, nFrames(), label);
      }
      arr.length += n;
      rowsRead++;
      k = close + 4;
    }
    return rowsRead;
  };
  /**
   * The value of <i name="key"> (last one) in bytes b[start, end) into calc.energies[slot] when
   * there is one; `nd` is the bytes of name="key". One backward search from the end (the
   * elements are small), then the value's few bytes in JavaScript.
   */
  const iValue = (b: Buffer, start: number, end: number, nd: Buffer, key: string, slot: number): void => {
    if (end - start < nd.length) return;
    let k = b.lastIndexOf(nd, end - nd.length);
    // VASP writes <i name="key">: checked on the bytes; any other spelling goes through tagNamed
    while (k >= start && !(b[k + nd.length] === 34 /* " */ && k >= I_NAME.length && bytesAt(b, k - I_NAME.length, I_NAME)) && tagNamed(b, start, k, 'i', key) < 0) {
      k = k > 0 ? b.lastIndexOf(nd, k - 1) : -1;
    }
    if (k < start) return;
    let gt = k + nd.length;
    while (gt < end && b[gt] !== 62) gt++;
    let lt = gt + 1;
    while (lt < end && b[lt] !== 60) lt++;
    if (parseNumbersBytes(b, gt + 1, lt, one) !== 1 || !Number.isFinite(one[0])) {
      fail(`not a finite number in <i name="${key}">: ${JSON.stringify(b.toString('latin1', gt + 1, lt).trim())}`, nFrames(), key);
    }
    calc.energies[slot] = one[0];
  };
  /** The rows of every <varray name="basis"> and <varray name="positions"> within bytes b[start, end). */
  const structureRows = (b: Buffer, start: number, end: number): void => {
    for (let k = b.indexOf(VARRAY, start); k >= 0 && k < end; k = b.indexOf(VARRAY, k + 1)) {
      let gt = k + VARRAY.length;
      if (b[gt] !== 62 && b[gt] !== 32 && b[gt] !== 9 && b[gt] !== 10 && b[gt] !== 13) continue;
      while (gt < end && b[gt] !== 62) gt++;
      // VASP writes <varray name="basis" >: checked on the bytes; other spellings parsed
      const nm = bytesAt(b, k, VARRAY_BASIS) ? 'basis' : bytesAt(b, k, VARRAY_POSITIONS) ? 'positions' : attr(b.toString('latin1', k + VARRAY.length, gt), 'name');
      if (nm !== 'basis' && nm !== 'positions') continue;
      const close = b.indexOf(CLOSE_VARRAY, gt);
      if (close < 0 || close > end) fail(`<varray name="${nm}"> without its </varray> in a <structure>`, nFrames(), nm);
      vRows(b, gt, close, nm === 'basis' ? calc.basis : calc.positions, nm);
    }
  };
  try {
    result = streamXml(path, {
      rawTags: new Set(['scstep', 'structure', 'varray', 'energy']),
      raw(name, attrs, b, start, end) {
        const parent = stack.length ? stack[stack.length - 1] : '';
        if (name === 'scstep') {
          if (!inCalc) return;
          calc.scsteps++;
          iValue(b, start, end, NAME_E_FR, 'e_fr_energy', SC_FR);
          iValue(b, start, end, NAME_E_0, 'e_0_energy', SC_E0);
        } else if (name === 'structure') {
          if (!inCalc) return;
          calc.hasStructure = true;
          calc.basis.length = 0;
          calc.positions.length = 0;
          structureRows(b, start, end);
        } else if (name === 'energy') {
          if (inCalc && parent === 'calculation') iValue(b, start, end, NAME_E_FR, 'e_fr_energy', E_FR);
        } else if (name === 'varray') {
          const nm = nameOf(attrs);
          if (inCalc && parent === 'calculation' && (nm === 'forces' || nm === 'stress')) {
            const arr = nm === 'forces' ? calc.forces : calc.stress;
            arr.length = 0;
            vRows(b, start, end, arr, nm);
            if (nm === 'forces') calc.hasForces = true;
            else calc.hasStress = true;
          } else if (parent === 'kpoints' && nm === 'kpointlist' && inRunKpoints) {
            const kpts = new Numbers();
            nkptList += vRows(b, start, end, kpts, 'kpointlist');
          } else if (parent === 'kpoints' && nm === 'weights' && inRunKpoints) {
            vRows(b, start, end, weights, 'weights');
          }
        }
      },
      open(name, attrs) {
        if (SKIP.has(name)) {
          stack.push(name);
          names.push(null);
          return name;
        }
        const nm = nameOf(attrs);
        stack.push(name);
        names.push(nm);
        const parent = stack.length >= 2 ? stack[stack.length - 2] : '';
        if (name === 'calculation') {
          calcIndex++;
          inCalc = true;
          calc.basis.length = 0;
          calc.positions.length = 0;
          calc.forces.length = 0;
          calc.stress.length = 0;
          calc.hasForces = false;
          calc.hasStress = false;
          calc.energies.fill(NaN);
          calc.scsteps = 0;
          calc.hasStructure = false;
        } else if (name === 'kpoints') {
          // the run's k-points sit under <modeling>; linear-response runs repeat <kpoints>
          // inside their <calculation>s for the response steps
          inRunKpoints = parent === 'modeling';
        } else if (name === 'generation' && parent === 'kpoints' && inRunKpoints) {
          kgenParam = attr(attrs, 'param');
        } else if (name === 'rc') {
          atomRowCol = 0;
        }
        collecting = name === 'v' || name === 'i' || name === 'c' || name === 'atoms';
        textBuf = '';
      },
      text(b, s, e) {
        if (collecting) textBuf += b.toString('latin1', s, e);
      },
      close(name) {
        const nm = names.pop() ?? null;
        stack.pop();
        const parent = stack.length ? stack[stack.length - 1] : '';
        if (name === 'v') {
          if (parent === 'generation' && nm === 'divisions' && inRunKpoints) {
            const d = textBuf.trim().split(/\s+/).map(Number);
            if (d.length === 3 && d.every((x) => Number.isInteger(x) && x > 0)) {
              st.kmesh = [d[0], d[1], d[2]];
              st.kmeshSource = `vasprun <kpoints> ${kgenParam ?? 'generation'}`;
            }
          }
        } else if (name === 'i') {
          if (nm && parent === 'incar') {
            param[`incar:${nm}`] = textBuf.trim();
          } else if (nm && stack.includes('parameters')) {
            if (!(nm in param)) param[nm] = textBuf.trim();
          } else if (nm === 'version' && parent === 'generator') st.version = textBuf.trim();
        } else if (name === 'c') {
          const L = stack.length;
          if (atomRowCol === 0 && stack[L - 1] === 'rc' && stack[L - 2] === 'set' && stack[L - 3] === 'array' && names[L - 3] === 'atoms') {
            // the first column of <array name="atoms"> rows is the element
            let el = textBuf.trim();
            if (!isElement(el)) {
              const fixed = el.length > 0 ? el[0].toUpperCase() + el.slice(1).toLowerCase() : el;
              if (!isElement(fixed)) fail(`unknown element ${JSON.stringify(el)} in <atominfo> (atom ${symbols.length + 1})`, undefined, 'atominfo');
              el = fixed;
            }
            symbols.push(el);
          }
          if (atomRowCol >= 0) atomRowCol++;
        } else if (name === 'rc') {
          atomRowCol = -1;
        } else if (name === 'calculation') {
          finishCalc();
        } else if (name === 'kpoints' && inRunKpoints) {
          inRunKpoints = false;
          // one k-point list per run; a second, different one is not guessed between
          if (st.nkpts !== null && st.nkpts !== (nkptList || null)) fail(`two <kpoints> blocks with ${st.nkpts} and ${nkptList} k-points`, undefined, 'kpoints');
          // one weight per k-point, summing to 1: a k-point row lost or doubled shows here
          if (weights.length > 0) {
            let sum = 0;
            for (let k = 0; k < weights.length; k++) sum += weights.data[k];
            if (weights.length !== nkptList) fail(`<kpoints> lists ${nkptList} k-points but ${weights.length} weights: a row lost or doubled`, undefined, 'kpointlist');
            if (Math.abs(sum - 1) > 1e-4) fail(`the ${weights.length} k-point weights sum to ${sum}, not 1: a row lost or doubled`, undefined, 'weights');
            weights.length = 0;
          }
          st.nkpts = nkptList || null;
          nkptList = 0;
        } else if (name === 'atominfo') {
          symbols = [...symbols];
        } else if (name === 'modeling') {
          closedModeling = true;
        }
        collecting = false;
        textBuf = '';
      },
    });
  } catch (e) {
    if (e instanceof ReadError) throw e;
    const err = e as Error & { truncated?: boolean };
    if (err.truncated && options.truncated === 'drop') {
      result = { bytes: size, depth: 1 };
    } else {
      throw err.truncated
        ? truncatedError(path, { frame: nFrames() }, `${err.message}: truncated vasprun.xml`, 'the finished steps')
        : new ReadError(path, { frame: nFrames() }, err.message);
    }
  }
  if (!closedModeling) {
    if (options.truncated !== 'drop') {
      throw truncatedError(path, { frame: nFrames() }, `file ends before </modeling>${inCalc ? ` inside <calculation> ${calcIndex}` : ''}: truncated vasprun.xml`, `the ${nFrames()} finished step(s)`);
    }
    if (inCalc) skipped.push({ step: calcIndex, reason: UNFINISHED });
  }
  if (symbols.length === 0) throw new ReadError(path, { array: 'atominfo' }, 'no atoms in <atominfo>');
  if (nFrames() === 0) throw new ReadError(path, {}, `no complete <calculation> with structure, forces and energy (${calcIndex} found)`);
  // settings: the user's INCAR first, then the full parameter list (not for KSPACING: always listed there)
  st.kspacing = setting('KSPACING', false);
  st.ismear = setting('ISMEAR');
  st.sigma = setting('SIGMA');
  // the cutoff used: ENCUT when the INCAR sets it, else ENMAX, which <parameters> always lists
  st.encut = setting('ENCUT') ?? setting('ENMAX');
  st.pstress = setting('PSTRESS');
  st.nelm = setting('NELM');
  st.ibrion = setting('IBRION');
  st.isif = setting('ISIF');
  st.nwrite = setting('NWRITE');
  const counts: Record<string, number> = {};
  for (const s of symbols) counts[s] = (counts[s] ?? 0) + 1;
  st.species = Object.keys(counts);
  st.ionsPerType = Object.values(counts);
  const out = store as FrameStore | null;
  if (!out) throw new ReadError(path, {}, 'no frames');
  return buildVaspFrames(out, path, st, options, { reader: 'readVasprun', skipped_steps: skipped, ionic_steps: calcIndex, bytes: result.bytes });
}
