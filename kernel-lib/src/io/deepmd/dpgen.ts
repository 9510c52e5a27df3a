/**
 * dpgen autotest (and APEX) results: relaxation/relax_task/result.json (a dpdata LabeledSystem
 * in MSON), and the property folders eos_*, elastic_*, vacancy_*, interstitial_* with their
 * result.json (result.out when the JSON is absent). VASP and LAMMPS tasks alike.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { from, type ColumnTable } from 'arquero';
import { withMeta } from '../../core/meta.js';
import type { AutotestResultRow } from '../../core/properties.js';
import { ReadError, requireLineEnd } from '../errors.js';
import { looksBinary } from '../bytes.js';
import { readFileBytes, isFolder, listFolder } from '../files.js';
import { framesTable, cellVolumeProblem, type Frame } from '../frames.js';
import { isElement } from '../elements.js';
import { discoverDk, type DkOptions } from '../dk.js';

/** The kinds of autotest property results. */
export type AutotestKind = 'relaxation' | 'eos' | 'elastic' | 'vacancy' | 'interstitial';

/** One row of an autotest results table (the fields analyses read are documented there). */
export interface AutotestRow extends AutotestResultRow {
  /** Configuration folder (e.g. "confs/std-fcc"), relative to the folder read. */
  conf: string;
  kind: AutotestKind;
  unit: string;
}

/** Options of {@link readDpgenAutotest}. */
export interface ReadDpgenAutotestOptions extends DkOptions {
  /** Method label for every row (else from the tasks' inter.json: vasp → DFT, deepmd → MLP). */
  method?: string;
  /** Metal label (else the element of a one-element relaxed structure). */
  metal?: string;
  /** Lattice label (else fcc/bcc/hcp/… found in the configuration folder's name). */
  lattice?: string;
}

function readJson(path: string): unknown {
  const buf = readFileBytes(path, 'a JSON file');
  if (buf.length === 0) throw new ReadError(path, { line: 1 }, 'empty file, expected JSON');
  if (looksBinary(buf)) throw new ReadError(path, { line: 1 }, 'binary data where JSON was expected');
  const text = buf.toString('utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const m = /position (\d+)/.exec(msg);
    let line: number | undefined;
    if (m) line = text.slice(0, Number(m[1])).split('\n').length;
    const ellipsis = /^\s*\.\.\.\s*$/m.exec(text);
    const hint = ellipsis ? ` (a "..." placeholder line at line ${text.slice(0, ellipsis.index).split('\n').length}: an example cut from documentation, not program output)` : '';
    throw new ReadError(path, { line }, `invalid JSON: ${msg}${hint}`);
  }
}

function flat(x: unknown, out: number[] = []): number[] {
  if (Array.isArray(x)) for (const y of x) flat(y, out);
  else out.push(Number(x));
  return out;
}

function msonArray(path: string, data: Record<string, unknown>, key: string): number[] | null {
  const v = data[key];
  if (v === undefined || v === null) return null;
  const d = typeof v === 'object' && !Array.isArray(v) && 'data' in (v as object) ? (v as { data: unknown }).data : v;
  const out = flat(d);
  if (out.some((x) => !Number.isFinite(x))) throw new ReadError(path, { array: key }, 'non-finite value');
  return out;
}

/**
 * Read a dpdata LabeledSystem saved as MSON JSON (dpgen's result.json, outcar.json) into a frames
 * table: energies eV, forces eV/Å, virials eV (as stored); unit checks on array sizes.
 */
export function readDpdataJson(path: string, options: DkOptions = {}): ColumnTable {
  const j = readJson(path) as { data?: Record<string, unknown> };
  const data = j && typeof j === 'object' && j.data && typeof j.data === 'object' ? j.data : null;
  if (!data || !Array.isArray(data.atom_names) || !Array.isArray(data.atom_numbs)) {
    throw new ReadError(path, {}, 'not a dpdata System in MSON form (no data.atom_names / data.atom_numbs)');
  }
  const names = data.atom_names as string[];
  names.forEach((s, i) => {
    if (!isElement(s)) throw new ReadError(path, { array: `atom_names[${i}]` }, `unknown element ${JSON.stringify(s)}`);
  });
  const types = msonArray(path, data, 'atom_types') ?? [];
  const natoms = types.length;
  // atom_numbs counts the atoms of each name: a line lost from atom_types shows here
  const numbs = data.atom_numbs as unknown[];
  if (numbs.length !== names.length) throw new ReadError(path, { array: 'atom_numbs' }, `${numbs.length} counts for ${names.length} atom_names`);
  names.forEach((s, i) => {
    const c = types.filter((t) => t === i).length;
    if (numbs[i] !== c) throw new ReadError(path, { array: 'atom_numbs' }, `atom_numbs says ${JSON.stringify(numbs[i])} atoms of ${s}, atom_types has ${c}`);
  });
  const symbols = types.map((t, i) => {
    if (!Number.isInteger(t) || t < 0 || t >= names.length) throw new ReadError(path, { array: `atom_types[${i}]` }, `type ${t} not in atom_names`);
    return names[t];
  });
  const cells = msonArray(path, data, 'cells');
  const coords = msonArray(path, data, 'coords');
  if (!cells || !coords) throw new ReadError(path, {}, 'no cells or coords');
  const nf = cells.length / 9;
  if (!Number.isInteger(nf) || coords.length !== nf * 3 * natoms) {
    throw new ReadError(path, { array: 'coords' }, `${coords.length} coordinates for ${nf} frames of ${natoms} atoms: frame counts disagree`);
  }
  const check = (key: string, per: number): number[] | null => {
    const a = msonArray(path, data, key);
    if (a && a.length !== nf * per) throw new ReadError(path, { array: key }, `${a.length / per} frames, cells has ${nf}: frame counts disagree`);
    return a;
  };
  const energies = check('energies', 1);
  const forces = check('forces', 3 * natoms);
  const virials = check('virials', 9);
  const dk = discoverDk({ path }, options);
  // dpdata marks a non-periodic system (a molecule) with data.nopbc = true
  const periodic = data.nopbc !== true;
  const frames: Frame[] = [];
  for (let i = 0; i < nf; i++) {
    const bad = periodic ? cellVolumeProblem(cells.slice(9 * i, 9 * i + 9)) : null;
    if (bad) throw new ReadError(path, { array: 'cells', frame: i }, bad);
    frames.push({
      id: `${path}#${i}`,
      source: path,
      frame: i,
      symbols,
      cell: Float64Array.from(cells.slice(9 * i, 9 * i + 9)),
      pbc: [periodic, periodic, periodic],
      positions: Float64Array.from(coords.slice(3 * natoms * i, 3 * natoms * (i + 1))),
      forces: forces ? Float64Array.from(forces.slice(3 * natoms * i, 3 * natoms * (i + 1))) : null,
      energy: energies ? energies[i] : null,
      energySigma0: null,
      virial: virials ? Float64Array.from(virials.slice(9 * i, 9 * i + 9)) : null,
      dk: dk?.dk ?? null,
      kmesh: null,
      nkpts: null,
      tags: {},
    });
  }
  return framesTable(frames, { notes: { reader: 'readDpdataJson', file: path } });
}

const KIND_RX = /^(eos|elastic|vacancy|interstitial)(_|$)/i;

/** The kind of a result file from its folder or file name (eos_00/result.json, vacancy_result.json, …). */
export function autotestKindOf(path: string): AutotestKind | null {
  for (const name of [basename(path), basename(dirname(path))]) {
    const m = KIND_RX.exec(name);
    if (m) return m[1].toLowerCase() as AutotestKind;
  }
  // dpgen writes relaxations to <conf>/relaxation/relax_task/result.json
  if (basename(dirname(path)) === 'relax_task' || /^relaxation$/i.test(basename(dirname(dirname(path))))) return 'relaxation';
  return null;
}

type Base = Omit<AutotestRow, 'kind' | 'property' | 'unit' | 'value' | 'volume' | 'structure'>;

function numberOrFail(path: string, v: unknown, where: string): number {
  const x = Number(v);
  if (typeof v === 'boolean' || v === null || !Number.isFinite(x)) throw new ReadError(path, { array: where }, `not a finite number: ${JSON.stringify(v)}`);
  return x;
}

function parseOut(path: string, kind: AutotestKind): unknown {
  const buf = readFileBytes(path, 'a dpgen result.out');
  if (buf.length === 0) throw new ReadError(path, { line: 1 }, 'empty file');
  if (looksBinary(buf)) throw new ReadError(path, { line: 1 }, 'binary data where text was expected');
  const text = buf.toString('utf8');
  requireLineEnd(path, text, 'dpgen result.out');
  const lines = text.split('\n');
  if (kind === 'eos') {
    const out: Record<string, number> = {};
    lines.forEach((l, i) => {
      const t = l.trim();
      if (i === 0 || t === '' || /^VpA/.test(t)) return;
      if (/^\.\.\.(\s+\.\.\.)*$/.test(t)) throw new ReadError(path, { line: i + 1 }, 'a "..." placeholder line: an example cut from documentation, not program output');
      const w = t.split(/\s+/).map(Number);
      if (w.length !== 2 || w.some((x) => !Number.isFinite(x))) throw new ReadError(path, { line: i + 1 }, `expected "volume energy", got ${JSON.stringify(t)}`);
      if (String(w[0]) in out) throw new ReadError(path, { line: i + 1 }, `volume ${w[0]} Å³/atom appears twice (energies ${out[String(w[0])]} and ${w[1]} eV/atom): one E(V) point per volume`);
      out[String(w[0])] = w[1];
    });
    return out;
  }
  if (kind === 'elastic') {
    const rows: number[] = [];
    const res: Record<string, unknown> = {};
    lines.forEach((l, i) => {
      const t = l.trim();
      const m = /^#.*\b(BV|GV|EV|uV)\s*=\s*(\S+)/.exec(t);
      if (m) res[m[1]] = Number(m[2]);
      else if (/^-?\d/.test(t)) {
        const w = t.split(/\s+/).map(Number);
        if (w.length !== 6 || w.some((x) => !Number.isFinite(x))) throw new ReadError(path, { line: i + 1 }, `expected 6 elastic constants, got ${JSON.stringify(t)}`);
        rows.push(...w);
      }
    });
    res.elastic_tensor = rows;
    return res;
  }
  const out: Record<string, number[]> = {};
  lines.forEach((l, i) => {
    const m = /^(.*task\.\d+):\s*(.*)$/.exec(l.trim());
    if (!m) {
      if (/task\.\d+/.test(l)) throw new ReadError(path, { line: i + 1 }, `expected "…task.N: E_f E equi_E", got ${JSON.stringify(l.trim())}`);
      return;
    }
    const w = m[2].trim().split(/\s+/).map(Number);
    if (w.length !== 3 || w.some((x) => !Number.isFinite(x))) throw new ReadError(path, { line: i + 1 }, `expected "E_f E equi_E", got ${JSON.stringify(l.trim())}`);
    out[m[1]] = w;
  });
  return out;
}

/** The 1-based line where `key` is written in the file (as a JSON key, else as text), for error messages; undefined when not found. */
function lineOfKey(path: string, key: string): number | undefined {
  const text = readFileBytes(path).toString('utf8');
  let at = text.indexOf(JSON.stringify(key));
  if (at < 0) at = text.indexOf(key);
  return at < 0 ? undefined : text.slice(0, at).split('\n').length;
}

function rowsOf(path: string, kind: AutotestKind, j: unknown, base: Base): AutotestRow[] {
  const rows: AutotestRow[] = [];
  const add = (property: string, unit: string, value: number, volume: number | null = null, structure: string | null = null): void => {
    rows.push({ ...base, kind, property, unit, value, volume, structure });
  };
  if (typeof j !== 'object' || j === null || Array.isArray(j)) throw new ReadError(path, {}, `expected a JSON object of ${kind} results`);
  const o = j as Record<string, unknown>;
  if (kind === 'eos') {
    const pts = Object.entries(o);
    if (pts.length === 0) throw new ReadError(path, {}, 'no E(V) points');
    for (const [v, e] of pts) add('E(V)', 'eV/atom', numberOrFail(path, e, `volume ${v}`), numberOrFail(path, v, 'volume key'));
  } else if (kind === 'elastic') {
    const c = o.elastic_tensor;
    const flatC = Array.isArray(c) ? flat(c) : [];
    if (flatC.length !== 36) throw new ReadError(path, { array: 'elastic_tensor' }, `${flatC.length} components, expected 36 (6×6, GPa)`);
    for (let a = 0; a < 6; a++) for (let b = 0; b < 6; b++) add(`C${a + 1}${b + 1}`, 'GPa', numberOrFail(path, flatC[6 * a + b], `elastic_tensor[${6 * a + b}]`));
    // dpgen and APEX always write the four Voigt moduli: one missing is a file that lost a line
    const lost = ['BV', 'GV', 'EV', 'uV'].filter((k) => !(k in o));
    if (lost.length) throw new ReadError(path, { array: lost[0] }, `no ${lost.join(', ')}: dpgen writes BV, GV, EV and uV with every elastic tensor (a line lost?)`);
    for (const k of ['BV', 'GV', 'EV']) add(k, 'GPa', numberOrFail(path, o[k], k));
    add('uV', '1', numberOrFail(path, o.uV, 'uV'));
  } else if (kind === 'vacancy' || kind === 'interstitial') {
    const prop = kind === 'vacancy' ? 'E_vac' : 'E_int';
    const ents = Object.entries(o);
    if (ents.length === 0) throw new ReadError(path, {}, `no ${kind} tasks`);
    for (const [task, v] of ents) {
      // all three: a result.json that lost a line still parses, with E (−102 eV) read as E_f
      if (!Array.isArray(v) || v.length !== 3) throw new ReadError(path, { line: lineOfKey(path, task), array: task }, `expected [E_f, E, equi_E] (eV), got ${JSON.stringify(v)}`);
      const [ef, e, equi] = v.map((x, k) => numberOrFail(path, x, `${task}[${k}]`));
      // dpgen writes E_f = E − equi_E (equi_E: the perfect cell's energy per atom × atoms); result.out rounds each to 1 meV
      if (Math.abs(ef - (e - equi)) > 2e-3) {
        throw new ReadError(path, { line: lineOfKey(path, task), array: task }, `E_f = ${ef} eV but E − equi_E = ${e} − (${equi}) = ${e - equi} eV: the three numbers of a task disagree (a corrupted file)`);
      }
      add(prop, 'eV', ef, null, task);
    }
  }
  return rows;
}

function interMethod(dir: string): string | null {
  const tasks = isFolder(dir) ? listFolder(dir).map((e) => e.name).filter((n) => /^task\./.test(n)).sort() : [];
  for (const t of tasks) {
    const p = join(dir, t, 'inter.json');
    if (existsSync(p)) {
      const j = readJson(p) as { type?: string };
      const ty = String(j?.type ?? '').toLowerCase();
      return ty === 'vasp' || ty === 'abacus' ? 'DFT' : ty === 'deepmd' ? 'MLP' : ty || null;
    }
  }
  return null;
}

const LATTICE_RX = /(fcc|bcc|hcp|dhcp|diamond|sc)(?![a-z])/i;

/**
 * Read the dpgen autotest results under `dir` (one configuration folder or a tree of them) into
 * a tidy table: conf, kind, property, unit, value (E(V) points in eV/atom with their volume in
 * Å³/atom; Cij, BV, GV, EV in GPa; E_vac and E_int in eV per task; relaxation V0 Å³/atom and
 * E0 eV/atom), method, metal, lattice, dk, source. Invalid files are errors naming file and line.
 */
export function readDpgenAutotest(dir: string, options: ReadDpgenAutotestOptions = {}): ColumnTable {
  if (!existsSync(dir)) throw new ReadError(dir, {}, 'no such file or folder');
  const files: string[] = [];
  const walk = (d: string, depth: number): void => {
    for (const e of listFolder(d).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      const isDir = e.isDirectory() || (e.isSymbolicLink() && isFolder(p));
      if (isDir && depth < 10 && !/^task\./.test(e.name)) walk(p, depth + 1);
      else if (!isDir && /result\.(json|out)$/.test(e.name)) files.push(p);
    }
  };
  const dirIsFolder = isFolder(dir);
  if (dirIsFolder) walk(dir, 0);
  else files.push(dir);
  const rows: AutotestRow[] = [];
  const byFolder = new Map<string, string[]>();
  for (const f of files) {
    const key = f.replace(/\.(json|out)$/, '');
    byFolder.set(key, [...(byFolder.get(key) ?? []), f]);
  }
  const metalOf = new Map<string, string | null>();
  const unread: string[] = []; // result files of other properties (surface, gamma, …), named in the notes
  for (const [, fs] of byFolder) {
    const f = fs.find((x) => x.endsWith('.json')) ?? fs[0];
    const kind = autotestKindOf(f);
    if (!kind) {
      unread.push(f);
      continue;
    }
    const root = dirIsFolder ? dir : dirname(dir);
    const propDir = dirname(f);
    const confDir = kind === 'relaxation' ? dirname(dirname(propDir)) : dirname(propDir);
    const conf = relative(root, confDir) || '.';
    const dk = discoverDk({ path: f }, options);
    const lattice = options.lattice ?? (LATTICE_RX.exec(basename(confDir))?.[1]?.toLowerCase() ?? null);
    const method = options.method ?? interMethod(kind === 'relaxation' ? dirname(propDir) : propDir);
    const base: Base = { conf, method, metal: options.metal ?? null, lattice, dk: dk?.dk ?? null, source: f };
    if (kind === 'relaxation') {
      const t = readDpdataJson(f);
      const n = t.numRows();
      const last = t.object(n - 1) as { volume: number; natoms: number; energy: number | null; counts: Record<string, number> };
      if (last.energy === null) throw new ReadError(f, { array: 'energies', frame: n - 1 }, 'the relaxation result has no energies: E0 cannot be read');
      const species = Object.keys(last.counts);
      const metal = options.metal ?? (species.length === 1 ? species[0] : species.join('-'));
      metalOf.set(conf, metal);
      rows.push({ ...base, metal, kind, property: 'V0', unit: 'Å^3/atom', value: last.volume / last.natoms, volume: null, structure: null });
      rows.push({ ...base, metal, kind, property: 'E0', unit: 'eV/atom', value: last.energy / last.natoms, volume: null, structure: null });
    } else {
      const j = f.endsWith('.json') ? readJson(f) : parseOut(f, kind);
      rows.push(...rowsOf(f, kind, j, base));
    }
  }
  if (rows.length === 0) throw new ReadError(dir, {}, 'no dpgen autotest results (relaxation/relax_task/result.json, eos_*/result.json, elastic_*/…, vacancy_*/…, interstitial_*/…)');
  for (const r of rows) if (r.metal === null) r.metal = metalOf.get(r.conf) ?? null;
  return withMeta(from(rows), {
    kind: 'autotest',
    units: { value: 'from column unit', volume: 'Å³/atom', dk: 'Å⁻¹' },
    notes: { reader: 'readDpgenAutotest', root: dir, stress_convention: 'elastic constants in GPa as dpgen writes them', not_read: unread },
  });
}
