/**
 * Point-defect formation energies (docs/method.md §3), from supercells at the same Δk as their bulk:
 * vacancy E_f = E(N−1) − (N−1)/N · E_bulk(N); interstitial E_f = E(N+1) − (N+1)/N · E_bulk(N).
 */

/** A total energy (eV) of a cell with `natoms` atoms, optionally at spacing `dk` (Å⁻¹). */
export interface CellEnergy {
  energy: number;
  natoms: number;
  dk?: number;
}

function check(defect: CellEnergy, bulk: CellEnergy, delta: number, what: string): void {
  for (const [name, c] of [['defect', defect], ['bulk', bulk]] as const) {
    if (!Number.isFinite(c.energy)) throw new Error(`${what}: ${name} energy is ${c.energy}, expected a finite number of eV`);
    if (!Number.isInteger(c.natoms) || c.natoms < 1) throw new Error(`${what}: ${name} natoms is ${c.natoms}`);
  }
  if (defect.natoms !== bulk.natoms + delta) {
    throw new Error(
      `${what}: the defect cell has ${defect.natoms} atoms, expected ${bulk.natoms + delta} for a bulk cell of ${bulk.natoms} (same supercell)`,
    );
  }
  if (defect.dk !== undefined && bulk.dk !== undefined && defect.dk !== bulk.dk) {
    throw new Error(`${what}: defect at Δk = ${defect.dk} Å⁻¹ but bulk at Δk = ${bulk.dk} Å⁻¹; they must match`);
  }
}

/** Vacancy formation energy (eV): E(N−1) − (N−1)/N · E_bulk(N). */
export function vacancyFormationEnergy(defect: CellEnergy, bulk: CellEnergy): number {
  check(defect, bulk, -1, 'vacancy formation energy');
  return defect.energy - ((bulk.natoms - 1) / bulk.natoms) * bulk.energy;
}

/** Self-interstitial formation energy (eV): E(N+1) − (N+1)/N · E_bulk(N). */
export function interstitialFormationEnergy(defect: CellEnergy, bulk: CellEnergy): number {
  check(defect, bulk, +1, 'interstitial formation energy');
  return defect.energy - ((bulk.natoms + 1) / bulk.natoms) * bulk.energy;
}
