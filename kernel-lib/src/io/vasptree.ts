/** A folder tree of VASP runs: every vasprun.xml (or, where there is none, OUTCAR) under a folder. */
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ColumnTable } from 'arquero';
import { withMeta, tableMeta } from '../core/meta.js';
import { ReadError } from './errors.js';
import { concatFrames } from './frames.js';
import { readOutcar, type ReadOutcarOptions } from './outcar.js';
import { readVasprun, type ReadVasprunOptions } from './vasprun.js';

/** Options of {@link readVaspRuns}. */
export interface ReadVaspRunsOptions extends ReadOutcarOptions, ReadVasprunOptions {
  /** Which output to read in a folder that has both (default "vasprun"). */
  prefer?: 'vasprun' | 'outcar';
  /** Keep only the last ionic step of each run (relaxations: the relaxed structure). Default false. */
  lastStepOnly?: boolean;
}

/**
 * Read every VASP run under `dir` (a folder holding vasprun.xml or OUTCAR, at any depth) into
 * one frames table (Å, eV, eV/Å, virial eV). Δk per run from KSPACING, the `dkPattern` on the
 * folder names (e.g. "dk{dk}/"), or the mesh with `dkCandidates`; `requireDk` makes a run
 * without an established Δk an error naming it.
 */
export function readVaspRuns(dir: string, options: ReadVaspRunsOptions = {}): ColumnTable {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ReadError(dir, {}, 'not a folder');
  const files: string[] = [];
  const seen = new Set<string>(); // real paths of the folders read: a run linked twice is read once
  const walk = (d: string, depth: number): void => {
    const real = realpathSync(d);
    if (seen.has(real)) return;
    seen.add(real);
    const names = readdirSync(d).sort();
    const xml = names.includes('vasprun.xml') ? join(d, 'vasprun.xml') : null;
    const out = names.includes('OUTCAR') ? join(d, 'OUTCAR') : null;
    const pick = options.prefer === 'outcar' ? out ?? xml : xml ?? out;
    if (pick) files.push(pick);
    else {
      // compressed outputs are not read: say so rather than pass the folder by
      const packed = names.filter((n) => /^(vasprun\.xml|OUTCAR)\.(gz|bz2|xz|zst)$/.test(n));
      if (packed.length) throw new ReadError(join(d, packed[0]), {}, 'compressed VASP output is not read: decompress it first (e.g. gunzip)');
    }
    for (const n of names) {
      const p = join(d, n);
      if (n.startsWith('.') || !statSync(p).isDirectory()) continue;
      if (depth >= 32) throw new ReadError(p, {}, `more than 32 folder levels below ${dir}: not searched further (give a deeper folder)`);
      walk(p, depth + 1);
    }
  };
  walk(dir, 0);
  if (files.length === 0) throw new ReadError(dir, {}, 'no vasprun.xml or OUTCAR in this folder tree');
  return concatFrames(
    files.map((f) => {
      const t = f.endsWith('.xml') ? readVasprun(f, options) : readOutcar(f, options);
      return options.lastStepOnly ? withMeta(t.slice(t.numRows() - 1), tableMeta(t)!) : t;
    }),
  );
}
