/**
 * The data the notebooks read, loaded here with kernel-lib's own calls so that tests can compare
 * what a notebook shows with what the library gives: the bundled data/al-fcc and the reference
 * dataset data/al as their manifests describe them (openDataset), and the sweeps the notebooks
 * compute from raw single points (readFolder → computeProperties).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { escape, type ColumnTable } from 'arquero';
import { readFolder } from '../kernel-lib/src/io/folder.ts';
import { concatFrames } from '../kernel-lib/src/io/frames.ts';
import { readTable } from '../kernel-lib/src/io/table.ts';
import { openDataset, type Dataset } from '../kernel-lib/src/io/dataset.ts';
import { validateManifest, type Manifest } from '../kernel-lib/src/io/manifest.ts';
import { computeProperties } from '../kernel-lib/src/core/properties.ts';
import { completeCurves, sweepRows, type SweepRow } from '../kernel-lib/src/core/sweep.ts';

export const ROOT = process.env.DELTAK_ROOT ?? fileURLToPath(new URL('..', import.meta.url));
/** The reference dataset written by data/pipeline/build.py. */
export const AL = join(ROOT, 'data', 'al');
/** The bundled Al FCC dataset. */
export const AL_FCC = join(ROOT, 'data', 'al-fcc');
/** The bundled Al FCC single points. */
export const RAW = join(AL_FCC, 'raw');

function manifestOf(dir: string): Manifest | null {
  const p = join(dir, 'manifest.json');
  return existsSync(p) ? validateManifest(JSON.parse(readFileSync(p, 'utf8')), p) : null;
}

/** data/al/manifest.json (validated), or null when the pipeline has not written it. */
export function referenceManifest(): Manifest | null {
  return manifestOf(AL);
}

let reference: Dataset | undefined;
let bundled: Dataset | undefined;

/** The reference dataset opened from its manifest, as the notebooks open it (`openDataset(example("al"))`). */
export function referenceDataset(): Dataset {
  reference ??= openDataset(AL);
  return reference;
}

/** The bundled dataset opened from its manifest, as the notebooks open it (`openDataset(example("al-fcc"))`). */
export function bundledDataset(): Dataset {
  bundled ??= openDataset(AL_FCC);
  return bundled;
}

/**
 * The bundled Al FCC sweep as 01-quickstart and the workshop compute it: the EOS points on the
 * mesh of the unscaled cell at each Δk (plus the recomputed ones), the bulk and the vacancy cell.
 */
export function bundledSweep(): ColumnTable {
  const eos = readFolder(join(RAW, 'eos'));
  const refMesh = new Map<number, string>();
  for (const r of eos.objects() as { dk: number; kmesh: string; tags: Record<string, unknown> }[]) if (r.tags.volume_scale === 1) refMesh.set(r.dk, r.kmesh);
  const oneMesh = eos.filter(escape((r: { dk: number; kmesh: string }) => r.kmesh === refMesh.get(r.dk)));
  return computeProperties(concatFrames([oneMesh, readFolder(join(RAW, 'eos_fixedmesh')), readFolder(join(RAW, 'bulk')), readFolder(join(RAW, 'vacancy'))]));
}

/** The Al FCC DFT sweep of the reference dataset's cache (data/al/dft/fcc/{eos,elastic,defects}), as 01-quickstart and 05-your-own-data read it. */
export function referenceCacheSweep(): ColumnTable {
  return computeProperties(concatFrames(['eos', 'elastic', 'defects'].map((stage) => readFolder(join(AL, 'dft', 'fcc', stage)))));
}

/** The bundled single points as a test set, tagged as data/al-fcc/manifest.json says (the workshop uses them whatever data/al holds). */
export function bundledSemSet(): ColumnTable {
  const frames = bundledDataset().semFrames;
  if (!frames) throw new Error(`${AL_FCC}/manifest.json lists no test set`);
  return frames;
}

/** The SEM test set the notebooks choose: the reference dataset's when its manifest lists one, else the bundled single points. */
export function semSet(): ColumnTable {
  const m = referenceManifest();
  return m?.sem_frames?.length ? referenceDataset().semFrames! : bundledSemSet();
}

/** The reference dataset's property curves that are complete over every Δk its manifest lists (for its method: dks for DFT, train_dks for MLP). */
export function referenceCompleteCurves(): SweepRow[] {
  const m = referenceManifest();
  if (!m) return [];
  const rows = (m.properties ?? []).flatMap((f) => sweepRows(readTable(join(AL, f))));
  return completeCurves(rows, { ...(m.dks ? { DFT: m.dks } : {}), ...(m.train_dks ? { MLP: m.train_dks } : {}) }).rows;
}

/**
 * Al FCC's own models (one per lattice and Δk) where data/al's manifest offers them beside the
 * metal-wide ones ({ models: "lattice" } for openDataset), else the manifest's only models ({}).
 * The hand values in the tests are theirs: their FCC rows are the models trained on FCC alone.
 */
export function ownModelsOption(): { models?: string } {
  return referenceManifest()?.models?.alternatives?.lattice ? { models: 'lattice' } : {};
}

let own: Dataset | undefined;
/** The reference dataset with Al FCC's own models ({@link ownModelsOption}). */
export function ownModelsDataset(): Dataset {
  own ??= openDataset(AL, ownModelsOption());
  return own;
}
