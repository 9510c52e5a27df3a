/**
 * VASP vasprun.xml, read streaming (SAX-style, bounded memory; eigenvalues, DOS and projections
 * are skipped unparsed): every ionic step's cell, positions, species, free energy, energy(σ→0),
 * forces and stress, with the INCAR settings and the k-point mesh.
 *
 * Read in named steps: the file's head checked, then the elements as they stream (an opening,
 * a closing and a raw element each go to one function; the raw blocks of a calculation, its
 * structure, energies, forces and stress, are read from the bytes by one function each), one
 * calculation closed into a frame, then the run's settings and end.
 */
import { readSync, closeSync } from 'node:fs';
import type { ColumnTable } from 'arquero';
import { ReadError, truncatedError, UNFINISHED, type Truncated } from '../errors.js';
import { looksBinary, parseNumbersBytes, bytesAt, parseDecimal } from '../bytes.js';
import { fileSize, openFile } from '../files.js';
import { FrameStore, volumeOf, cellVolumeProblem, KBAR_IN_EV_PER_A3 } from '../frames.js';
import { isElement } from '../elements.js';
import type { DkOptions } from '../dk.js';
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

/** The state of one vasprun.xml read: where the stream is, the current calculation, the frames kept. */
class Vasprun {
  readonly st: VaspSettings = {
    version: null, kspacing: null, ismear: null, sigma: null, encut: null, pstress: null, nelm: null,
    nwrite: null, ibrion: null, isif: null, kmesh: null, kmeshSource: null, nkpts: null, species: [], ionsPerType: [],
  };
  /** <incar> (as "incar:TAG") and <parameters> values, as text. */
  readonly param: Record<string, string> = {};
  /** Names and name="…" attributes of the open elements, outermost first. */
  readonly stack: string[] = [];
  readonly names: (string | null)[] = [];
  textBuf = '';
  collecting = false;
  symbols: string[] = [];
  atomRowCol = -1;
  kgenParam: string | null = null;
  nkptList = 0;
  /** The k-point weights of the run's <kpoints> (one per k-point, summing to 1). */
  readonly weights = new Numbers();
  inRunKpoints = false;
  readonly calc: Calc = {
    basis: new Numbers(), positions: new Numbers(), forces: new Numbers(), hasForces: false, stress: new Numbers(), hasStress: false,
    energies: new Float64Array(3), scsteps: 0, hasStructure: false,
  };
  inCalc = false;
  closedModeling = false;
  calcIndex = 0;
  store: FrameStore | null = null;
  readonly skipped: { step: number; reason: string }[] = [];
  // per-step arrays handed to FrameStore.add (which copies them): allocated once
  readonly cell = new Float64Array(9);
  pos = new Float64Array(0);
  frc = new Float64Array(0);
  readonly virial = new Float64Array(9);
  readonly one = new Float64Array(1);
  nelm: number | null | undefined;
  /** The name="…" attribute of each (interned) attribute text, looked up once. */
  private readonly nameAttr = new Map<string, string | null>();
  constructor(readonly path: string, readonly options: ReadVasprunOptions) {}

  nameOf(attrs: string): string | null {
    let v = this.nameAttr.get(attrs);
    if (v === undefined) {
      v = attr(attrs, 'name');
      this.nameAttr.set(attrs, v);
    }
    return v;
  }

  get nFrames(): number {
    return this.store ? this.store.length : 0;
  }

  fail(msg: string, frame?: number, array?: string): never {
    throw new ReadError(this.path, { frame, array }, msg);
  }

  /** A numeric setting: the user's <incar> value first, then <parameters>; text that is not a number is an error. */
  setting(k: string, fromParameters = true): number | null {
    const param = this.param;
    const key = `incar:${k}` in param ? `incar:${k}` : fromParameters && k in param ? k : null;
    if (key === null) return null;
    const text = param[key];
    const v = parseDecimal(text.replace(/[dD]/, 'e')); // Fortran writes 1.0D-3
    if (!Number.isFinite(v)) this.fail(`${key.startsWith('incar:') ? '<incar>' : '<parameters>'} ${k} = ${JSON.stringify(text)} is not a number`, undefined, k);
    return v;
  }
}

/** The first 4 kB: text, and a <modeling> root (else not a vasprun.xml). */
function checkHead(path: string, size: number): void {
  const { fd } = openFile(path, 'a vasprun.xml');
  const head = Buffer.alloc(Math.min(size, 4096));
  readSync(fd, head, 0, head.length, 0);
  closeSync(fd);
  if (looksBinary(head)) throw new ReadError(path, { line: 1 }, 'binary data where XML was expected');
  if (!head.toString('latin1').includes('<modeling')) throw new ReadError(path, { line: 1 }, 'no <modeling> root element: not a vasprun.xml');
}

/**
 * energy(σ→0) of a step: the step's e_fr_energy plus (e_0 − e_fr) of its last SCF step. Equal
 * to the last SCF step's e_0 in a plain run; right also where the last <scstep> is not a
 * total-energy iteration (linear response, LEPSILON), and where VASP 5 writes a wrong
 * calculation-level e_0_energy. Null when the SCF steps give no e_0.
 */
function sigma0(e: Float64Array): number | null {
  if (Number.isNaN(e[SC_E0])) return null;
  if (Number.isNaN(e[E_FR]) || Number.isNaN(e[SC_FR]) || e[E_FR] === e[SC_FR]) return e[SC_E0];
  return e[E_FR] + (e[SC_E0] - e[SC_FR]);
}

/** A <calculation> begins: its state reset. */
function startCalc(r: Vasprun): void {
  const c = r.calc;
  r.calcIndex++;
  r.inCalc = true;
  c.basis.length = 0;
  c.positions.length = 0;
  c.forces.length = 0;
  c.stress.length = 0;
  c.hasForces = false;
  c.hasStress = false;
  c.energies.fill(NaN);
  c.scsteps = 0;
  c.hasStructure = false;
}

/** A <calculation> ends: checked and kept as a frame (positions made Cartesian, stress made the virial), or listed as skipped. */
function finishCalc(r: Vasprun): void {
  const c = r.calc;
  const step = r.calcIndex;
  r.inCalc = false;
  const nat = r.symbols.length;
  if (!c.hasStructure) {
    r.skipped.push({ step, reason: 'no <structure> in this <calculation>' });
    return;
  }
  if (c.basis.length !== 9) r.fail(`<structure> of <calculation> ${step}: basis has ${c.basis.length} numbers, expected 9`, r.nFrames, 'basis');
  if (c.positions.length !== 3 * nat) r.fail(`<structure> of <calculation> ${step}: positions has ${c.positions.length / 3} rows for ${nat} atoms`, r.nFrames, 'positions');
  if (!c.hasForces) {
    r.skipped.push({ step, reason: 'no forces in this <calculation>' });
    return;
  }
  if (c.forces.length !== 3 * nat) r.fail(`forces has ${c.forces.length / 3} rows for ${nat} atoms`, r.nFrames, 'forces');
  const cell = r.cell;
  for (let k = 0; k < 9; k++) cell[k] = c.basis.data[k];
  const bad = cellVolumeProblem(cell);
  if (bad) r.fail(`<structure> of <calculation> ${step}: ${bad}`, r.nFrames, 'basis');
  if (r.pos.length !== 3 * nat) {
    r.pos = new Float64Array(3 * nat);
    r.frc = new Float64Array(3 * nat);
  }
  const { pos, frc, virial } = r;
  const fr = c.positions.data;
  const fo = c.forces.data;
  for (let k = 0; k < 3 * nat; k++) frc[k] = fo[k];
  for (let a = 0; a < nat; a++) {
    const f0 = fr[3 * a], f1 = fr[3 * a + 1], f2 = fr[3 * a + 2];
    for (let k = 0; k < 3; k++) pos[3 * a + k] = f0 * cell[k] + f1 * cell[3 + k] + f2 * cell[6 + k];
  }
  if (c.hasStress) {
    if (c.stress.length !== 9) r.fail(`stress has ${c.stress.length} components, expected 9`, r.nFrames, 'stress');
    const f = volumeOf(cell) * KBAR_IN_EV_PER_A3;
    for (let k = 0; k < 9; k++) virial[k] = c.stress.data[k] * f;
  }
  const e = c.energies;
  const energy = !Number.isNaN(e[E_FR]) ? e[E_FR] : !Number.isNaN(e[SC_FR]) ? e[SC_FR] : null;
  if (energy === null) r.fail('no e_fr_energy in this <calculation>', r.nFrames, 'energy');
  if (r.nelm === undefined) r.nelm = r.setting('NELM'); // <incar> and <parameters> come before the calculations
  if (!r.store) r.store = new FrameStore(r.symbols);
  r.store.add({
    cell,
    positions: pos,
    forces: frc,
    virial: c.hasStress ? virial : null,
    energy,
    energySigma0: sigma0(e),
    step,
    scfIterations: c.scsteps,
    scfConverged: r.nelm === null ? null : c.scsteps < r.nelm,
  });
}

const [CLOSE_V, CLOSE_VARRAY, NAME_E_FR, NAME_E_0, VARRAY, I_NAME, VARRAY_BASIS, VARRAY_POSITIONS] = [
  '</v>', '</varray>', 'e_fr_energy', 'e_0_energy', '<varray', '<i name="', '<varray name="basis"', '<varray name="positions"',
].map((m) => Buffer.from(m, 'latin1'));

/**
 * The element `<tag …>` (its "<" at the returned offset) whose name attribute is `key`, found
 * from the occurrence of the key's bytes at k: the tag must start within the 200 bytes before
 * it. Any XML spelling of the attribute is accepted (spaces around "=", either quote).
 * Returns the offset of "<", or -1 when this occurrence is not such an attribute.
 */
function tagNamed(b: Buffer, lo: number, k: number, tag: string, key: string): number {
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
}

/**
 * Numbers of every <v> in bytes b[start, end) appended to `arr`; returns the rows. The markup
 * between rows is a few bytes: it is stepped over in JavaScript, not with a native search per row.
 */
function vRows(r: Vasprun, b: Buffer, start: number, end: number, arr: Numbers, label: string): number {
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
      if (!Number.isFinite(arr.data[q])) r.fail(`not a finite number in <varray name="${label}">: ${JSON.stringify(b.toString('latin1', gt + 1, close).trim())}`, r.nFrames, label);
    }
    arr.length += n;
    rowsRead++;
    k = close + 4;
  }
  return rowsRead;
}

/**
 * The value of <i name="key"> (last one) in bytes b[start, end) into calc.energies[slot] when
 * there is one; `nd` is the bytes of name="key". One backward search from the end (the
 * elements are small), then the value's few bytes in JavaScript.
 */
function iValue(r: Vasprun, b: Buffer, start: number, end: number, nd: Buffer, key: string, slot: number): void {
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
  if (parseNumbersBytes(b, gt + 1, lt, r.one) !== 1 || !Number.isFinite(r.one[0])) {
    r.fail(`not a finite number in <i name="${key}">: ${JSON.stringify(b.toString('latin1', gt + 1, lt).trim())}`, r.nFrames, key);
  }
  r.calc.energies[slot] = r.one[0];
}

/** The rows of every <varray name="basis"> and <varray name="positions"> within bytes b[start, end). */
function structureRows(r: Vasprun, b: Buffer, start: number, end: number): void {
  for (let k = b.indexOf(VARRAY, start); k >= 0 && k < end; k = b.indexOf(VARRAY, k + 1)) {
    let gt = k + VARRAY.length;
    if (b[gt] !== 62 && b[gt] !== 32 && b[gt] !== 9 && b[gt] !== 10 && b[gt] !== 13) continue;
    while (gt < end && b[gt] !== 62) gt++;
    // VASP writes <varray name="basis" >: checked on the bytes; other spellings parsed
    const nm = bytesAt(b, k, VARRAY_BASIS) ? 'basis' : bytesAt(b, k, VARRAY_POSITIONS) ? 'positions' : attr(b.toString('latin1', k + VARRAY.length, gt), 'name');
    if (nm !== 'basis' && nm !== 'positions') continue;
    const close = b.indexOf(CLOSE_VARRAY, gt);
    if (close < 0 || close > end) r.fail(`<varray name="${nm}"> without its </varray> in a <structure>`, r.nFrames, nm);
    vRows(r, b, gt, close, nm === 'basis' ? r.calc.basis : r.calc.positions, nm);
  }
}

/** Elements delivered whole to {@link rawElement}. */
const RAW = new Set(['scstep', 'structure', 'varray', 'energy']);

/** A whole small element (an SCF step, a structure, an energy block, an array), read from its bytes. */
function rawElement(r: Vasprun, name: string, attrs: string, b: Buffer, start: number, end: number): void {
  const calc = r.calc;
  const parent = r.stack.length ? r.stack[r.stack.length - 1] : '';
  if (name === 'scstep') {
    if (!r.inCalc) return;
    calc.scsteps++;
    iValue(r, b, start, end, NAME_E_FR, 'e_fr_energy', SC_FR);
    iValue(r, b, start, end, NAME_E_0, 'e_0_energy', SC_E0);
  } else if (name === 'structure') {
    if (!r.inCalc) return;
    calc.hasStructure = true;
    calc.basis.length = 0;
    calc.positions.length = 0;
    structureRows(r, b, start, end);
  } else if (name === 'energy') {
    if (r.inCalc && parent === 'calculation') iValue(r, b, start, end, NAME_E_FR, 'e_fr_energy', E_FR);
  } else if (name === 'varray') {
    const nm = r.nameOf(attrs);
    if (r.inCalc && parent === 'calculation' && (nm === 'forces' || nm === 'stress')) {
      const arr = nm === 'forces' ? calc.forces : calc.stress;
      arr.length = 0;
      vRows(r, b, start, end, arr, nm);
      if (nm === 'forces') calc.hasForces = true;
      else calc.hasStress = true;
    } else if (parent === 'kpoints' && nm === 'kpointlist' && r.inRunKpoints) {
      const kpts = new Numbers();
      r.nkptList += vRows(r, b, start, end, kpts, 'kpointlist');
    } else if (parent === 'kpoints' && nm === 'weights' && r.inRunKpoints) {
      vRows(r, b, start, end, r.weights, 'weights');
    }
  }
}

/** An element opens; returns its name when its whole subtree is skipped. */
function openElement(r: Vasprun, name: string, attrs: string): string | void {
  if (SKIP.has(name)) {
    r.stack.push(name);
    r.names.push(null);
    return name;
  }
  const nm = r.nameOf(attrs);
  r.stack.push(name);
  r.names.push(nm);
  const parent = r.stack.length >= 2 ? r.stack[r.stack.length - 2] : '';
  if (name === 'calculation') startCalc(r);
  else if (name === 'kpoints') {
    // the run's k-points sit under <modeling>; linear-response runs repeat <kpoints>
    // inside their <calculation>s for the response steps
    r.inRunKpoints = parent === 'modeling';
  } else if (name === 'generation' && parent === 'kpoints' && r.inRunKpoints) {
    r.kgenParam = attr(attrs, 'param');
  } else if (name === 'rc') {
    r.atomRowCol = 0;
  }
  r.collecting = name === 'v' || name === 'i' || name === 'c' || name === 'atoms';
  r.textBuf = '';
}

/** The run's <kpoints> closes: one k-point list per run, one weight per k-point, summing to 1. */
function closeRunKpoints(r: Vasprun): void {
  const { st, weights } = r;
  r.inRunKpoints = false;
  // one k-point list per run; a second, different one is not guessed between
  if (st.nkpts !== null && st.nkpts !== (r.nkptList || null)) r.fail(`two <kpoints> blocks with ${st.nkpts} and ${r.nkptList} k-points`, undefined, 'kpoints');
  // a k-point row lost or doubled shows here
  if (weights.length > 0) {
    let sum = 0;
    for (let k = 0; k < weights.length; k++) sum += weights.data[k];
    if (weights.length !== r.nkptList) r.fail(`<kpoints> lists ${r.nkptList} k-points but ${weights.length} weights: a row lost or doubled`, undefined, 'kpointlist');
    if (Math.abs(sum - 1) > 1e-4) r.fail(`the ${weights.length} k-point weights sum to ${sum}, not 1: a row lost or doubled`, undefined, 'weights');
    weights.length = 0;
  }
  st.nkpts = r.nkptList || null;
  r.nkptList = 0;
}

/** A column of an <atominfo> row; the first column of <array name="atoms"> rows is the element. */
function atomColumn(r: Vasprun): void {
  const { stack, names } = r;
  const L = stack.length;
  if (r.atomRowCol === 0 && stack[L - 1] === 'rc' && stack[L - 2] === 'set' && stack[L - 3] === 'array' && names[L - 3] === 'atoms') {
    let el = r.textBuf.trim();
    if (!isElement(el)) {
      const fixed = el.length > 0 ? el[0].toUpperCase() + el.slice(1).toLowerCase() : el;
      if (!isElement(fixed)) r.fail(`unknown element ${JSON.stringify(el)} in <atominfo> (atom ${r.symbols.length + 1})`, undefined, 'atominfo');
      el = fixed;
    }
    r.symbols.push(el);
  }
  if (r.atomRowCol >= 0) r.atomRowCol++;
}

/** An element closes: the values it held (k-point divisions, settings, the version, atoms) are taken. */
function closeElement(r: Vasprun, name: string): void {
  const nm = r.names.pop() ?? null;
  r.stack.pop();
  const { stack, st } = r;
  const parent = stack.length ? stack[stack.length - 1] : '';
  if (name === 'v') {
    if (parent === 'generation' && nm === 'divisions' && r.inRunKpoints) {
      const d = r.textBuf.trim().split(/\s+/).map(Number);
      if (d.length === 3 && d.every((x) => Number.isInteger(x) && x > 0)) {
        st.kmesh = [d[0], d[1], d[2]];
        st.kmeshSource = `vasprun <kpoints> ${r.kgenParam ?? 'generation'}`;
      }
    }
  } else if (name === 'i') {
    if (nm && parent === 'incar') {
      r.param[`incar:${nm}`] = r.textBuf.trim();
    } else if (nm && stack.includes('parameters')) {
      if (!(nm in r.param)) r.param[nm] = r.textBuf.trim();
    } else if (nm === 'version' && parent === 'generator') st.version = r.textBuf.trim();
  } else if (name === 'c') {
    atomColumn(r);
  } else if (name === 'rc') {
    r.atomRowCol = -1;
  } else if (name === 'calculation') {
    finishCalc(r);
  } else if (name === 'kpoints' && r.inRunKpoints) {
    closeRunKpoints(r);
  } else if (name === 'atominfo') {
    r.symbols = [...r.symbols];
  } else if (name === 'modeling') {
    r.closedModeling = true;
  }
  r.collecting = false;
  r.textBuf = '';
}

/** Stream the document through the element steps; returns the bytes read (malformed or cut XML: an error, or the finished steps with truncated: 'drop'). */
function readElements(r: Vasprun, size: number): number {
  try {
    return streamXml(r.path, {
      rawTags: RAW,
      raw: (name, attrs, b, start, end) => rawElement(r, name, attrs, b, start, end),
      open: (name, attrs) => openElement(r, name, attrs),
      text(b, s, e) {
        if (r.collecting) r.textBuf += b.toString('latin1', s, e);
      },
      close: (name) => closeElement(r, name),
    }).bytes;
  } catch (e) {
    if (e instanceof ReadError) throw e;
    const err = e as Error & { truncated?: boolean };
    if (err.truncated && r.options.truncated === 'drop') return size;
    throw err.truncated
      ? truncatedError(r.path, { frame: r.nFrames }, `${err.message}: truncated vasprun.xml`, 'the finished steps')
      : new ReadError(r.path, { frame: r.nFrames }, err.message);
  }
}

/** The run is read: refuse an unfinished one (unless truncated: 'drop'), take the settings and species, build the table. */
function finishRun(r: Vasprun, bytes: number): ColumnTable {
  const { path, options, st, skipped } = r;
  if (!r.closedModeling) {
    if (options.truncated !== 'drop') {
      throw truncatedError(path, { frame: r.nFrames }, `file ends before </modeling>${r.inCalc ? ` inside <calculation> ${r.calcIndex}` : ''}: truncated vasprun.xml`, `the ${r.nFrames} finished step(s)`);
    }
    if (r.inCalc) skipped.push({ step: r.calcIndex, reason: UNFINISHED });
  }
  if (r.symbols.length === 0) throw new ReadError(path, { array: 'atominfo' }, 'no atoms in <atominfo>');
  if (r.nFrames === 0) throw new ReadError(path, {}, `no complete <calculation> with structure, forces and energy (${r.calcIndex} found)`);
  // settings: the user's INCAR first, then the full parameter list (not for KSPACING: always listed there)
  st.kspacing = r.setting('KSPACING', false);
  st.ismear = r.setting('ISMEAR');
  st.sigma = r.setting('SIGMA');
  // the cutoff used: ENCUT when the INCAR sets it, else ENMAX, which <parameters> always lists
  st.encut = r.setting('ENCUT') ?? r.setting('ENMAX');
  st.pstress = r.setting('PSTRESS');
  st.nelm = r.setting('NELM');
  st.ibrion = r.setting('IBRION');
  st.isif = r.setting('ISIF');
  st.nwrite = r.setting('NWRITE');
  const counts: Record<string, number> = {};
  for (const s of r.symbols) counts[s] = (counts[s] ?? 0) + 1;
  st.species = Object.keys(counts);
  st.ionsPerType = Object.values(counts);
  const out = r.store;
  if (!out) throw new ReadError(path, {}, 'no frames');
  return buildVaspFrames(out, path, st, options, { reader: 'readVasprun', skipped_steps: skipped, ionic_steps: r.calcIndex, bytes });
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
  checkHead(path, size);
  const r = new Vasprun(path, options);
  const bytes = readElements(r, size);
  return finishRun(r, bytes);
}
