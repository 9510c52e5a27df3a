/**
 * Irreducible k-points of a Γ-centred mesh under a crystal's point-group rotations and time
 * reversal (k ≡ −k), the count that sets the cost of a DFT single point (docs/method.md §2).
 */
import type { Mesh } from './kpoints.js';

/** A rotation in fractional (direct-lattice) coordinates, row-major 3 × 3 integers. */
export type Rotation = readonly number[];

/**
 * The rotations among `rotations` that map the mesh onto itself (a mesh with N₁ ≠ N₂ breaks
 * a rotation that swaps a₁ and a₂).
 */
export function meshRotations(mesh: Mesh, rotations: readonly Rotation[]): Rotation[] {
  return rotations.filter((W) => {
    // k' = Wᵀ k in reciprocal fractional coordinates: the unit steps 1/Nⱼ must land on the mesh
    for (let j = 0; j < 3; j++) {
      for (let i = 0; i < 3; i++) {
        const x = (W[3 * j + i] * mesh[i]) / mesh[j];
        if (Math.abs(x - Math.round(x)) > 1e-9) return false;
      }
    }
    return true;
  });
}

/**
 * Number of irreducible k-points of the Γ-centred `mesh` under `rotations` (fractional,
 * direct lattice; the identity may be omitted) and time reversal. Rotations that do not map
 * the mesh onto itself are left out.
 */
export function irreducibleKpoints(mesh: Mesh, rotations: readonly Rotation[], options: { timeReversal?: boolean } = {}): number {
  const [N1, N2, N3] = mesh;
  const total = N1 * N2 * N3;
  const ops = meshRotations(mesh, rotations);
  const mod = (a: number, n: number): number => ((a % n) + n) % n;
  const index = (a: number, b: number, c: number): number => (mod(a, N1) * N2 + mod(b, N2)) * N3 + mod(c, N3);
  const seen = new Uint8Array(total);
  const tr = options.timeReversal ?? true;
  let count = 0;
  for (let a = 0; a < N1; a++) for (let b = 0; b < N2; b++) for (let c = 0; c < N3; c++) {
    const k0 = index(a, b, c);
    if (seen[k0]) continue;
    count++;
    seen[k0] = 1;
    const n = [a, b, c];
    for (const W of ops) {
      // m'ᵢ = Σⱼ Wⱼᵢ nⱼ Nᵢ / Nⱼ (integers for a mesh-preserving rotation)
      const m = [0, 1, 2].map((i) => Math.round(W[i] * n[0] * mesh[i] / N1 + W[3 + i] * n[1] * mesh[i] / N2 + W[6 + i] * n[2] * mesh[i] / N3));
      seen[index(m[0], m[1], m[2])] = 1;
      if (tr) seen[index(-m[0], -m[1], -m[2])] = 1;
    }
    if (tr) seen[index(-a, -b, -c)] = 1;
  }
  return count;
}
