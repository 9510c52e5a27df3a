/**
 * Unit conversions used across deltak (CODATA 2014, as in ASE and pymatgen; docs/method.md §3, stress sign and units).
 * The one definition: readers, analyses and tests import these.
 */

/** 1 eV/Å³ in GPa. */
export const EV_PER_A3_IN_GPA = 160.21766208;
/** 1 kBar in GPa. */
export const KBAR_IN_GPA = 0.1;
/** 1 kBar in eV/Å³ (VASP prints stresses in kBar). */
export const KBAR_IN_EV_PER_A3 = KBAR_IN_GPA / EV_PER_A3_IN_GPA;
