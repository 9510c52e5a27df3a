/**
 * Extended XYZ as ASE writes it: `Lattice`, `Properties`, per-frame info (energy, free_energy,
 * stress or virial, pbc, anything else) and per-atom columns (species, pos, forces).
 */
import type { ColumnTable } from 'arquero';
import { ReadError, truncatedError, UNFINISHED, type Truncated } from './errors.js';
import { forEachLineBytes, decimalAt, numberAt, InternedText } from './bytes.js';
import { fileSize } from './files.js';
import { volumeOf, cellVolumeProblem, EV_PER_A3_IN_GPA } from './frames.js';
import { FrameColumns, type FrameFields } from './framecolumns.js';
import { isElement, ELEMENTS } from './elements.js';
import { discoverDk, type DkOptions, type DkFound } from './dk.js';

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
  /** For each column: the position component (0–2) it holds, or -1. */
  posAt: Int8Array;
  /** For each column: the force component (0–2) it holds, or -1. */
  frcAt: Int8Array;
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
  const posAt = new Int8Array(ncol).fill(-1);
  const frcAt = new Int8Array(ncol).fill(-1);
  for (let k = 0; k < 3; k++) {
    posAt[pos!.start + k] = k;
    if (fProp) frcAt[fProp.start + k] = k;
  }
  return { props, ncol, species: species!, pos: pos!, forces: fProp, posAt, frcAt };
}

/** What the comment lines read so far have in common: Properties specs, each analysed once, and text values. */
interface HeaderCache {
  columns: Map<string, Columns>;
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

/**
 * The keys of a comment line, in the order of Object.keys of {@link parseExtxyzInfo}'s result,
 * and which of them hold what: the same for every line with the same keys, so worked out once.
 */
interface Layout {
  keys: string[];
  /** Each key's bytes, to match a line's keys without decoding them; null for a key that is not ASCII. */
  keyBytes: (Uint8Array | null)[];
  /** Index of the Lattice, pbc and Properties keys (any case), or -1. */
  lattice: number;
  pbc: number;
  properties: number;
  /** The rest, worked out on first use (its errors come after those of Lattice, pbc and Properties). */
  roles: Roles | null;
}

/** Where a layout's energies, stress, virial and tags are: indexes into its keys, or -1. */
interface Roles {
  ik: InfoKeys;
  energy: number;
  /** The energy_sigma0 key. */
  sigma0: number;
  /** The key `energy` (ASE's energy beside free_energy). */
  plainEnergy: number;
  stress: number;
  virial: number;
  /** The keys kept as tags. */
  tags: number[];
}

function layoutOf(keys: string[], keyBytes: (Uint8Array | null)[]): Layout {
  const lower = (k: string): number => keys.findIndex((x) => x.toLowerCase() === k);
  return { keys, keyBytes, lattice: lower('lattice'), pbc: lower('pbc'), properties: lower('properties'), roles: null };
}

function rolesOf(keys: string[], options: ReadExtxyzOptions, ambiguous: (msg: string) => never): Roles {
  const ik = infoKeys(keys, options, ambiguous);
  const at = (k: string | null | undefined): number => (k === null || k === undefined ? -1 : keys.indexOf(k));
  const tags: number[] = [];
  keys.forEach((k, q) => {
    const role = k === ik.lattice || k === ik.properties || k === ik.pbc || k === ik.energy || k === ik.stress || k === ik.virial;
    if (!role && k !== 'energy_sigma0' && k !== 'free_energy' && k !== 'energy') tags.push(q);
  });
  return { ik, energy: at(ik.energy), sigma0: at('energy_sigma0'), plainEnergy: at('energy'), stress: at(ik.stress), virial: at(ik.virial), tags };
}

/** The values of one comment line, by the index of their key in its {@link Layout}. */
interface InfoValues {
  /** The value as {@link parseExtxyzInfo} gives it. */
  text(i: number): string;
  /** Number() of the value. */
  number(i: number): number;
  /**
   * The blank-separated words of the value as numbers (Number() of each) into `out`, as many as
   * fit; returns the count of words, or -1 for a value of `limit` characters or more.
   */
  numbers(i: number, out: Float64Array, limit: number): number;
  /** The value typed: a number, a boolean, an array of either, or the text (kept, see {@link keptText}). */
  typed(i: number): InfoValue;
  /** The value as pbc: bit k set for a periodic axis k; -1 when it is neither three booleans nor one. */
  pbcMask(i: number): number;
}

/** pbc bits of a typed value (see {@link InfoValues.pbcMask}). */
function pbcBits(b: InfoValue): number {
  if (Array.isArray(b) && b.length === 3 && typeof b[0] === 'boolean') return (b[0] ? 1 : 0) | (b[1] ? 2 : 0) | (b[2] ? 4 : 0);
  if (typeof b === 'boolean') return b ? 7 : 0;
  return -1;
}

/** The values of a comment line parsed by {@link parseExtxyzInfo} (any line). */
class TextValues implements InfoValues {
  constructor(private readonly vals: string[], private readonly kept: Map<string, string>) {}
  text(i: number): string {
    return this.vals[i];
  }
  number(i: number): number {
    return Number(this.vals[i]);
  }
  numbers(i: number, out: Float64Array, limit: number): number {
    const t = this.vals[i];
    return t.length < limit ? wordsAsNumbers(t, out) : -1;
  }
  typed(i: number): InfoValue {
    const v = typed(this.vals[i]);
    return typeof v === 'string' ? keptText(v, this.kept) : v;
  }
  pbcMask(i: number): number {
    return pbcBits(typed(this.vals[i]));
  }
}

/** Below, c <= 32 && (c === 32 || (c >= 9 && c <= 13)) is a blank in the sense of JavaScript's \s, for ASCII (space, tab, LF, VT, FF, CR): written out, not called, in the loops over bytes. */

/** The boolean words of extxyz (bytes) and their values: T, F, True, true (1), False, false (0). */
const BOOL_WORDS = [[84], [70], [84, 114, 117, 101], [116, 114, 117, 101], [70, 97, 108, 115, 101], [102, 97, 108, 115, 101]].map((w) => Uint8Array.from(w));
const BOOL_VALUES = [1, 0, 1, 1, 0, 0];

/**
 * The boolean word of bytes b[s, e): 1 or 0, else -1 (as {@link boolWord}). Every word is
 * compared with the list from its end, so that one "T" runs every step of the loop: the code
 * compiled after many "T" is not thrown out at the first "False".
 */
function boolAt(b: Uint8Array, s: number, e: number): number {
  const n = e - s;
  for (let q = BOOL_WORDS.length - 1; q >= 0; q--) {
    const w = BOOL_WORDS[q];
    if (w.length !== n) continue;
    let k = 0;
    while (k < n && b[s + k] === w[k]) k++;
    if (k === n) return BOOL_VALUES[q];
  }
  return -1;
}

/** Most keys a comment line is read with from its bytes (more go through {@link parseExtxyzInfo}). */
const MAX_KEYS = 256;

/**
 * A comment line read from its bytes, without making strings of it: key and value ranges,
 * numbers parsed from the bytes, text values interned. It takes the lines of plain ASCII
 * without backslashes, flags (a key without value) or quoted keys, which is what ASE writes;
 * {@link split} says no to the others, which go through {@link parseExtxyzInfo} and give the
 * same values and the same errors.
 */
class ByteValues implements InfoValues {
  private b: Uint8Array = new Uint8Array(0);
  /** Number of keys of the line. */
  count = 0;
  private readonly kS = new Int32Array(MAX_KEYS);
  private readonly kE = new Int32Array(MAX_KEYS);
  private readonly vS = new Int32Array(MAX_KEYS);
  private readonly vE = new Int32Array(MAX_KEYS);
  /** The byte that opens a value: " { [, or 0 for a bare word. */
  private readonly open = new Uint8Array(MAX_KEYS);
  constructor(private readonly texts: InternedText, private readonly kept: Map<string, string>) {}

  /** Split line b[s, e) into its keys and values, as {@link parseExtxyzInfo} does; false for a line it does not take. */
  split(b: Uint8Array, s: number, e: number): boolean {
    // every byte is looked at once below; UTF-8 (a byte ≥ 128) or a backslash (an escape) says no
    let n = 0;
    let i = s;
    while (i < e) {
      for (let c = b[i]; i < e && (c <= 32 && (c === 32 || (c >= 9 && c <= 13))); c = b[++i]);
      if (i >= e) break;
      let k = i;
      for (let c = b[k]; k < e && c !== 61 && !(c <= 32 && (c === 32 || (c >= 9 && c <= 13))); c = b[++k]) if (c >= 128 || c === 92) return false;
      if (k === i || b[i] === 34 || b[k - 1] === 34 || n === MAX_KEYS) return false; // no key, a quoted key, too many
      let j = k;
      while (j < e && b[j] === 32) j++;
      if (j >= e || b[j] !== 61) return false; // a flag
      j++;
      while (j < e && b[j] === 32) j++;
      const open = j < e ? b[j] : 0;
      this.kS[n] = i;
      this.kE[n] = k;
      if (open === 34 || open === 123 || open === 91) {
        const close = open === 34 ? 34 : open === 123 ? 125 : 93;
        let q = j + 1;
        for (let c = b[q]; q < e && c !== close; c = b[++q]) if (c >= 128 || c === 92) return false;
        if (q >= e) return false; // unterminated: the text parser says so
        this.vS[n] = j + 1;
        this.vE[n] = q;
        this.open[n] = open;
        i = q + 1;
      } else {
        let q = j;
        for (let c = b[q]; q < e && !(c <= 32 && (c === 32 || (c >= 9 && c <= 13))); c = b[++q]) if (c >= 128 || c === 92) return false;
        this.vS[n] = j;
        this.vE[n] = q;
        this.open[n] = 0;
        i = q;
      }
      n++;
    }
    this.b = b;
    this.count = n;
    return true;
  }

  /** Whether the keys of the line split last are those of `L`, in its order. */
  matches(L: Layout): boolean {
    if (L.keys.length !== this.count) return false;
    const b = this.b;
    for (let q = 0; q < this.count; q++) {
      const x = L.keyBytes[q];
      const s = this.kS[q];
      if (x === null || x.length !== this.kE[q] - s) return false;
      for (let k = 0; k < x.length; k++) if (x[k] !== b[s + k]) return false;
    }
    return true;
  }

  /** The keys of the line split last, or null when the text parser would give them otherwise (twice the same key, a key that is an index or __proto__). */
  keys(): { keys: string[]; bytes: Uint8Array[] } | null {
    const keys: string[] = [];
    const bytes: Uint8Array[] = [];
    for (let q = 0; q < this.count; q++) {
      const x = Uint8Array.from(this.b.subarray(this.kS[q], this.kE[q]));
      const k = Buffer.from(x.buffer, x.byteOffset, x.length).toString('latin1');
      if ((x[0] >= 48 && x[0] <= 57) || k === '__proto__' || keys.includes(k)) return null;
      keys.push(k);
      bytes.push(x);
    }
    return { keys, bytes };
  }

  text(i: number): string {
    const t = this.texts.get(this.b, this.vS[i], this.vE[i]);
    return this.open[i] === 91 ? t.replace(/,/g, ' ') : t;
  }

  /** The numbers of the words of the value scanned last (Number() of each; NaN for a word that is not one). */
  private nums = new Float64Array(16);
  /** Whether each word of the value scanned last is a boolean word: 1 T, 0 F, -1 neither. */
  private bools = new Int8Array(16);
  /** Whether every word of the value scanned last is a number (not NaN), or a boolean word. */
  private allNumbers = false;
  private allBooleans = false;

  /**
   * Read the blank-separated words of value i once: each as a number and as a boolean word (see
   * {@link nums}, {@link bools}). Returns the count of words. Not for a [ ] value.
   */
  private scan(i: number): number {
    const b = this.b;
    const e = this.vE[i];
    let n = 0;
    let allNumbers = true;
    let allBooleans = true;
    for (let k = this.vS[i]; k < e; ) {
      for (let c = b[k]; k < e && (c <= 32 && (c === 32 || (c >= 9 && c <= 13))); c = b[++k]);
      if (k >= e) break;
      const ws = k;
      for (let c = b[k]; k < e && !(c <= 32 && (c === 32 || (c >= 9 && c <= 13))); c = b[++k]);
      if (n === this.nums.length) {
        const nums = new Float64Array(2 * n);
        nums.set(this.nums);
        this.nums = nums;
        const bools = new Int8Array(2 * n);
        bools.set(this.bools);
        this.bools = bools;
      }
      // Number() of the word; a word whose first byte cannot start a number (a letter but the I of Infinity) is NaN
      const c = b[ws];
      const x = (c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46 || c === 73 ? numberAt(b, ws, k) : NaN;
      const w = c === 84 || c === 70 || c === 116 || c === 102 ? boolAt(b, ws, k) : -1; // T F t f
      this.nums[n] = x;
      this.bools[n] = w;
      if (x !== x) allNumbers = false;
      if (w < 0) allBooleans = false;
      n++;
    }
    this.allNumbers = allNumbers;
    this.allBooleans = allBooleans;
    return n;
  }

  number(i: number): number {
    if (this.open[i] === 91) return Number(this.text(i));
    // Number() of a blank value is 0, of several words NaN
    const n = this.scan(i);
    return n === 0 ? 0 : n === 1 ? this.nums[0] : NaN;
  }

  numbers(i: number, out: Float64Array, limit: number): number {
    if (this.open[i] === 91) {
      const t = this.text(i);
      return t.length < limit ? wordsAsNumbers(t, out) : -1;
    }
    if (this.vE[i] - this.vS[i] >= limit) return -1;
    const n = this.scan(i);
    for (let k = 0; k < n && k < out.length; k++) out[k] = this.nums[k];
    return n;
  }

  typed(i: number): InfoValue {
    if (this.open[i] === 91) {
      const v = typed(this.text(i));
      return typeof v === 'string' ? keptText(v, this.kept) : v;
    }
    const n = this.scan(i);
    // one word: a number, a boolean or text; several: all numbers, all booleans, or text
    if (n === 1) return this.allNumbers ? this.nums[0] : this.allBooleans ? this.bools[0] === 1 : this.text(i);
    if (n === 0 || !(this.allNumbers || this.allBooleans)) return this.text(i);
    if (this.allNumbers) return Array.from(this.nums.subarray(0, n));
    const out: boolean[] = new Array(n);
    for (let k = 0; k < n; k++) out[k] = this.bools[k] === 1;
    return out;
  }

  pbcMask(i: number): number {
    if (this.open[i] === 91) return pbcBits(typed(this.text(i)));
    const n = this.scan(i);
    if (!this.allBooleans || (n !== 1 && n !== 3)) return -1;
    const bs = this.bools;
    return n === 1 ? (bs[0] ? 7 : 0) : bs[0] | (bs[1] << 1) | (bs[2] << 2);
  }
}

/** What a frame's comment line says, checked: everything but the atom lines (the fields {@link FrameColumns.add} takes, and the columns). */
interface FrameHeader extends FrameFields {
  columns: Columns;
}

const PBC: [boolean, boolean, boolean][] = Array.from({ length: 8 }, (_, k) => [(k & 1) > 0, (k & 2) > 0, (k & 4) > 0]);

/** The largest magnitude of the components. */
function largest(v: Float64Array): number {
  let m = 0;
  for (let q = 0; q < v.length; q++) {
    const a = v[q] < 0 ? -v[q] : v[q]; // finite components (checked before)
    if (a > m) m = a;
  }
  return m;
}

/**
 * Reads the comment lines of one file: cell, pbc, Properties, energies, stress or virial, Δk and
 * the other info keys as tags. Every value is read or refused. One header object is reused from
 * frame to frame (only its tags are new): it is valid until the next comment line.
 */
class HeaderReader {
  private readonly cache: HeaderCache = { columns: new Map(), text: new Map() };
  private readonly bytes: ByteValues;
  private readonly layouts: Layout[] = [];
  private last: Layout | null = null;
  /** The Δk found for a frame with no Δk and no mesh of its own (the same for all such frames), once looked for. */
  private noEvidence: DkFound | null | undefined = undefined;
  private readonly row = new Float64Array(9);
  private readonly spare = new Float64Array(9);
  private readonly cellRoom = new Float64Array(9);
  private readonly virialRoom = new Float64Array(9);
  private readonly h: FrameHeader;
  private line = 0;
  private fi = 0;
  constructor(private readonly path: string, private readonly options: ReadExtxyzOptions) {
    this.bytes = new ByteValues(new InternedText(Infinity, 1 << 16), this.cache.text);
    this.h = {
      symbols: [], cell: null, pbc: PBC[0], energy: null, energySigma0: null, virial: null, dk: null, kmesh: null, nkpts: null, tags: {},
      columns: undefined as unknown as Columns,
    };
  }

  private fail(array: string | undefined, msg: string): never {
    throw new ReadError(this.path, array === undefined ? { line: this.line, frame: this.fi } : { line: this.line, frame: this.fi, array }, msg);
  }

  /** The header of frame `fi` (`natoms` atoms) from its comment line b[s, e), line `line` of the file. */
  read(b: Buffer, s: number, e: number, natoms: number, line: number, fi: number): FrameHeader {
    this.line = line;
    this.fi = fi;
    const bv = this.bytes;
    if (bv.split(b, s, e)) {
      const L = this.byteLayout(bv);
      if (L) return this.header(L, bv);
    }
    let info: Record<string, string>;
    try {
      info = parseExtxyzInfo(b.toString('utf8', s, e));
    } catch (err) {
      return this.fail(undefined, (err as Error).message);
    }
    const keys = Object.keys(info);
    return this.header(this.textLayout(keys), new TextValues(keys.map((k) => info[k]), this.cache.text));
  }

  /** The layout of the line `bv` split, or null when its keys must go through the text parser. */
  private byteLayout(bv: ByteValues): Layout | null {
    if (this.last && bv.matches(this.last)) return this.last;
    for (const L of this.layouts) {
      if (L !== this.last && bv.matches(L)) {
        this.last = L;
        return L;
      }
    }
    const k = bv.keys();
    if (!k) return null;
    const L = layoutOf(k.keys, k.bytes);
    if (this.layouts.length < 64) this.layouts.push(L);
    this.last = L;
    return L;
  }

  private textLayout(keys: string[]): Layout {
    for (const L of this.layouts) {
      if (L.keys.length !== keys.length) continue;
      let k = 0;
      while (k < keys.length && L.keys[k] === keys[k]) k++;
      if (k === keys.length) return L;
    }
    const ascii = (k: string): boolean => {
      for (let q = 0; q < k.length; q++) if (k.charCodeAt(q) >= 128) return false;
      return true;
    };
    const L = layoutOf(keys, keys.map((k) => (ascii(k) ? Uint8Array.from(Buffer.from(k, 'latin1')) : null)));
    if (this.layouts.length < 64) this.layouts.push(L);
    return L;
  }

  /** A cell a configuration is read with must have a volume (see {@link cellVolumeProblem}). */
  private checkVolume(cell: Float64Array | null): void {
    const bad = cell ? cellVolumeProblem(cell) : null;
    if (bad) this.fail('Lattice', bad);
  }

  /** The finite number of key q (an energy). */
  private num(L: Layout, V: InfoValues, q: number): number {
    const v = V.number(q);
    if (!Number.isFinite(v)) this.fail(L.keys[q], `energy ${L.keys[q]}=${JSON.stringify(V.text(q))} is not a finite number`);
    return v;
  }

  /** The 9 components (row-major) of the tensor of key q, written as 9 numbers or 6 (Voigt: xx yy zz yz xz xy), into `out`. */
  private tensor(L: Layout, V: InfoValues, q: number, out: Float64Array): Float64Array {
    const k = L.keys[q];
    const got = V.numbers(q, this.row, 2000);
    const v = got >= 0 && got <= 9 ? this.row : Float64Array.from(V.text(q).trim().split(/\s+/), Number);
    const n = got >= 0 && got <= 9 ? got : v.length;
    for (let j = 0; j < n; j++) if (!Number.isFinite(v[j])) this.fail(k, `not finite numbers: ${JSON.stringify(V.text(q))}`);
    if (n === 6) {
      out[0] = v[0]; out[1] = v[5]; out[2] = v[4];
      out[3] = v[5]; out[4] = v[1]; out[5] = v[3];
      out[6] = v[4]; out[7] = v[3]; out[8] = v[2];
      return out;
    }
    if (n !== 9) this.fail(k, `${n} components, expected 9 or 6 (Voigt)`);
    for (let j = 0; j < 9; j++) out[j] = v[j];
    return out;
  }

  private header(L: Layout, V: InfoValues): FrameHeader {
    const { options, h } = this;
    let cell: Float64Array | null = null;
    if (L.lattice >= 0) {
      cell = this.cellRoom;
      const got = V.numbers(L.lattice, cell, 1000);
      let finite = got === 9;
      for (let k = 0; k < 9 && finite; k++) finite = Number.isFinite(cell[k]);
      if (!finite) this.fail('Lattice', `Lattice must be 9 finite numbers, got ${JSON.stringify(V.text(L.lattice))}`);
    }
    let pbc = cell ? 7 : 0;
    if (L.pbc >= 0) {
      pbc = V.pbcMask(L.pbc);
      if (pbc < 0) this.fail('pbc', `pbc must be three T/F, got ${JSON.stringify(V.text(L.pbc))}`);
    }
    // a periodic cell must have a volume (else a virial is 0 and a stress NaN); so must a cell a stress or virial is given with (below)
    const volumeChecked = pbc !== 0;
    if (volumeChecked) this.checkVolume(cell);
    const propSpec = L.properties >= 0 ? V.text(L.properties) : 'species:S:1:pos:R:3';
    let columns = this.cache.columns.get(propSpec);
    if (!columns) {
      columns = columnsOf(propSpec, options, (array, msg) => this.fail(array, msg));
      this.cache.columns.set(propSpec, columns);
    }
    const R = L.roles ?? (L.roles = rolesOf(L.keys, options, (msg) => this.fail(undefined, msg)));
    // energies
    let energy: number | null = null;
    if (R.energy >= 0) energy = this.num(L, V, R.energy);
    else if (options.energyKey) this.fail(options.energyKey, `no info key ${options.energyKey}`);
    let sigma0: number | null = null;
    if (R.sigma0 >= 0) sigma0 = this.num(L, V, R.sigma0);
    else if (R.ik.energy === 'free_energy' && R.plainEnergy >= 0 && V.number(R.plainEnergy) !== energy) sigma0 = this.num(L, V, R.plainEnergy);
    // stress / virial
    let virial: Float64Array | null = null;
    const sKey = R.ik.stress;
    const vKey = R.ik.virial;
    if (R.stress >= 0) {
      if (!cell) this.fail(sKey!, 'a stress without a Lattice: no volume for the virial');
      if (!volumeChecked) this.checkVolume(cell);
      const vol = volumeOf(cell!);
      const sv = this.tensor(L, V, R.stress, this.virialRoom);
      const sUnit = STRESS_UNIT[options.stressUnit ?? 'eV/Å³'];
      const sSign = options.stressSign === 'pressure' ? -1 : 1;
      const big = largest(sv) * sUnit;
      if (big > 10 && options.stressUnit === undefined) {
        this.fail(sKey!, `stress component of ${big.toPrecision(4)} eV/Å³ (${(big * EV_PER_A3_IN_GPA).toPrecision(4)} GPa) is implausible in eV/Å³ (ASE's unit): give stressUnit ("GPa", "kbar", "bar") and stressSign ("pressure" when positive means compression)`);
      }
      for (let q = 0; q < 9; q++) sv[q] = -sv[q] * sUnit * sSign * vol;
      virial = sv;
      if (R.virial >= 0) {
        // both given: they must describe the same tensor (W = −σV)
        const w = this.tensor(L, V, R.virial, this.spare);
        const scale = Math.max(1e-3, largest(w));
        let k = 0;
        while (k < 9 && !(Math.abs(w[k] - sv[k]) > 1e-6 * scale)) k++;
        if (k < 9) this.fail(vKey!, `${vKey}[${k}] = ${w[k]} eV but −${sKey}·V = ${sv[k]} eV: the stress and the virial disagree (check stressUnit/stressSign)`);
      }
    } else if (R.virial >= 0) {
      if (!volumeChecked) this.checkVolume(cell);
      virial = this.tensor(L, V, R.virial, this.virialRoom);
    }
    const tags: Record<string, unknown> = {};
    const tq = R.tags;
    for (let q = 0; q < tq.length; q++) tags[L.keys[tq[q]]] = V.typed(tq[q]);
    if ('dk' in tags && typeof tags.dk !== 'number') this.fail('dk', `dk=${JSON.stringify(V.text(L.keys.indexOf('dk')))} is not a number of Å⁻¹`);
    const fileDk = typeof tags.dk === 'number' ? (tags.dk as number) : null;
    let mesh: number[] | null = null;
    if (Array.isArray(tags.mesh) && tags.mesh.length === 3) mesh = tags.mesh as number[];
    else if (Array.isArray(tags.kpts) && tags.kpts.length === 3) mesh = tags.kpts as number[];
    // a mesh or k-point count the file states is used or refused, never passed over
    const meshKey = mesh === tags.mesh ? 'mesh' : 'kpts';
    if (mesh && !mesh.every((x) => Number.isInteger(x) && x > 0)) this.fail(meshKey, `${meshKey}=${JSON.stringify(V.text(L.keys.indexOf(meshKey)))} is not three positive whole numbers (a k-point mesh)`);
    if ('n_irreducible' in tags && !(Number.isInteger(tags.n_irreducible) && (tags.n_irreducible as number) > 0)) {
      this.fail('n_irreducible', `n_irreducible=${JSON.stringify(V.text(L.keys.indexOf('n_irreducible')))} is not a positive whole number of k-points`);
    }
    let found: DkFound | null;
    if (fileDk === null && mesh === null) {
      // nothing of the frame's own: the path and the options decide, the same for every such frame
      if (this.noEvidence === undefined) this.noEvidence = this.discover(null, null, cell);
      found = this.noEvidence;
    } else found = this.discover(fileDk, mesh, cell);
    if (found) tags.dk_source = found.source;
    h.cell = cell;
    h.pbc = PBC[pbc];
    h.columns = columns;
    h.energy = energy;
    h.energySigma0 = sigma0;
    h.virial = virial;
    h.dk = found ? found.dk : null;
    h.kmesh = mesh ? [mesh[0], mesh[1], mesh[2]] : null;
    h.nkpts = typeof tags.n_irreducible === 'number' ? (tags.n_irreducible as number) : null;
    h.tags = tags;
    return h;
  }

  private discover(fileDk: number | null, mesh: number[] | null, cell: Float64Array | null): DkFound | null {
    try {
      return discoverDk({ path: this.path, fileDk, mesh, cell }, this.options);
    } catch (e) {
      return this.fail(undefined, (e as Error).message);
    }
  }
}

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

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

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

/** 2^53: every integer below it is an exact double. */
const EXACT_INTEGERS = 9007199254740992;

/** The species word of the last atom line {@link atomLine} read: b[speciesStart, speciesEnd). */
let speciesStart = 0;
let speciesEnd = 0;

/**
 * Read atom line b[s, e) in one pass: its positions into pos[po + k] and forces into frc[fo + k]
 * (plain decimals parsed as they are scanned, anything else by {@link numberAt}), and where its
 * species word is. False when the line has another number of columns or a number that is not
 * finite: then it is read again word by word, for the error.
 */
function atomLine(b: Uint8Array, s: number, e: number, cols: Columns, pos: Float64Array, po: number, frc: Float64Array | null, fo: number): boolean {
  const { ncol, posAt, frcAt } = cols;
  const sp = cols.species.start;
  let nw = 0;
  let i = s;
  while (i < e) {
    let c = b[i];
    while (c <= 32 && i < e) c = b[++i];
    if (i >= e) break;
    if (nw >= ncol) return false;
    const pk = posAt[nw];
    const fk = frcAt[nw];
    if (pk >= 0 || fk >= 0) {
      const ws = i;
      let neg = false;
      if (c === 45) {
        neg = true;
        c = b[++i];
      } else if (c === 43) c = b[++i];
      // −0 adds as 0, but makes m a double from the start: the compiled loop does float
      // arithmetic and is not thrown out when ten digits overflow a small integer
      let m = -0;
      let digits = 0;
      let p = 0;
      let dot = false;
      for (; i < e; c = b[++i]) {
        if (c >= 48 && c <= 57) {
          m = m * 10 + (c - 48);
          digits++;
          if (dot) p--;
        } else if (c === 46 && !dot) dot = true;
        else break;
      }
      let x: number;
      if ((i >= e || c <= 32) && digits > 0 && m < EXACT_INTEGERS && p >= -22) {
        x = p < 0 ? m / POW10[-p] : m; // as numberAt: exact operands, one rounding
        if (neg) x = -x;
      } else {
        while (i < e && b[i] > 32) i++;
        x = numberAt(b, ws, i);
        if (!Number.isFinite(x)) return false;
      }
      if (pk >= 0) pos[po + pk] = x;
      if (fk >= 0) frc![fo + fk] = x;
    } else {
      if (nw === sp) speciesStart = i;
      while (i < e && b[i] > 32) i++;
      if (nw === sp) speciesEnd = i;
    }
    nw++;
  }
  return nw === ncol;
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
  const headers = new HeaderReader(path, options);
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
  const symbols: string[] = []; // the symbols of the frame being read (its first natoms entries)
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
  /** The element of the species word b[s, e) (a symbol, or an atomic number for Z); adds it to the frame's symbol hash. */
  const symbolOf = (b: Buffer, s: number, e: number, species: Prop, line: number): string => {
    if (species.name !== 'Z') return speciesOf(b, s, e, line);
    const sym = elementByZ(numberAt(b, s, e), path, line, fi);
    symbolHash = (Math.imul(symbolHash, 31) + 2000 + ELEMENTS.indexOf(sym)) | 0;
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
      if (x.length !== natoms) continue;
      let k = 0;
      while (k < natoms && x[k] === symbols[k]) k++;
      if (k === natoms) syms = x;
    }
    if (!syms) {
      syms = symbols.slice(0, natoms);
      if (!list) symbolCache.set(symbolHash, (list = []));
      if (list.length < 16) list.push(syms);
    }
    h.symbols = syms;
    store.add(h);
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
      // a count of plain digits here; anything else as decimalAt reads it (for the error)
      let k = x;
      let count = 0;
      for (let c = b[k]; k < y && k - x < 9 && c >= 48 && c <= 57; c = b[++k]) count = count * 10 + (c - 48);
      natoms = k === y && k > x ? count : decimalAt(b, x, y);
      if (!Number.isInteger(natoms) || natoms < 0) throw new ReadError(path, { line: lineNo, frame: fi }, `expected the number of atoms, got ${JSON.stringify(trimmed(b, s, e).slice(0, 60))}`);
      state = 1;
      return;
    }
    if (state === 1) {
      if (cut) return unfinished(lineNo, `the last line has no line end: the file ends inside frame ${fi}, perhaps inside a number`);
      head = headers.read(b, s, e, natoms, lineNo, fi);
      room = store.atoms(natoms, head.columns.forces !== undefined);
      symbolHash = natoms;
      atom = 0;
      state = 2;
      if (natoms === 0) finishFrame();
      return;
    }
    // an atom line
    if (cut) return unfinished(lineNo, `the last line has no line end: the file ends inside frame ${fi}, perhaps inside a number`);
    const cols = head!.columns;
    const r = room!;
    if (atomLine(b, s, e, cols, r.pos, r.posOffset + 3 * atom, r.frc, r.frcOffset + 3 * atom)) {
      symbols[atom] = symbolOf(b, speciesStart, speciesEnd, cols.species, lineNo);
    } else {
      // the line as words, checked in order: their count, the species, each number
      const { ncol, species, pos } = cols;
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
      symbols[atom] = symbolOf(b, starts[species.start], ends[species.start], species, lineNo);
      const fProp = cols.forces;
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
