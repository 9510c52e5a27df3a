/**
 * The data the notebooks read, computed here directly with kernel-lib so that tests can compare
 * what a notebook shows with what the library gives: the reference dataset of data/al (its
 * manifest's complete property curves and SEM test set) and the bundled data/al-fcc points.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { escape, fromCSV, type ColumnTable } from 'arquero';
import { readExtxyz } from '../kernel-lib/src/io/extxyz.ts';
import { concatFrames } from '../kernel-lib/src/io/frames.ts';
import { calculationsFromFrames, semFramesFromFrames } from '../kernel-lib/src/core/fromframes.ts';
import { computeProperties } from '../kernel-lib/src/core/properties.ts';
import { sweepRows, type SweepRow } from '../kernel-lib/src/core/sweep.ts';
import type { SemFrame } from '../kernel-lib/src/core/sem.ts';

export const ROOT = process.env.DELTAK_ROOT ?? fileURLToPath(new URL('..', import.meta.url));
/** The reference dataset written by data/pipeline/build.py. */
export const AL = join(ROOT, 'data', 'al');
/** The bundled Al FCC single points. */
export const RAW = join(ROOT, 'data', 'al-fcc', 'raw');

/** The keys of data/al/manifest.json the notebooks read. */
export interface ReferenceManifest {
  properties?: string[];
  sem_frames?: string[];
  dp_test?: { prefix: string; dk: number; dataset: string }[];
  dks?: number[];
  train_dks?: number[];
}

/** data/al/manifest.json, or null when the pipeline has not written it. */
export function referenceManifest(): ReferenceManifest | null {
  const p = join(AL, 'manifest.json');
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as ReferenceManifest) : null;
}

/** Every extxyz file of a folder, in name order, as one frames table. */
export const readFolder = (dir: string): ColumnTable =>
  concatFrames(readdirSync(dir).filter((f) => f.endsWith('.extxyz')).sort().map((f) => readExtxyz(join(dir, f))));

/**
 * The bundled Al FCC sweep as the notebooks compute it: the EOS points on the mesh of the
 * unscaled cell at each Δk (plus the recomputed ones), the bulk and the vacancy cell.
 */
export function bundledSweep(): ColumnTable {
  const eos = readFolder(join(RAW, 'eos'));
  const refMesh = new Map<number, string>();
  for (const r of eos.objects() as { dk: number; kmesh: string; tags: Record<string, unknown> }[]) if (r.tags.volume_scale === 1) refMesh.set(r.dk, r.kmesh);
  const oneMesh = eos.filter(escape((r: { dk: number; kmesh: string }) => r.kmesh === refMesh.get(r.dk)));
  return computeProperties(calculationsFromFrames(concatFrames([oneMesh, readFolder(join(RAW, 'eos_fixedmesh')), readFolder(join(RAW, 'bulk')), readFolder(join(RAW, 'vacancy'))])));
}

/** The bundled points as a SEM set (the workshop uses them whatever data/al holds). */
export function bundledSemSet(): SemFrame[] {
  const sp = concatFrames([readFolder(join(RAW, 'eos')), readFolder(join(RAW, 'bulk')), readFolder(join(RAW, 'vacancy'))]);
  return (sp.objects() as Record<string, any>[]).map((r) => ({
    id: r.tags.kind === 'eos' ? `eos-v${r.tags.volume_scale}` : `${r.tags.kind}-2x2x2`,
    dk: r.dk, species: r.symbols, positions: r.positions, energy: r.energy, forces: r.forces, virial: r.virial,
    metal: r.tags.metal, lattice: r.tags.lattice, structure: r.tags.kind === 'vacancy' ? 'vacancy' : 'pristine',
  }));
}

/** The SEM set the notebooks choose: the reference dataset's when its manifest lists one, else the bundled points. */
export function semSet(): SemFrame[] {
  const m = referenceManifest();
  if (m?.sem_frames?.length) return semFramesFromFrames(concatFrames(m.sem_frames.map((f) => readExtxyz(join(AL, f)))));
  return bundledSemSet();
}

/** The reference dataset's property curves that are complete over every Δk its manifest lists (as 02 selects them). */
export function referenceCompleteCurves(): SweepRow[] {
  const m = referenceManifest();
  if (!m) return [];
  const rows = (m.properties ?? []).filter((f) => existsSync(join(AL, f))).flatMap((f) => sweepRows(fromCSV(readFileSync(join(AL, f), 'utf8'))));
  const want = (method: string): number[] => (method === 'MLP' ? m.train_dks : m.dks) ?? [];
  const key = (r: SweepRow): string => `${r.lattice} ${r.property} ${r.method}`;
  const seen = new Map<string, Set<number>>();
  for (const r of rows) seen.set(key(r), (seen.get(key(r)) ?? new Set<number>()).add(r.dk));
  return rows.filter((r) => want(r.method).length > 1 && want(r.method).every((d) => seen.get(key(r))!.has(d)));
}
