/** A folder tree of VASP runs: every vasprun.xml (or, where there is none, OUTCAR) under a folder. */
import type { ColumnTable } from 'arquero';
import { ReadError } from '../errors.js';
import { readFolder, folderReport, type ReadFolderOptions } from '../folder.js';

/** Options of {@link readVaspRuns}: those of readFolder for its VASP formats. */
export type ReadVaspRunsOptions = Omit<ReadFolderOptions, 'formats'>;

/**
 * Read every VASP run under `dir` (a folder holding vasprun.xml or OUTCAR, at any depth) into
 * one frames table (Å, eV, eV/Å, virial eV): {@link readFolder} restricted to VASP output, so
 * the same tags, patterns and Δk checks apply; a tree without any run is an error.
 */
export function readVaspRuns(dir: string, options: ReadVaspRunsOptions = {}): ColumnTable {
  const t = readFolder(dir, { ...options, formats: ['vasprun', 'outcar'] });
  if (t.numRows() === 0 && !folderReport(t)?.read.length) throw new ReadError(dir, {}, 'no vasprun.xml or OUTCAR in this folder tree');
  return t;
}
