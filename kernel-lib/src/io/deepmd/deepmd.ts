/**
 * DeePMD-kit systems: `type.raw`, `type_map.raw`, `set.NNN/{coord,box,energy,force,virial}.npy`
 * (float32 or float64, .npy versions 1–3) or the raw text variant (`coord.raw` …, one frame per
 * line); a folder tree of many systems. And the writer back to DeePMD-kit's npy layout.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { table as aqTable, type ColumnTable } from 'arquero';
import { withMeta } from '../../core/meta.js';
import { ReadError, requireLineEnd } from '../errors.js';
import { looksBinary, parseDecimal } from '../bytes.js';
import { readFileBytes, isFolder, listFolder, realPath } from '../files.js';
import { readNpy, writeNpy, type NpyArray } from './npy.js';
import { readWritten, stageFor, discardStage, swapIn } from '../written.js';
import {
  concatFrames, countSpecies, formulaOf, blockColumn, LazyColumn, FRAMES_UNITS, FRAMES_CONVENTIONS,
  EV_PER_A3_IN_GPA, cellVolumeProblem, type AtomArray,
} from '../frames.js';
import { isElement } from '../elements.js';
import { discoverDk, type DkOptions } from '../dk.js';

/** Options of {@link readDeepmd}. */
export interface ReadDeepmdOptions extends DkOptions {
  /** Element of each atom type when a system has no type_map.raw, e.g. ["Mg"]. */
  typeMap?: readonly string[];
  /** "npy" (set.* folders), "raw" (text files) or "auto" (npy when set.* exist; default). */
  format?: 'auto' | 'npy' | 'raw';
}

/** A DeePMD-kit text file (type.raw, type_map.raw, coord.raw, …); one whose last line has no line end is refused as cut. */
function readText(path: string): string {
  const buf = readFileBytes(path, 'a DeePMD-kit text file');
  if (looksBinary(buf)) throw new ReadError(path, { line: 1 }, 'binary data where text was expected');
  const text = buf.toString('utf8');
  requireLineEnd(path, text, 'DeePMD-kit file');
  return text;
}

function readTypes(dir: string): Int32Array {
  const path = join(dir, 'type.raw');
  const words = readText(path).split(/\s+/).filter((w) => w.length > 0);
  if (words.length === 0) throw new ReadError(path, { line: 1 }, 'empty type.raw: no atoms');
  const t = new Int32Array(words.length);
  words.forEach((w, i) => {
    const v = Number(w);
    if (!Number.isInteger(v) || v < 0) throw new ReadError(path, { array: `atom ${i}` }, `atom type ${JSON.stringify(w)} is not a non-negative integer`);
    t[i] = v;
  });
  return t;
}

function readTypeMap(dir: string, ntypes: number, opt: ReadDeepmdOptions): string[] {
  const path = join(dir, 'type_map.raw');
  let map: string[];
  let lines: number[] = []; // line of each entry of type_map.raw
  let from: string;
  if (existsSync(path)) {
    map = [];
    readText(path).split('\n').forEach((l, k) => {
      for (const w of l.split(/\s+/)) {
        if (w.length === 0) continue;
        map.push(w);
        lines.push(k + 1);
      }
    });
    from = path;
  } else if (opt.typeMap) {
    map = [...opt.typeMap];
    from = 'the typeMap option';
  } else {
    throw new ReadError(dir, {}, `no type_map.raw: the element of each atom type is unknown; pass { typeMap: [...] } (e.g. ["Mg"]) for ${ntypes} type(s)`);
  }
  const inFile = from === path;
  map.forEach((s, i) => {
    if (!isElement(s)) throw new ReadError(inFile ? path : dir, { line: inFile ? lines[i] : undefined, array: `type ${i}` }, `unknown element ${JSON.stringify(s)} in ${inFile ? 'type_map.raw' : from}`);
    // one element named twice would give two types one species: a duplicated line turns every H of O64H128 into O
    const first = map.indexOf(s);
    if (first !== i) {
      throw new ReadError(inFile ? path : dir, { line: inFile ? lines[i] : undefined, array: `type ${i}` },
        `element ${s} is type ${first}${inFile ? ` (line ${lines[first]})` : ''} and again type ${i} in ${inFile ? 'type_map.raw' : from}: each element is one type`);
    }
  });
  if (map.length < ntypes) {
    throw new ReadError(inFile ? path : dir, {}, `type map has ${map.length} element(s) but type.raw uses types 0…${ntypes - 1}`);
  }
  return map;
}

interface SetArrays {
  name: string;
  coord: AtomArray;
  box: AtomArray;
  energy: AtomArray | null;
  force: AtomArray | null;
  virial: AtomArray | null;
  nframes: number;
  files: Record<string, string>;
}

function asFloat(a: NpyArray): AtomArray {
  if (a.data instanceof Float64Array || a.data instanceof Float32Array) return a.data;
  return Float64Array.from(a.data as ArrayLike<number>);
}

/** Refuse a NaN or ±Infinity that {@link readNpy} found while reading, naming the frame and component. */
function checkFinite(x: { path: string; a: NpyArray }, perFrame: number, label: string): void {
  const i = x.a.firstNonFinite ?? -1;
  if (i >= 0) {
    throw new ReadError(x.path, { array: label, frame: Math.floor(i / perFrame) }, `non-finite value ${x.a.data[i]} at component ${i % perFrame}`);
  }
}

function loadSetNpy(dir: string, name: string, natoms: number): SetArrays {
  const sdir = join(dir, name);
  const files: Record<string, string> = {};
  const get = (key: string, required: boolean): { path: string; a: NpyArray } | null => {
    const p = join(sdir, `${key}.npy`);
    if (!existsSync(p)) {
      if (required) throw new ReadError(p, { array: `${name}/${key}.npy` }, `missing ${key}.npy`);
      return null;
    }
    files[key] = p;
    return { path: p, a: readNpy(p, { scanFinite: true }) };
  };
  const coord = get('coord', true)!;
  const box = get('box', true)!;
  const energy = get('energy', false);
  const force = get('force', false);
  const virial = get('virial', false);
  const nf = coord.a.shape[0] ?? 0;
  const width = (a: NpyArray): number => (a.shape.length === 0 ? 1 : a.shape.slice(1).reduce((x, y) => x * y, 1));
  const expect = (x: { path: string; a: NpyArray } | null, key: string, per: number): void => {
    if (!x) return;
    const shape = x.a.shape;
    if (shape.length < 1 || shape[0] !== nf) {
      throw new ReadError(x.path, { array: `${name}/${key}.npy` }, `${shape[0] ?? 0} frames, but coord.npy has ${nf}: frame counts disagree`);
    }
    if (width(x.a) !== per) {
      const what = key === 'coord' || key === 'force' ? ` (type.raw has ${natoms} atoms → ${per} per frame)` : '';
      throw new ReadError(x.path, { array: `${name}/${key}.npy` }, `wrong shape (${shape.join(', ')}): expected (${nf}, ${per})${what}`);
    }
  };
  if (coord.a.shape.length < 1) throw new ReadError(coord.path, { array: `${name}/coord.npy` }, 'scalar array, expected (nframes, 3·natoms)');
  if (width(coord.a) !== 3 * natoms) {
    throw new ReadError(coord.path, { array: `${name}/coord.npy` }, `${width(coord.a) / 3} atoms per frame (shape (${coord.a.shape.join(', ')})), but type.raw lists ${natoms} atoms`);
  }
  expect(box, 'box', 9);
  expect(energy, 'energy', 1);
  expect(force, 'force', 3 * natoms);
  expect(virial, 'virial', 9);
  const s: SetArrays = {
    name,
    coord: asFloat(coord.a),
    box: asFloat(box.a),
    energy: energy ? asFloat(energy.a) : null,
    force: force ? asFloat(force.a) : null,
    virial: virial ? asFloat(virial.a) : null,
    nframes: nf,
    files,
  };
  checkFinite(coord, 3 * natoms, `${name}/coord.npy`);
  checkFinite(box, 9, `${name}/box.npy`);
  if (energy) checkFinite(energy, 1, `${name}/energy.npy`);
  if (force) checkFinite(force, 3 * natoms, `${name}/force.npy`);
  if (virial) checkFinite(virial, 9, `${name}/virial.npy`);
  return s;
}

function readRawArray(path: string, per: number, natoms: number): { data: Float64Array; nframes: number } {
  const text = readText(path);
  const lines = text.split('\n');
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  if (lines.length === 0) throw new ReadError(path, { line: 1 }, 'empty file: no frames');
  const data = new Float64Array(lines.length * per);
  lines.forEach((line, i) => {
    const t = line.trim();
    if (t === '') throw new ReadError(path, { line: i + 1, frame: i }, `blank line, expected ${per} number${per === 1 ? '' : 's'}`);
    const w = t.split(/\s+/);
    if (w.length !== per) {
      const hint = per === 3 * natoms ? ` (type.raw has ${natoms} atoms)` : '';
      throw new ReadError(path, { line: i + 1, frame: i }, `${w.length} numbers, expected ${per}${hint}${i === lines.length - 1 ? ' (truncated file?)' : ''}`);
    }
    for (let k = 0; k < per; k++) {
      const v = parseDecimal(w[k]);
      if (!Number.isFinite(v)) throw new ReadError(path, { line: i + 1, frame: i }, `not a finite number: ${JSON.stringify(w[k])}`);
      data[i * per + k] = v;
    }
  });
  return { data, nframes: lines.length };
}

function loadRaw(dir: string, natoms: number): SetArrays {
  const files: Record<string, string> = {};
  const get = (key: string, per: number, required: boolean): { data: Float64Array; nframes: number } | null => {
    const p = join(dir, `${key}.raw`);
    if (!existsSync(p)) {
      if (required) throw new ReadError(p, { array: `${key}.raw` }, `missing ${key}.raw`);
      return null;
    }
    files[key] = p;
    return readRawArray(p, per, natoms);
  };
  const coord = get('coord', 3 * natoms, true)!;
  const box = get('box', 9, true)!;
  const energy = get('energy', 1, false);
  const force = get('force', 3 * natoms, false);
  const virial = get('virial', 9, false);
  const nf = coord.nframes;
  for (const [k, a] of Object.entries({ box, energy, force, virial })) {
    if (a && a.nframes !== nf) {
      throw new ReadError(files[k], { array: `${k}.raw` }, `${a.nframes} frames, but coord.raw has ${nf}: frame counts disagree`);
    }
  }
  return { name: 'raw', coord: coord.data, box: box.data, energy: energy?.data ?? null, force: force?.data ?? null, virial: virial?.data ?? null, nframes: nf, files };
}

/** Deepest folder level {@link findDeepmdSystems} searches below its root. */
const MAX_DEPTH = 32;

/**
 * Folders under `root` (itself included) that hold a DeePMD system (a type.raw), sorted.
 * Symbolic links to folders are followed (a link back to a folder being searched is an error),
 * hidden folders (".name") are not searched; a tree deeper than 32 levels is an error.
 */
export function findDeepmdSystems(root: string): string[] {
  const out: string[] = [];
  const open = new Set<string>(); // real paths of the folders on the current path
  const walk = (d: string, depth: number): void => {
    if (existsSync(join(d, 'type.raw'))) {
      out.push(d);
      return;
    }
    const real = realPath(d);
    if (open.has(real)) throw new ReadError(d, {}, 'symbolic link loop: this folder is one of its own parents');
    if (depth > MAX_DEPTH) throw new ReadError(d, {}, `more than ${MAX_DEPTH} folder levels below ${root}: not searched further (give a deeper folder)`);
    open.add(real);
    for (const e of listFolder(d).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.name.startsWith('.')) continue;
      const p = join(d, e.name);
      if (e.isDirectory() || (e.isSymbolicLink() && isFolder(p))) walk(p, depth + 1);
    }
    open.delete(real);
  };
  walk(root, 0);
  return out;
}

/**
 * |triple product| of each of the `nframes` cells in `c` (9 values each) into `volume` from index
 * `r0`. With `periodic`, the first frame whose cell has no volume, is left-handed or is not
 * finite (as {@link cellVolumeProblem} decides) is returned, −1 when none is.
 */
function cellVolumes(c: Float64Array, nframes: number, periodic: boolean, volume: Float64Array, r0: number): number {
  for (let i = 0; i < nframes; i++) {
    const o = 9 * i;
    const a0 = c[o], a1 = c[o + 1], a2 = c[o + 2], b0 = c[o + 3], b1 = c[o + 4], b2 = c[o + 5], c0 = c[o + 6], c1 = c[o + 7], c2 = c[o + 8];
    const d = a0 * (b1 * c2 - b2 * c1) - a1 * (b0 * c2 - b2 * c0) + a2 * (b0 * c1 - b1 * c0);
    if (periodic) {
      // a right-handed cell well clear of zero volume passes here; any other goes to
      // cellVolumeProblem, which decides
      const s2 = (a0 * a0 + a1 * a1 + a2 * a2) * (b0 * b0 + b1 * b1 + b2 * b2) * (c0 * c0 + c1 * c1 + c2 * c2);
      if (!(d > 0 && s2 >= 1e-290 && s2 <= 1e290 && d > 1.000001e-9 * Math.sqrt(s2)) && cellVolumeProblem(c.subarray(o, o + 9)) !== null) return i;
    }
    volume[r0 + i] = Math.abs(d);
  }
  return -1;
}

function readSystem(dir: string, opt: ReadDeepmdOptions, root: string): ColumnTable {
  const types = readTypes(dir);
  const natoms = types.length;
  const ntypes = types.reduce((a, b) => Math.max(a, b), 0) + 1;
  const map = readTypeMap(dir, ntypes, opt);
  const symbols = Array.from(types, (t) => map[t]);
  const setNames = listFolder(dir)
    .map((e) => e.name)
    .filter((n) => /^set\./.test(n) && isFolder(join(dir, n)))
    .sort();
  const hasRaw = existsSync(join(dir, 'coord.raw'));
  const format = opt.format ?? 'auto';
  let sets: SetArrays[];
  if (format === 'raw' || (format === 'auto' && setNames.length === 0)) {
    if (!hasRaw) throw new ReadError(dir, {}, 'no set.* folders and no coord.raw: not a DeePMD-kit system');
    sets = [loadRaw(dir, natoms)];
  } else {
    if (setNames.length === 0) throw new ReadError(dir, {}, 'no set.* folders (format "npy")');
    sets = setNames.map((n) => loadSetNpy(dir, n, natoms));
  }
  for (const key of ['energy', 'force', 'virial'] as const) {
    const have = sets.filter((x) => x[key] !== null);
    const lack = sets.filter((x) => x[key] === null);
    if (have.length > 0 && lack.length > 0) {
      throw new ReadError(join(dir, lack[0].name), { array: `${lack[0].name}/${key}.npy` },
        `missing ${key}.npy, which ${have.map((x) => x.name).join(', ')} of the same system ${have.length === 1 ? 'has' : 'have'}: ` +
          'the sets of one system must carry the same labels (a partly labelled system is not read as unlabelled)');
    }
  }
  // mixed-type systems (dpdata "deepmd/npy/mixed") give each frame its own atom types
  for (const x of sets) {
    const real = join(dir, x.name, 'real_atom_types.npy');
    if (x.name !== 'raw' && existsSync(real)) {
      throw new ReadError(real, { array: `${x.name}/real_atom_types.npy` },
        'a mixed-type system (per-frame atom types, dpdata format "deepmd/npy/mixed") is not read: type.raw holds only placeholders there; ' +
          'convert it with dpdata (dpdata.MultiSystems.from_dir(dir, "type.raw", fmt="deepmd/npy/mixed").to("deepmd/npy", out))');
    }
  }
  const dkFound = discoverDk({ path: dir }, opt);
  const rel = relative(root, dir) || '.';
  const n = sets.reduce((k, x) => k + x.nframes, 0);
  const counts = countSpecies(symbols);
  const formula = formulaOf(counts);
  const box = sets.map((x) => (x.box instanceof Float64Array ? x.box : Float64Array.from(x.box)));
  const vir = sets.every((x) => x.virial) ? sets.map((x) => (x.virial instanceof Float64Array ? x.virial : Float64Array.from(x.virial!))) : null;
  const volume = new Float64Array(n);
  // one float64 set: its energy.npy is the column as read (no copy)
  const energy = !sets.every((x) => x.energy) ? null : sets.length === 1 && sets[0].energy instanceof Float64Array ? sets[0].energy : new Float64Array(n);
  const copyEnergy = energy !== null && energy !== sets[0].energy;
  const setOf = new Uint16Array(n);
  // DeePMD-kit marks a non-periodic system with an empty file named nopbc
  const periodic = !existsSync(join(dir, 'nopbc'));
  let r = 0;
  sets.forEach((x, k) => {
    const bad = cellVolumes(box[k], x.nframes, periodic, volume, r);
    if (bad >= 0) {
      const problem = cellVolumeProblem(box[k].subarray(9 * bad, 9 * bad + 9));
      throw new ReadError(x.files.box, x.name === 'raw' ? { line: bad + 1, frame: bad } : { array: `${x.name}/box.npy`, frame: bad }, `${problem}: no stress or virial can be read with it`);
    }
    setOf.fill(k, r, r + x.nframes);
    if (copyEnergy) energy!.set(x.energy!, r);
    r += x.nframes;
  });
  const perAtom = energy ? new LazyColumn(n, (i) => energy[i] / natoms) : null;
  const tags = sets.map((x) => Object.freeze({ system: rel, set: x.name, type_map: map }));
  const pbc: [boolean, boolean, boolean] = [periodic, periodic, periodic];
  const same = <T>(v: T): LazyColumn<T> => new LazyColumn(n, () => v);
  const virial = vir ? blockColumn(vir, 9) : null;
  const cols: Record<string, unknown> = {
    id: new LazyColumn(n, (i) => `${dir}#${i}`),
    source: same(dir),
    frame: new LazyColumn(n, (i) => i),
    formula: same(formula),
    counts: same(counts),
    natoms: same(natoms),
    volume,
    energy: energy ?? same(null),
    energy_sigma0: same(null),
    energy_per_atom: perAtom ?? same(null),
    virial: virial ?? same(null),
    stress: virial
      ? new LazyColumn(n, (i) => {
          const w = virial.at(i);
          const f = -EV_PER_A3_IN_GPA / volume[i];
          return Float64Array.from(w, (x) => x * f);
        })
      : same(null),
    dk: same(dkFound?.dk ?? null),
    kmesh: same(null),
    nkpts: same(null),
    cell: blockColumn(box, 9),
    pbc: same(pbc),
    symbols: same(symbols),
    positions: blockColumn(sets.map((x) => x.coord), 3 * natoms),
    forces: sets.every((x) => x.force) ? blockColumn(sets.map((x) => x.force!), 3 * natoms) : same(null),
    tags: new LazyColumn(n, (i) => tags[setOf[i]]),
  };
  return withMeta(aqTable(cols as Parameters<typeof aqTable>[0]), {
    kind: 'frames',
    units: { ...FRAMES_UNITS },
    notes: {
      conventions: FRAMES_CONVENTIONS,
      reader: 'readDeepmd',
      system: dir,
      format: sets[0].name === 'raw' ? 'raw' : 'npy',
      sets: sets.map((x) => ({ name: x.name, nframes: x.nframes, dtype: x.coord instanceof Float32Array ? 'float32' : 'float64' })),
      // arrays DeePMD-kit may carry that the frames table does not (spin, force_mag, fparam, …)
      not_read: [...new Set(sets.flatMap((x) => {
        const d = x.name === 'raw' ? dir : join(dir, x.name);
        const known = new Set(['coord', 'box', 'energy', 'force', 'virial', 'type', 'type_map', 'nopbc']);
        return listFolder(d).map((e) => e.name).filter((f) => /\.(npy|raw)$/.test(f) && !known.has(f.replace(/\.(npy|raw)$/, ''))).sort();
      }))],
      type_map: map,
      type_map_from: existsSync(join(dir, 'type_map.raw')) ? 'type_map.raw' : 'typeMap option',
      dk_source: dkFound?.source ?? null,
    },
  });
}

/**
 * Read a DeePMD-kit system, or every system in a folder tree, into a frames table.
 * Units: coord/box Å, energy eV, force eV/Å, virial eV (DeePMD-kit's, W = −σV).
 * Errors name the file and array: frame counts that disagree, a coord width that disagrees
 * with type.raw, NaN/Inf, Fortran-order or wrong-shape arrays, unknown elements in the type map.
 * Each .npy array is read into one buffer and the per-frame columns are views of it (memory ≈ the
 * files). For multi-GB sets on Linux, start Node with GLIBC_TUNABLES=glibc.malloc.hugetlb=1:
 * filling fresh memory is then several times faster (the project's tslab kernel does).
 */
export function readDeepmd(dir: string, options: ReadDeepmdOptions = {}): ColumnTable {
  if (!existsSync(dir)) throw new ReadError(dir, {}, 'no such folder');
  if (!isFolder(dir)) throw new ReadError(dir, {}, 'not a folder: readDeepmd reads a DeePMD-kit system folder');
  const systems = findDeepmdSystems(dir);
  if (systems.length === 0) throw new ReadError(dir, {}, 'no DeePMD-kit system (no type.raw) in this folder tree');
  return concatFrames(systems.map((s) => readSystem(s, options, dir)));
}

/** Options of {@link writeDeepmd}. */
export interface WriteDeepmdOptions {
  /** Frames per set.NNN folder (default 5000). */
  setSize?: number;
  /** Element order of type_map.raw (default: order of first appearance). */
  typeMap?: readonly string[];
  /**
   * Replace what an earlier writeDeepmd wrote into the folder (the files its manifest,
   * `.deltak-written.json`, lists: removed only once the new data is complete; files it did not
   * write, such as fparam.raw, are kept). Default false: a folder that holds a system, or an
   * earlier write, is an error, since sets left from before would be read back with the new ones.
   */
  overwrite?: boolean;
}

/** Whether folder `d` holds a DeePMD-kit system (a type.raw or set.* folders). */
function holdsSystem(d: string): boolean {
  return isFolder(d) && (existsSync(join(d, 'type.raw')) || listFolder(d).some((e) => /^set\./.test(e.name)));
}

/**
 * Write a frames table as DeePMD-kit npy system(s) (float64, .npy version 1.0): one system in
 * `dir` when every frame has the same atoms, else one sub-folder per distinct atom sequence
 * (named by formula). force.npy / virial.npy are written when the frames have them: a system
 * whose frames have them only in part is an error, as is a cell periodic along some axes only
 * (DeePMD-kit knows fully periodic, and non-periodic through a "nopbc" file), a NaN or ±Infinity,
 * and a periodic cell without volume. All or nothing: every system is written into a temporary
 * sibling folder and swapped in only when all are complete, so a failure (a bad value in the
 * last frame, a full disk) leaves `dir` as it was. A folder that holds a system is an error
 * unless `overwrite` and it was written by writeDeepmd. Returns the folders written.
 */
export function writeDeepmd(frames: ColumnTable, dir: string, options: WriteDeepmdOptions = {}): string[] {
  const n = frames.numRows();
  if (n === 0) throw new Error('writeDeepmd: the frames table is empty');
  const setSize = options.setSize ?? 5000;
  if (!Number.isInteger(setSize) || setSize < 1) throw new Error(`writeDeepmd: setSize must be a positive integer, got ${setSize}`);
  const col = <T>(name: string): ArrayLike<T> => frames.array(name) as unknown as ArrayLike<T>;
  const symbols = col<string[]>('symbols');
  const positions = col<AtomArray>('positions');
  const cells = col<Float64Array | null>('cell');
  const energies = col<number | null>('energy');
  const forces = col<AtomArray | null>('forces');
  const virials = col<Float64Array | null>('virial');
  const pbcs = col<boolean[]>('pbc');
  const groups = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const key = symbols[i].join(' ');
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
  }
  if (options.typeMap) {
    const dup = options.typeMap.find((s, i) => options.typeMap!.indexOf(s) !== i);
    if (dup !== undefined) throw new Error(`writeDeepmd: typeMap names ${dup} twice: each element is one type`);
  }
  const old = readWritten(dir);
  if (old && old.writer !== 'writeDeepmd') throw new Error(`writeDeepmd: ${dir} holds what ${old.writer} wrote; write to another folder`);
  if (old && !options.overwrite) {
    throw new Error(`writeDeepmd: ${dir} already holds a DeePMD-kit system written before (${old.entries.length} entries); its sets would be read back with the new ones (pass { overwrite: true } to replace it)`);
  }
  const ownedTop = new Set((old?.entries ?? []).map((e) => e.split('/')[0]));
  if (groups.size > 1 && existsSync(join(dir, 'type.raw')) && !ownedTop.has('type.raw')) {
    throw new Error(`writeDeepmd: ${dir} holds a DeePMD-kit system itself; the ${groups.size} systems of this table go to sub-folders, which a reader of ${dir} would not see; write to another folder`);
  }
  const written: string[] = [];
  const entries: string[] = [];
  const stage = stageFor(dir);
  try {
    const names = new Set<string>();
    for (const [key, rows] of groups) {
      const syms = key.split(' ');
      const map = options.typeMap ? [...options.typeMap] : [...new Set(syms)];
      for (const s of syms) if (!map.includes(s)) throw new Error(`writeDeepmd: element ${s} is not in typeMap ${map.join(' ')}`);
      let rel = '';
      if (groups.size > 1) {
        const counts: Record<string, number> = {};
        for (const s of syms) counts[s] = (counts[s] ?? 0) + 1;
        let name = Object.entries(counts).map(([s, c]) => `${s}${c}`).join('');
        let k = 1;
        while (names.has(name)) name = `${name.replace(/_\d+$/, '')}_${k++}`;
        names.add(name);
        rel = name;
      }
      const sdir = rel ? join(dir, rel) : dir;
      const nat = syms.length;
      const has = (a: ArrayLike<unknown>, r: number): boolean => a[r] !== null && a[r] !== undefined;
      const allF = rows.every((r) => has(forces, r));
      const allV = rows.every((r) => has(virials, r));
      const partly = (what: string, a: ArrayLike<unknown>): void => {
        const with_ = rows.filter((r) => has(a, r));
        const without = rows.filter((r) => !has(a, r));
        if (with_.length > 0 && without.length > 0) {
          throw new Error(`writeDeepmd: rows ${without.slice(0, 5).join(', ')}${without.length > 5 ? ', …' : ''} have no ${what}, rows ${with_.slice(0, 5).join(', ')}${with_.length > 5 ? ', …' : ''} of the same atoms do: ` +
            `one DeePMD-kit system labels all its frames or none; filter the table first`);
        }
      };
      partly('forces', forces);
      partly('virial', virials);
      let periodic: boolean | null = null;
      for (const r of rows) {
        if (!cells[r]) throw new Error(`writeDeepmd: row ${r} has no cell; DeePMD-kit needs box.npy`);
        if (energies[r] === null || energies[r] === undefined) throw new Error(`writeDeepmd: row ${r} has no energy`);
        const p = pbcs[r] ?? [true, true, true];
        const all = p.every((x) => x);
        if (!all && p.some((x) => x)) throw new Error(`writeDeepmd: row ${r} is periodic along some axes only (pbc ${JSON.stringify(p)}); DeePMD-kit systems are fully periodic or not at all (nopbc)`);
        if (periodic !== null && periodic !== all) throw new Error(`writeDeepmd: rows of the same atoms are periodic and non-periodic (row ${r}: pbc ${JSON.stringify(p)}); write them separately`);
        periodic = all;
      }
      if (!options.overwrite && holdsSystem(sdir)) {
        throw new Error(`writeDeepmd: ${sdir} already holds a DeePMD-kit system; its sets would be read back with the new ones (pass { overwrite: true } to replace one writeDeepmd wrote)`);
      }
      const out = (name: string): string => (rel ? `${rel}/${name}` : name);
      const put = (name: string, text: string): void => {
        writeFileSync(join(stage, out(name)), text);
        entries.push(out(name));
      };
      mkdirSync(rel ? join(stage, rel) : stage, { recursive: true });
      put('type.raw', syms.map((s) => map.indexOf(s)).join('\n') + '\n');
      put('type_map.raw', map.join('\n') + '\n');
      if (periodic === false) put('nopbc', '');
      for (let s0 = 0, k = 0; s0 < rows.length; s0 += setSize, k++) {
        const part = rows.slice(s0, s0 + setSize);
        const m = part.length;
        const setName = `set.${String(k).padStart(3, '0')}`;
        const setDir = join(stage, out(setName));
        mkdirSync(setDir);
        const coord = new Float64Array(m * 3 * nat);
        const box = new Float64Array(m * 9);
        const energy = new Float64Array(m);
        const force = allF ? new Float64Array(m * 3 * nat) : null;
        const virial = allV ? new Float64Array(m * 9) : null;
        part.forEach((r, j) => {
          // what DeePMD-kit would train on, or the reader refuse: checked frame by frame, named by row
          const finite = (a: ArrayLike<number>, what: string): void => {
            for (let q = 0; q < a.length; q++) if (!Number.isFinite(a[q])) throw new Error(`writeDeepmd: row ${r} ${what}[${q}] is ${a[q]}, expected a finite number`);
          };
          finite(positions[r], 'positions');
          finite(cells[r]!, 'cell');
          if (!Number.isFinite(energies[r])) throw new Error(`writeDeepmd: row ${r} energy is ${energies[r]}, expected a finite number of eV`);
          if (force) finite(forces[r]!, 'forces');
          if (virial) finite(virials[r]!, 'virial');
          const bad = periodic ? cellVolumeProblem(cells[r]!) : null;
          if (bad) throw new Error(`writeDeepmd: row ${r}: ${bad}`);
          coord.set(positions[r], j * 3 * nat);
          box.set(cells[r]!, j * 9);
          energy[j] = energies[r]!;
          if (force) force.set(forces[r]!, j * 3 * nat);
          if (virial) virial.set(virials[r]!, j * 9);
        });
        writeNpy(join(setDir, 'coord.npy'), coord, [m, 3 * nat]);
        writeNpy(join(setDir, 'box.npy'), box, [m, 9]);
        writeNpy(join(setDir, 'energy.npy'), energy, [m]);
        if (force) writeNpy(join(setDir, 'force.npy'), force, [m, 3 * nat]);
        if (virial) writeNpy(join(setDir, 'virial.npy'), virial, [m, 9]);
        entries.push(out(setName));
      }
      written.push(sdir);
    }
  } catch (e) {
    discardStage(stage);
    throw e;
  }
  try {
    swapIn(dir, stage, 'writeDeepmd', entries, old);
  } catch (e) {
    discardStage(stage);
    throw new Error(`writeDeepmd: ${(e as Error).message}; ${dir} is as it was`);
  }
  return written;
}
