/** Unit conversions used across deltak (CODATA 2014, as in ASE and pymatgen). */

/** 1 eV/Å³ in GPa. */
export const EV_PER_A3_TO_GPA = 160.21766208;
/** 1 kBar in GPa. */
export const KBAR_TO_GPA = 0.1;
