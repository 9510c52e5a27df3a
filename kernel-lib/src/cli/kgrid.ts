/** `deltak kgrid`: Δk ↔ Γ-centred mesh ↔ KPPRA for a cell, from the command line. */
import { kpointGrid, dkInterval, type Cell } from '../core/kpoints.js';

export const KGRID_HELP = `usage: deltak kgrid (--cell "a1x a1y a1z, a2x a2y a2z, a3x a3y a3z" | --lattice fcc|bcc|sc|hcp --a A [--c C] [--conventional])
                   (--dk 0.12,0.18,... | --mesh N1xN2xN3) [--natoms N] [--json]

Converts k-point spacings Δk (Å⁻¹, VASP's KSPACING convention: Nᵢ = max(1, ⌈|bᵢ|/Δk⌉),
bᵢ with the 2π) to Γ-centred meshes and k-points per reciprocal atom, or a mesh to the
half-open range of Δk that gives it. Cells in Å; --lattice builds the primitive cell unless
--conventional (cubic lattices). --natoms defaults to the atoms of the built cell.`;

/** Parsed options of `deltak kgrid`. */
export interface KgridArgs {
  cell: Cell;
  natoms: number;
  dks: number[];
  mesh: [number, number, number] | null;
  json: boolean;
}

/** The cell (rows, Å) and atom count of a named lattice with constants a (and c for hcp). */
export function latticeCell(lattice: string, a: number, c: number | null, conventional: boolean): { cell: number[][]; natoms: number } {
  if (!(a > 0)) throw new Error('--a must be a positive lattice constant in Å');
  switch (lattice.toLowerCase()) {
    case 'sc':
      return { cell: [[a, 0, 0], [0, a, 0], [0, 0, a]], natoms: 1 };
    case 'fcc':
      return conventional ? { cell: [[a, 0, 0], [0, a, 0], [0, 0, a]], natoms: 4 } : { cell: [[0, a / 2, a / 2], [a / 2, 0, a / 2], [a / 2, a / 2, 0]], natoms: 1 };
    case 'bcc':
      return conventional ? { cell: [[a, 0, 0], [0, a, 0], [0, 0, a]], natoms: 2 } : { cell: [[-a / 2, a / 2, a / 2], [a / 2, -a / 2, a / 2], [a / 2, a / 2, -a / 2]], natoms: 1 };
    case 'hcp': {
      const cc = c ?? a * Math.sqrt(8 / 3);
      return { cell: [[a, 0, 0], [-a / 2, (a * Math.sqrt(3)) / 2, 0], [0, 0, cc]], natoms: 2 };
    }
    default:
      throw new Error(`--lattice "${lattice}": expected fcc, bcc, sc or hcp`);
  }
}

function value(args: string[], name: string): string | null {
  const i = args.indexOf(name);
  if (i < 0) return null;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`);
  return v;
}

/** Parse `deltak kgrid` arguments; errors say which option is wrong. */
export function parseKgridArgs(args: string[]): KgridArgs {
  const known = new Set(['--cell', '--lattice', '--a', '--c', '--conventional', '--dk', '--mesh', '--natoms', '--json', '--help', '-h']);
  for (const a of args) if (a.startsWith('-') && !known.has(a) && !/^-?\d/.test(a)) throw new Error(`unknown option ${a}`);
  let cell: number[][];
  let natoms: number;
  const cellText = value(args, '--cell');
  const lattice = value(args, '--lattice');
  if (cellText && lattice) throw new Error('give --cell or --lattice, not both');
  if (cellText) {
    const rows = cellText.split(/[;,]/).map((r) => r.trim().split(/\s+/).map(Number));
    if (rows.length !== 3 || rows.some((r) => r.length !== 3 || !r.every(Number.isFinite))) {
      throw new Error(`--cell must be 3 rows of 3 numbers (Å) separated by commas, got "${cellText}"`);
    }
    cell = rows;
    natoms = 1;
  } else if (lattice) {
    const c = value(args, '--c');
    ({ cell, natoms } = latticeCell(lattice, Number(value(args, '--a')), c === null ? null : Number(c), args.includes('--conventional')));
  } else {
    throw new Error('give the cell: --cell "..." or --lattice fcc --a 4.04');
  }
  const n = value(args, '--natoms');
  if (n !== null) {
    natoms = Number(n);
    if (!Number.isInteger(natoms) || natoms < 1) throw new Error(`--natoms must be a positive integer, got ${n}`);
  }
  const dkText = value(args, '--dk');
  const meshText = value(args, '--mesh');
  if (!dkText && !meshText) throw new Error('give --dk (comma-separated Å⁻¹) or --mesh N1xN2xN3');
  const dks = dkText ? dkText.split(',').map((s) => Number(s.trim())) : [];
  if (dks.some((d) => !(d > 0))) throw new Error(`--dk must be positive numbers in Å⁻¹, got "${dkText}"`);
  let mesh: [number, number, number] | null = null;
  if (meshText) {
    const m = meshText.split(/[x×,\s]+/).map(Number);
    if (m.length !== 3 || !m.every((x) => Number.isInteger(x) && x > 0)) throw new Error(`--mesh must look like 10x10x10, got "${meshText}"`);
    mesh = m as [number, number, number];
  }
  return { cell, natoms, dks, mesh, json: args.includes('--json') };
}

/** Run `deltak kgrid`: returns the text (or JSON) to print. */
export function runKgrid(args: string[]): string {
  const a = parseKgridArgs(args);
  const rows: Record<string, unknown>[] = a.dks.map((dk) => {
    const g = kpointGrid(a.cell, dk);
    return { dk, mesh: g.mesh.join('x'), n_kpoints: g.nKpoints, kppra: g.nKpoints * a.natoms };
  });
  let interval: { mesh: string; dk_min: number; dk_max: number } | null = null;
  if (a.mesh) {
    const iv = dkInterval(a.cell, a.mesh);
    interval = { mesh: a.mesh.join('x'), dk_min: iv.min, dk_max: iv.max };
  }
  if (a.json) return JSON.stringify({ natoms: a.natoms, cell: a.cell, grids: rows, interval }, null, 2);
  const out: string[] = [];
  if (rows.length) {
    out.push(`dk (1/Å)  mesh        k-points  KPPRA (natoms = ${a.natoms})`);
    for (const r of rows) out.push(`${String(r.dk).padEnd(9)} ${String(r.mesh).padEnd(11)} ${String(r.n_kpoints).padStart(8)}  ${String(r.kppra).padStart(6)}`);
  }
  if (interval) out.push(`mesh ${interval.mesh} comes from ${interval.dk_min.toFixed(5)} <= dk < ${Number.isFinite(interval.dk_max) ? interval.dk_max.toFixed(5) : '∞'} (1/Å)`);
  return out.join('\n');
}
