/**
 * Statistical error metrics (SEMs) of a DFT test set over Δk (docs/method.md §5): the same
 * configurations computed at every Δk, compared configuration by configuration with the
 * reference Δk, per group (metal × lattice × structure).
 */
import { from, type ColumnTable } from 'arquero';
import { withMeta } from './meta.js';
import { isFramesTable, semFramesFromFrames } from './fromframes.js';
import type { SemFrame } from './records.js';
import { mad } from './stats.js';
import { thresholdDk } from './convergence.js';
import { DFT_REFERENCE_DK } from './convergence.js';

/** The four SEMs. */
export type SemName = 'AEAD' | 'E-RMSE' | 'F-RMSE' | 'V-RMSE';
/** All SEMs in display order. */
export const SEM_NAMES: readonly SemName[] = ['AEAD', 'E-RMSE', 'F-RMSE', 'V-RMSE'];
/** Units of the SEMs. */
export const SEM_UNITS: Record<SemName, string> = { AEAD: 'eV/atom', 'E-RMSE': 'eV/atom', 'F-RMSE': 'eV/Å', 'V-RMSE': 'eV/atom' };

export type { SemFrame } from './records.js';

/** Options of {@link semTable}. */
export interface SemTableOptions {
  /** Reference Δk (Å⁻¹); default 0.09 when present, otherwise the smallest Δk. */
  reference?: number;
  /** Tags that define a group; default ["metal", "lattice", "structure"]. */
  groupBy?: readonly string[];
  /** SEMs to compute; default all four (V-RMSE needs virials on every frame). */
  sems?: readonly SemName[];
  /** Largest allowed position difference between Δk for the same configuration, Å; default 1e-6. */
  positionTolerance?: number;
}

/** One SEM value: group tags, sem, dk (Å⁻¹), value (SEM_UNITS), n_configs. */
export interface SemRow {
  sem: SemName;
  /** The reference Δk of the group, Å⁻¹. */
  ref_dk: number;
  dk: number;
  value: number;
  n_configs: number;
  [tag: string]: string | number;
}

/**
 * One SEM value of one group (metal × lattice × structure type) at one Δk, with the group named
 * by its usual tags: the row that charts and widgets draw. `value` is in the SEM's unit
 * (AEAD, E-RMSE, V-RMSE: eV/atom; F-RMSE: eV/Å).
 */
export interface SemPoint {
  metal: string;
  lattice: string;
  /** Structure type: "pristine", "vacancy", "oh", "td", ... */
  structure: string;
  /** "AEAD", "E-RMSE", "F-RMSE" or "V-RMSE" (any label is drawn). */
  sem: string;
  /** k-point spacing Δk, Å⁻¹. */
  dk: number;
  value: number;
}

/** Per-configuration differences against the reference, the raw material of every SEM. */
export interface ConfigDelta {
  id: string;
  natoms: number;
  /** e(Δk) − e(ref), eV/atom. */
  de: number;
  /** Σ (F − F_ref)² over the 3N components, (eV/Å)². */
  sumF2: number;
  /** Number of force components, 3N. */
  nF: number;
  /** Σ ((V − V_ref)/N)² over the 9 components, (eV/atom)², or null without virials. */
  sumV2: number | null;
}

/** A group's differences: per Δk (ascending), the per-configuration deltas. */
export interface GroupDeltas {
  tags: Record<string, string>;
  refDk: number;
  dks: number[];
  /** deltas[k][c]: Δk index k, configuration c (same order at every Δk). */
  deltas: ConfigDelta[][];
}

const describeFrame = (f: SemFrame): string => `configuration "${f.id}" at Δk = ${f.dk} Å⁻¹`;

/** Σ (a[i] − b[i])² over i < n; NaN when a difference is not finite (its place: {@link firstNonFinite}). */
function sumSquaredDiff(a: ArrayLike<number>, b: ArrayLike<number>, n: number, scale: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = (a[i] - b[i]) / scale;
    s += d * d;
  }
  return s;
}

/** The first i < n where (a[i] − b[i]) / scale is not finite, or −1. */
function firstNonFinite(a: ArrayLike<number>, b: ArrayLike<number>, n: number, scale: number): number {
  for (let i = 0; i < n; i++) if (!Number.isFinite((a[i] - b[i]) / scale)) return i;
  return -1;
}

/** The first i < n where |a[i] − b[i]| is not within tol, or −1. */
function firstMoved(a: ArrayLike<number>, b: ArrayLike<number>, n: number, tol: number): number {
  for (let i = 0; i < n; i++) if (!(Math.abs(a[i] - b[i]) <= tol)) return i;
  return -1;
}

/** What {@link frameDiffs} found for the last frame: one record, reused (no object per frame). */
const diffs = { natoms: 0, de: 0, sumF2: 0, sumV2: 0 };

/**
 * The per-configuration differences of frame f to its reference frame r (docs/method.md §5),
 * into {@link diffs}: de (eV/atom), Σ ΔF² ((eV/Å)²), Σ (ΔV/N)² ((eV/atom)², when `needV`).
 * Errors name f.
 */
function frameDiffs(f: SemFrame, r: SemFrame, tol: number, needV: boolean): void {
  const n = r.species.length;
  if (f.species !== r.species) {
    let same = f.species.length === n;
    for (let i = 0; same && i < n; i++) same = f.species[i] === r.species[i];
    if (!same) throw new Error(`SEM: ${describeFrame(f)} has species ${f.species.join(' ')}, at the reference ${r.species.join(' ')}`);
  }
  const moved = firstMoved(f.positions, r.positions, 3 * n, tol);
  if (moved >= 0) {
    const by = Math.abs(f.positions[moved] - r.positions[moved]);
    throw new Error(`SEM: ${describeFrame(f)}: atom ${Math.floor(moved / 3)} is at a different position than at the reference (by ${by} Å > ${tol} Å)`);
  }
  let sumF2 = sumSquaredDiff(f.forces, r.forces, 3 * n, 1);
  if (!Number.isFinite(sumF2)) {
    const i = firstNonFinite(f.forces, r.forces, 3 * n, 1);
    if (i >= 0) throw new Error(`SEM: ${describeFrame(f)}: force component ${i} is not finite`);
    sumF2 = Infinity; // finite differences whose squares overflow
  }
  let sumV2 = 0;
  if (needV) {
    sumV2 = sumSquaredDiff(f.virial!, r.virial!, 9, n);
    if (!Number.isFinite(sumV2)) {
      const i = firstNonFinite(f.virial!, r.virial!, 9, n);
      if (i >= 0) throw new Error(`SEM: ${describeFrame(f)}: virial component ${i} is not finite`);
      sumV2 = Infinity;
    }
  }
  diffs.natoms = n;
  diffs.de = f.energy / n - r.energy / n;
  diffs.sumF2 = sumF2;
  diffs.sumV2 = sumV2;
}

/** The per-configuration differences of frame f to its reference frame r (docs/method.md §5); errors name f. */
function configDelta(f: SemFrame, r: SemFrame, tol: number, needV: boolean): ConfigDelta {
  frameDiffs(f, r, tol, needV);
  return { id: r.id, natoms: diffs.natoms, de: diffs.de, sumF2: diffs.sumF2, nF: 3 * diffs.natoms, sumV2: needV ? diffs.sumV2 : null };
}

/**
 * One group's frames matched across Δk: configuration c of `refs` (sorted by id) at Δk dks[k]
 * (ascending) is frames[at[k · refs.length + c]].
 */
interface MatchedGroup {
  tags: Record<string, string>;
  refDk: number;
  dks: number[];
  frames: readonly SemFrame[];
  at: Int32Array;
  refs: SemFrame[];
}

/**
 * Match configurations across Δk and compute their differences to the reference, per group.
 * Errors (naming the configuration): a configuration missing at some Δk, different species or
 * positions (beyond the tolerance), duplicate (id, Δk), non-finite numbers, a missing virial.
 */
export function semDeltas(input: readonly SemFrame[] | ColumnTable, options: SemTableOptions = {}): GroupDeltas[] {
  const out: GroupDeltas[] = [];
  matchGroups(input, options, ({ tags, refDk, dks, frames, at, refs }, tol, needV) => {
    const nc = refs.length;
    out.push({ tags, refDk, dks, deltas: dks.map((_, k) => refs.map((r, c) => configDelta(frames[at[k * nc + c]], r, tol, needV))) });
  });
  return out;
}

/**
 * The frames of each group matched across Δk, handed to `each` group by group ({@link semDeltas}
 * without the differences): all frames are grouped first (a missing tag is an error), then each
 * group is checked and matched, and handed over before the next is.
 */
function matchGroups(input: readonly SemFrame[] | ColumnTable, options: SemTableOptions, each: (g: MatchedGroup, tol: number, needV: boolean) => void): void {
  const frames = isFramesTable(input) ? semFramesFromFrames(input) : (input as readonly SemFrame[]);
  const groupBy = options.groupBy ?? ['metal', 'lattice', 'structure'];
  const tol = options.positionTolerance ?? 1e-6;
  const needV = (options.sems ?? SEM_NAMES).includes('V-RMSE');
  if (frames.length === 0) throw new Error('SEM: no frames');
  for (const { tags, frames: fs } of groupFrames(frames, groupBy)) each(matchGroup(tags, fs, options, needV), tol, needV);
}

/** The frames of each group (by their `groupBy` tags, in order of first appearance); a missing tag is an error. */
function groupFrames(frames: readonly SemFrame[], groupBy: readonly string[]): { tags: Record<string, string>; frames: SemFrame[] }[] {
  const groups = new Map<string, { tags: Record<string, string>; frames: SemFrame[] }>();
  // frames in a row with the same tag values (as read from one folder) share their group
  let last = frames[0];
  let lastGroup = groupOf(groups, last, groupBy);
  lastGroup.push(last);
  const nb = groupBy.length;
  for (let j = 1; j < frames.length; j++) {
    const f = frames[j];
    let same = true;
    for (let k = 0; same && k < nb; k++) same = f[groupBy[k]] === last[groupBy[k]];
    if (!same) {
      lastGroup = groupOf(groups, f, groupBy);
      last = f;
    }
    lastGroup.push(f);
  }
  return [...groups.values()];
}

/** The frames of the group of frame f in `groups` (made when new); a missing tag is an error. */
function groupOf(groups: Map<string, { tags: Record<string, string>; frames: SemFrame[] }>, f: SemFrame, groupBy: readonly string[]): SemFrame[] {
  const tags: Record<string, string> = {};
  for (const g of groupBy) {
    if (f[g] === undefined || f[g] === null) throw new Error(`SEM: ${describeFrame(f)} has no tag "${g}" (groupBy)`);
    tags[g] = String(f[g]);
  }
  const k = JSON.stringify(groupBy.map((g) => tags[g]));
  let group = groups.get(k);
  if (!group) groups.set(k, (group = { tags, frames: [] }));
  return group.frames;
}

/**
 * Match the frames `fs` of one group across Δk (see {@link matchGroups}). Configurations are
 * numbered by id and Δk by value, and (Δk, configuration) pairs looked up in a table, not in a
 * Map per Δk. Errors, in this order: a frame that is not valid or appears twice (in input order),
 * a single Δk, no frame at the reference Δk, a configuration missing at some Δk (ascending) or
 * missing at the reference.
 */
function matchGroup(tags: Record<string, string>, fs: readonly SemFrame[], options: SemTableOptions, needV: boolean): MatchedGroup {
  const where = Object.values(tags).join(' ');
  const nf = fs.length;
  // configurations numbered by id, Δk by value (both by first appearance)
  const cfgOf = new Map<unknown, number>();
  const cfg = new Int32Array(nf);
  const dkOf: number[] = [];
  const dki = new Int32Array(nf);
  numberFrames(fs, cfgOf, cfg, dkOf, dki);
  const nc = cfgOf.size, nd = dkOf.length;
  // the frame of each (Δk, configuration), −1 for none; when that table would be far larger than
  // the frames, some pair has no frame: the frames are checked with a Map, and an error follows
  if (nd * nc > 16 * nf + (1 << 20)) {
    const map = new Map<number, number>();
    for (let j = 0; j < nf; j++) {
      checkFrame(fs[j], needV, map.has(dki[j] * nc + cfg[j]), where);
      map.set(dki[j] * nc + cfg[j], j);
    }
    const m = matchOrder(dkOf, cfgOf, options, where, null, map);
    matchMissing(fs, dki, cfg, nd, nc, dkOf, m, where, null, map);
    throw new Error(`SEM: group ${where}: configurations missing at some Δk`); // not reached
  }
  const table = new Int32Array(nd * nc).fill(-1);
  tableFrames(fs, dki, cfg, nc, table, needV, where);
  const m = matchOrder(dkOf, cfgOf, options, where, table, null);
  matchMissing(fs, dki, cfg, nd, nc, dkOf, m, where, table, null);
  const { order, cs, rk, refDk } = m;
  const nr = cs.length;
  const at = new Int32Array(order.length * nr);
  for (let kk = 0; kk < order.length; kk++) {
    const base = order[kk] * nc;
    for (let i = 0; i < nr; i++) at[kk * nr + i] = table[base + cs[i]];
  }
  return { tags, refDk, dks: m.dks, frames: fs, at, refs: Array.from(cs, (c) => fs[table[rk * nc + c]]) };
}

/**
 * Number the configurations of frames `fs` by id into `cfgOf` / `cfg`, and their Δk by value into
 * `dkOf` / `dki` (both by first appearance). (Each loop of the matching is a function of its own:
 * small functions are compiled quickly, once per loop.)
 */
function numberFrames(fs: readonly SemFrame[], cfgOf: Map<unknown, number>, cfg: Int32Array, dkOf: number[], dki: Int32Array): void {
  let lastDk = NaN, lastK = -1;
  for (let j = 0; j < fs.length; j++) {
    const f = fs[j];
    let c = cfgOf.get(f.id);
    if (c === undefined) cfgOf.set(f.id, (c = cfgOf.size));
    cfg[j] = c;
    if (f.dk !== lastDk) {
      lastK = dkOf.indexOf(f.dk);
      if (lastK < 0) lastK = dkOf.push(f.dk) - 1;
      lastDk = f.dk;
    }
    dki[j] = lastK;
  }
}

/** Check every frame in input order and enter it in `table` at (Δk number · nc + configuration number). */
function tableFrames(fs: readonly SemFrame[], dki: Int32Array, cfg: Int32Array, nc: number, table: Int32Array, needV: boolean, where: string): void {
  for (let j = 0; j < fs.length; j++) {
    const s = dki[j] * nc + cfg[j];
    checkFrame(fs[j], needV, table[s] >= 0, where);
    table[s] = j;
  }
}

/** Refuse a frame that is not valid for SEMs, or that `twice` says is a second (id, Δk) in the group. */
function checkFrame(f: SemFrame, needV: boolean, twice: boolean, where: string): void {
  if (!(typeof f.dk === 'number' && f.dk > 0)) throw new Error(`SEM: ${describeFrame(f)}: dk must be a positive number (Å⁻¹)`);
  if (!Number.isFinite(f.energy)) throw new Error(`SEM: ${describeFrame(f)}: energy is ${f.energy}`);
  const n = f.species.length;
  if (f.positions.length !== 3 * n || f.forces.length !== 3 * n) {
    throw new Error(`SEM: ${describeFrame(f)}: ${n} species but ${f.positions.length / 3} positions and ${f.forces.length / 3} forces`);
  }
  if (needV && (!f.virial || f.virial.length !== 9)) throw new Error(`SEM: ${describeFrame(f)}: no 9-component virial (needed for V-RMSE; pass sems without it)`);
  if (twice) throw new Error(`SEM: ${describeFrame(f)} appears twice in group ${where}`);
}

/** The frame at slot s of a group's table (or map), −1 for none. */
function slotOf(table: Int32Array | null, map: Map<number, number> | null, s: number): number {
  return table !== null ? table[s] : (map!.get(s) ?? -1);
}

/** A group's Δk in ascending order and its configurations at the reference Δk sorted by id (numbered as in {@link matchGroup}). */
interface MatchOrder {
  /** Δk numbers in ascending order of Δk, and those Δk (Å⁻¹). */
  order: number[];
  dks: number[];
  refDk: number;
  /** The number of the reference Δk. */
  rk: number;
  /** The configurations at the reference (numbers), sorted by id, and their ids. */
  cs: Int32Array;
  ids: unknown[];
}

/**
 * {@link MatchOrder} of a group; the frame of configuration c at Δk number k is table[k · nc + c]
 * (or map.get(…) without a table), −1 or absent for none. Errors: a single Δk, no frame at the reference.
 */
function matchOrder(dkOf: number[], cfgOf: Map<unknown, number>, options: SemTableOptions, where: string, table: Int32Array | null, map: Map<number, number> | null): MatchOrder {
  const nc = cfgOf.size;
  const order = dkOf.map((_, k) => k).sort((a, b) => dkOf[a] - dkOf[b]);
  const dks = order.map((k) => dkOf[k]);
  if (dks.length < 2) throw new Error(`SEM: group ${where} has a single Δk (${dks[0]} Å⁻¹)`);
  const refDk = options.reference ?? (dks.includes(DFT_REFERENCE_DK) ? DFT_REFERENCE_DK : dks[0]);
  const rk = dkOf.indexOf(refDk);
  if (rk < 0) throw new Error(`SEM: group ${where} has no frames at the reference Δk ${refDk} Å⁻¹`);
  const idOf = [...cfgOf.keys()];
  const present: unknown[] = [];
  for (let c = 0; c < nc; c++) if (slotOf(table, map, rk * nc + c) >= 0) present.push(idOf[c]);
  const ids = present.sort();
  return { order, dks, refDk, rk, cs: Int32Array.from(ids, (id) => cfgOf.get(id)!), ids };
}

/**
 * Refuse a configuration of the reference missing at some Δk (ascending), or one at some Δk missing
 * at the reference. `dki`, `cfg`: each frame's Δk and configuration number (of `nd`, `nc`).
 */
function matchMissing(fs: readonly SemFrame[], dki: Int32Array, cfg: Int32Array, nd: number, nc: number, dkOf: readonly number[], m: MatchOrder, where: string, table: Int32Array | null, map: Map<number, number> | null): void {
  const nr = m.cs.length;
  const count = new Int32Array(nd); // frames at each Δk: one per configuration there
  for (let j = 0; j < fs.length; j++) count[dki[j]]++;
  for (const k of m.order) {
    for (let i = 0; i < nr; i++) {
      if (slotOf(table, map, k * nc + m.cs[i]) < 0) throw new Error(`SEM: configuration "${String(m.ids[i])}" of group ${where} is missing at Δk = ${dkOf[k]} Å⁻¹`);
    }
    if (count[k] === nr) continue;
    for (let j = 0; j < fs.length; j++) {
      if (dki[j] === k && slotOf(table, map, m.rk * nc + cfg[j]) < 0) throw new Error(`SEM: configuration "${String(fs[j].id)}" of group ${where} at Δk = ${dkOf[k]} Å⁻¹ is missing at the reference Δk ${m.refDk} Å⁻¹`);
    }
  }
}

/** Sums over the per-configuration deltas of one group at one Δk, from which every SEM follows. */
class SemSums {
  M = 0;
  sumDe = 0;
  sumDe2 = 0;
  sumF2 = 0;
  nF = 0;
  sumV2 = 0;
  add(d: ConfigDelta): void {
    this.M++;
    this.sumDe += d.de;
    this.sumDe2 += d.de * d.de;
    this.sumF2 += d.sumF2;
    this.nF += d.nF;
    if (d.sumV2 !== null) this.sumV2 += d.sumV2;
  }
  /** {@link add} of what {@link frameDiffs} found last (its sumV2 when `needV`). */
  addDiffs(needV: boolean): void {
    const de = diffs.de;
    this.M++;
    this.sumDe += de;
    this.sumDe2 += de * de;
    this.sumF2 += diffs.sumF2;
    this.nF += 3 * diffs.natoms;
    if (needV) this.sumV2 += diffs.sumV2;
  }
  /** The SEMs of docs/method.md §5 (eV/atom; F-RMSE eV/Å). */
  values(sems: readonly SemName[]): Record<SemName, number> {
    const { M, sumDe, sumDe2, sumF2, nF, sumV2 } = this;
    const out = {} as Record<SemName, number>;
    if (sems.includes('AEAD')) out.AEAD = sumDe / M;
    if (sems.includes('E-RMSE')) out['E-RMSE'] = Math.sqrt(sumDe2 / M);
    if (sems.includes('F-RMSE')) out['F-RMSE'] = Math.sqrt(sumF2 / nF);
    if (sems.includes('V-RMSE')) out['V-RMSE'] = Math.sqrt(sumV2 / (9 * M));
    return out;
  }
}

/** The sums of a matched group's differences at its Δk number k (summed as they come, not kept). */
function sumsAt(g: MatchedGroup, k: number, tol: number, needV: boolean): SemSums {
  const { frames, at, refs } = g;
  const nc = refs.length;
  const sums = new SemSums();
  for (let c = 0; c < nc; c++) {
    frameDiffs(frames[at[k * nc + c]], refs[c], tol, needV);
    sums.addDiffs(needV);
  }
  return sums;
}

/** The SEM values of one Δk from its per-configuration deltas (docs/method.md §5). */
export function semValues(ds: readonly ConfigDelta[], sems: readonly SemName[] = SEM_NAMES): Record<SemName, number> {
  const sums = new SemSums();
  for (const d of ds) sums.add(d);
  return sums.values(sems);
}

/**
 * The SEM table: per group (groupBy tags), SEM and Δk: value (AEAD signed, eV/atom; E-RMSE
 * eV/atom; F-RMSE eV/Å; V-RMSE eV/atom) and n_configs. Zero at the reference Δk by construction.
 * Input: single points, or a frames table from any reader whose frames carry the tags metal,
 * lattice, structure and config (configurations are paired across Δk by `config`).
 */
export function semTable(frames: readonly SemFrame[] | ColumnTable, options: SemTableOptions = {}): ColumnTable {
  const sems = options.sems ?? SEM_NAMES;
  const rows: SemRow[] = [];
  const groups: { tags: Record<string, string>; refDk: number }[] = [];
  matchGroups(frames, options, (g, tol, needV) => {
    groups.push({ tags: g.tags, refDk: g.refDk });
    const nc = g.refs.length;
    g.dks.forEach((dk, k) => {
      const v = sumsAt(g, k, tol, needV).values(sems);
      for (const sem of sems) rows.push({ ...g.tags, sem, ref_dk: g.refDk, dk, value: v[sem], n_configs: nc });
    });
  });
  return withMeta(from(rows), {
    kind: 'sem',
    units: { dk: 'Å⁻¹', ref_dk: 'Å⁻¹', value: 'AEAD, E-RMSE, V-RMSE: eV/atom; F-RMSE: eV/Å' },
    notes: { groupBy: options.groupBy ?? ['metal', 'lattice', 'structure'], reference: Object.fromEntries(groups.map((g) => [Object.values(g.tags).join(' '), g.refDk])), sems },
  });
}

/** One SEM threshold: group tags, sem, ref_dk, mad, factor, bound, threshold_dk (null = none). */
export interface SemThresholdRow {
  sem: SemName;
  ref_dk: number;
  mad: number;
  factor: number;
  bound: number;
  threshold_dk: number | null;
  [tag: string]: string | number | null;
}

/**
 * Δk_T^SEM per group and SEM (docs/method.md §5): the §4 criterion with x = the SEM (x(ref) = 0; for
 * AEAD x = |AEAD|) and MAD_max = the MAD of that SEM's own series over all Δk, reference
 * included. Input: a table (or rows) from {@link semTable}.
 */
export function semThresholds(sem: ColumnTable | readonly SemRow[], options: { factor?: number; groupBy?: readonly string[] } = {}): ColumnTable {
  const factor = options.factor ?? 0.5;
  if (!(factor > 0)) throw new Error(`factor must be a positive number, got ${factor}`);
  const rows = (Array.isArray(sem) ? sem : (sem as ColumnTable).objects()) as SemRow[];
  const groupBy = options.groupBy ?? ['metal', 'lattice', 'structure'];
  const series = new Map<string, { tags: Record<string, string>; sem: SemName; refDk: number; points: { dk: number; value: number }[] }>();
  for (const r of rows) {
    const tags = Object.fromEntries(groupBy.map((g) => [g, String(r[g])]));
    const k = JSON.stringify([...groupBy.map((g) => tags[g]), r.sem]);
    if (!series.has(k)) series.set(k, { tags, sem: r.sem, refDk: r.ref_dk, points: [] });
    if (series.get(k)!.refDk !== r.ref_dk) throw new Error(`SEM thresholds: ${Object.values(tags).join(' ')} ${r.sem} has two reference Δk values`);
    const pts = series.get(k)!.points;
    if (pts.some((q) => q.dk === r.dk)) throw new Error(`SEM thresholds: ${Object.values(tags).join(' ')} ${r.sem} has two rows at Δk = ${r.dk} Å⁻¹`);
    pts.push({ dk: r.dk, value: r.sem === 'AEAD' ? Math.abs(r.value) : r.value });
  }
  const out: SemThresholdRow[] = [];
  const dkSet = new Set<number>();
  for (const s of series.values()) {
    s.points.sort((a, b) => a.dk - b.dk);
    s.points.forEach((p) => dkSet.add(p.dk));
    const ref = s.points.find((p) => p.dk === s.refDk);
    if (!ref || ref.value !== 0) throw new Error(`SEM thresholds: ${Object.values(s.tags).join(' ')} ${s.sem} is not zero at its reference Δk ${s.refDk} Å⁻¹`);
    const m = mad(s.points.map((p) => p.value));
    const bound = factor * m;
    out.push({ ...s.tags, sem: s.sem, ref_dk: ref.dk, mad: m, factor, bound, threshold_dk: thresholdDk(s.points, ref.dk, bound) });
  }
  return withMeta(from(out), {
    kind: 'sem-thresholds',
    units: { ref_dk: 'Å⁻¹', threshold_dk: 'Å⁻¹', mad: 'unit of the SEM', bound: 'unit of the SEM', factor: '1' },
    notes: { factor, groupBy, dks: [...dkSet].sort((a, b) => a - b) },
  });
}
