/**
 * Tolerances of the cross-checks against pymatgen, ASE, numpy, dpdata and dpgen, derived from the
 * problem instead of fixed: float64 round-off of the operations each side performs, the
 * conditioning of a fit or of a matrix inverse, the stopping tests of an iterative optimizer, the
 * digits a file was printed with, and the unit constants each tool uses. Each function states its
 * derivation; the tests cite the function beside the assertion.
 *
 * Notation: u = 2⁻⁵³, the unit round-off of float64 (every +, −, ×, ÷ and √ is correctly
 * rounded: fl(a ∘ b) = (a ∘ b)(1 + δ), |δ| ≤ u; so is the conversion of decimal text to a
 * float64 in JavaScript and in CPython/numpy). γ(k) = k·u / (1 − k·u) bounds the relative effect
 * of k successive roundings (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed.,
 * Lemma 3.1); a sum of k terms, in any order, is off by at most γ(k − 1)·Σ|terms| (ibid. §4.2).
 * Two implementations each within b of the exact value are within 2b of each other, which is
 * where the factors 2 below come from.
 */
import assert from 'node:assert/strict';

/** Unit round-off of float64. */
export const U = 2 ** -53;

/** γ(k) = k·u/(1 − k·u): the relative error bound of k roundings. */
export const gamma = (k: number): number => (k * U) / (1 - k * U);

/** Assert |actual − expected| ≤ tol, naming both values, the difference and the tolerance. */
export function assertWithin(actual: number | null | undefined, expected: number | null | undefined, tol: number, what: string): void {
  assert.ok(typeof actual === 'number' && typeof expected === 'number', `${what}: ${actual} vs ${expected}`);
  assert.ok(Number.isFinite(tol) && tol >= 0, `${what}: tolerance ${tol}`);
  const d = Math.abs(actual - expected);
  if (!(d <= tol)) assert.fail(`${what}: ${actual} vs ${expected}: |Δ| = ${d.toPrecision(3)} > tolerance ${tol.toPrecision(3)}`);
}

/** Element-wise {@link assertWithin} with one tolerance per element. */
export function assertAllWithin(actual: ArrayLike<number> | null | undefined, expected: ArrayLike<number> | null | undefined, tol: (i: number) => number, what: string): void {
  assert.ok(actual, `${what}: missing in deltak's result`);
  assert.ok(expected, `${what}: missing in the reference`);
  assert.equal(actual!.length, expected!.length, `${what}: length ${actual!.length} vs ${expected!.length}`);
  for (let i = 0; i < actual!.length; i++) assertWithin(actual![i], expected![i], tol(i), `${what}[${i}]`);
}

/**
 * Half a unit in the last printed digit of `x` written with `digits` significant digits
 * (Python's `f"{x:.{digits}g}"`): the most the printed value can differ from the float64 it
 * was printed from, plus the decimal → float64 conversion when read back.
 */
export function printedDigitsTolerance(x: number, digits: number): number {
  if (x === 0) return 0;
  const exponent = Number(Math.abs(x).toExponential().split('e')[1]); // exact, unlike ⌊log10|x|⌋
  return 0.5 * 10 ** (exponent - digits + 1) + U * Math.abs(x);
}

// ----------------------------------------------------------------------------- small matrices

/** Inverse of a small square matrix (Gauss–Jordan, partial pivoting) for the tolerance formulas. */
export function invertSmall(M: readonly (readonly number[])[]): number[][] {
  const n = M.length;
  const A = M.map((r, i) => [...r, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(A[i][k]) > Math.abs(A[p][k])) p = i;
    [A[k], A[p]] = [A[p], A[k]];
    const d = A[k][k];
    if (d === 0) throw new Error('invertSmall: singular matrix');
    for (let j = 0; j < 2 * n; j++) A[k][j] /= d;
    for (let i = 0; i < n; i++) {
      if (i === k) continue;
      const f = A[i][k];
      for (let j = 0; j < 2 * n; j++) A[i][j] -= f * A[k][j];
    }
  }
  return A.map((r) => r.slice(n));
}

/** Diagonal of (JᵀJ)⁻¹ of an m × n Jacobian, through the column-scaled J (well conditioned normal matrix). */
export function jtjInverseDiagonal(J: readonly (readonly number[])[]): number[] {
  const n = J[0].length;
  const d = Array.from({ length: n }, (_, j) => Math.hypot(...J.map((r) => r[j])) || 1);
  const N = Array.from({ length: n }, (_, a) => Array.from({ length: n }, (_, b) => J.reduce((s, r) => s + (r[a] / d[a]) * (r[b] / d[b]), 0)));
  const inv = invertSmall(N);
  return d.map((x, i) => inv[i][i] / (x * x));
}

// ----------------------------------------------------------------------------- least-squares fits

/**
 * What the tolerance of a fitted parameter is derived from (see {@link leastSquaresTolerance}),
 * for parameters in one order (the EOS tests use V₀, E₀, B₀ in GPa, B₀′).
 */
export interface FitConditioning {
  /** Sum of squared residuals S of the fit being compared. */
  ssr: number;
  /** [(JᵀJ)⁻¹]ᵢᵢ, J the Jacobian of the model residuals at the fitted parameters. */
  jtj_inv_diag: number[];
  /** Column norms Dᵢ of J (MINPACK's scaling of the parameters). */
  col_norms: number[];
  /** Σ|residuals|. */
  abs_res_sum: number;
  /** Largest |energy| fitted. */
  e_max: number;
  /** Number of points. */
  n: number;
}

/** MINPACK's (scipy.optimize.leastsq's) default ftol and xtol: √(machine ε). */
export const LEASTSQ_TOL = 1.49012e-8;

/**
 * Round-off τ_S of a computed sum of squared residuals S = Σ r_k², r_k = E_model(V_k) − E_k.
 * Each model value is a chain of at most 16 roundings (the Vinet form, the longest: a power, an
 * exponential and a dozen arithmetic operations), each relative to a quantity no larger than
 * `scale` (the EOS tests pass max|E| + B₀V₀, which bounds E₀ and the terms each form adds to it):
 * |δr_k| ≤ ε = 16·u·scale. Then |Ŝ − S| ≤ Σ(2|r_k|ε + ε²) + γ(n)·S.
 */
export function ssrRoundoff(c: Pick<FitConditioning, 'ssr' | 'abs_res_sum' | 'n'>, scale: number): number {
  const eps = 16 * U * scale;
  return 2 * eps * c.abs_res_sum + c.n * eps * eps + gamma(c.n) * c.ssr;
}

/**
 * Tolerance of parameter i between an exact least-squares fit (deltak: a linear least squares
 * refined by Levenberg–Marquardt until its computed S stops decreasing) and an iterative
 * least-squares fit stopped by MINPACK's tests (scipy.optimize.leastsq, default ftol = xtol =
 * 1.49e-8, as pymatgen's EOS.fit calls it), both of the same model on the same data.
 *
 * Near the minimum p*, S(p) = S* + δᵀ(JᵀJ)δ with δ = p − p* (Gauss–Newton), and the largest |δᵢ|
 * over {δᵀ(JᵀJ)δ ≤ ε} is √(ε·[(JᵀJ)⁻¹]ᵢᵢ).
 * - ftol (MINPACK info 1, 3): the predicted relative reduction of the last Gauss–Newton step,
 *   δᵀ(JᵀJ)δ / S, is ≤ ftol, so |δᵢ| ≤ √(ftol·S·[(JᵀJ)⁻¹]ᵢᵢ / (1 − ftol)).
 * - xtol (info 2, 3): the trust radius, which bounds the D-scaled length ‖D∘step‖ of the last
 *   step (D the column norms of J), is ≤ xtol·‖D∘p‖, so |stepᵢ| ≤ xtol·‖D∘p‖ / Dᵢ.
 * Either bounds the last step or the distance before it; the distance to p* after the step is
 * at most the step when the iteration contracts the error at least by half per step (Gauss–Newton
 * on a small-residual problem), and twice these bounds also covers MINPACK's D being the running
 * maximum of the column norms (we have them at the solution) and its forward-difference Jacobian.
 * - round-off floor: a fit that minimizes the computed Ŝ stops anywhere Ŝ cannot tell from S*,
 *   i.e. S − S* ≤ 2τ_S ({@link ssrRoundoff}): |δᵢ| ≤ √(2τ_S·[(JᵀJ)⁻¹]ᵢᵢ), once for each fit.
 * - a unit constant the two sides disagree on (pymatgen's eV/Å³ → GPa is CODATA 2018, deltak's
 *   CODATA 2014): `relConst[i]`·|pᵢ|.
 * tolᵢ = 2·(ftol term + xtol term) + 2·round-off floor + relConst[i]·|pᵢ|.
 */
export function leastSquaresTolerance(c: FitConditioning, p: readonly number[], scale: number, relConst: readonly number[] = []): number[] {
  const tauS = ssrRoundoff(c, scale);
  const dp = Math.hypot(...p.map((x, i) => x * c.col_norms[i]));
  return p.map((x, i) => {
    const a = c.jtj_inv_diag[i];
    const ftol = Math.sqrt((LEASTSQ_TOL * c.ssr * a) / (1 - LEASTSQ_TOL));
    const xtol = (LEASTSQ_TOL * dp) / c.col_norms[i];
    const floor = Math.sqrt(2 * tauS * a);
    return 2 * (ftol + xtol) + 2 * floor + (relConst[i] ?? 0) * Math.abs(x);
  });
}

/**
 * Tolerance of parameter i between two fits that each solve the same least-squares problem to
 * round-off (no optimizer stopping tests): deltak's fit ({@link leastSquaresTolerance}'s
 * round-off floor) and a backward-stable linear least squares (numpy.polyfit: SVD of the
 * column-scaled Vandermonde matrix) of the cubic E = Σⱼ aⱼxʲ, x = V^(−2/3). The latter is the
 * exact solution for energies perturbed by |ηₖ| ≤ c·u·Σⱼ|aⱼxₖʲ| (the magnitudes of the cubic's
 * terms at point k: the conditioning of the monomial basis), c = 4·m·n for m points and n = 4
 * coefficients: m·n the constant of the backward error of Householder QR / SVD least squares
 * (Higham §20.2), 4 ≥ √m·(spread of xʲ over the points) because that backward error is
 * normwise per column. `volumeEta` adds, per point, the energy-equivalent |dE/dV|·δV of the
 * round-off of each side's volume. To first order the parameters move by (JᵀJ)⁻¹Jᵀη, so
 * |δᵢ| ≤ √([(JᵀJ)⁻¹]ᵢᵢ)·‖η‖. The parameters then come from the cubic by a root, a power and
 * a second derivative, whose few roundings (relative, the terms of E'' not cancelling at a
 * minimum with B₀′ near 4) are covered by γ(16)·|pᵢ|, which the caller adds.
 */
export function exactFitsTolerance(c: FitConditioning, scale: number, cubicTermSums: readonly number[], volumeEta: readonly number[] = []): number[] {
  const tauS = ssrRoundoff(c, scale);
  const eta = Math.hypot(...cubicTermSums.map((s, k) => 4 * c.n * 4 * U * s + (volumeEta[k] ?? 0)));
  return c.jtj_inv_diag.map((a) => Math.sqrt(2 * tauS * a) + Math.sqrt(a) * eta);
}

/**
 * The sum of squared residuals of deltak's parameters may exceed the reference fit's, both
 * evaluated with the reference's model, by at most 4τ_S: deltak's fit is within 2τ_S of S*
 * (it stops only where its computed S no longer decreases), each evaluation adds τ_S, and S* is no
 * larger than the reference fit's S.
 */
export const ssrSlack = (c: Pick<FitConditioning, 'ssr' | 'abs_res_sum' | 'n'>, scale: number): number => 4 * ssrRoundoff(c, scale);

// ----------------------------------------------------------------------------- Birch–Murnaghan

/** BM3 E(V) (eV/atom) with B₀ in eV/Å³: a model independent of deltak's, for the tolerance formulas. */
export function bm3(v: number, q: readonly [number, number, number, number]): number {
  const [v0, e0, b0, b0p] = q;
  const t = (v0 / v) ** (2 / 3);
  return e0 + ((9 * v0 * b0) / 16) * ((t - 1) ** 3 * b0p + (t - 1) ** 2 * (6 - 4 * t));
}

/**
 * Conditioning of a BM3 fit with parameters (V₀, E₀, B₀ in GPa, B₀′) on volumes/energies: J by
 * central differences of {@link bm3}; `gpa` is the eV/Å³ → GPa factor of the parameters given.
 * Also returns Σⱼ|aⱼxₖʲ| of the BM3 cubic in x at each point (for {@link exactFitsTolerance}):
 * with t = (V₀/V)^⅔ and k = 9V₀B₀/16, E = E₀ + k[(6 − B₀′) + (3B₀′ − 16)t + (14 − 3B₀′)t² + (B₀′ − 4)t³];
 * and |dE/dV| at each point (slopes).
 */
export function bm3Conditioning(volumes: readonly number[], energies: readonly number[], p: { v0: number; e0: number; b0: number; b0p: number }, gpa: number): { cond: FitConditioning; cubicTermSums: number[]; slopes: number[]; scale: number } {
  const q: [number, number, number, number] = [p.v0, p.e0, p.b0, p.b0p];
  const f = (v: number, x: readonly number[]): number => bm3(v, [x[0], x[1], x[2] / gpa, x[3]]);
  const J = volumes.map((v) => q.map((_, j) => {
    const h = 1e-6 * Math.max(Math.abs(q[j]), 1e-3);
    const a = [...q];
    const b = [...q];
    a[j] += h;
    b[j] -= h;
    return (f(v, a) - f(v, b)) / (2 * h);
  }));
  const r = volumes.map((v, k) => energies[k] - f(v, q));
  const k = (9 * p.v0 * (p.b0 / gpa)) / 16;
  const cubicTermSums = volumes.map((v) => {
    const t = (p.v0 / v) ** (2 / 3);
    return Math.abs(p.e0 + k * (6 - p.b0p)) + Math.abs(k * (3 * p.b0p - 16) * t) + Math.abs(k * (14 - 3 * p.b0p) * t * t) + Math.abs(k * (p.b0p - 4) * t ** 3);
  });
  const slopes = volumes.map((v) => Math.abs(f(v * (1 + 1e-6), q) - f(v * (1 - 1e-6), q)) / (2e-6 * v));
  return {
    slopes,
    cond: {
      ssr: r.reduce((s, x) => s + x * x, 0),
      jtj_inv_diag: jtjInverseDiagonal(J),
      col_norms: q.map((_, j) => Math.hypot(...J.map((row) => row[j]))),
      abs_res_sum: r.reduce((s, x) => s + Math.abs(x), 0),
      e_max: Math.max(...energies.map(Math.abs)),
      n: volumes.length,
    },
    cubicTermSums,
    scale: Math.max(...energies.map(Math.abs)) + (p.b0 / gpa) * p.v0,
  };
}

// ----------------------------------------------------------------------------- VRH moduli

/** The VRH quantities of deltak's `moduli`, with tolerances of the same names. */
export interface VrhValues { kVoigt: number; kReuss: number; kHill: number; gVoigt: number; gReuss: number; gHill: number; youngs: number; poisson: number }

/**
 * Tolerances of the Voigt–Reuss–Hill moduli between two implementations that compute them from
 * the same 6 × 6 C (GPa), given κ = the 2-norm condition number of C and ‖C⁻¹‖_F.
 * - Voigt: a weighted sum of ≤ 12 entries and a division: each side within γ(13)·Σ|wᵢⱼCᵢⱼ| / d
 *   (K_V = ΣC_block/9, G_V = (ΣCᵢᵢ − ΣCᵢⱼ(i<j) + 3ΣC₄₄…)/15, i, j ≤ 3).
 * - Reuss: S = C⁻¹ computed by LU or Gauss–Jordan with partial pivoting is within
 *   c·u·κ·‖S‖_F of the exact inverse (normwise forward error, Higham §14.3–14.4), c = 3n² = 108
 *   (n² for the method with pivot growth ≲ n, 3 > √n for the 2-norm in κ against the Frobenius
 *   norm). K_R = 1/s and G_R = 15/s with s = Σwᵢⱼ Sᵢⱼ, ‖w‖_F = √15 (K_R, deltak's 2·S₁₂ …; pymatgen's
 *   nine entries have 3) and √123 (G_R: 4, −4, 3); so |δs| ≤ (c·κ + 12)·u·‖w‖_F·‖S‖_F and
 *   |δK_R| ≤ |δs|·K_R² (relative |δs|/|s|), plus a rounding of the division.
 * - Hill: the mean of the two. Young's E = 9KG/(3K + G) and Poisson's ν = (3K − 2G)/(2(3K + G))
 *   from K_H, G_H: ∂E/∂K = E·G/(K(3K + G)), ∂E/∂G = E·3K/(G(3K + G)), ∂ν/∂K = 9G/(2(3K + G)²),
 *   ∂ν/∂G = −9K/(2(3K + G)²), plus γ(7) per side for their own ≤ 7 roundings.
 */
export function vrhTolerances(C: readonly (readonly number[])[], m: VrhValues, cond: number, sFro: number): VrhValues {
  const { kVoigt: kV, gVoigt: gV } = voigtTolerances(C);
  const ds = (w: number): number => (108 * cond + 12) * U * w * sFro;
  const kR = 2 * (ds(Math.sqrt(15)) * m.kReuss + U) * m.kReuss;
  const gR = 2 * ((ds(Math.sqrt(123)) * m.gReuss) / 15 + U) * m.gReuss;
  const kH = (kV + kR) / 2 + 2 * U * m.kHill;
  const gH = (gV + gR) / 2 + 2 * U * m.gHill;
  return { kVoigt: kV, kReuss: kR, kHill: kH, gVoigt: gV, gReuss: gR, gHill: gH, ...youngsPoissonTolerances(m.kHill, m.gHill, kH, gH) };
}

/**
 * Tolerances of K_V and G_V of C between two implementations (see {@link vrhTolerances}); `extra`
 * roundings per entry of C on top (e.g. a unit conversion of C before the sums).
 */
export function voigtTolerances(C: readonly (readonly number[])[], extra = 0): { kVoigt: number; gVoigt: number } {
  const a = (i: number, j: number): number => Math.abs(C[i - 1][j - 1]);
  const g = gamma(13 + extra);
  return {
    kVoigt: (2 * g * (a(1, 1) + a(2, 2) + a(3, 3) + a(1, 2) + a(1, 3) + a(2, 3) + a(2, 1) + a(3, 1) + a(3, 2))) / 9,
    gVoigt: (2 * g * (a(1, 1) + a(2, 2) + a(3, 3) + a(1, 2) + a(1, 3) + a(2, 3) + 3 * (a(4, 4) + a(5, 5) + a(6, 6)))) / 15,
  };
}

/**
 * Tolerances of E = 9KG/(3K + G) and ν = (3K − 2G)/(2(3K + G)) from K, G known within dK, dG
 * (see {@link vrhTolerances}).
 */
export function youngsPoissonTolerances(K: number, G: number, dK: number, dG: number): { youngs: number; poisson: number } {
  const E = (9 * K * G) / (3 * K + G);
  return {
    youngs: (E * ((G * dK) / K + (3 * K * dG) / G)) / (3 * K + G) + 2 * gamma(7) * E,
    poisson: (9 * (G * dK + K * dG)) / (2 * (3 * K + G) ** 2) + (2 * gamma(7) * (3 * K + 2 * G)) / (2 * (3 * K + G)),
  };
}

// ----------------------------------------------------------------------------- statistics

/**
 * Round-off bounds of one implementation of a mean, an RMS and a mean absolute deviation over m
 * numbers that it computed each within η of their exact values (the cross-check tolerance is
 * twice the bound: one for each implementation).
 * - mean: |mean(x̂) − mean(x)| ≤ η; the sum and the division add γ(m)·mean|x|.
 * - RMS = ‖x‖/√m: by the triangle inequality |RMS(x̂) − RMS(x)| ≤ RMS(x̂ − x) ≤ η; squares, sum,
 *   division and √ add γ(m + 3)·RMS.
 * - MAD = mean|x − x̄|: moving each x by ≤ η moves x̄ by ≤ η and each |x − x̄| by ≤ 2η, so the MAD
 *   by ≤ 2η; x̄ (γ(m)·mean|x|), the differences and their mean (γ(m + 1)·MAD) add
 *   γ(m + 1)·(mean|x| + MAD).
 */
export const meanBound = (eta: number, m: number, meanAbs: number): number => eta + gamma(m) * meanAbs;
export const rmsBound = (eta: number, m: number, rms: number): number => eta + gamma(m + 3) * rms;
export const madBound = (eta: number, m: number, meanAbs: number, mad: number): number => 2 * eta + gamma(m + 1) * (meanAbs + mad);

// ----------------------------------------------------------------------------- readers

/**
 * Numbers read from the same file by two readers. Decimal text → float64 is correctly rounded
 * on both sides (ECMAScript Number parsing, CPython's float / numpy.loadtxt), so each side's
 * number is within u·|x| of the printed decimal; what follows the parse adds, per side:
 * - a product chain of k roundings (unit conversions): γ(k)·|x|;
 * - a dot product of fractional coordinates with the cell, xⱼ = Σₖ fₖAₖⱼ: γ(3)·Σₖ|fₖ||Aₖⱼ|;
 * - a cell volume, a 3 × 3 determinant by cofactors or LU: γ(9)·per(|A|), per the permanent
 *   of |A| (the sum of the absolute values of the six products), i.e. γ(9)·per(|A|)/|det A|
 *   relative;
 * - a rotation of the vectors into another cell orientation (dpdata turns some cells lower
 *   triangular; the test turns deltak's the same way): R = A⁻¹A′ within γ(9)·κ_∞(A) (κ_∞ the
 *   ∞-norm condition number of the cell), applied as x·R with γ(3): per rotated vector,
 *   (γ(3) + γ(9)·κ_∞)·‖x‖_∞·3, for the two rotations (the tool's and the test's).
 * The functions return the tolerance for the difference of the two readings (both sides).
 */
export const parsedTolerance = (x: number, k = 0): number => 2 * (U + gamma(k)) * Math.abs(x);

/** Permanent of |A| and |det A| of a 3 × 3 row-major cell. */
export function cellDetConditioning(A: ArrayLike<number>): { per: number; det: number } {
  const [a, b, c, d, e, f, g, h, k] = Array.from(A);
  const per = Math.abs(a * e * k) + Math.abs(a * f * h) + Math.abs(b * d * k) + Math.abs(b * f * g) + Math.abs(c * d * h) + Math.abs(c * e * g);
  const det = Math.abs(a * (e * k - f * h) - b * (d * k - f * g) + c * (d * h - e * g));
  return { per, det };
}

/** ∞-norm condition number of a 3 × 3 row-major cell. */
export function cellCondInf(A: ArrayLike<number>): number {
  const M = [0, 1, 2].map((i) => [0, 1, 2].map((j) => A[3 * i + j]));
  const inv = invertSmall(M);
  const norm = (X: number[][]): number => Math.max(...X.map((r) => r.reduce((s, x) => s + Math.abs(x), 0)));
  return norm(M) * norm(inv);
}

/** Tolerance of rotated 3-vectors (see the notes above), per element of an n × 3 array. */
export function rotationTolerance(x: ArrayLike<number>, condInf: number): (i: number) => number {
  return (i: number) => {
    const r = Math.floor(i / 3) * 3;
    const norm = Math.max(Math.abs(x[r]), Math.abs(x[r + 1]), Math.abs(x[r + 2]));
    return 2 * 3 * (gamma(3) + gamma(9) * condInf) * norm;
  };
}

/**
 * dpdata's kBar·Å³ → eV factor for VASP virials (dpdata/plugins/vasp.py: v_pref = 1e3 / 1.602176621e6)
 * against deltak's (0.1 / 160.21766208, CODATA 2014 as ASE): their relative difference, plus the
 * rounding of each, is part of the virial tolerance against dpdata's VASP readings.
 */
export const DPDATA_VASP_VIRIAL_REL = Math.abs((1e3 / 1.602176621e6) / (0.1 / 160.21766208) - 1) + 2 * U;

/** A frame as a reference tool reads it: 3 × 3 row-major cell, n × 3 positions and forces, 9 virial components. */
export interface ReferenceReading {
  cell: ArrayLike<number>;
  positions: ArrayLike<number>;
  forces?: ArrayLike<number> | null;
  virial?: ArrayLike<number> | null;
}

/**
 * Tolerances of one frame's numbers against a reference reading of the same file (notes above
 * {@link parsedTolerance}), element by element:
 * - energies, forces, cells: parsed only, parsedTolerance;
 * - positions: parsed, or fractional coordinates times the cell (vasprun.xml):
 *   2(u + γ(3))·Σₖ|fₖ||Aₖⱼ|, f = x·A⁻¹ of the reference;
 * - virials W = s·V·c from a stress s: a product chain of 4 roundings and the volume's
 *   γ(9)·per(|A|)/|det A|, both sides, relative to |Wᵢⱼ|, plus `virialRel`, the relative
 *   difference of the unit constants (DPDATA_VASP_VIRIAL_REL for dpdata's VASP virials);
 * - `rotated` (κ_∞ of our cell) when the test turned our frame into the reference's cell
 *   orientation: rotationTolerance on top (twice for the virial, RᵀWR, with max|W|).
 */
export function readingTolerances(f: ReferenceReading, rotated: number | null, virialRel: number): Record<'cell' | 'positions' | 'forces' | 'virial', (i: number) => number> {
  const rot = (x: ArrayLike<number>): ((i: number) => number) => (rotated === null ? () => 0 : rotationTolerance(x, rotated));
  const A = Array.from(f.cell);
  const Ainv = invertSmall([A.slice(0, 3), A.slice(3, 6), A.slice(6, 9)]);
  const posScale = (i: number): number => {
    const r = Math.floor(i / 3) * 3;
    const j = i % 3;
    let s = 0;
    for (let k = 0; k < 3; k++) {
      const fk = f.positions[r] * Ainv[0][k] + f.positions[r + 1] * Ainv[1][k] + f.positions[r + 2] * Ainv[2][k];
      s += Math.abs(fk) * Math.abs(A[3 * k + j]);
    }
    return s;
  };
  const { per, det } = cellDetConditioning(A);
  const virialChain = 2 * (gamma(4) + (gamma(9) * per) / det) + virialRel;
  const wMax = f.virial ? Math.max(...Array.from(f.virial, Math.abs)) : 0;
  return {
    cell: (i) => parsedTolerance(A[i]) + rot(A)(i),
    // the fractional coordinates come from the reference's numbers: their own round-off is far
    // below the bound (a relative γ(3)·κ of the scale), covered by the 2(u + γ(3)) factor's u
    positions: (i) => 2 * (U + gamma(3)) * posScale(i) + rot(f.positions)(i),
    forces: (i) => parsedTolerance(f.forces![i]) + rot(f.forces!)(i),
    virial: (i) => virialChain * Math.abs(f.virial![i]) + (rotated === null ? 0 : 2 * rotationTolerance([wMax, wMax, wMax], rotated)(0)),
  };
}
