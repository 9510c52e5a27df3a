/**
 * `readFolder`: every file deltak reads under a folder, into one frames table, tagged from the
 * files, a path pattern and a tags function, with Δk cross-checked between them (docs/method.md §2).
 *
 * The formats form a registry (one entry per format: how it is recognised, how it is read),
 * like dpdata's format plugins; the walk hands each folder or file to the first entry that
 * claims it and records everything else with the reason it was not read.
 */
import { existsSync, readdirSync, realpathSync, statSync, openSync, readSync, closeSync } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
import { table as aqTable, from as aqFrom, type ColumnTable } from 'arquero';
import { tableMeta, withMeta } from '../core/meta.js';
import { dkInterval } from '../core/kpoints.js';
import { ReadError } from './errors.js';
import { concatFrames, LazyColumn, FRAMES_UNITS, FRAMES_CONVENTIONS } from './frames.js';
import { compilePattern, type PathPattern } from './pattern.js';
import { discoverDk } from './dk.js';
import { readOutcar, type ReadOutcarOptions } from './vasp/outcar.js';
import { readVasprun, type ReadVasprunOptions } from './vasp/vasprun.js';
import { readExtxyz, type ReadExtxyzOptions } from './extxyz.js';
import { readDeepmd, type ReadDeepmdOptions } from './deepmd/deepmd.js';
import { readDpdataJson, readDpgenAutotest } from './deepmd/dpgen.js';
import { readDpTest } from './deepmd/dptest.js';
import { kernelWriter, newDisplay, type UpdatableDisplay } from '../display/kernel.js';
import { shownPath } from '../display/paths.js';

/** The formats {@link readFolder} reads. */
export type FolderFormat = 'vasprun' | 'outcar' | 'extxyz' | 'deepmd' | 'dpdata-json' | 'dp-test' | 'dpgen-autotest';

/** Tags of a file, from its path relative to the folder read ("/" separators). */
export type TagsFunction = (path: string) => Record<string, unknown> | null | undefined;

/** Options of {@link readFolder} (the readers' own options pass through to them). */
export interface ReadFolderOptions extends ReadOutcarOptions, ReadVasprunOptions, ReadExtxyzOptions, ReadDeepmdOptions {
  /**
   * Path pattern(s) giving tags from the path relative to the folder, e.g.
   * "{metal}/{lattice}/{structure}/dk{dk}/{config}.extxyz": `{name}` is a tag (within one
   * folder or file name), `{dk}` Δk in Å⁻¹, `*` any characters in one name, `**` any folders.
   * The first pattern that matches the whole path is used.
   */
  pattern?: string | readonly string[];
  /** Tags of a file from its path relative to the folder ("/" separators); `dk` gives Δk (Å⁻¹). */
  tags?: TagsFunction;
  /** Read only these formats (default all); other files are listed as ignored. */
  formats?: readonly FolderFormat[];
  /** Which VASP output to read in a folder that has both (default "vasprun"). */
  prefer?: 'vasprun' | 'outcar';
  /** Keep only the last ionic step of each VASP run (a relaxation's relaxed structure). Default false. */
  lastStepOnly?: boolean;
  /**
   * A progress line in the notebook (the folder relative to the notebook's, files, bytes, elapsed
   * time; the last line without the time) that updates in place: true, false, or "auto" (default:
   * inside a tslab kernel, for more than 20 files or 50 MB).
   */
  progress?: boolean | 'auto';
}

/** One `dp test -d` output found by {@link readFolder}: its prefix, tags and parity table. */
export interface FolderDpTest {
  prefix: string;
  /** Δk of the model's training data (Å⁻¹) from the pattern or tags function, or null. */
  dk: number | null;
  /** Dataset tested ("train", "test") from the tag `dataset`, or null. */
  dataset: string | null;
  tags: Record<string, unknown>;
  /** The long parity table of readDpTest (eV, eV/atom, eV/Å). */
  table: ColumnTable;
}

/** A test-set configuration that lacks some Δk of the test set. */
export interface MissingDk {
  /** metal lattice structure. */
  group: string;
  config: string;
  /** The Δk (Å⁻¹) other configurations of the test set have and this one lacks. */
  missing: number[];
}

/** What {@link readFolder} did: kept in the frames table's metadata (`folderReport(t)`). */
export interface FolderReport {
  root: string;
  patterns: string[];
  /** Per format: files (or folders) read, frames (or rows) and bytes. */
  read: { format: FolderFormat; items: number; rows: number; bytes: number }[];
  /** Files not read, by reason, with up to 5 examples each (paths relative to the root). */
  ignored: { reason: string; count: number; examples: string[] }[];
  /** Files read that no pattern matched (relative paths). */
  unmatched: string[];
  /** Distinct Δk of the frames, Å⁻¹, ascending. */
  dks: number[];
  /** Sources whose frames have no Δk. */
  withoutDk: string[];
  /** SEM groups (frames tagged metal, lattice, structure and config): configurations and Δk. */
  groups: { group: string; configs: number; dks: number[] }[];
  /** Test-set configurations that miss a Δk of the test set. */
  missing: MissingDk[];
  /** `dp test` outputs found. */
  dpTest: FolderDpTest[];
  /** dpgen autotest results (readDpgenAutotest's table), or null when none. */
  autotest: ColumnTable | null;
}

interface PlanItem {
  format: FolderFormat;
  /** Path to read (file, folder, or dp test prefix). */
  path: string;
  rel: string;
  bytes: number;
}

interface Format {
  name: FolderFormat;
  /** Claims a whole folder (its contents are not walked further). */
  folder?: (dir: string, names: readonly string[]) => boolean;
  /** Claims a file by its name (and, for JSON, its first bytes). */
  file?: (path: string, name: string) => boolean;
}

const VASP_FILES = new Set(['INCAR', 'POSCAR', 'CONTCAR', 'KPOINTS', 'POTCAR', 'OSZICAR', 'DOSCAR', 'EIGENVAL', 'CHGCAR', 'CHG', 'WAVECAR', 'XDATCAR', 'IBZKPT', 'PCDAT', 'REPORT', 'PROCAR', 'LOCPOT', 'ELFCAR', 'AECCAR0', 'AECCAR1', 'AECCAR2', 'vaspout.h5', 'ML_LOGFILE', 'ML_ABN', 'ML_FFN']);
const DP_SUFFIXES = ['.e.out', '.e_peratom.out', '.f.out', '.v.out', '.v_peratom.out'];
const AUTOTEST_DIR = /^(eos|elastic|vacancy|interstitial)(_|$)/i;

function head(path: string, bytes: number): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const n = readSync(fd, buf, 0, bytes, 0);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

const isDir = (p: string): boolean => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/**
 * The registry: the first entry that claims a folder or file reads it. Folder formats are tried
 * before the folder's files.
 */
const FORMATS: readonly Format[] = [
  { name: 'deepmd', folder: (_d, names) => names.includes('type.raw') },
  {
    name: 'dpgen-autotest',
    folder: (d, names) =>
      (names.includes('relaxation') && existsSync(join(d, 'relaxation', 'relax_task', 'result.json'))) ||
      names.some((n) => AUTOTEST_DIR.test(n) && (existsSync(join(d, n, 'result.json')) || existsSync(join(d, n, 'result.out')))),
  },
  { name: 'vasprun', file: (_p, n) => n === 'vasprun.xml' },
  { name: 'outcar', file: (_p, n) => n === 'OUTCAR' },
  { name: 'extxyz', file: (_p, n) => /\.(extxyz|xyz)$/i.test(n) },
  { name: 'dp-test', file: (_p, n) => n.endsWith('.e.out') },
  { name: 'dpdata-json', file: (p, n) => n.endsWith('.json') && /"atom_names"\s*:/.test(head(p, 1 << 16)) },
];

/** The names of the formats readFolder knows, in the order it tries them. */
export const FOLDER_FORMATS: readonly FolderFormat[] = FORMATS.map((f) => f.name);

function sizeOf(p: string): number {
  const st = statSync(p);
  if (!st.isDirectory()) return st.size;
  let n = 0;
  for (const e of readdirSync(p)) n += sizeOf(join(p, e));
  return n;
}

const toSlash = (p: string): string => (sep === '/' ? p : p.split(sep).join('/'));

/** Walk `root` and decide what to read; everything else is recorded with a reason. */
function plan(root: string, options: ReadFolderOptions): { items: PlanItem[]; ignored: Map<string, string[]> } {
  const want = new Set<FolderFormat>(options.formats ?? FOLDER_FORMATS);
  for (const f of want) if (!FOLDER_FORMATS.includes(f)) throw new Error(`readFolder: unknown format "${f}"; known: ${FOLDER_FORMATS.join(', ')}`);
  const items: PlanItem[] = [];
  const ignored = new Map<string, string[]>();
  const ignore = (reason: string, p: string): void => {
    const l = ignored.get(reason) ?? [];
    l.push(toSlash(relative(root, p)) || '.');
    ignored.set(reason, l);
  };
  const seen = new Set<string>();
  const add = (format: FolderFormat, p: string): void => {
    items.push({ format, path: p, rel: toSlash(relative(root, p)) || '.', bytes: format === 'dp-test' ? DP_SUFFIXES.reduce((s, x) => s + (existsSync(p + x) ? statSync(p + x).size : 0), 0) : sizeOf(p) });
  };
  if (!isDir(root)) {
    // one file: the format that claims its name
    const n = basename(root);
    const f = FORMATS.find((x) => x.file && want.has(x.name) && x.file(root, n));
    if (!f) throw new ReadError(root, {}, `not a format readFolder reads (${[...want].join(', ')})`);
    if (f.name === 'dp-test') add('dp-test', root.slice(0, -'.e.out'.length));
    else add(f.name, root);
    items[0].rel = n;
    return { items, ignored };
  }
  const walk = (d: string, depth: number): void => {
    const real = realpathSync(d);
    if (seen.has(real)) {
      ignore('a folder linked twice: read once', d);
      return;
    }
    seen.add(real);
    const all = readdirSync(d).sort();
    for (const n of all.filter((x) => x.startsWith('.'))) ignore('hidden file or folder', join(d, n));
    const names = all.filter((x) => !x.startsWith('.'));
    for (const f of FORMATS) {
      if (f.folder && want.has(f.name) && f.folder(d, names)) {
        add(f.name, d);
        return;
      }
    }
    const dirs = names.filter((n) => isDir(join(d, n)));
    const files = names.filter((n) => !dirs.includes(n));
    // a VASP run: vasprun.xml or OUTCAR (one of them), the rest of the run's files beside it
    const xml = files.includes('vasprun.xml') && want.has('vasprun');
    const out = files.includes('OUTCAR') && want.has('outcar');
    const pick = xml && out ? (options.prefer === 'outcar' ? 'OUTCAR' : 'vasprun.xml') : xml ? 'vasprun.xml' : out ? 'OUTCAR' : null;
    if (!pick) {
      const packed = files.filter((n) => /^(vasprun\.xml|OUTCAR)\.(gz|bz2|xz|zst)$/.test(n));
      if (packed.length) throw new ReadError(join(d, packed[0]), {}, 'compressed VASP output is not read: decompress it first (e.g. gunzip)');
    }
    const consumed = new Set<string>();
    for (const n of files) {
      if (consumed.has(n)) continue;
      const p = join(d, n);
      if (n === 'vasprun.xml' || n === 'OUTCAR') {
        if (n === pick) add(n === 'OUTCAR' ? 'outcar' : 'vasprun', p);
        else if (pick) ignore(`the run is read from its ${pick}`, p);
        else ignore(`format ${n === 'OUTCAR' ? 'outcar' : 'vasprun'} not asked for (formats option)`, p);
        continue;
      }
      if (VASP_FILES.has(n) || /^(vasprun\.xml|OUTCAR)\.(gz|bz2|xz|zst)$/.test(n)) {
        ignore(pick ? `VASP file beside the run's ${pick} (read from that)` : 'VASP file without an OUTCAR or vasprun.xml beside it', p);
        continue;
      }
      let claimed = false;
      for (const f of FORMATS) {
        if (!f.file || f.name === 'vasprun' || f.name === 'outcar') continue;
        if (!f.file(p, n)) continue;
        claimed = true;
        if (!want.has(f.name)) ignore(`format ${f.name} not asked for (formats option)`, p);
        else if (f.name === 'dp-test') {
          const prefix = p.slice(0, -'.e.out'.length);
          for (const s of DP_SUFFIXES) consumed.add(n.slice(0, -'.e.out'.length) + s);
          add('dp-test', prefix);
        } else add(f.name, p);
        break;
      }
      if (claimed) continue;
      if (DP_SUFFIXES.some((s) => n.endsWith(s))) ignore('dp test file without its .e.out', p);
      else if (n.endsWith('.npy') || n.endsWith('.raw')) ignore('DeePMD-kit array outside a system folder (no type.raw)', p);
      else if (n.endsWith('.json')) ignore('JSON that is not a dpdata System (no "atom_names")', p);
      else ignore('not a format deltak reads', p);
    }
    for (const n of dirs) {
      if (depth >= 32) throw new ReadError(join(d, n), {}, `more than 32 folder levels below ${root}: not searched further (give a deeper folder)`);
      walk(join(d, n), depth + 1);
    }
  };
  walk(root, 0);
  return { items, ignored };
}

const sameDk = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a));
const sameTag = (a: unknown, b: unknown): boolean => {
  if (a === b) return true;
  if (typeof a === 'number' || typeof b === 'number') return Number(a) === Number(b) && String(b).trim() !== '' && String(a).trim() !== '';
  return JSON.stringify(a) === JSON.stringify(b);
};

interface Extra {
  tags: Record<string, unknown>;
  dk: number | null;
  /** Where each extra tag (and dk) came from, for messages. */
  from: Record<string, string>;
}

/** Tags and Δk of a path from the patterns and the tags function; they must agree. */
function extraOf(rel: string, abs: string, patterns: readonly PathPattern[], fn: TagsFunction | undefined, unmatched: string[]): Extra {
  const tags: Record<string, unknown> = {};
  const from: Record<string, string> = {};
  let dk: number | null = null;
  const merge = (src: Record<string, unknown>, where: string): void => {
    for (const [k, v] of Object.entries(src)) {
      if (v === undefined || v === null) continue;
      if (k === 'dk') {
        const x = Number(v);
        if (!(Number.isFinite(x) && x > 0)) throw new ReadError(abs, {}, `Δk from ${where} is ${JSON.stringify(v)}, expected a positive number of Å⁻¹`);
        if (dk !== null && !sameDk(dk, x)) throw new ReadError(abs, {}, `Δk from ${from.dk} (${dk} Å⁻¹) and from ${where} (${x} Å⁻¹) disagree`);
        if (dk === null) {
          dk = x;
          from.dk = where;
        }
        continue;
      }
      if (k in tags && !sameTag(tags[k], v)) throw new ReadError(abs, {}, `tag "${k}" is ${JSON.stringify(tags[k])} from ${from[k]} but ${JSON.stringify(v)} from ${where}`);
      if (!(k in tags)) {
        tags[k] = v;
        from[k] = where;
      }
    }
  };
  if (patterns.length) {
    let hit: Record<string, unknown> | null = null;
    let which = '';
    for (const p of patterns) {
      hit = p.match(rel);
      if (hit) {
        which = p.source;
        break;
      }
    }
    if (hit) merge(hit, `the pattern ${JSON.stringify(which)}`);
    else unmatched.push(rel);
  }
  if (fn) {
    const t = fn(rel);
    if (t !== null && t !== undefined) {
      if (typeof t !== 'object') throw new Error(`readFolder: the tags function returned ${JSON.stringify(t)} for ${rel}, expected an object of tags`);
      merge(t, 'the tags function');
    }
  }
  return { tags, dk, from };
}

/** Apply the extra tags and Δk to a frames table read from `abs`; conflicts with the file's own values are errors naming both. */
function applyExtra(t: ColumnTable, abs: string, extra: Extra): ColumnTable {
  const n = t.numRows();
  const keys = Object.keys(extra.tags);
  if (keys.length === 0 && extra.dk === null) return t;
  const tagsCol = t.getter('tags');
  const dkCol = t.getter('dk');
  const meshCol = t.getter('kmesh');
  const cellCol = t.getter('cell');
  const dk = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const own = (tagsCol(i) ?? {}) as Record<string, unknown>;
    for (const k of keys) {
      if (k in own && own[k] !== null && own[k] !== undefined && !sameTag(own[k], extra.tags[k])) {
        throw new ReadError(abs, { frame: i }, `tag "${k}" is ${JSON.stringify(own[k])} in the file but ${JSON.stringify(extra.tags[k])} from ${extra.from[k]}`);
      }
    }
    const fileDk = dkCol(i) as number | null;
    if (extra.dk !== null && fileDk !== null && Number.isFinite(fileDk) && !sameDk(fileDk, extra.dk)) {
      const src = own.dk_source ? `the file (${String(own.dk_source)})` : 'the file';
      throw new ReadError(abs, { frame: i }, `Δk from ${src} (${fileDk} Å⁻¹) and from ${extra.from.dk} (${extra.dk} Å⁻¹) disagree`);
    }
    if (extra.dk !== null && (fileDk === null || !Number.isFinite(fileDk))) {
      // no Δk in the file: a k-point mesh it gives must be one that Δk makes on this cell
      const mesh = meshCol(i) as string | null;
      const cell = cellCol(i) as ArrayLike<number> | null;
      if (mesh && cell) {
        const m = mesh.split('x').map(Number);
        const iv = dkInterval([[cell[0], cell[1], cell[2]], [cell[3], cell[4], cell[5]], [cell[6], cell[7], cell[8]]], m);
        if (!(extra.dk >= iv.min * (1 - 1e-6) && extra.dk < iv.max * (1 + 1e-6))) {
          throw new ReadError(abs, { frame: i }, `Δk from ${extra.from.dk} is ${extra.dk} Å⁻¹, but the file's k-point mesh ${m.join('×')} on its cell means ${iv.min.toFixed(4)} ≤ Δk < ${iv.max.toFixed(4)} Å⁻¹`);
        }
      }
    }
    dk[i] = fileDk !== null && Number.isFinite(fileDk) ? fileDk : extra.dk ?? NaN;
  }
  const cols: Record<string, unknown> = {};
  for (const c of t.columnNames()) cols[c] = t.column(c);
  cols.dk = new LazyColumn(n, (i) => (Number.isNaN(dk[i]) ? null : dk[i]));
  if (keys.length) cols.tags = new LazyColumn(n, (i) => ({ ...((tagsCol(i) ?? {}) as Record<string, unknown>), ...extra.tags }));
  return withMeta(aqTable(cols as Parameters<typeof aqTable>[0]), tableMeta(t) ?? { kind: 'frames', units: { ...FRAMES_UNITS } });
}

/** Rows without Δk but with a mesh and a cell get the one candidate Δk inside the mesh's interval. */
function narrowByMesh(t: ColumnTable, candidates: readonly number[]): ColumnTable {
  const n = t.numRows();
  const dkCol = t.getter('dk');
  let todo = false;
  for (let i = 0; i < n && !todo; i++) todo = dkCol(i) === null && t.get('kmesh', i) !== null && t.get('cell', i) !== null;
  if (!todo || candidates.length === 0) return t;
  const dk = new Float64Array(n);
  const tagsCol = t.getter('tags');
  const extraTags: (string | null)[] = new Array(n).fill(null);
  for (let i = 0; i < n; i++) {
    const d = dkCol(i) as number | null;
    const mesh = t.get('kmesh', i) as string | null;
    const cell = t.get('cell', i) as ArrayLike<number> | null;
    if (d === null && mesh && cell) {
      const found = discoverDk({ path: String(t.get('source', i)), mesh: mesh.split('x').map(Number), cell }, { dkCandidates: candidates });
      dk[i] = found?.dk ?? NaN;
      if (found) extraTags[i] = 'mesh';
    } else dk[i] = d ?? NaN;
  }
  const cols: Record<string, unknown> = {};
  for (const c of t.columnNames()) cols[c] = t.column(c);
  cols.dk = new LazyColumn(n, (i) => (Number.isNaN(dk[i]) ? null : dk[i]));
  cols.tags = new LazyColumn(n, (i) => (extraTags[i] ? { ...((tagsCol(i) ?? {}) as Record<string, unknown>), dk_source: extraTags[i] } : tagsCol(i)));
  return withMeta(aqTable(cols as Parameters<typeof aqTable>[0]), tableMeta(t) ?? { kind: 'frames', units: { ...FRAMES_UNITS } });
}

const KB = (x: number): string => (x >= 1 << 20 ? `${(x / (1 << 20)).toFixed(1)} MB` : `${(x / 1024).toFixed(0)} kB`);

function progressDisplay(option: boolean | 'auto' | undefined, files: number, bytes: number): UpdatableDisplay | null {
  const mode = option ?? 'auto';
  if (mode === false) return null;
  if (mode === 'auto' && files <= 20 && bytes <= 50 * (1 << 20)) return null;
  try {
    kernelWriter();
  } catch (e) {
    if (mode === true) throw e;
    return null; // not in a notebook: no progress line
  }
  return newDisplay();
}

/**
 * Test-set groups (frames tagged config, except set=train; group = metal lattice structure)
 * with their configurations and Δk, and the configurations that miss some Δk of the test set
 * (every Δk any test-set frame has).
 */
export function semGroups(t: ColumnTable): { groups: FolderReport['groups']; missing: MissingDk[] } {
  const byGroup = new Map<string, Map<string, Set<number>>>();
  const tagsCol = t.getter('tags');
  const dkCol = t.getter('dk');
  for (let i = 0; i < t.numRows(); i++) {
    const tg = (tagsCol(i) ?? {}) as Record<string, unknown>;
    const d = dkCol(i) as number | null;
    if (tg.config === undefined || tg.config === null || d === null) continue;
    if (tg.set === 'train') continue;
    const g = [tg.metal, tg.lattice, tg.structure].map((x) => (x === undefined || x === null ? '?' : String(x))).join(' ');
    const m = byGroup.get(g) ?? new Map<string, Set<number>>();
    byGroup.set(g, m);
    const s = m.get(String(tg.config)) ?? new Set<number>();
    m.set(String(tg.config), s.add(d));
  }
  // the Δk of the test set: every Δk any of its configurations has
  const all = new Set<number>();
  for (const m of byGroup.values()) for (const s of m.values()) for (const d of s) all.add(d);
  const dks = [...all].sort((a, b) => a - b);
  const groups: FolderReport['groups'] = [];
  const missing: MissingDk[] = [];
  for (const [group, m] of byGroup) {
    const own = new Set<number>();
    for (const s of m.values()) for (const d of s) own.add(d);
    groups.push({ group, configs: m.size, dks: [...own].sort((a, b) => a - b) });
    for (const [config, s] of m) {
      const lack = dks.filter((d) => !s.has(d));
      if (lack.length) missing.push({ group, config, missing: lack });
    }
  }
  return { groups, missing };
}

/**
 * Read every file deltak knows under `dir` (a folder, or one file; OUTCAR, vasprun.xml, extxyz, DeePMD-kit systems,
 * dpdata JSON) into one frames table (Å, eV, eV/Å, virial eV, stress GPa, Δk Å⁻¹). `dp test`
 * output and dpgen autotest folders go to their own tables in the report (`folderReport(t)`).
 * Tags come from the files, from `pattern` (the path relative to `dir`) and from `tags(path)`;
 * Δk from the calculation (KSPACING, a Δk in the file, or the k-point mesh and cell) and from
 * `{dk}` / a `dk` tag. Two sources that disagree are an error naming both (a mesh that Δk
 * cannot make on the file's cell too). Rows still without Δk but with a mesh get the one Δk of
 * `dkCandidates` inside the mesh's interval; `requireDk` makes any row left without Δk an error.
 */
export function readFolder(dir: string, options: ReadFolderOptions = {}): ColumnTable {
  if (!existsSync(dir)) throw new ReadError(dir, {}, 'no such file or folder');
  const patterns = ([] as string[]).concat(options.pattern ?? []).map((p) => compilePattern(p));
  const { items, ignored } = plan(dir, options);
  const totalBytes = items.reduce((s, x) => s + x.bytes, 0);
  const progress = progressDisplay(options.progress, items.length, totalBytes);
  const t0 = Date.now();
  let lastShown = 0;
  let doneBytes = 0;
  const readerOptions: ReadFolderOptions = { ...options, requireDk: false };
  const tables: ColumnTable[] = [];
  const dpTest: FolderDpTest[] = [];
  const autotest: ColumnTable[] = [];
  const unmatched: string[] = [];
  const counts = new Map<FolderFormat, { items: number; rows: number; bytes: number }>();
  items.forEach((it, k) => {
    const extra = extraOf(it.rel, it.path, patterns, options.tags, unmatched);
    let rows = 0;
    if (it.format === 'dp-test') {
      const table = readDpTest(it.path);
      const ds = extra.tags.dataset;
      dpTest.push({ prefix: it.path, dk: extra.dk, dataset: ds === undefined || ds === null ? null : String(ds), tags: extra.tags, table });
      rows = table.numRows();
    } else if (it.format === 'dpgen-autotest') {
      const t = readDpgenAutotest(it.path, {
        ...(extra.dk !== null ? { dk: extra.dk } : {}),
        ...(typeof extra.tags.metal === 'string' ? { metal: extra.tags.metal } : {}),
        ...(typeof extra.tags.lattice === 'string' ? { lattice: extra.tags.lattice } : {}),
        ...(typeof extra.tags.method === 'string' ? { method: extra.tags.method } : {}),
      });
      const at = it.rel === '.' ? '' : `${it.rel}/`;
      autotest.push(withMeta(aqFrom((t.objects() as { conf: string }[]).map((r) => ({ ...r, conf: r.conf === '.' ? it.rel : at + r.conf }))), tableMeta(t)!));
      rows = t.numRows();
    } else {
      let t: ColumnTable;
      if (it.format === 'outcar') t = readOutcar(it.path, readerOptions);
      else if (it.format === 'vasprun') t = readVasprun(it.path, readerOptions);
      else if (it.format === 'extxyz') t = readExtxyz(it.path, readerOptions);
      else if (it.format === 'deepmd') t = readDeepmd(it.path, readerOptions);
      else t = readDpdataJson(it.path, readerOptions);
      if (options.lastStepOnly && (it.format === 'outcar' || it.format === 'vasprun') && t.numRows() > 1) t = withMeta(t.slice(t.numRows() - 1), tableMeta(t)!);
      t = applyExtra(t, it.path, extra);
      tables.push(t);
      rows = t.numRows();
    }
    const c = counts.get(it.format) ?? { items: 0, rows: 0, bytes: 0 };
    counts.set(it.format, { items: c.items + 1, rows: c.rows + rows, bytes: c.bytes + it.bytes });
    doneBytes += it.bytes;
    if (progress && (Date.now() - lastShown > 200 || k === items.length - 1)) {
      lastShown = Date.now();
      // the folder relative to the notebook's; the last line without the elapsed time, so a stored output stays the same
      const done = k === items.length - 1;
      progress.text(`deltak readFolder ${shownPath(dir)}: ${k + 1}/${items.length} files, ${KB(doneBytes)} of ${KB(totalBytes)}${done ? '' : `, ${((Date.now() - t0) / 1000).toFixed(1)} s`}`);
    }
  });
  let frames = concatFrames(tables);
  if (options.dkCandidates?.length) frames = narrowByMesh(frames, options.dkCandidates);
  const dks = new Set<number>();
  const withoutDk = new Set<string>();
  const dkArr = frames.array('dk') as ArrayLike<number | null>;
  const srcArr = frames.array('source') as ArrayLike<string>;
  for (let i = 0; i < dkArr.length; i++) {
    const d = dkArr[i];
    if (d === null || !Number.isFinite(d)) withoutDk.add(srcArr[i]);
    else dks.add(d);
  }
  if (options.requireDk && withoutDk.size > 0) {
    const list = [...withoutDk];
    throw new ReadError(list[0], {}, `Δk cannot be established for ${list.length} source(s) (${list.slice(0, 5).join(', ')}${list.length > 5 ? ', …' : ''}): give KSPACING in the INCAR, {dk} in a pattern, a dk tag from the tags function, or dkCandidates with a k-point mesh`);
  }
  const { groups, missing } = semGroups(frames);
  const report: FolderReport = {
    root: dir,
    patterns: patterns.map((p) => p.source),
    read: [...counts.entries()].map(([format, c]) => ({ format, ...c })),
    ignored: [...ignored.entries()].map(([reason, l]) => ({ reason, count: l.length, examples: l.slice(0, 5) })),
    unmatched,
    dks: [...dks].sort((a, b) => a - b),
    withoutDk: [...withoutDk],
    groups,
    missing,
    dpTest,
    autotest: autotest.length ? autotest.reduce((a, b) => a.concat(b)) : null,
  };
  const meta = tableMeta(frames);
  return withMeta(frames, {
    kind: 'frames',
    units: { ...FRAMES_UNITS },
    notes: { conventions: FRAMES_CONVENTIONS, ...(meta?.notes?.parts ? { parts: meta.notes.parts } : {}), reader: 'readFolder', folder: report },
  });
}

/** The report {@link readFolder} kept in a frames table's metadata, or null for another table. */
export function folderReport(frames: ColumnTable): FolderReport | null {
  const f = tableMeta(frames)?.notes?.folder;
  return f ? (f as FolderReport) : null;
}

/** The rows of a frames table where `keep` is true, as a frames table with the same metadata (no copy of the arrays). */
export function selectFrames(t: ColumnTable, keep: readonly boolean[]): ColumnTable {
  const idx: number[] = [];
  keep.forEach((k, i) => {
    if (k) idx.push(i);
  });
  if (idx.length === t.numRows()) return t;
  const cols: Record<string, unknown> = {};
  for (const c of t.columnNames()) {
    const get = t.getter(c);
    cols[c] = new LazyColumn(idx.length, (j) => get(idx[j]));
  }
  return withMeta(aqTable(cols as Parameters<typeof aqTable>[0]), tableMeta(t) ?? { kind: 'frames', units: { ...FRAMES_UNITS } });
}
