/**
 * Γ-centred Monkhorst–Pack grids from a k-point spacing Δk (docs/method.md §2).
 *
 * Convention (VASP's KSPACING): reciprocal vectors carry the 2π, bᵢ = 2π (A⁻¹)ᵀ rows,
 * and Nᵢ = max(1, ⌈|bᵢ| / Δk⌉). Cell rows are lattice vectors in Å, Δk in Å⁻¹.
 */

/** A 3×3 cell: rows are the lattice vectors a₁, a₂, a₃ in Å. */
export type Cell = readonly (readonly number[])[];

/** A k-point mesh N₁ × N₂ × N₃. */
export type Mesh = [number, number, number];

/** Result of {@link kpointGrid}. */
export interface KpointGrid {
  /** Divisions along b₁, b₂, b₃. */
  mesh: Mesh;
  /** Number of k-points of the full (not symmetry-reduced) grid, N₁N₂N₃. */
  nKpoints: number;
}

/** Half-open Δk range [min, max) in Å⁻¹ that yields one mesh (see {@link dkInterval}). */
export interface DkInterval {
  /** Smallest Δk (Å⁻¹, inclusive) that gives the mesh. */
  min: number;
  /** Largest Δk (Å⁻¹, exclusive) that gives the mesh; Infinity when every Nᵢ is 1. */
  max: number;
}

/** Relative slack for ⌈x⌉ so that x = 10 · (1 + 1e-15) from rounding still gives 10. */
const CEIL_SLACK = 1e-9;

function checkCell(cell: Cell): void {
  let ok = Array.isArray(cell) && cell.length === 3;
  for (let i = 0; ok && i < 3; i++) {
    const r = cell[i];
    ok = Array.isArray(r) && r.length === 3;
    for (let j = 0; ok && j < 3; j++) ok = typeof r[j] === 'number' && Number.isFinite(r[j]);
  }
  if (!ok) throw new Error(`cell must be 3 lattice vectors of 3 finite components (Å), got ${JSON.stringify(cell)}`);
}

/** The triple product a₁·(a₂×a₃) of a cell, Å³ (signed). */
function tripleProduct(cell: Cell): number {
  checkCell(cell);
  const [a, b, c] = cell;
  return a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0]) + a[2] * (b[0] * c[1] - b[1] * c[0]);
}

/** Volume of a cell in Å³ (absolute value of the triple product a₁·(a₂×a₃)). */
export function cellVolume(cell: Cell): number {
  return Math.abs(tripleProduct(cell));
}

/** Largest |component| of a cell, Å (the scale of the singularity test). */
function largest(cell: Cell): number {
  let m = 0;
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) m = Math.max(m, Math.abs(cell[i][j]));
  return m;
}

/** The reciprocal factor 2π/det of a cell; a singular cell (zero volume) is an error. */
function reciprocalFactor(cell: Cell): number {
  const det = tripleProduct(cell);
  if (!(Math.abs(det) > 1e-12 * largest(cell) ** 3)) {
    throw new Error(`cell is singular (volume ${det} Å³): ${JSON.stringify(cell)}`);
  }
  return (2 * Math.PI) / det;
}

/**
 * Reciprocal lattice vectors bᵢ (rows, Å⁻¹) with the 2π included: bᵢ · aⱼ = 2π δᵢⱼ,
 * b₁ = 2π (a₂ × a₃)/V and cyclic. A singular cell (zero volume) is an error.
 */
export function reciprocalCell(cell: Cell): number[][] {
  const f = reciprocalFactor(cell);
  const b: number[][] = [];
  for (let i = 0; i < 3; i++) {
    const u = cell[(i + 1) % 3];
    const v = cell[(i + 2) % 3];
    b.push([(u[1] * v[2] - u[2] * v[1]) * f, (u[2] * v[0] - u[0] * v[2]) * f, (u[0] * v[1] - u[1] * v[0]) * f]);
  }
  return b;
}

/** |bᵢ| (Å⁻¹) of the reciprocal vectors, computed without building them. */
function norms(cell: Cell): number[] {
  const f = Math.abs(reciprocalFactor(cell));
  const out: number[] = [0, 0, 0];
  for (let i = 0; i < 3; i++) {
    const u = cell[(i + 1) % 3];
    const v = cell[(i + 2) % 3];
    const x = u[1] * v[2] - u[2] * v[1];
    const y = u[2] * v[0] - u[0] * v[2];
    const z = u[0] * v[1] - u[1] * v[0];
    out[i] = Math.sqrt(x * x + y * y + z * z) * f;
  }
  return out;
}

function checkDk(dk: number): void {
  if (typeof dk !== 'number' || !Number.isFinite(dk) || dk <= 0) {
    throw new Error(`Δk must be a positive number of Å⁻¹, got ${dk}`);
  }
}

/**
 * The Γ-centred grid for spacing `dk` (Å⁻¹) on `cell` (rows in Å): Nᵢ = max(1, ⌈|bᵢ|/Δk⌉).
 * Example: Cu FCC conventional cell a = 3.63 Å, Δk = 0.18 → 10 × 10 × 10.
 */
export function kpointGrid(cell: Cell, dk: number): KpointGrid {
  checkDk(dk);
  const mesh = norms(cell).map((b) => Math.max(1, Math.ceil(b / dk - CEIL_SLACK))) as Mesh;
  return { mesh, nKpoints: mesh[0] * mesh[1] * mesh[2] };
}

/** k-points per reciprocal atom, N₁N₂N₃ · nAtoms, for spacing `dk` (Å⁻¹) on `cell` (Å). */
export function kppra(cell: Cell, dk: number, nAtoms: number): number {
  if (!Number.isInteger(nAtoms) || nAtoms < 1) {
    throw new Error(`nAtoms must be a positive integer, got ${nAtoms}`);
  }
  return kpointGrid(cell, dk).nKpoints * nAtoms;
}

const isCount = (n: unknown): boolean => Number.isInteger(n) && (n as number) >= 1;

/**
 * The half-open range [min, max) of Δk (Å⁻¹) for which {@link kpointGrid} gives `mesh` on `cell`.
 * From Nᵢ − 1 < |bᵢ|/Δk ≤ Nᵢ: |bᵢ|/Nᵢ ≤ Δk < |bᵢ|/(Nᵢ − 1). A mesh that no single Δk
 * produces (e.g. 10 × 10 × 3 on a cubic cell) is an error.
 */
export function dkInterval(cell: Cell, mesh: readonly number[]): DkInterval {
  if (!Array.isArray(mesh) || mesh.length !== 3 || !(isCount(mesh[0]) && isCount(mesh[1]) && isCount(mesh[2]))) {
    throw new Error(`mesh must be 3 positive integers, got ${JSON.stringify(mesh)}`);
  }
  const b = norms(cell);
  let min = 0;
  let max = Infinity;
  for (let i = 0; i < 3; i++) {
    min = Math.max(min, b[i] / mesh[i]);
    if (mesh[i] > 1) max = Math.min(max, b[i] / (mesh[i] - 1));
  }
  if (!(min < max)) {
    throw new Error(
      `no single Δk gives mesh ${mesh.join('×')} on this cell: |b| = ${b.map((x) => x.toFixed(4)).join(', ')} Å⁻¹`,
    );
  }
  return { min, max };
}
