/**
 * What the VASP readers (OUTCAR and vasprun.xml) share: the settings of a run that matter for Δk,
 * and the frames table of a run's ionic steps with the Δk of each.
 */
import type { ColumnTable } from 'arquero';
import type { FrameStore } from '../frames.js';
import { discoverDk, type DkOptions } from '../dk.js';

/** Calculation settings read from a VASP output. */
export interface VaspSettings {
  /** VASP version string from the first line. */
  version: string | null;
  /** KSPACING (Å⁻¹) when set in the INCAR (as VASP echoes it, or from an INCAR beside the OUTCAR), else null. */
  kspacing: number | null;
  /** The INCAR file KSPACING was read from, when not from the output itself. */
  kspacingFrom?: string;
  ismear: number | null;
  /** Smearing width, eV. */
  sigma: number | null;
  /** Plane-wave cutoff, eV. */
  encut: number | null;
  /** PSTRESS, kBar (the "in kB" stress includes it, as VASP prints it). */
  pstress: number | null;
  nelm: number | null;
  nwrite: number | null;
  ibrion: number | null;
  isif: number | null;
  /** The k-point mesh N₁×N₂×N₃, or null. */
  kmesh: [number, number, number] | null;
  /** Where the mesh comes from: "printed", "KPOINTS", "inferred from the irreducible k-points", … */
  kmeshSource: string | null;
  /** Number of irreducible k-points. */
  nkpts: number | null;
  /** Element of each POTCAR, in order. */
  species: string[];
  /** Ions per POTCAR. */
  ionsPerType: number[];
}

/**
 * The frames table of a VASP run (OUTCAR or vasprun.xml): Δk of every step from KSPACING or
 * mesh + cell, the run's settings (ISMEAR, SIGMA, ENCUT, KSPACING, PSTRESS in kBar) as shared
 * tags, and `notes` with the reader's bookkeeping in the metadata.
 */
export function buildVaspFrames(out: FrameStore, path: string, st: VaspSettings, options: DkOptions, notes: Record<string, unknown>): ColumnTable {
  const n = out.length;
  const dk = new Float64Array(n);
  const dkSources = new Set<string>();
  // VASP makes the k-point mesh once, from the first cell, and keeps it through a relaxation or
  // MD run: KSPACING (or a Δk given another way) is checked against that cell and holds for
  // every step. Only a Δk read off the mesh itself (mesh + cell narrowed by dkCandidates)
  // depends on the cell, step by step.
  let found = n > 0 ? discoverDk({ path, kspacing: st.kspacing, mesh: st.kmesh, cell: out.cellAt(0) }, options) : null;
  if (found) dkSources.add(found.source);
  const perCell = st.kmesh !== null && (options.dkCandidates?.length ?? 0) > 0;
  if (found === null && !perCell) {
    dk.fill(NaN);
  } else if (found === null || found.source === 'mesh') {
    let prev: Float64Array | null = null;
    for (let i = 0; i < n; i++) {
      const cell = out.cellAt(i);
      // a step with the cell of the step before (MD, fixed-cell relaxation) has its Δk
      let changed = prev === null;
      for (let k = 0; k < 9 && !changed; k++) changed = cell[k] !== prev![k];
      if (changed && i > 0) {
        found = discoverDk({ path, kspacing: st.kspacing, mesh: st.kmesh, cell }, options);
        if (found) dkSources.add(found.source);
      }
      dk[i] = found?.dk ?? NaN;
      prev = cell;
    }
  } else {
    dk.fill(found.dk);
  }
  const shared: Record<string, unknown> = { ismear: st.ismear, sigma: st.sigma, encut: st.encut, kspacing: st.kspacing };
  if (st.pstress) shared.pstress_kbar = st.pstress;
  if (dkSources.size > 0) shared.dk_source = [...dkSources].join(', ');
  return out.build(path, { dk, kmesh: st.kmesh, nkpts: st.nkpts, shared }, { notes: { ...notes, file: path, settings: st } });
}
