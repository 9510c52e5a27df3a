/**
 * The records the analyses take from any reader: a calculation of a property procedure (for
 * computeProperties) and a single point of a test set (for semTable). Defined here, below both
 * the analyses and the adapter that makes them from a frames table (fromframes.ts).
 */
import type { Voigt } from './elastic.js';

/** What a calculation is for, in the order the frames' `kind` tag is explained in errors. */
export const CALCULATION_KINDS = ['eos', 'elastic', 'vacancy', 'oh', 'td', 'bulk', 'atom'] as const;

/** What a calculation is for. */
export type CalculationKind = (typeof CALCULATION_KINDS)[number];

/** One single point (or relaxed end point), tagged for computeProperties (properties.ts). */
export interface Calculation {
  metal: string;
  lattice: string;
  /** "DFT" or "MLP". */
  method: string;
  /** k-point spacing Δk, Å⁻¹ (for MLP: the Δk of its training data). */
  dk: number;
  kind: CalculationKind;
  natoms: number;
  /** Cell volume, Å³ (whole cell). */
  volume: number;
  /** Total energy of the cell, eV (free energy). */
  energy: number;
  /** Elastic only: Voigt strain (engineering shear) applied to the relaxed cell. */
  strain?: Voigt;
  /** Elastic only: Voigt stress in GPa, tension positive. */
  stress?: Voigt;
  id?: string;
}

/** One single point of the test set: a configuration `id` at spacing `dk`. */
export interface SemFrame {
  /** Identity of the configuration, the same at every Δk. */
  id: string;
  /** Δk, Å⁻¹. */
  dk: number;
  /** Chemical symbol of each atom, in order. */
  species: readonly string[];
  /** Cartesian positions, Å, 3N numbers (x₁ y₁ z₁ x₂ …). */
  positions: ArrayLike<number>;
  /** Total energy, eV. */
  energy: number;
  /** Forces, eV/Å, 3N numbers. */
  forces: ArrayLike<number>;
  /** Virial, eV, 9 numbers (row-major 3 × 3), or null when not computed. */
  virial?: ArrayLike<number> | null;
  /** Group tags, e.g. metal, lattice, structure (pristine | vacancy | oh | td). */
  [tag: string]: unknown;
}

