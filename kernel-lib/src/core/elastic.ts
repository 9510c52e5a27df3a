/**
 * Elastic constants from stress–strain (docs/method.md §3) and the Voigt–Reuss–Hill moduli.
 *
 * Conventions: Voigt order 1..6 = xx, yy, zz, yz, xz, xy. Strains are engineering strains
 * (ε₄ = 2ε_yz, …), stresses σ in GPa with tension positive (σ = C ε). VASP prints −σ in kBar:
 * convert with σ = −0.1 · (kB line) before calling these functions.
 */
import { inverse, isPositiveDefinite, lstsq, type Matrix } from './linalg.js';

/** A Voigt 6-vector. */
export type Voigt = readonly number[];

/** The lattice families whose independent constants deltak reports. */
export type ElasticSymmetry = 'cubic' | 'hexagonal' | 'triclinic';

/** Independent elastic constants by name (GPa), e.g. { C11, C12, C44 } for cubic. */
export type IndependentConstants = Record<string, number>;

/** Result of {@link elasticConstants} and {@link elasticSweep}. */
export interface ElasticResult {
  /** Symmetrised 6 × 6 stiffness matrix, GPa. */
  C: Matrix;
  symmetry: ElasticSymmetry;
  /** The independent constants of `symmetry`, GPa (symmetry-averaged from C). */
  constants: IndependentConstants;
}

/** The symmetry family of a lattice name: fcc/bcc/sc/cubic → cubic, hcp/hexagonal → hexagonal. */
export function latticeSymmetry(lattice: string): ElasticSymmetry {
  const l = lattice.toLowerCase();
  if (['fcc', 'bcc', 'sc', 'cubic', 'diamond'].includes(l)) return 'cubic';
  if (['hcp', 'hex', 'hexagonal'].includes(l)) return 'hexagonal';
  if (['triclinic', 'none'].includes(l)) return 'triclinic';
  throw new Error(`unknown lattice "${lattice}": expected fcc, bcc, sc, cubic, hcp, hexagonal or triclinic`);
}

function checkVoigt(v: Voigt, what: string): void {
  if (!Array.isArray(v) || v.length !== 6 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new Error(`${what}: expected a Voigt 6-vector of finite numbers, got ${JSON.stringify(v)}`);
  }
}

/** (C + Cᵀ)/2. */
export function symmetrize(C: readonly (readonly number[])[]): Matrix {
  return C.map((r, i) => r.map((x, j) => (x + C[j][i]) / 2));
}

const avg = (...xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;

/** The independent constants (GPa) of `symmetry` from a symmetric C, averaged over equivalent entries. */
export function independentConstants(C: readonly (readonly number[])[], symmetry: ElasticSymmetry): IndependentConstants {
  const c = (i: number, j: number): number => C[i - 1][j - 1];
  if (symmetry === 'cubic') {
    return { C11: avg(c(1, 1), c(2, 2), c(3, 3)), C12: avg(c(1, 2), c(1, 3), c(2, 3)), C44: avg(c(4, 4), c(5, 5), c(6, 6)) };
  }
  if (symmetry === 'hexagonal') {
    return {
      C11: avg(c(1, 1), c(2, 2)), C12: c(1, 2), C13: avg(c(1, 3), c(2, 3)), C33: c(3, 3),
      C44: avg(c(4, 4), c(5, 5)), C66: c(6, 6),
    };
  }
  const out: IndependentConstants = {};
  for (let i = 1; i <= 6; i++) for (let j = i; j <= 6; j++) out[`C${i}${j}`] = c(i, j);
  return out;
}

/**
 * Cᵢⱼ (GPa) by least squares through σᵢ = Σⱼ Cᵢⱼ εⱼ over all given strains (Voigt, engineering
 * shear) and stresses (GPa, tension positive), symmetrised. The strains must span all six
 * directions. `lattice` (fcc, bcc, hcp, …) picks the independent constants reported.
 */
export function elasticConstants(strains: readonly Voigt[], stresses: readonly Voigt[], options: { lattice: string }): ElasticResult {
  if (strains.length !== stresses.length) throw new Error(`elastic: ${strains.length} strains but ${stresses.length} stresses`);
  strains.forEach((e, k) => checkVoigt(e, `elastic: strain ${k}`));
  stresses.forEach((s, k) => checkVoigt(s, `elastic: stress ${k}`));
  const rows = Array.from({ length: 6 }, (_, i) => lstsq(strains, stresses.map((s) => s[i]), 'elastic constants fit (strains must span all 6 Voigt directions)'));
  const symmetry = latticeSymmetry(options.lattice);
  const C = symmetrize(rows);
  return { C, symmetry, constants: independentConstants(C, symmetry) };
}

/** One strained calculation: Voigt strain (engineering shear) and stress (GPa, tension positive). */
export interface Deformation {
  strain: Voigt;
  stress: Voigt;
}

/** Result of {@link elasticSweep}: the averaged constants and the magnitudes they came from. */
export interface ElasticSweepResult extends ElasticResult {
  /** Normal strain magnitudes averaged over (e.g. 0.01, 0.02, 0.03). */
  normalMagnitudes: number[];
  /** Shear strain magnitudes averaged over (e.g. 0.03, 0.05, 0.07). */
  shearMagnitudes: number[];
}

const TOL = 1e-12;

/**
 * The independent constants of `symmetry` estimated from the fitted columns `cols` of C
 * (`fit[i][j]` valid for j in `cols`), using C's symmetry (Cᵢⱼ = Cⱼᵢ) and the lattice's:
 * every available estimate of an independent constant is averaged. A constant with no
 * estimate is an error naming the strain that would determine it.
 */
export function constantsFromColumns(fit: readonly (readonly number[])[], cols: ReadonlySet<number>, symmetry: ElasticSymmetry): IndependentConstants {
  const est = (i: number, j: number): number[] => {
    const out: number[] = [];
    if (cols.has(j)) out.push(fit[i - 1][j - 1]);
    if (i !== j && cols.has(i)) out.push(fit[j - 1][i - 1]);
    return out;
  };
  const pick = (name: string, pairs: [number, number][], hint: string): number => {
    const xs = pairs.flatMap(([i, j]) => est(i, j));
    if (xs.length === 0) throw new Error(`elastic: the strains do not determine ${name} (${hint})`);
    return avg(...xs);
  };
  if (symmetry === 'cubic') {
    return {
      C11: pick('C11', [[1, 1], [2, 2], [3, 3]], 'apply a normal strain'),
      C12: pick('C12', [[1, 2], [1, 3], [2, 3]], 'apply a normal strain'),
      C44: pick('C44', [[4, 4], [5, 5], [6, 6]], 'apply a shear strain'),
    };
  }
  if (symmetry === 'hexagonal') {
    return {
      C11: pick('C11', [[1, 1], [2, 2]], 'apply ε1 or ε2'),
      C12: pick('C12', [[1, 2]], 'apply ε1 or ε2'),
      C13: pick('C13', [[1, 3], [2, 3]], 'apply ε1, ε2 or ε3'),
      C33: pick('C33', [[3, 3]], 'apply ε3'),
      C44: pick('C44', [[4, 4], [5, 5]], 'apply ε4 or ε5'),
      C66: pick('C66', [[6, 6]], 'apply ε6'),
    };
  }
  const out: IndependentConstants = {};
  for (let i = 1; i <= 6; i++) for (let j = i; j <= 6; j++) out[`C${i}${j}`] = pick(`C${i}${j}`, [[i, j]], `apply ε${j}`);
  return out;
}

/** The full 6 × 6 C (GPa) of a cubic or hexagonal lattice from its independent constants. */
export function stiffnessFromConstants(c: IndependentConstants, symmetry: ElasticSymmetry): Matrix {
  if (symmetry === 'cubic') {
    const { C11: a, C12: b, C44: d } = c;
    return [[a, b, b, 0, 0, 0], [b, a, b, 0, 0, 0], [b, b, a, 0, 0, 0], [0, 0, 0, d, 0, 0], [0, 0, 0, 0, d, 0], [0, 0, 0, 0, 0, d]];
  }
  if (symmetry === 'hexagonal') {
    const { C11: a, C12: b, C13: e, C33: f, C44: d, C66: g } = c;
    return [[a, b, e, 0, 0, 0], [b, a, e, 0, 0, 0], [e, e, f, 0, 0, 0], [0, 0, 0, d, 0, 0], [0, 0, 0, 0, d, 0], [0, 0, 0, 0, 0, g]];
  }
  const C: Matrix = Array.from({ length: 6 }, () => new Array<number>(6).fill(0));
  for (let i = 1; i <= 6; i++) for (let j = i; j <= 6; j++) C[i - 1][j - 1] = C[j - 1][i - 1] = c[`C${i}${j}`];
  return C;
}

/**
 * The paper's averaged elastic constants. Deformations are either normal (only ε₁..ε₃
 * non-zero) or shear (only ε₄..ε₆). For each magnitude (max |ε|) the columns Cᵢⱼ of the strain
 * directions j used at that magnitude are fitted by least squares (both signs); each column is
 * averaged over the magnitudes that have it (normal 1–3 %, shear 3–7 % in the paper). With all
 * six directions, C is the symmetrised fit; with a symmetry-reduced set (cubic: ε₁ and ε₄; hcp:
 * ε₁, ε₃, ε₄, ε₆) the lattice's symmetry fills the rest. Mixed deformations, or constants the
 * strains do not determine, are errors.
 */
export function elasticSweep(deformations: readonly Deformation[], options: { lattice: string }): ElasticSweepResult {
  const symmetry = latticeSymmetry(options.lattice);
  const normal = new Map<number, Deformation[]>();
  const shear = new Map<number, Deformation[]>();
  deformations.forEach((d, k) => {
    checkVoigt(d.strain, `elastic: strain ${k}`);
    checkVoigt(d.stress, `elastic: stress ${k}`);
    const n = Math.max(...d.strain.slice(0, 3).map(Math.abs));
    const s = Math.max(...d.strain.slice(3).map(Math.abs));
    if (n > TOL && s > TOL) throw new Error(`elastic: deformation ${k} mixes normal and shear strain ${JSON.stringify(d.strain)}`);
    if (n <= TOL && s <= TOL) throw new Error(`elastic: deformation ${k} has zero strain`);
    const [map, m] = n > TOL ? [normal, n] : [shear, s];
    const key = Number(m.toPrecision(9));
    if (!map.has(key)) map.set(key, []);
    map.get(key)!.push(d);
  });
  if (normal.size === 0 || shear.size === 0) {
    throw new Error(`elastic: needs both normal and shear deformations (got ${normal.size} normal, ${shear.size} shear magnitudes)`);
  }
  const sum: number[][] = Array.from({ length: 6 }, () => new Array<number>(6).fill(0));
  const count = new Array<number>(6).fill(0);
  for (const [groups, kind] of [[normal, 'normal'], [shear, 'shear']] as const) {
    for (const [m, ds] of groups) {
      const dirs = [0, 1, 2, 3, 4, 5].filter((j) => ds.some((d) => Math.abs(d.strain[j]) > TOL));
      const A = ds.map((d) => dirs.map((j) => d.strain[j]));
      for (let i = 0; i < 6; i++) {
        const x = lstsq(A, ds.map((d) => d.stress[i]), `elastic: ${kind} strains of magnitude ${m} (directions ${dirs.map((j) => `ε${j + 1}`).join(', ')} must be independent)`);
        dirs.forEach((j, q) => (sum[i][j] += x[q]));
      }
      dirs.forEach((j) => count[j]++);
    }
  }
  const fit = sum.map((r) => r.map((x, j) => (count[j] ? x / count[j] : NaN)));
  const cols = new Set([1, 2, 3, 4, 5, 6].filter((j) => count[j - 1] > 0));
  const constants = constantsFromColumns(fit, cols, symmetry);
  const C = cols.size === 6 ? symmetrize(fit) : stiffnessFromConstants(constants, symmetry);
  return {
    C, symmetry, constants: cols.size === 6 ? independentConstants(C, symmetry) : constants,
    normalMagnitudes: [...normal.keys()].sort((a, b) => a - b),
    shearMagnitudes: [...shear.keys()].sort((a, b) => a - b),
  };
}

/** Voigt, Reuss and Hill bulk and shear moduli, Young's modulus and Poisson ratio (GPa). */
export interface Moduli {
  /** Whether C is positive definite (mechanically stable, Born criterion). */
  stable: boolean;
  kVoigt: number;
  kReuss: number | null;
  kHill: number | null;
  gVoigt: number;
  gReuss: number | null;
  gHill: number | null;
  /** E = 9BG/(3B + G) with Hill values (GPa). */
  youngs: number | null;
  /** ν = (3B − 2G)/(2(3B + G)) with Hill values. */
  poisson: number | null;
}

/** Default of {@link asymmetryProblem}: |Cᵢⱼ − Cⱼᵢ| up to 5 % of the largest |Cᵢⱼ|. */
export const ELASTIC_ASYMMETRY_TOLERANCE = 0.05;

/**
 * What is wrong with a stiffness matrix C (GPa) that should be symmetric, or null. A fitted C
 * (dpgen's, from a few strains) is symmetric up to its noise, a few tenths of a GPa; an
 * |Cᵢⱼ − Cⱼᵢ| above `tolerance` × the largest |Cᵢⱼ| is a corrupted or mis-ordered tensor.
 */
export function asymmetryProblem(C: readonly (readonly number[])[], tolerance = ELASTIC_ASYMMETRY_TOLERANCE): string | null {
  let big = 0;
  for (const r of C) for (const x of r) big = Math.max(big, Math.abs(x));
  let worst = { d: 0, i: 0, j: 0 };
  for (let i = 0; i < C.length; i++) {
    for (let j = i + 1; j < C.length; j++) {
      const d = Math.abs(C[i][j] - C[j][i]);
      if (d > worst.d) worst = { d, i, j };
    }
  }
  if (worst.d <= tolerance * big) return null;
  const { i, j } = worst;
  return `C is not symmetric: C${i + 1}${j + 1} = ${C[i][j]} GPa but C${j + 1}${i + 1} = ${C[j][i]} GPa, ` +
    `a difference of ${worst.d.toPrecision(3)} GPa, more than ${tolerance * 100} % of the largest |Cij| (${big.toPrecision(4)} GPa): a stiffness tensor is symmetric up to the noise of its fit`;
}

/**
 * Moduli of a 6 × 6 stiffness matrix C (GPa). A C that is not positive definite is reported as
 * `stable: false` (Reuss values are still given when C is invertible), not thrown. A C with a
 * non-finite entry, or further from symmetric than `asymmetryTolerance` (a fraction of the
 * largest |Cᵢⱼ|, default 0.05; see {@link asymmetryProblem}), is an error.
 */
export function moduli(C: readonly (readonly number[])[], options: { asymmetryTolerance?: number } = {}): Moduli {
  if (!Array.isArray(C) || C.length !== 6 || C.some((r) => !Array.isArray(r) || r.length !== 6)) {
    throw new Error('moduli: C must be a 6 × 6 matrix (GPa)');
  }
  C.forEach((r, i) => r.forEach((x: number, j: number) => {
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new Error(`moduli: C${i + 1}${j + 1} is ${String(x)}, expected a finite number of GPa`);
  }));
  const asym = asymmetryProblem(C, options.asymmetryTolerance);
  if (asym) throw new Error(`moduli: ${asym}`);
  const c = (i: number, j: number): number => C[i - 1][j - 1];
  // For a C that is not exactly symmetric these follow pymatgen: K_V sums the whole upper-left
  // 3 × 3 block, G_V takes its upper triangle.
  const kVoigt = (c(1, 1) + c(2, 2) + c(3, 3) + c(1, 2) + c(1, 3) + c(2, 3) + c(2, 1) + c(3, 1) + c(3, 2)) / 9;
  const gVoigt = (c(1, 1) + c(2, 2) + c(3, 3) - (c(1, 2) + c(1, 3) + c(2, 3)) + 3 * (c(4, 4) + c(5, 5) + c(6, 6))) / 15;
  const stable = isPositiveDefinite(symmetrize(C));
  let S: Matrix | null = null;
  try {
    S = inverse(C, 'C');
  } catch {
    S = null;
  }
  let kReuss: number | null = null;
  let gReuss: number | null = null;
  if (S) {
    const s = (i: number, j: number): number => S![i - 1][j - 1];
    kReuss = 1 / (s(1, 1) + s(2, 2) + s(3, 3) + 2 * (s(1, 2) + s(1, 3) + s(2, 3)));
    gReuss = 15 / (4 * (s(1, 1) + s(2, 2) + s(3, 3)) - 4 * (s(1, 2) + s(1, 3) + s(2, 3)) + 3 * (s(4, 4) + s(5, 5) + s(6, 6)));
  }
  const kHill = kReuss === null ? null : (kVoigt + kReuss) / 2;
  const gHill = gReuss === null ? null : (gVoigt + gReuss) / 2;
  const youngs = kHill === null || gHill === null ? null : (9 * kHill * gHill) / (3 * kHill + gHill);
  const poisson = kHill === null || gHill === null ? null : (3 * kHill - 2 * gHill) / (2 * (3 * kHill + gHill));
  return { stable, kVoigt, kReuss, kHill, gVoigt, gReuss, gHill, youngs, poisson };
}
