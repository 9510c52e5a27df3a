/**
 * Equations of state E(V) per atom (docs/method.md §3): 3rd-order Eulerian Birch–Murnaghan (default),
 * Vinet and Murnaghan, fitted by least squares in E. Volumes in Å³/atom, energies in eV/atom,
 * B₀ in GPa.
 */
import { levenbergMarquardt, lstsq } from './linalg.js';
import { EV_PER_A3_IN_GPA } from './units.js';

/** The EOS forms deltak fits. */
export type EosForm = 'birch-murnaghan' | 'vinet' | 'murnaghan';

/** EOS parameters: V₀ (Å³/atom), E₀ (eV/atom), B₀ (GPa), B₀′ (dimensionless). */
export interface EosParams {
  v0: number;
  e0: number;
  b0: number;
  b0p: number;
}

/** Result of {@link fitEos}: parameters, the RMS residual (eV/atom) and the form. */
export interface EosFit extends EosParams {
  rmse: number;
  form: EosForm;
}

/** Options of {@link fitEos}. */
export interface FitEosOptions {
  /** Default "birch-murnaghan". */
  form?: EosForm;
}

/**
 * E(V) (eV/atom) of `form` with parameters `p` (B₀ in GPa) at volume `v` (Å³/atom).
 * BM3: E₀ + 9V₀B₀/16 {[(V₀/V)^⅔ − 1]³ B₀′ + [(V₀/V)^⅔ − 1]² [6 − 4 (V₀/V)^⅔]}.
 * Vinet: E₀ + 2B₀V₀/(B₀′−1)² {2 − [5 + 3B₀′(η−1) − 3η] exp(−3(B₀′−1)(η−1)/2)}, η = (V/V₀)^⅓.
 * Murnaghan: E₀ + B₀V/B₀′ [(V₀/V)^B₀′/(B₀′−1) + 1] − V₀B₀/(B₀′−1).
 */
export function eosEnergy(form: EosForm, p: EosParams, v: number): number {
  const b0 = p.b0 / EV_PER_A3_IN_GPA;
  const { v0, e0, b0p } = p;
  switch (form) {
    case 'birch-murnaghan': {
      const t = (v0 / v) ** (2 / 3);
      return e0 + ((9 * v0 * b0) / 16) * ((t - 1) ** 3 * b0p + (t - 1) ** 2 * (6 - 4 * t));
    }
    case 'vinet': {
      const eta = (v / v0) ** (1 / 3);
      return e0 + ((2 * b0 * v0) / (b0p - 1) ** 2) * (2 - (5 + 3 * b0p * (eta - 1) - 3 * eta) * Math.exp((-3 * (b0p - 1) * (eta - 1)) / 2));
    }
    case 'murnaghan':
      return e0 + ((b0 * v) / b0p) * ((v0 / v) ** b0p / (b0p - 1) + 1) - (v0 * b0) / (b0p - 1);
    default:
      throw new Error(`unknown EOS form "${String(form)}": expected birch-murnaghan, vinet or murnaghan`);
  }
}

/**
 * BM3 parameters from the linear least-squares cubic E = a + b x + c x² + d x³ in x = V^(−2/3)
 * (exact for the BM3 form). Errors when the cubic has no minimum.
 */
export function birchMurnaghanFromCubic(volumes: readonly number[], energies: readonly number[]): EosParams {
  const xs = volumes.map((v) => v ** (-2 / 3));
  const x̄ = xs.reduce((s, x) => s + x, 0) / xs.length;
  const h = Math.max(...xs) - Math.min(...xs) || 1;
  // centred and scaled variable u = (x − x̄)/h keeps the normal equations well conditioned
  const [a, b, c, d] = lstsq(xs.map((x) => { const u = (x - x̄) / h; return [1, u, u * u, u * u * u]; }), energies, 'EOS cubic fit');
  // dE/du = b + 2c u + 3d u² = 0 with d²E/du² > 0
  const roots: number[] = [];
  if (Math.abs(d) < 1e-300) {
    if (c !== 0) roots.push(-b / (2 * c));
  } else {
    const disc = 4 * c * c - 12 * b * d;
    if (disc >= 0) {
      const s = Math.sqrt(disc);
      roots.push((-2 * c + s) / (6 * d), (-2 * c - s) / (6 * d));
    }
  }
  const minima = roots.filter((u) => 2 * c + 6 * d * u > 0 && Number.isFinite(u));
  if (minima.length === 0) throw new Error('EOS: the energies have no minimum (the cubic fit in V^(-2/3) is monotonic)');
  const u0 = minima.sort((p, q) => Math.abs(p) - Math.abs(q))[0];
  const x0 = x̄ + h * u0;
  if (!(x0 > 0)) throw new Error('EOS: the fitted minimum is at a non-physical volume');
  const v0 = x0 ** (-3 / 2);
  const e0 = a + b * u0 + c * u0 ** 2 + d * u0 ** 3;
  // derivatives in x: E_x = 0, E_xx = (2c + 6 d u)/h², E_xxx = 6d/h³
  const exx = (2 * c + 6 * d * u0) / h ** 2;
  const exxx = (6 * d) / h ** 3;
  const x1 = (-2 / 3) * v0 ** (-5 / 3);
  const x2 = (10 / 9) * v0 ** (-8 / 3);
  const evv = exx * x1 * x1;
  const evvv = exxx * x1 ** 3 + 3 * exx * x1 * x2;
  return { v0, e0, b0: v0 * evv * EV_PER_A3_IN_GPA, b0p: -1 - (v0 * evvv) / evv };
}

/**
 * Fit an EOS to per-atom volumes (Å³/atom) and energies (eV/atom) → V₀, E₀, B₀ (GPa), B₀′ and
 * the RMS residual (eV/atom). The start comes from the cubic fit in V^(−2/3); the chosen form is
 * then fitted by Levenberg–Marquardt. Errors: fewer than 5 points, non-finite input, no minimum,
 * a minimum outside the sampled volumes, a fit that does not converge, and an E(V) without
 * curvature: equal energies, or a fitted rise B₀ΔV²/(8V₀) across the sampled volumes ΔV that is
 * not above both 10⁻⁶ eV/atom (DFT's energy precision) and the fit's RMS residual.
 */
export function fitEos(volumes: readonly number[], energies: readonly number[], options: FitEosOptions = {}): EosFit {
  const form = options.form ?? 'birch-murnaghan';
  if (!['birch-murnaghan', 'vinet', 'murnaghan'].includes(form)) {
    throw new Error(`unknown EOS form "${form}": expected birch-murnaghan, vinet or murnaghan`);
  }
  if (volumes.length !== energies.length) {
    throw new Error(`EOS: ${volumes.length} volumes but ${energies.length} energies`);
  }
  if (volumes.length < 5) throw new Error(`EOS: needs at least 5 (volume, energy) points, got ${volumes.length}`);
  volumes.forEach((v, i) => {
    if (!(Number.isFinite(v) && v > 0)) throw new Error(`EOS: volume ${i} is ${v}, expected a positive number of Å³/atom`);
    if (!Number.isFinite(energies[i])) throw new Error(`EOS: energy ${i} is ${energies[i]}, expected a finite number of eV/atom`);
  });
  const seen = new Map<number, number>();
  volumes.forEach((v, i) => {
    if (seen.has(v)) throw new Error(`EOS: volume ${v} Å³/atom appears twice (energies ${energies[seen.get(v)!]} and ${energies[i]} eV/atom): one point per volume`);
    seen.set(v, i);
  });
  const emin = Math.min(...energies);
  const emax = Math.max(...energies);
  if (emax - emin <= 1e-12 * Math.max(1, Math.abs(emin))) {
    throw new Error(`EOS: all ${energies.length} energies are ${emin} eV/atom: an E(V) with no curvature has no bulk modulus (were the energies read from the right files?)`);
  }
  const start = birchMurnaghanFromCubic(volumes, energies);
  const vmin = Math.min(...volumes);
  const vmax = Math.max(...volumes);
  // parameters scaled to order one: (E₀ − Ē)/ΔE, V₀/V̄, B₀/B₀start, B₀′
  const vbar = volumes.reduce((s, v) => s + v, 0) / volumes.length;
  const ebar = energies.reduce((s, e) => s + e, 0) / energies.length;
  const escale = Math.max(Math.max(...energies) - Math.min(...energies), 1e-12);
  const bscale = Math.abs(start.b0) || 1;
  const toP = (q: readonly number[]): EosParams => ({ e0: ebar + q[0] * escale, v0: q[1] * vbar, b0: q[2] * bscale, b0p: q[3] });
  const res = (q: readonly number[]): number[] => {
    const p = toP(q);
    return volumes.map((v, i) => (eosEnergy(form, p, v) - energies[i]) / escale);
  };
  const b0pStart = form === 'birch-murnaghan' ? start.b0p : Math.min(Math.max(start.b0p, 1.5), 10);
  const fit = levenbergMarquardt(res, [(start.e0 - ebar) / escale, start.v0 / vbar, start.b0 / bscale, b0pStart]);
  const p = toP(fit.params);
  if (!fit.converged || ![p.v0, p.e0, p.b0, p.b0p].every(Number.isFinite)) {
    throw new Error(`EOS: the ${form} fit did not converge`);
  }
  if (p.v0 < vmin || p.v0 > vmax) {
    throw new Error(
      `EOS: the ${form} minimum V0 = ${p.v0.toFixed(4)} Å³/atom lies outside the sampled volumes ` +
        `[${vmin.toFixed(4)}, ${vmax.toFixed(4)}]: sample volumes on both sides of the minimum`,
    );
  }
  const rmse = Math.sqrt(volumes.reduce((s, v, i) => s + (eosEnergy(form, p, v) - energies[i]) ** 2, 0) / volumes.length);
  // the energy the fitted curvature raises across the sampled volumes, ½ E''(V₀) (ΔV/2)² with E'' = B₀/V₀
  const rise = ((p.b0 / EV_PER_A3_IN_GPA / p.v0) * (vmax - vmin) ** 2) / 8;
  if (!(p.b0 > 0) || !(rise > Math.max(1e-6, rmse))) {
    throw new Error(
      `EOS: no curvature resolved: B0 = ${p.b0.toPrecision(3)} GPa raises E by ${rise.toPrecision(3)} eV/atom across the sampled volumes, ` +
        `not above the scatter of the points (RMS ${rmse.toPrecision(3)} eV/atom) and DFT's precision (1e-6 eV/atom)`,
    );
  }
  return { ...p, rmse, form };
}

/** Cohesive energy E_coh = E_atom − E₀ (eV/atom; positive for a bound solid). */
export function cohesiveEnergy(e0: number, eAtom: number): number {
  if (!Number.isFinite(e0) || !Number.isFinite(eAtom)) throw new Error('cohesiveEnergy: energies must be finite (eV)');
  return eAtom - e0;
}
