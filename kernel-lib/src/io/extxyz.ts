/**
 * Extended XYZ as ASE writes it: `Lattice`, `Properties`, per-frame info (energy, free_energy,
 * stress or virial, pbc, anything else) and per-atom columns (species, pos, forces).
 */
import type { ColumnTable } from 'arquero';
import { ReadError, truncatedError, UNFINISHED, type Truncated } from './errors.js';
import { forEachLineBytes, decimalAt, numberAt } from './bytes.js';
import { fileSize } from './files.js';
import { volumeOf, cellVolumeProblem, EV_PER_A3_IN_GPA } from './frames.js';
import { FrameColumns } from './framecolumns.js';
import { isElement, ELEMENTS } from './elements.js';
import { discoverDk, type DkOptions } from './dk.js';

/** Options of {@link readExtxyz}. */
export interface ReadExtxyzOptions extends DkOptions {
  /** Info key of the energy (eV). Default: free_energy, then energy, then the one key ending in "energy". */
  energyKey?: string;
  /** Per-atom property of the forces (eV/Å). Default: forces, then force, then the one ending in "forces". */
  forcesKey?: string;
  /** Info key of the stress. Default: stress, then the one key ending in "stress". */
  stressKey?: string;
  /** Info key of the virial (eV, W = −σV). Default: virial, then the one key ending in "virial". */
  virialKey?: string;
  /** Unit of the stress values (default "eV/Å³", ASE's). */
  stressUnit?: 'eV/Å³' | 'GPa' | 'kbar' | 'bar';
  /** Sign convention of the stress values: "stress" (tension positive, ASE; default) or "pressure". */
  stressSign?: 'stress' | 'pressure';
  /**
   * A file that ends inside a frame (missing atom lines, or a last line without its line end:
   * perhaps cut inside a number): error (default), or keep the whole frames before it ('drop',
   * listed in the notes as `skipped_frames`).
   */
  truncated?: Truncated;
}

type InfoValue = string | number | boolean | number[] | boolean[];

/** Whether UTF-16 code c is a blank in the sense of JavaScript's \s. */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || (c > 127 && (c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff));
}

/** Parse the key=value pairs of an extxyz comment line (quotes, braces, spaces around "="). */
export function parseExtxyzInfo(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    if (i >= n) break;
    let k = i;
    for (let c = line.charCodeAt(k); k < n && c !== 61 /* = */ && !isSpace(c); c = line.charCodeAt(++k));
    let key = line.slice(i, k);
    if (key.charCodeAt(0) === 34 || key.charCodeAt(key.length - 1) === 34) key = key.replace(/^"|"$/g, '');
    let j = k;
    while (j < n && line.charCodeAt(j) === 32) j++;
    if (line.charCodeAt(j) !== 61) {
      out[key] = 'T';
      i = k;
      continue;
    }
    j++;
    while (j < n && line.charCodeAt(j) === 32) j++;
    let value: string;
    const open = line.charCodeAt(j);
    if (open === 34 /* " */ || open === 123 /* { */ || open === 91 /* [ */) {
      const close = open === 34 ? '"' : open === 123 ? '}' : ']';
      let e = line.indexOf(close, j + 1);
      let v: string;
      const bs = line.indexOf('\\', j + 1);
      if (bs < 0 || (e >= 0 && bs > e)) {
        // no escape inside: the value as written
        if (e < 0) throw new Error(`unterminated ${line[j]} in the value of ${key}`);
        v = line.slice(j + 1, e);
      } else {
        e = j + 1;
        v = '';
        let from = e; // start of the part not yet copied into v
        while (e < n) {
          const c = line[e];
          if (c === close) break;
          if (c === '\\' && e + 1 < n) {
            v += line.slice(from, e) + line[e + 1];
            e += 2;
            from = e;
          } else e++;
        }
        if (e >= n) throw new Error(`unterminated ${line[j]} in the value of ${key}`);
        v += line.slice(from, e);
      }
      value = close === ']' ? v.replace(/,/g, ' ') : v;
      i = e + 1;
    } else {
      let e = j;
      while (e < n && !isSpace(line.charCodeAt(e))) e++;
      value = line.slice(j, e);
      i = e;
    }
    out[key] = value;
  }
  return out;
}

/** Whether a boolean word of extxyz: T, True, true (1), F, False, false (0), else -1. */
function boolWord(x: string): number {
  return x === 'T' || x === 'True' || x === 'true' ? 1 : x === 'F' || x === 'False' || x === 'false' ? 0 : -1;
}

function typed(v: string): InfoValue {
  const t = v.trim();
  if (t === '') return v;
  let one = true;
  for (let k = 0; k < t.length && one; k++) one = !isSpace(t.charCodeAt(k));
  if (one) {
    // one word: a number, a boolean or text
    const x = Number(t);
    if (!Number.isNaN(x)) return x;
    const b = boolWord(t);
    return b < 0 ? v : b === 1;
  }
  const w = t.split(/\s+/);
  const nums = w.map(Number);
  if (nums.every((x) => !Number.isNaN(x))) return nums;
  const bools = w.map(boolWord);
  if (bools.every((b) => b >= 0)) return bools.map((b) => b === 1);
  return v;
}

interface Prop {
  name: string;
  type: string;
  cols: number;
  start: number;
}

/**
 * The key of a label: an exact name first, else the one key ending in the suffix (REF_energy,
 * DFT_forces, …). Several keys ending in it (REF_energy and MACE_energy) are an error naming
 * them and the option that picks one: a label is never guessed, nor dropped for being ambiguous.
 */
function pickKey(keys: string[], exact: string[], suffix: RegExp, option: string, fail: (msg: string) => never): string | null {
  for (const e of exact) if (keys.includes(e)) return e;
  const m = keys.filter((k) => suffix.test(k));
  if (m.length > 1) fail(`${m.length} keys could be the ${exact[0]}: ${m.join(', ')}; say which with the ${option} option`);
  return m.length === 1 ? m[0] : null;
}

const STRESS_UNIT: Record<string, number> = { 'eV/Å³': 1, GPa: 1 / EV_PER_A3_IN_GPA, kbar: 0.1 / EV_PER_A3_IN_GPA, bar: 1e-4 / EV_PER_A3_IN_GPA };

/** The per-atom columns of a Properties spec, and where species, pos and the forces are. */
interface Columns {
  props: Prop[];
  ncol: number;
  species: Prop;
  pos: Prop;
  /** The forces property, when there is one. */
  forces: Prop | undefined;
}

/** Which info keys of a comment line hold what (the same for every line with the same keys). */
interface InfoKeys {
  lattice: string | undefined;
  pbc: string | undefined;
  properties: string | undefined;
  energy: string | null;
  stress: string | null;
  virial: string | null;
}

/** The keys of a comment line that name the cell, pbc, Properties, energy, stress and virial (see {@link pickKey}). */
function infoKeys(keys: string[], options: ReadExtxyzOptions, ambiguous: (msg: string) => never): InfoKeys {
  const lowerKey = (k: string): string | undefined => keys.find((x) => x.toLowerCase() === k);
  return {
    lattice: lowerKey('lattice'),
    pbc: lowerKey('pbc'),
    properties: lowerKey('properties'),
    energy: options.energyKey ?? pickKey(keys, ['free_energy', 'energy'], /energy$/i, 'energyKey', ambiguous),
    virial: options.virialKey ?? pickKey(keys, ['virial'], /virial$/i, 'virialKey', ambiguous),
    stress: options.stressKey ?? pickKey(keys, ['stress'], /stress$/i, 'stressKey', ambiguous),
  };
}

/** Parse a Properties spec (species:S:1:pos:R:3:…) and find the forces in it; the error names what is wrong. */
function columnsOf(propSpec: string, options: ReadExtxyzOptions, fail: (array: string | undefined, msg: string) => never): Columns {
  const ps = propSpec.split(':');
  if (ps.length % 3 !== 0) fail('Properties', `malformed Properties ${JSON.stringify(propSpec)}`);
  const props: Prop[] = [];
  let ncol = 0;
  for (let k = 0; k < ps.length; k += 3) {
    const cols = Number(ps[k + 2]);
    if (!Number.isInteger(cols) || cols < 1 || !/^[SRIL]$/.test(ps[k + 1])) fail('Properties', `malformed Properties ${JSON.stringify(propSpec)}`);
    props.push({ name: ps[k], type: ps[k + 1], cols, start: ncol });
    ncol += cols;
  }
  const species = props.find((p) => p.name === 'species' || p.name === 'Z');
  const pos = props.find((p) => p.name === 'pos' || p.name === 'positions');
  if (!species || !pos || pos.cols !== 3) fail('Properties', `Properties must include species and pos:R:3, got ${JSON.stringify(propSpec)}`);
  const pnames = props.map((p) => p.name);
  const fKey = options.forcesKey ?? pickKey(pnames, ['forces', 'force'], /forces?$/i, 'forcesKey', (msg) => fail(undefined, msg));
  if (options.forcesKey && !pnames.includes(options.forcesKey)) fail(options.forcesKey, `no per-atom property ${options.forcesKey} in Properties ${propSpec}`);
  const fProp = fKey ? props.find((p) => p.name === fKey) : undefined;
  if (fProp && (fProp.cols !== 3 || fProp.type !== 'R')) fail(fKey!, `forces must be R:3, got ${fProp.type}:${fProp.cols}`);
  return { props, ncol, species: species!, pos: pos!, forces: fProp };
}

/** What the comment lines read so far have in common: Properties specs and key sets, each analysed once. */
interface HeaderCache {
  columns: Map<string, Columns>;
  keys: { keys: string[]; infoKeys: InfoKeys }[];
  /** Room for the numbers of a stress or virial value. */
  row: Float64Array;
  /** Text values kept in tags, one string per distinct value (see {@link keptText}). */
  text: Map<string, string>;
}

/**
 * A text value to keep in a frame's tags: the one string already kept for it (config_type=bulk
 * in every frame is one string), or a copy of its own, so that it does not hold on to the whole
 * comment line it was cut from (V8 keeps the line alive behind a slice of it).
 */
function keptText(v: string, kept: Map<string, string>): string {
  let s = kept.get(v);
  if (s === undefined) {
    s = v.length < 13 ? v : (' ' + v).slice(1);
    if (kept.size < 1 << 16) kept.set(s, s);
  }
  return s;
}

/** What a frame's comment line says, checked: everything but the atom lines. */
interface FrameHeader {
  natoms: number;
  cell: Float64Array | null;
  pbc: [boolean, boolean, boolean];
  columns: Columns;
  energy: number | null;
  sigma0: number | null;
  virial: Float64Array | null;
  dk: number | null;
  mesh: number[] | null;
  nkpts: number | null;
  tags: Record<string, unknown>;
}

/**
 * Read a frame's comment line (line `line`, frame `fi`, `natoms` atoms): cell, pbc, Properties,
 * energies, stress or virial, Δk and the other info keys as tags. Every value is read or refused.
 */
function frameHeader(path: string, comment: string, natoms: number, line: number, fi: number, options: ReadExtxyzOptions, cache: HeaderCache): FrameHeader {
  const at = (array?: string): { line: number; frame: number; array?: string } => (array === undefined ? { line, frame: fi } : { line, frame: fi, array });
  const fail = (array: string | undefined, msg: string): never => {
    throw new ReadError(path, at(array), msg);
  };
  let info: Record<string, string>;
  try {
    info = parseExtxyzInfo(comment);
  } catch (e) {
    throw new ReadError(path, at(), (e as Error).message);
  }
  const keys = Object.keys(info);
  let ik: InfoKeys | undefined;
  for (let q = 0; q < cache.keys.length && !ik; q++) {
    const known = cache.keys[q].keys;
    if (known.length !== keys.length) continue;
    let k = 0;
    while (k < keys.length && known[k] === keys[k]) k++;
    if (k === keys.length) ik = cache.keys[q].infoKeys;
  }
  const lowerKey = (k: string): string | undefined => keys.find((x) => x.toLowerCase() === k);
  const latKey = ik ? ik.lattice : lowerKey('lattice');
  let cell: Float64Array | null = null;
  if (latKey) {
    const text = info[latKey];
    cell = new Float64Array(9);
    const got = text.length < 1000 ? wordsAsNumbers(text, cell) : -1;
    let finite = got === 9;
    for (let k = 0; k < 9 && finite; k++) finite = Number.isFinite(cell[k]);
    if (!finite) fail('Lattice', `Lattice must be 9 finite numbers, got ${JSON.stringify(text)}`);
  }
  const pbcKey = ik ? ik.pbc : lowerKey('pbc');
  let pbc: [boolean, boolean, boolean] = cell ? [true, true, true] : [false, false, false];
  if (pbcKey) {
    const b = typed(info[pbcKey]);
    if (Array.isArray(b) && b.length === 3 && typeof b[0] === 'boolean') pbc = b as [boolean, boolean, boolean];
    else if (typeof b === 'boolean') pbc = [b, b, b];
    else fail('pbc', `pbc must be three T/F, got ${JSON.stringify(info[pbcKey])}`);
  }
  // a periodic cell must have a volume (else a virial is 0 and a stress NaN); so must a cell a stress or virial is given with (below)
  let volumeChecked = false;
  const checkVolume = (): void => {
    if (volumeChecked) return;
    const bad = cell ? cellVolumeProblem(cell) : null;
    if (bad) fail('Lattice', bad);
    volumeChecked = true;
  };
  if (pbc.some((x) => x)) checkVolume();
  const propKey = ik ? ik.properties : lowerKey('properties');
  const propSpec = propKey ? info[propKey] : 'species:S:1:pos:R:3';
  let columns = cache.columns.get(propSpec);
  if (!columns) {
    columns = columnsOf(propSpec, options, fail);
    cache.columns.set(propSpec, columns);
  }
  if (!ik) {
    ik = infoKeys(keys, options, (msg) => fail(undefined, msg));
    if (cache.keys.length < 64) cache.keys.push({ keys, infoKeys: ik });
  }
  // energies
  const eKey = ik.energy;
  const num = (k: string, what: string): number => {
    const v = Number(info[k]);
    if (!Number.isFinite(v)) fail(k, `${what} ${k}=${JSON.stringify(info[k])} is not a finite number`);
    return v;
  };
  let energy: number | null = null;
  if (eKey !== null && eKey in info) energy = num(eKey, 'energy');
  else if (options.energyKey) fail(options.energyKey, `no info key ${options.energyKey}`);
  let sigma0: number | null = null;
  if ('energy_sigma0' in info) sigma0 = num('energy_sigma0', 'energy');
  else if (eKey === 'free_energy' && 'energy' in info && Number(info.energy) !== energy) sigma0 = num('energy', 'energy');
  // stress / virial
  let virial: Float64Array | null = null;
  const vKey = ik.virial;
  const sKey = ik.stress;
  /** The 9 components (row-major) of a tensor written as 9 numbers or 6 (Voigt: xx yy zz yz xz xy), into a new array. */
  const vec = (k: string): Float64Array => {
    const text = info[k];
    const row = cache.row;
    const got = text.length < 2000 ? wordsAsNumbers(text, row) : -1;
    const v = got >= 0 && got <= 9 ? row.subarray(0, got) : Float64Array.from(text.trim().split(/\s+/), Number);
    for (let q = 0; q < v.length; q++) if (!Number.isFinite(v[q])) fail(k, `not finite numbers: ${JSON.stringify(info[k])}`);
    if (v.length === 6) return Float64Array.of(v[0], v[5], v[4], v[5], v[1], v[3], v[4], v[3], v[2]);
    if (v.length !== 9) fail(k, `${v.length} components, expected 9 or 6 (Voigt)`);
    return Float64Array.from(v);
  };
  /** The largest magnitude of the components. */
  const largest = (v: Float64Array): number => {
    let m = 0;
    for (let q = 0; q < v.length; q++) m = Math.max(m, Math.abs(v[q]));
    return m;
  };
  if (sKey && sKey in info) {
    if (!cell) fail(sKey, 'a stress without a Lattice: no volume for the virial');
    checkVolume();
    const vol = volumeOf(cell!);
    const sv = vec(sKey);
    const sUnit = STRESS_UNIT[options.stressUnit ?? 'eV/Å³'];
    const sSign = options.stressSign === 'pressure' ? -1 : 1;
    const big = largest(sv) * sUnit;
    if (big > 10 && options.stressUnit === undefined) {
      fail(sKey, `stress component of ${big.toPrecision(4)} eV/Å³ (${(big * EV_PER_A3_IN_GPA).toPrecision(4)} GPa) is implausible in eV/Å³ (ASE's unit): give stressUnit ("GPa", "kbar", "bar") and stressSign ("pressure" when positive means compression)`);
    }
    for (let q = 0; q < 9; q++) sv[q] = -sv[q] * sUnit * sSign * vol;
    virial = sv;
    if (vKey && vKey in info) {
      // both given: they must describe the same tensor (W = −σV)
      const w = vec(vKey);
      const scale = Math.max(1e-3, largest(w));
      const k = w.findIndex((x, j) => Math.abs(x - virial![j]) > 1e-6 * scale);
      if (k >= 0) fail(vKey, `${vKey}[${k}] = ${w[k]} eV but −${sKey}·V = ${virial[k]} eV: the stress and the virial disagree (check stressUnit/stressSign)`);
    }
  } else if (vKey && vKey in info) {
    checkVolume();
    virial = vec(vKey);
  }
  const tags: Record<string, unknown> = {};
  for (const k of keys) {
    if (k === latKey || k === propKey || k === pbcKey || k === eKey || k === sKey || k === vKey || k === 'energy_sigma0' || k === 'free_energy' || k === 'energy') continue;
    const v = typed(info[k]);
    tags[k] = typeof v === 'string' ? keptText(v, cache.text) : v;
  }
  if ('dk' in tags && typeof tags.dk !== 'number') fail('dk', `dk=${JSON.stringify(info.dk)} is not a number of Å⁻¹`);
  const fileDk = typeof tags.dk === 'number' ? (tags.dk as number) : null;
  let mesh: number[] | null = null;
  if (Array.isArray(tags.mesh) && tags.mesh.length === 3) mesh = tags.mesh as number[];
  else if (Array.isArray(tags.kpts) && tags.kpts.length === 3) mesh = tags.kpts as number[];
  // a mesh or k-point count the file states is used or refused, never passed over
  const meshKey = mesh === tags.mesh ? 'mesh' : 'kpts';
  if (mesh && !mesh.every((x) => Number.isInteger(x) && x > 0)) fail(meshKey, `${meshKey}=${JSON.stringify(info[meshKey])} is not three positive whole numbers (a k-point mesh)`);
  if ('n_irreducible' in tags && !(Number.isInteger(tags.n_irreducible) && (tags.n_irreducible as number) > 0)) {
    fail('n_irreducible', `n_irreducible=${JSON.stringify(info.n_irreducible)} is not a positive whole number of k-points`);
  }
  let found;
  try {
    found = discoverDk({ path, fileDk, mesh, cell }, options);
  } catch (e) {
    throw new ReadError(path, at(), (e as Error).message);
  }
  if (found) tags.dk_source = found.source;
  return {
    natoms, cell, pbc, columns, energy, sigma0, virial,
    dk: found?.dk ?? null,
    mesh,
    nkpts: typeof tags.n_irreducible === 'number' ? (tags.n_irreducible as number) : null,
    tags,
  };
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16];

/**
 * Number() of text[s, e): a plain decimal of at most 15 digits is m / 10^d (the correctly rounded
 * value, as Number() gives it) without making a substring; anything else goes through Number().
 */
function numberIn(text: string, s: number, e: number): number {
  let i = s;
  let c = text.charCodeAt(i);
  const neg = c === 45;
  if (neg || c === 43) c = text.charCodeAt(++i);
  let m = 0;
  let digits = 0;
  let dec = -1;
  for (; i < e; c = text.charCodeAt(++i)) {
    if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      digits++;
      if (dec >= 0) dec++;
    } else if (c === 46 && dec < 0) dec = 0;
    else break;
  }
  if (i < e || digits === 0 || digits > 15) return Number(text.slice(s, e));
  const v = dec > 0 ? m / POW10[dec] : m;
  return neg ? -v : v;
}

/**
 * The blank-separated words of `text` as numbers (Number() of each, as the info values are read)
 * into `out`, as many as fit; returns the count of words (more than out.length when there are more).
 */
function wordsAsNumbers(text: string, out: Float64Array): number {
  let n = 0;
  let i = 0;
  const len = text.length;
  while (i < len) {
    while (i < len && isSpace(text.charCodeAt(i))) i++;
    if (i >= len) break;
    const s = i;
    while (i < len && !isSpace(text.charCodeAt(i))) i++;
    if (n < out.length) out[n] = numberIn(text, s, i);
    n++;
  }
  return n;
}

/** Whether bytes b[s, e) are all blanks (space, tab, CR, …). */
function blank(b: Uint8Array, s: number, e: number): boolean {
  for (let k = s; k < e; k++) if (b[k] > 32) return false;
  return true;
}

/** The text of bytes b[s, e) without leading and trailing blanks (for messages). */
function trimmed(b: Buffer, s: number, e: number): string {
  return b.toString('utf8', s, e).trim();
}

/**
 * Read an extended XYZ file (as ASE writes it) into a frames table (Å, eV, eV/Å, virial eV).
 * `energy` is free_energy when present (else energy); `energy_sigma0` is the energy_sigma0 key,
 * or ASE's `energy` when it differs from free_energy. Stress (eV/Å³, tension positive, 9 or 6
 * Voigt components xx yy zz yz xz xy) becomes the virial W = −σV. Other info keys go to `tags`;
 * a `dk` key gives Δk. The file is streamed line by line (any size; memory near the arrays kept).
 */
export function readExtxyz(path: string, options: ReadExtxyzOptions = {}): ColumnTable {
  const size = fileSize(path, 'an extended XYZ file');
  if (size === 0) throw new ReadError(path, { line: 1 }, 'empty file, expected extended XYZ');
  if (STRESS_UNIT[options.stressUnit ?? 'eV/Å³'] === undefined) throw new Error(`stressUnit must be one of ${Object.keys(STRESS_UNIT).join(', ')}`);
  const store = new FrameColumns(path);
  const skippedFrames: { frame: number; reason: string }[] = [];
  const cache: HeaderCache = { columns: new Map(), keys: [], row: new Float64Array(9), text: new Map() };
  const symbolCache = new Map<number, string[][]>(); // the symbols of a frame, shared by the frames of the same atoms (by a hash of them)
  let symbolHash = 0;
  const speciesNames: { bytes: Uint8Array; name: string }[] = []; // species tokens read so far
  // the frame being read: 0 = expecting its atom count, 1 = its comment line, 2 = its atom lines
  let state = 0;
  let fi = 0;
  let natoms = 0;
  let headLine = 0;
  let head: FrameHeader | null = null;
  let atom = 0;
  let symbols: string[] = [];
  let room: ReturnType<FrameColumns['atoms']> | null = null;
  let stopped = false;
  /** A frame the file ends inside: an error, or (truncated: 'drop') the end of the reading. */
  const unfinished = (line: number, what: string): false => {
    if (options.truncated !== 'drop' || fi === 0) throw truncatedError(path, { line, frame: fi }, `${what} (truncated extended XYZ)`, fi === 0 ? undefined : `the ${fi} whole frame(s) before it`);
    skippedFrames.push({ frame: fi, reason: UNFINISHED });
    stopped = true;
    return false;
  };
  const starts = new Int32Array(1024); // word starts and ends of an atom line
  const ends = new Int32Array(1024);
  /** The element of a species token b[s, e) (interned: one string per distinct token); adds it to the frame's symbol hash. */
  const speciesOf = (b: Buffer, s: number, e: number, line: number): string => {
    const len = e - s;
    for (let q = 0; q < speciesNames.length; q++) {
      const x = speciesNames[q].bytes;
      if (x.length !== len) continue;
      let k = 0;
      while (k < len && x[k] === b[s + k]) k++;
      if (k === len) {
        symbolHash = (Math.imul(symbolHash, 31) + q + 1) | 0;
        return speciesNames[q].name;
      }
    }
    const sym = b.toString('utf8', s, e);
    if (!isElement(sym)) throw new ReadError(path, { line, frame: fi }, `unknown element ${JSON.stringify(sym)}`);
    if (speciesNames.length < 256) speciesNames.push({ bytes: Uint8Array.from(b.subarray(s, e)), name: sym });
    symbolHash = (Math.imul(symbolHash, 31) + 1000 + sym.length) | 0;
    return sym;
  };
  /** Finish the frame whose last atom line was read. */
  const finishFrame = (): void => {
    const h = head!;
    // the symbols of an earlier frame of the same atoms, when there is one (compared element by element)
    let list = symbolCache.get(symbolHash);
    let syms: string[] | undefined;
    for (let q = 0; list && q < list.length && !syms; q++) {
      const x = list[q];
      if (x.length !== symbols.length) continue;
      let k = 0;
      while (k < x.length && x[k] === symbols[k]) k++;
      if (k === x.length) syms = x;
    }
    if (!syms) {
      syms = symbols;
      if (!list) symbolCache.set(symbolHash, (list = []));
      if (list.length < 16) list.push(syms);
    }
    store.add({
      symbols: syms, cell: h.cell, pbc: h.pbc, energy: h.energy, energySigma0: h.sigma0, virial: h.virial, dk: h.dk,
      kmesh: h.mesh ? [h.mesh[0], h.mesh[1], h.mesh[2]] : null, nkpts: h.nkpts, tags: h.tags,
    });
    fi++;
    state = 0;
  };
  const read = forEachLineBytes(path, (b, s, e, lineNo, _offset, ended) => {
    const cut = !ended && !blank(b, s, e); // the last line, without its line end: the file may be cut inside it
    if (state === 0) {
      if (blank(b, s, e)) return;
      headLine = lineNo;
      if (cut) return unfinished(lineNo, `the last line has no line end: the file ends inside frame ${fi}, perhaps inside a number`);
      let x = s;
      while (x < e && b[x] <= 32) x++;
      let y = e;
      while (y > x && b[y - 1] <= 32) y--;
      natoms = decimalAt(b, x, y);
      if (!Number.isInteger(natoms) || natoms < 0) throw new ReadError(path, { line: lineNo, frame: fi }, `expected the number of atoms, got ${JSON.stringify(trimmed(b, s, e).slice(0, 60))}`);
      state = 1;
      return;
    }
    if (state === 1) {
      if (cut) return unfinished(lineNo, `the last line has no line end: the file ends inside frame ${fi}, perhaps inside a number`);
      head = frameHeader(path, b.toString('utf8', s, e), natoms, lineNo, fi, options, cache);
      room = store.atoms(natoms, head.columns.forces !== undefined);
      symbols = new Array(natoms);
      symbolHash = natoms;
      atom = 0;
      state = 2;
      if (natoms === 0) finishFrame();
      return;
    }
    // an atom line
    if (cut) return unfinished(lineNo, `the last line has no line end: the file ends inside frame ${fi}, perhaps inside a number`);
    const h = head!;
    const { ncol, species, pos } = h.columns;
    let nw = 0;
    let i = s;
    while (i < e) {
      while (i < e && b[i] <= 32) i++;
      if (i >= e) break;
      if (nw < starts.length) starts[nw] = i;
      while (i < e && b[i] > 32) i++;
      if (nw < ends.length) ends[nw] = i;
      nw++;
    }
    if (nw !== ncol) throw new ReadError(path, { line: lineNo, frame: fi }, `${nw} columns, Properties says ${ncol}`);
    let sym: string;
    if (species.name === 'Z') {
      sym = elementByZ(numberAt(b, starts[species.start], ends[species.start]), path, lineNo, fi);
      symbolHash = (Math.imul(symbolHash, 31) + 2000 + ELEMENTS.indexOf(sym)) | 0;
    }
    else sym = speciesOf(b, starts[species.start], ends[species.start], lineNo);
    symbols[atom] = sym;
    const r = room!;
    const fProp = h.columns.forces;
    for (let k = 0; k < 3; k++) {
      const w = pos.start + k;
      const x = numberAt(b, starts[w], ends[w]);
      if (!Number.isFinite(x)) throw new ReadError(path, { line: lineNo, frame: fi, array: 'pos' }, `not a finite number: ${JSON.stringify(b.toString('utf8', starts[w], ends[w]))}`);
      r.pos[r.posOffset + 3 * atom + k] = x;
      if (fProp) {
        const wf = fProp.start + k;
        const f = numberAt(b, starts[wf], ends[wf]);
        if (!Number.isFinite(f)) throw new ReadError(path, { line: lineNo, frame: fi, array: fProp.name }, `not a finite number: ${JSON.stringify(b.toString('utf8', starts[wf], ends[wf]))}`);
        r.frc![r.frcOffset + 3 * atom + k] = f;
      }
    }
    atom++;
    if (atom === natoms) finishFrame();
  }, { what: 'an extended XYZ file' });
  if (!stopped && state === 1) unfinished(headLine, 'file ends before the comment line');
  else if (!stopped && state === 2) unfinished(read.lines, `file ends after ${atom} of ${natoms} atom lines`);
  if (store.length === 0) throw new ReadError(path, { line: 1 }, 'no frames (only blank lines)');
  return store.build({
    notes: {
      reader: 'readExtxyz',
      file: path,
      stress_input: { unit: options.stressUnit ?? 'eV/Å³', sign: options.stressSign ?? 'stress' },
      ...(skippedFrames.length ? { skipped_frames: skippedFrames } : {}),
    },
  });
}

function elementByZ(z: number, path: string, line: number, frame: number): string {
  if (!Number.isInteger(z) || z < 1 || z > ELEMENTS.length) throw new ReadError(path, { line, frame }, `atomic number ${z} is not an element`);
  return ELEMENTS[z - 1];
}
