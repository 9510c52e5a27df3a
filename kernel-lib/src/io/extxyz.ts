/**
 * Extended XYZ as ASE writes it: `Lattice`, `Properties`, per-frame info (energy, free_energy,
 * stress or virial, pbc, anything else) and per-atom columns (species, pos, forces).
 */
import type { ColumnTable } from 'arquero';
import { ReadError, looksBinary, truncatedError, unterminatedLine, UNFINISHED, type Truncated } from './errors.js';
import { fileSize, readFileBytes } from './files.js';
import { framesTable, volumeOf, cellVolumeProblem, EV_PER_A3_IN_GPA, type Frame } from './frames.js';
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

/** Parse the key=value pairs of an extxyz comment line (quotes, braces, spaces around "="). */
export function parseExtxyzInfo(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && /\s/.test(line[i])) i++;
    if (i >= n) break;
    let k = i;
    while (k < n && line[k] !== '=' && !/\s/.test(line[k])) k++;
    const key = line.slice(i, k).replace(/^"|"$/g, '');
    let j = k;
    while (j < n && line[j] === ' ') j++;
    if (line[j] !== '=') {
      out[key] = 'T';
      i = k;
      continue;
    }
    j++;
    while (j < n && line[j] === ' ') j++;
    let value: string;
    if (line[j] === '"' || line[j] === '{' || line[j] === '[') {
      const close = line[j] === '"' ? '"' : line[j] === '{' ? '}' : ']';
      let e = j + 1;
      let v = '';
      while (e < n && line[e] !== close) {
        if (line[e] === '\\' && e + 1 < n) {
          v += line[e + 1];
          e += 2;
        } else v += line[e++];
      }
      if (e >= n) throw new Error(`unterminated ${line[j]} in the value of ${key}`);
      value = close === ']' ? v.replace(/,/g, ' ') : v;
      i = e + 1;
    } else {
      let e = j;
      while (e < n && !/\s/.test(line[e])) e++;
      value = line.slice(j, e);
      i = e;
    }
    out[key] = value;
  }
  return out;
}

function typed(v: string): InfoValue {
  const w = v.trim().split(/\s+/);
  if (w.length === 0 || w[0] === '') return v;
  const nums = w.map(Number);
  if (nums.every((x) => !Number.isNaN(x))) return nums.length === 1 ? nums[0] : nums;
  const bools = w.map((x) => (/^(T|True|true)$/.test(x) ? true : /^(F|False|false)$/.test(x) ? false : null));
  if (bools.every((b) => b !== null)) return bools.length === 1 ? (bools[0] as boolean) : (bools as boolean[]);
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

/**
 * Read an extended XYZ file (as ASE writes it) into a frames table (Å, eV, eV/Å, virial eV).
 * `energy` is free_energy when present (else energy); `energy_sigma0` is the energy_sigma0 key,
 * or ASE's `energy` when it differs from free_energy. Stress (eV/Å³, tension positive, 9 or 6
 * Voigt components xx yy zz yz xz xy) becomes the virial W = −σV. Other info keys go to `tags`;
 * a `dk` key gives Δk.
 */
export function readExtxyz(path: string, options: ReadExtxyzOptions = {}): ColumnTable {
  const size = fileSize(path, 'an extended XYZ file');
  if (size === 0) throw new ReadError(path, { line: 1 }, 'empty file, expected extended XYZ');
  const buf = readFileBytes(path, 'an extended XYZ file');
  if (looksBinary(buf)) throw new ReadError(path, { line: 1 }, 'binary data where extended XYZ text was expected');
  const text = buf.toString('utf8');
  const lines = text.split('\n');
  const cutAt = unterminatedLine(text); // the last line, when it has no line end (the file may be cut inside it)
  const frames: Frame[] = [];
  const skippedFrames: { frame: number; reason: string }[] = [];
  /** A frame the file ends inside: an error, or (truncated: 'drop') the end of the reading. */
  const unfinished = (fi: number, line: number, what: string): void => {
    if (options.truncated !== 'drop' || fi === 0) throw truncatedError(path, { line, frame: fi }, `${what} (truncated extended XYZ)`, fi === 0 ? undefined : `the ${fi} whole frame(s) before it`);
    skippedFrames.push({ frame: fi, reason: UNFINISHED });
  };
  const symbolCache = new Map<string, string[]>();
  const sUnit = STRESS_UNIT[options.stressUnit ?? 'eV/Å³'];
  if (sUnit === undefined) throw new Error(`stressUnit must be one of ${Object.keys(STRESS_UNIT).join(', ')}`);
  const sSign = options.stressSign === 'pressure' ? -1 : 1;
  let li = 0;
  while (li < lines.length) {
    if (lines[li].trim() === '') {
      li++;
      continue;
    }
    const fi = frames.length;
    const headLine = li + 1;
    const natoms = Number(lines[li].trim());
    if (cutAt > 0 && (cutAt === headLine || (Number.isInteger(natoms) && natoms >= 0 && cutAt <= headLine + 1 + natoms))) {
      unfinished(fi, cutAt, `the last line has no line end: the file ends inside frame ${fi}, perhaps inside a number`);
      break;
    }
    if (!Number.isInteger(natoms) || natoms < 0) throw new ReadError(path, { line: headLine, frame: fi }, `expected the number of atoms, got ${JSON.stringify(lines[li].trim().slice(0, 60))}`);
    if (li + 2 >= lines.length) {
      unfinished(fi, headLine, 'file ends before the comment line');
      break;
    }
    let info: Record<string, string>;
    try {
      info = parseExtxyzInfo(lines[li + 1]);
    } catch (e) {
      throw new ReadError(path, { line: headLine + 1, frame: fi }, (e as Error).message);
    }
    const keys = Object.keys(info);
    const lowerKey = (k: string): string | undefined => keys.find((x) => x.toLowerCase() === k);
    const latKey = lowerKey('lattice');
    let cell: Float64Array | null = null;
    if (latKey) {
      const v = info[latKey].trim().split(/\s+/).map(Number);
      if (v.length !== 9 || v.some((x) => !Number.isFinite(x))) throw new ReadError(path, { line: headLine + 1, frame: fi, array: 'Lattice' }, `Lattice must be 9 finite numbers, got ${JSON.stringify(info[latKey])}`);
      cell = Float64Array.from(v);
    }
    const pbcKey = lowerKey('pbc');
    let pbc: [boolean, boolean, boolean] = cell ? [true, true, true] : [false, false, false];
    if (pbcKey) {
      const b = typed(info[pbcKey]);
      if (Array.isArray(b) && b.length === 3 && typeof b[0] === 'boolean') pbc = b as [boolean, boolean, boolean];
      else if (typeof b === 'boolean') pbc = [b, b, b];
      else throw new ReadError(path, { line: headLine + 1, frame: fi, array: 'pbc' }, `pbc must be three T/F, got ${JSON.stringify(info[pbcKey])}`);
    }
    // a periodic cell must have a volume (else a virial is 0 and a stress NaN); so must a cell a stress or virial is given with (below)
    const checkVolume = (): void => {
      const bad = cell ? cellVolumeProblem(cell) : null;
      if (bad) throw new ReadError(path, { line: headLine + 1, frame: fi, array: 'Lattice' }, bad);
    };
    if (pbc.some((x) => x)) checkVolume();
    const propKey = lowerKey('properties');
    const propSpec = propKey ? info[propKey] : 'species:S:1:pos:R:3';
    const ps = propSpec.split(':');
    if (ps.length % 3 !== 0) throw new ReadError(path, { line: headLine + 1, frame: fi, array: 'Properties' }, `malformed Properties ${JSON.stringify(propSpec)}`);
    const props: Prop[] = [];
    let ncol = 0;
    for (let k = 0; k < ps.length; k += 3) {
      const cols = Number(ps[k + 2]);
      if (!Number.isInteger(cols) || cols < 1 || !/^[SRIL]$/.test(ps[k + 1])) throw new ReadError(path, { line: headLine + 1, frame: fi, array: 'Properties' }, `malformed Properties ${JSON.stringify(propSpec)}`);
      props.push({ name: ps[k], type: ps[k + 1], cols, start: ncol });
      ncol += cols;
    }
    const species = props.find((p) => p.name === 'species' || p.name === 'Z');
    const pos = props.find((p) => p.name === 'pos' || p.name === 'positions');
    if (!species || !pos || pos.cols !== 3) throw new ReadError(path, { line: headLine + 1, frame: fi, array: 'Properties' }, `Properties must include species and pos:R:3, got ${JSON.stringify(propSpec)}`);
    const pnames = props.map((p) => p.name);
    const ambiguous = (msg: string): never => {
      throw new ReadError(path, { line: headLine + 1, frame: fi }, msg);
    };
    const fKey = options.forcesKey ?? pickKey(pnames, ['forces', 'force'], /forces?$/i, 'forcesKey', ambiguous);
    if (options.forcesKey && !pnames.includes(options.forcesKey)) throw new ReadError(path, { line: headLine + 1, frame: fi, array: options.forcesKey }, `no per-atom property ${options.forcesKey} in Properties ${propSpec}`);
    const fProp = fKey ? props.find((p) => p.name === fKey) : undefined;
    if (fProp && (fProp.cols !== 3 || fProp.type !== 'R')) throw new ReadError(path, { line: headLine + 1, frame: fi, array: fKey! }, `forces must be R:3, got ${fProp.type}:${fProp.cols}`);
    if (li + 2 + natoms >= lines.length) {
      unfinished(fi, lines.length - 1, `file ends after ${Math.max(0, lines.length - li - 3)} of ${natoms} atom lines`);
      break;
    }
    const symbols: string[] = new Array(natoms);
    const positions = new Float64Array(3 * natoms);
    const forces = fProp ? new Float64Array(3 * natoms) : null;
    for (let a = 0; a < natoms; a++) {
      const ln = li + 2 + a;
      const w = lines[ln].trim().split(/\s+/);
      if (w.length !== ncol) throw new ReadError(path, { line: ln + 1, frame: fi }, `${w.length === 1 && w[0] === '' ? 0 : w.length} columns, Properties says ${ncol}${ln === lines.length - 1 ? ' (truncated file?)' : ''}`);
      let sym = w[species.start];
      if (species.name === 'Z') sym = elementByZ(Number(sym), path, ln + 1, fi);
      if (!isElement(sym)) throw new ReadError(path, { line: ln + 1, frame: fi }, `unknown element ${JSON.stringify(sym)}`);
      symbols[a] = sym;
      for (let k = 0; k < 3; k++) {
        const x = Number(w[pos.start + k]);
        if (!Number.isFinite(x)) throw new ReadError(path, { line: ln + 1, frame: fi, array: 'pos' }, `not a finite number: ${JSON.stringify(w[pos.start + k])}`);
        positions[3 * a + k] = x;
        if (forces) {
          const f = Number(w[fProp!.start + k]);
          if (!Number.isFinite(f)) throw new ReadError(path, { line: ln + 1, frame: fi, array: fKey! }, `not a finite number: ${JSON.stringify(w[fProp!.start + k])}`);
          forces[3 * a + k] = f;
        }
      }
    }
    const symKey = symbols.join(' ');
    const syms = symbolCache.get(symKey) ?? symbols;
    symbolCache.set(symKey, syms);
    // energies
    const eKey = options.energyKey ?? pickKey(keys, ['free_energy', 'energy'], /energy$/i, 'energyKey', ambiguous);
    const num = (k: string, what: string): number => {
      const v = Number(info[k]);
      if (!Number.isFinite(v)) throw new ReadError(path, { line: headLine + 1, frame: fi, array: k }, `${what} ${k}=${JSON.stringify(info[k])} is not a finite number`);
      return v;
    };
    let energy: number | null = null;
    if (eKey !== null && eKey in info) energy = num(eKey, 'energy');
    else if (options.energyKey) throw new ReadError(path, { line: headLine + 1, frame: fi, array: options.energyKey }, `no info key ${options.energyKey}`);
    let sigma0: number | null = null;
    if ('energy_sigma0' in info) sigma0 = num('energy_sigma0', 'energy');
    else if (eKey === 'free_energy' && 'energy' in info && Number(info.energy) !== energy) sigma0 = num('energy', 'energy');
    // stress / virial
    let virial: Float64Array | null = null;
    const vKey = options.virialKey ?? pickKey(keys, ['virial'], /virial$/i, 'virialKey', ambiguous);
    const sKey = options.stressKey ?? pickKey(keys, ['stress'], /stress$/i, 'stressKey', ambiguous);
    const vec = (k: string): number[] => {
      const v = info[k].trim().split(/\s+/).map(Number);
      if (v.some((x) => !Number.isFinite(x))) throw new ReadError(path, { line: headLine + 1, frame: fi, array: k }, `not finite numbers: ${JSON.stringify(info[k])}`);
      if (v.length === 6) return [v[0], v[5], v[4], v[5], v[1], v[3], v[4], v[3], v[2]];
      if (v.length !== 9) throw new ReadError(path, { line: headLine + 1, frame: fi, array: k }, `${v.length} components, expected 9 or 6 (Voigt)`);
      return v;
    };
    if (sKey && sKey in info) {
      if (!cell) throw new ReadError(path, { line: headLine + 1, frame: fi, array: sKey }, 'a stress without a Lattice: no volume for the virial');
      checkVolume();
      const vol = volumeOf(cell);
      const sv = vec(sKey);
      const big = Math.max(...sv.map(Math.abs)) * sUnit;
      if (big > 10 && options.stressUnit === undefined) {
        throw new ReadError(path, { line: headLine + 1, frame: fi, array: sKey }, `stress component of ${big.toPrecision(4)} eV/Å³ (${(big * EV_PER_A3_IN_GPA).toPrecision(4)} GPa) is implausible in eV/Å³ (ASE's unit): give stressUnit ("GPa", "kbar", "bar") and stressSign ("pressure" when positive means compression)`);
      }
      virial = Float64Array.from(sv, (s) => -s * sUnit * sSign * vol);
      if (vKey && vKey in info) {
        // both given: they must describe the same tensor (W = −σV)
        const w = vec(vKey);
        const scale = Math.max(1e-3, ...w.map(Math.abs));
        const k = w.findIndex((x, j) => Math.abs(x - virial![j]) > 1e-6 * scale);
        if (k >= 0) {
          throw new ReadError(path, { line: headLine + 1, frame: fi, array: vKey }, `${vKey}[${k}] = ${w[k]} eV but −${sKey}·V = ${virial[k]} eV: the stress and the virial disagree (check stressUnit/stressSign)`);
        }
      }
    } else if (vKey && vKey in info) {
      checkVolume();
      virial = Float64Array.from(vec(vKey));
    }
    const tags: Record<string, unknown> = {};
    const used = new Set([latKey, propKey, pbcKey, eKey, sKey, vKey, 'energy_sigma0', 'free_energy', 'energy'].filter(Boolean) as string[]);
    for (const k of keys) if (!used.has(k)) tags[k] = typed(info[k]);
    if ('dk' in tags && typeof tags.dk !== 'number') {
      throw new ReadError(path, { line: headLine + 1, frame: fi, array: 'dk' }, `dk=${JSON.stringify(info.dk)} is not a number of Å⁻¹`);
    }
    const fileDk = typeof tags.dk === 'number' ? (tags.dk as number) : null;
    let mesh: number[] | null = null;
    if (Array.isArray(tags.mesh) && tags.mesh.length === 3) mesh = tags.mesh as number[];
    else if (Array.isArray(tags.kpts) && tags.kpts.length === 3) mesh = tags.kpts as number[];
    // a mesh or k-point count the file states is used or refused, never passed over
    const meshKey = mesh === tags.mesh ? 'mesh' : 'kpts';
    if (mesh && !mesh.every((x) => Number.isInteger(x) && x > 0)) {
      throw new ReadError(path, { line: headLine + 1, frame: fi, array: meshKey }, `${meshKey}=${JSON.stringify(info[meshKey])} is not three positive whole numbers (a k-point mesh)`);
    }
    if ('n_irreducible' in tags && !(Number.isInteger(tags.n_irreducible) && (tags.n_irreducible as number) > 0)) {
      throw new ReadError(path, { line: headLine + 1, frame: fi, array: 'n_irreducible' }, `n_irreducible=${JSON.stringify(info.n_irreducible)} is not a positive whole number of k-points`);
    }
    let found;
    try {
      found = discoverDk({ path, fileDk, mesh, cell }, options);
    } catch (e) {
      throw new ReadError(path, { line: headLine + 1, frame: fi }, (e as Error).message);
    }
    if (found) tags.dk_source = found.source;
    frames.push({
      id: `${path}#${fi}`,
      source: path,
      frame: fi,
      symbols: syms,
      cell,
      pbc,
      positions,
      forces,
      energy,
      energySigma0: sigma0,
      virial,
      dk: found?.dk ?? null,
      kmesh: mesh && mesh.every((x) => Number.isInteger(x) && x > 0) ? [mesh[0], mesh[1], mesh[2]] : null,
      nkpts: typeof tags.n_irreducible === 'number' ? (tags.n_irreducible as number) : null,
      tags,
    });
    li += 2 + natoms;
  }
  if (frames.length === 0) throw new ReadError(path, { line: 1 }, 'no frames (only blank lines)');
  return framesTable(frames, {
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
