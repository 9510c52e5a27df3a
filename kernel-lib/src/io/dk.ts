/**
 * Δk discovery (docs/method.md §2): from KSPACING, from a folder/file-name pattern with `{dk}`, or from
 * a k-point mesh and the cell via {@link dkInterval} narrowed to one of the sampled Δk values.
 */
import type { ColumnTable } from 'arquero';
import { dkInterval, type DkInterval } from '../core/kpoints.js';
import { searchPattern } from './pattern.js';

/** Options every reader accepts for Δk. */
export interface DkOptions {
  /** Δk (Å⁻¹) of everything read: overrides what the files say. */
  dk?: number;
  /**
   * Pattern with a `{dk}` placeholder searched in the file's path, e.g. "dk{dk}_" or
   * "kspacing-{dk}/"; `*` matches within one path segment.
   */
  dkPattern?: string;
  /** The sampled Δk values (Å⁻¹): a mesh gives an interval, and the one candidate inside it is Δk. */
  dkCandidates?: readonly number[];
  /** When true, a configuration whose Δk cannot be established is an error (default false). */
  requireDk?: boolean;
}

/** How a Δk was established. */
export type DkSource = 'option' | 'KSPACING' | 'pattern' | 'file' | 'mesh';

/** A Δk and where it came from. */
export interface DkFound {
  /** Δk in Å⁻¹. */
  dk: number;
  source: DkSource;
  /** The Δk range that gives the mesh on the cell, when a mesh was available. */
  interval?: DkInterval;
}

/** What a file tells about its k-point sampling. */
export interface DkEvidence {
  /** The file, for messages and for the pattern. */
  path: string;
  /** KSPACING (Å⁻¹) set in the INCAR, if any. */
  kspacing?: number | null;
  /** Δk written in the file itself (e.g. an extxyz `dk=` key), if any. */
  fileDk?: number | null;
  /** The Γ-centred mesh used, if known. */
  mesh?: readonly number[] | null;
  /** The cell rows (Å) for the mesh. */
  cell?: ArrayLike<number> | null;
}

/**
 * The Δk (Å⁻¹) that `pattern` (with `{dk}`; the path-pattern language of {@link compilePattern})
 * finds anywhere in `path`, or null when it does not match. A pattern that starts with a letter
 * or digit matches only where no letter or digit precedes it ("k{dk}" does not match inside
 * "bulk2"); a pattern found twice with different Δk is an error.
 */
export function dkFromPattern(path: string, pattern: string): number | null {
  if (!pattern.includes('{dk}')) throw new Error(`dkPattern ${JSON.stringify(pattern)} has no {dk} placeholder`);
  const found = searchPattern(path, pattern);
  if (!found) return null;
  const a = found.first.dk as number;
  const b = found.last.dk as number;
  if (a !== b) throw new Error(`${path}: dkPattern ${JSON.stringify(pattern)} matches several Δk (${a}, ${b} Å⁻¹); make the pattern specific to one folder or file name`);
  return a;
}

const same = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a));

/**
 * Establish Δk (Å⁻¹) from the evidence and options. Precedence: the `dk` option, KSPACING,
 * a Δk written in the file, the path pattern, then mesh + cell narrowed by `dkCandidates`.
 * Two sources that disagree are an error; so is no Δk at all when `requireDk` is set.
 * Returns null when Δk cannot be established and it is not required.
 */
export function discoverDk(ev: DkEvidence, opt: DkOptions = {}): DkFound | null {
  if (typeof ev !== 'object' || ev === null || typeof ev.path !== 'string') {
    throw new Error(`discoverDk: the evidence must be an object with the path of the file read ({ path, kspacing?, fileDk?, mesh?, cell? }), got ${ev === null ? 'null' : typeof ev}`);
  }
  if (typeof opt !== 'object' || opt === null) throw new Error(`${ev.path}: the Δk options must be an object ({ dk?, dkPattern?, dkCandidates?, requireDk? }), got ${opt === null ? 'null' : typeof opt}`);
  const found: DkFound[] = [];
  if (opt.dk !== undefined) {
    if (!(opt.dk > 0) || !Number.isFinite(opt.dk)) throw new Error(`dk option must be a positive number of Å⁻¹, got ${opt.dk}`);
    return { dk: opt.dk, source: 'option' };
  }
  // a Δk the file states is used or refused, never passed over: 0, negative, Infinity or NaN is an error
  for (const [value, what] of [[ev.kspacing, 'KSPACING'], [ev.fileDk, 'the Δk written in the file']] as const) {
    if (value != null && !(typeof value === 'number' && value > 0 && Number.isFinite(value))) {
      throw new Error(`${ev.path}: ${what} is ${String(value)}, expected a positive finite number of Å⁻¹`);
    }
  }
  if (ev.kspacing != null) found.push({ dk: ev.kspacing, source: 'KSPACING' });
  if (ev.fileDk != null) found.push({ dk: ev.fileDk, source: 'file' });
  if (opt.dkPattern) {
    const p = dkFromPattern(ev.path, opt.dkPattern);
    if (p !== null) found.push({ dk: p, source: 'pattern' });
  }
  let interval: DkInterval | undefined;
  if (ev.mesh && ev.cell) {
    const c = ev.cell;
    try {
      interval = dkInterval([[c[0], c[1], c[2]], [c[3], c[4], c[5]], [c[6], c[7], c[8]]], ev.mesh);
    } catch {
      interval = undefined;
    }
  }
  for (let i = 1; i < found.length; i++) {
    const f = found[i];
    if (!same(f.dk, found[0].dk)) {
      throw new Error(`${ev.path}: Δk from ${found[0].source} (${found[0].dk} Å⁻¹) and from ${f.source} (${f.dk} Å⁻¹) disagree`);
    }
  }
  const ks = found.find((f) => f.source === 'KSPACING');
  if (ks && interval && !(ks.dk >= interval.min * (1 - 1e-6) && ks.dk < interval.max * (1 + 1e-6))) {
    // VASP ignores KSPACING when a KPOINTS file is given: then KSPACING does not describe the sampling
    throw new Error(
      `${ev.path}: KSPACING = ${ks.dk} Å⁻¹ does not give the k-point mesh ${ev.mesh!.join('×')} used ` +
        `(that mesh means ${interval.min.toFixed(4)} ≤ Δk < ${interval.max.toFixed(4)} Å⁻¹): the k-points came from a KPOINTS file, which VASP prefers to KSPACING`,
    );
  }
  if (found.length > 0) return interval ? { dk: found[0].dk, source: found[0].source, interval } : found[0];
  if (interval && opt.dkCandidates && opt.dkCandidates.length > 0) {
    const inside = opt.dkCandidates.filter((d) => d >= interval!.min * (1 - 1e-9) && d < interval!.max);
    if (inside.length === 1) return { dk: inside[0], source: 'mesh', interval };
    if (opt.requireDk) {
      throw new Error(
        `${ev.path}: Δk cannot be established: mesh ${ev.mesh!.join('×')} on this cell means ${interval.min.toFixed(4)} ≤ Δk < ${interval.max.toFixed(4)} Å⁻¹, ` +
          `which holds ${inside.length === 0 ? 'none' : inside.join(', ')} of the candidates ${opt.dkCandidates.join(', ')}`,
      );
    }
    return null;
  }
  if (opt.requireDk) {
    const why = interval
      ? `mesh ${ev.mesh!.join('×')} only bounds it to ${interval.min.toFixed(4)} ≤ Δk < ${interval.max.toFixed(4)} Å⁻¹ (pass dkCandidates)`
      : 'no KSPACING, no Δk in the file, no k-point mesh with a cell' + (opt.dkPattern ? `, and dkPattern ${JSON.stringify(opt.dkPattern)} does not match the path` : ' and no dkPattern');
    throw new Error(`${ev.path}: Δk cannot be established: ${why}`);
  }
  return null;
}

/**
 * Check that every row of a frames table has a Δk; the error lists the sources without one.
 * Returns the distinct Δk values (Å⁻¹), ascending.
 */
export function requireDk(frames: ColumnTable): number[] {
  const dk = frames.array('dk') as ArrayLike<number | null>;
  const src = frames.array('source') as ArrayLike<string>;
  const missing = new Set<string>();
  const values = new Set<number>();
  for (let i = 0; i < dk.length; i++) {
    const d = dk[i];
    if (d === null || d === undefined || !Number.isFinite(d)) missing.add(src[i]);
    else values.add(d);
  }
  if (missing.size > 0) {
    const list = [...missing];
    throw new Error(
      `Δk cannot be established for ${list.length} source(s): ${list.slice(0, 5).join(', ')}${list.length > 5 ? ', …' : ''}; ` +
        'give KSPACING in the INCAR, a dkPattern such as "dk{dk}" on the folder names, dkCandidates with a k-point mesh, or the dk option',
    );
  }
  return [...values].sort((a, b) => a - b);
}
