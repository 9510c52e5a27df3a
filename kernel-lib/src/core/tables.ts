/** The paper's Table S1: Δk ↔ Γ-centred mesh ↔ k-points per reciprocal atom, for given cells. */
import { from, type ColumnTable } from 'arquero';
import { withMeta } from './meta.js';
import { kpointGrid, type Cell } from './kpoints.js';

/** A named cell for {@link kpointTable}: rows in Å and its number of atoms. */
export interface NamedCell {
  name: string;
  cell: Cell;
  natoms: number;
}

/** One row per (cell, Δk): mesh "N1×N2×N3", n_kpoints (full grid) and KPPRA. */
export function kpointTable(cells: readonly NamedCell[], dks: readonly number[]): ColumnTable {
  const rows = cells.flatMap((c) =>
    dks.map((dk) => {
      const g = kpointGrid(c.cell, dk);
      return { cell: c.name, natoms: c.natoms, dk, mesh: g.mesh.join('×'), n_kpoints: g.nKpoints, kppra: g.nKpoints * c.natoms };
    }),
  );
  return withMeta(from(rows), { kind: 'kpoint-table', units: { dk: 'Å⁻¹', n_kpoints: 'k-points (full Γ-centred grid)', kppra: 'k-points × atoms' } });
}
