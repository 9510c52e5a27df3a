/**
 * Crystal symmetry with moyo (@spglib/moyo-wasm, the spglib authors' maintained successor),
 * loaded from its WebAssembly file in Node (the file read with node:fs: not part of the
 * browser-safe core, which takes the rotations this finds).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { initSync, analyze_cell } from '@spglib/moyo-wasm';
import { irreducibleKpoints, type Rotation } from '../core/irreducible.js';
import { inverse } from '../core/linalg.js';

let ready = false;

function init(): void {
  if (ready) return;
  const require = createRequire(import.meta.url);
  initSync({ module: readFileSync(require.resolve('@spglib/moyo-wasm/moyo_wasm_bg.wasm')) });
  ready = true;
}

/** A crystal: cell rows (Å), Cartesian positions (Å, 3N), atomic numbers or symbols. */
export interface Crystal {
  cell: readonly (readonly number[])[];
  positions: ArrayLike<number>;
  numbers: readonly (number | string)[];
}

/** Space group number and the rotations (fractional, row-major) of a crystal, by moyo. */
export function crystalSymmetry(crystal: Crystal, symprec = 1e-4): { number: number; symbol: string; rotations: Rotation[] } {
  init();
  const A = crystal.cell;
  const Ainv = inverse(A, 'cell');
  const n = crystal.numbers.length;
  if (crystal.positions.length !== 3 * n) throw new Error(`symmetry: ${n} atoms but ${crystal.positions.length / 3} positions`);
  const ids = new Map<string, number>();
  const numbers = crystal.numbers.map((z) => (typeof z === 'number' ? z : (ids.get(z) ?? ids.set(z, ids.size + 1).get(z)!)));
  const positions = Array.from({ length: n }, (_, i) => {
    const r = [crystal.positions[3 * i], crystal.positions[3 * i + 1], crystal.positions[3 * i + 2]];
    // fractional f = r A⁻¹ (rows of A are the lattice vectors)
    return [0, 1, 2].map((j) => r[0] * Ainv[0][j] + r[1] * Ainv[1][j] + r[2] * Ainv[2][j]) as [number, number, number];
  });
  const cell = { lattice: { basis: A.flat() }, positions, numbers };
  const d = analyze_cell(JSON.stringify(cell), symprec, 'Standard');
  // moyo serialises each rotation column by column: transpose to row-major W (x' = W x)
  const rowMajor = (r: readonly number[]): number[] => [r[0], r[3], r[6], r[1], r[4], r[7], r[2], r[5], r[8]];
  return { number: d.number, symbol: d.hm_symbol, rotations: d.operations.map((o) => rowMajor(o.rotation)) };
}

/**
 * A counter of irreducible k-points for `crystal` (for recommendDk's cost): mesh → count under
 * the crystal's rotations (found once by moyo) and time reversal.
 */
export function irreducibleCounter(crystal: Crystal, symprec = 1e-4): (mesh: [number, number, number]) => number {
  const { rotations } = crystalSymmetry(crystal, symprec);
  return (mesh) => irreducibleKpoints(mesh, rotations);
}
