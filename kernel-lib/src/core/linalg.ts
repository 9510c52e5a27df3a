/** Small dense linear algebra for the fits (no dependencies; matrices as row arrays). */

/** A dense matrix, rows of equal length. */
export type Matrix = number[][];

/**
 * Least-squares solution of A x ≈ b by Householder QR (A: m × n, m ≥ n, full column rank).
 * A rank-deficient A is an error naming `what`.
 */
export function lstsq(A: readonly (readonly number[])[], b: readonly number[], what = 'least squares'): number[] {
  const m = A.length;
  const n = m ? A[0].length : 0;
  if (m < n || n === 0) throw new Error(`${what}: needs at least ${n} equations for ${n} unknowns, got ${m}`);
  const R = A.map((r) => [...r]);
  const y = [...b];
  const scale = Math.max(...A.flat().map(Math.abs), Number.MIN_VALUE);
  for (let k = 0; k < n; k++) {
    let norm = 0;
    for (let i = k; i < m; i++) norm += R[i][k] ** 2;
    norm = Math.sqrt(norm);
    if (norm <= 1e-13 * scale) throw new Error(`${what}: the equations do not determine all ${n} unknowns (rank deficient)`);
    const alpha = R[k][k] > 0 ? -norm : norm;
    const v = new Array<number>(m).fill(0);
    v[k] = R[k][k] - alpha;
    for (let i = k + 1; i < m; i++) v[i] = R[i][k];
    const vv = v.reduce((s, x) => s + x * x, 0);
    if (vv === 0) continue;
    for (let j = k; j < n; j++) {
      let d = 0;
      for (let i = k; i < m; i++) d += v[i] * R[i][j];
      const f = (2 * d) / vv;
      for (let i = k; i < m; i++) R[i][j] -= f * v[i];
    }
    let d = 0;
    for (let i = k; i < m; i++) d += v[i] * y[i];
    const f = (2 * d) / vv;
    for (let i = k; i < m; i++) y[i] -= f * v[i];
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let j = i + 1; j < n; j++) s -= R[i][j] * x[j];
    x[i] = s / R[i][i];
  }
  return x;
}

/** Inverse of a square matrix by Gauss–Jordan with partial pivoting; singular is an error. */
export function inverse(M: readonly (readonly number[])[], what = 'matrix'): Matrix {
  const n = M.length;
  const A = M.map((r, i) => [...r, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  const scale = Math.max(...M.flat().map(Math.abs), Number.MIN_VALUE);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r][c]) > Math.abs(A[p][c])) p = r;
    if (Math.abs(A[p][c]) <= 1e-13 * scale) throw new Error(`${what} is singular`);
    [A[c], A[p]] = [A[p], A[c]];
    const piv = A[c][c];
    for (let j = 0; j < 2 * n; j++) A[c][j] /= piv;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = A[r][c];
      if (f !== 0) for (let j = 0; j < 2 * n; j++) A[r][j] -= f * A[c][j];
    }
  }
  return A.map((r) => r.slice(n));
}

/** Whether a symmetric matrix is positive definite (Cholesky succeeds). */
export function isPositiveDefinite(M: readonly (readonly number[])[]): boolean {
  const n = M.length;
  const L: Matrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = M[i][j];
      for (let k = 0; k < j; k++) s -= L[i][k] * L[j][k];
      if (i === j) {
        if (!(s > 0)) return false;
        L[i][i] = Math.sqrt(s);
      } else {
        L[i][j] = s / L[j][j];
      }
    }
  }
  return true;
}

/** Options of {@link levenbergMarquardt}. */
export interface LmOptions {
  /** Maximum iterations; default 500. */
  maxIter?: number;
  /** Stop when the relative change of every parameter is below this; default 1e-15. */
  xtol?: number;
}

/** Result of {@link levenbergMarquardt}. */
export interface LmResult {
  params: number[];
  /** Sum of squared residuals at `params`. */
  ssr: number;
  converged: boolean;
  iterations: number;
}

/**
 * Minimise Σ rᵢ(p)² by Levenberg–Marquardt with a central-difference Jacobian.
 * `residuals(p)` returns r(p); `p0` is the start. Parameters should be of order one.
 */
export function levenbergMarquardt(
  residuals: (p: readonly number[]) => number[],
  p0: readonly number[],
  options: LmOptions = {},
): LmResult {
  const maxIter = options.maxIter ?? 500;
  const xtol = options.xtol ?? 1e-15;
  let p = [...p0];
  let r = residuals(p);
  let ssr = r.reduce((s, x) => s + x * x, 0);
  let lambda = 1e-3;
  const n = p.length;
  for (let it = 1; it <= maxIter; it++) {
    const J: Matrix = r.map(() => new Array<number>(n).fill(0));
    for (let j = 0; j < n; j++) {
      const h = 1e-6 * Math.max(1, Math.abs(p[j]));
      const pp = [...p];
      const pm = [...p];
      pp[j] += h;
      pm[j] -= h;
      const rp = residuals(pp);
      const rm = residuals(pm);
      for (let i = 0; i < r.length; i++) J[i][j] = (rp[i] - rm[i]) / (2 * h);
    }
    // Solve the damped problem as least squares: [J; √λ D] δ = [−r; 0]
    const D = Array.from({ length: n }, (_, j) => Math.sqrt(J.reduce((s, row) => s + row[j] * row[j], 0)) || 1);
    let improved = false;
    for (let tries = 0; tries < 30; tries++) {
      const A = [...J, ...D.map((d, j) => Array.from({ length: n }, (_, k) => (k === j ? Math.sqrt(lambda) * d : 0)))];
      const b = [...r.map((x) => -x), ...new Array<number>(n).fill(0)];
      let delta: number[];
      try {
        delta = lstsq(A, b, 'Levenberg–Marquardt step');
      } catch {
        lambda *= 10;
        continue;
      }
      const pn = p.map((x, j) => x + delta[j]);
      const rn = residuals(pn);
      const ssrn = rn.reduce((s, x) => s + x * x, 0);
      if (Number.isFinite(ssrn) && ssrn <= ssr) {
        const small = delta.every((d, j) => Math.abs(d) <= xtol * Math.max(1, Math.abs(p[j])));
        p = pn;
        r = rn;
        const gain = ssr - ssrn;
        ssr = ssrn;
        lambda = Math.max(lambda / 10, 1e-12);
        improved = true;
        if (small || gain <= 1e-30 * Math.max(ssr, 1e-300) || ssr === 0) return { params: p, ssr, converged: true, iterations: it };
        break;
      }
      lambda *= 10;
    }
    if (!improved) return { params: p, ssr, converged: true, iterations: it };
  }
  return { params: p, ssr, converged: false, iterations: maxIter };
}
