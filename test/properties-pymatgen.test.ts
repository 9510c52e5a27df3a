/**
 * Differential test of the property code against pymatgen (PyPI, in .venv) on the same inputs:
 * synthetic noisy E(V) curves, the project's own GPAW EOS single points (read by ASE), and
 * random stiffness matrices. The tolerances are derived per case (kernel-lib/test/tolerance.ts):
 * for the EOS parameters from the conditioning of the fit and the stopping tests of pymatgen's
 * optimizer, plus a check that deltak's fit is no worse than pymatgen's; for the moduli from the
 * condition number of C and float64 round-off.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '../kernel-lib/src/core/random.ts';
import { fileURLToPath } from 'node:url';
import { fitEos, eosEnergy, type EosForm, type EosFit } from '../kernel-lib/src/core/eos.ts';
import { moduli } from '../kernel-lib/src/core/elastic.ts';
import { EV_PER_A3_IN_GPA } from '../kernel-lib/src/core/units.ts';
import { assertWithin, leastSquaresTolerance, ssrSlack, vrhTolerances, U, type FitConditioning, type VrhValues } from '../kernel-lib/test/tolerance.ts';

const ROOT = process.env.DELTAK_ROOT ?? fileURLToPath(new URL('..', import.meta.url));
const PY = join(ROOT, '.venv', 'bin', 'python');
const EOS_DIR = join(ROOT, 'data', 'al-fcc', 'raw', 'eos');

const rng = seededRandom;

type PmFit = { v0: number; e0: number; b0: number; b0p: number; conditioning: FitConditioning };
type PmModuli = Record<string, number> & { cond: number; s_fro: number };
type PmOut = {
  gpa: number;
  eos: PmFit[];
  moduli: PmModuli[];
  extxyz_eos: Record<string, { volumes: number[]; energies: number[]; fit: PmFit | null; error?: string }>;
  ssr_of: number[];
};
const pymatgen = (req: object): PmOut =>
  JSON.parse(execFileSync(PY, [join(ROOT, 'test', 'pymatgen_reference.py')], { input: JSON.stringify(req), maxBuffer: 1 << 26 }).toString()) as PmOut;

const PARAMS = ['v0', 'e0', 'b0', 'b0p'] as const;
/** deltak's parameters as pymatgen_reference.py's ssr_of takes them (B₀ back in eV/Å³ with deltak's own factor). */
const asSsrOf = (volumes: number[], energies: number[], form: EosForm, f: EosFit) =>
  ({ volumes, energies, form, params: { v0: f.v0, e0: f.e0, b0_ev_a3: f.b0 / EV_PER_A3_IN_GPA, b0p: f.b0p } });

/**
 * deltak's EOS fit against pymatgen's on the same points, parameter by parameter, within
 * leastSquaresTolerance: pymatgen's EOS.fit is scipy's leastsq (MINPACK, ftol = xtol = 1.49e-8),
 * which stops at a point whose distance from the least-squares minimum its stopping tests bound
 * through the conditioning of the fit ((JᵀJ)⁻¹ and the column norms of J at its parameters, S);
 * deltak's fit is at the minimum to round-off. Where that stopping point lies depends on the
 * CPU's floating point, within the bound. The round-off scale is max|E| + B₀V₀ (ssrRoundoff),
 * and B₀ carries the relative difference of the two eV/Å³ → GPa factors (CODATA 2018 in
 * pymatgen, 2014 in deltak) plus its rounding. Then the complementary check, on any CPU: deltak's
 * parameters in pymatgen's own model have a sum of squared residuals no larger than pymatgen's
 * fit has, up to ssrSlack (4τ_S): a wrong formula in deltak fits a different model and loses.
 */
function assertEosAgrees(what: string, f: EosFit, pm: PmFit, ssrDeltak: number, gpa: number): void {
  const c = pm.conditioning;
  const scale = c.e_max + (pm.b0 / gpa) * pm.v0;
  const relGpa = Math.abs(gpa / EV_PER_A3_IN_GPA - 1) + 2 * U;
  const tol = leastSquaresTolerance(c, PARAMS.map((k) => pm[k]), scale, [0, 0, relGpa, 0]);
  PARAMS.forEach((k, i) => assertWithin(f[k], pm[k], tol[i], `${what} ${k} (deltak vs pymatgen, leastSquaresTolerance)`));
  const slack = ssrSlack(c, scale);
  assert.ok(ssrDeltak <= c.ssr + slack, `${what}: deltak's parameters have S = ${ssrDeltak} in pymatgen's model, pymatgen's fit ${c.ssr} (+ round-off ${slack.toPrecision(3)})`);
}

test('EOS fits and VRH moduli agree with pymatgen', { timeout: 300_000 }, () => {
  const rand = rng(20221);
  const forms: EosForm[] = ['birch-murnaghan', 'vinet', 'murnaghan'];
  const eos = [] as { volumes: number[]; energies: number[]; form: EosForm }[];
  for (let k = 0; k < 12; k++) {
    const form = forms[k % 3];
    const p = { v0: 10 + 15 * rand(), e0: -2 - 3 * rand(), b0: 30 + 150 * rand(), b0p: 3.5 + 2 * rand() };
    const volumes = Array.from({ length: 7 }, (_, i) => p.v0 * (0.94 + 0.02 * i));
    const energies = volumes.map((v) => eosEnergy(form, p, v) + 2e-4 * (rand() - 0.5));
    eos.push({ volumes, energies, form });
  }
  const Cs: number[][][] = [];
  for (let k = 0; k < 10; k++) {
    const c11 = 80 + 150 * rand(), c12 = 30 + 40 * rand(), c13 = 20 + 40 * rand(), c33 = 80 + 150 * rand(), c44 = 20 + 60 * rand();
    const noise = () => 0.5 * (rand() - 0.5);
    const C = [
      [c11, c12, c13, 0, 0, 0], [c12, c11 + noise(), c13, 0, 0, 0], [c13, c13, c33, 0, 0, 0],
      [0, 0, 0, c44, 0, 0], [0, 0, 0, 0, c44 + noise(), 0], [0, 0, 0, 0, 0, (c11 - c12) / 2],
    ];
    Cs.push(C.map((r, i) => r.map((x, j) => (i === j ? x : x + 0 * j))));
  }
  const fits = eos.map((e) => fitEos(e.volumes, e.energies, { form: e.form }));
  const req = {
    eos, moduli: Cs.map((C) => ({ C })), extxyz_eos: existsSync(EOS_DIR) ? EOS_DIR : null,
    ssr_of: eos.map((e, i) => asSsrOf(e.volumes, e.energies, e.form, fits[i])),
  };
  const out = pymatgen(req);
  eos.forEach((e, i) => assertEosAgrees(`${e.form} #${i}`, fits[i], out.eos[i], out.ssr_of[i], out.gpa));
  Cs.forEach((C, i) => assertModuliAgree(`C #${i}`, C, out.moduli[i]));
  if (!req.extxyz_eos) {
    // (no GPAW EOS data)
    test.skip?.('no data/al-fcc/raw/eos');
    return;
  }
  const entries = Object.entries(out.extxyz_eos);
  assert.ok(entries.length > 0, 'real GPAW EOS points found');
  const compared: { dk: string; f: EosFit; g: (typeof entries)[number][1] }[] = [];
  for (const [dk, g] of entries) {
    if (g.fit === null) {
      // pymatgen refuses this curve (its start parabola has no minimum inside): nothing to compare
      continue;
    }
    let f;
    try {
      f = fitEos(g.volumes, g.energies);
    } catch (e) {
      // deltak refuses fits pymatgen would return (e.g. a minimum outside the sampled volumes):
      // then pymatgen's V0 must indeed lie outside, or the curve must have no interior minimum.
      const v = g.fit.v0;
      const outside = v < Math.min(...g.volumes) || v > Math.max(...g.volumes);
      assert.ok(outside, `Δk ${dk}: deltak refused (${(e as Error).message}) but pymatgen's V0 ${v} is inside`);
      continue;
    }
    compared.push({ dk, f, g });
  }
  assert.ok(compared.length > 0, 'at least one real EOS compared');
  const ssr = pymatgen({ ssr_of: compared.map(({ f, g }) => asSsrOf(g.volumes, g.energies, 'birch-murnaghan', f)) }).ssr_of;
  compared.forEach(({ dk, f, g }, i) => assertEosAgrees(`GPAW Δk ${dk}`, f, g.fit!, ssr[i], out.gpa));
});

/**
 * deltak's VRH moduli of C against pymatgen's ElasticTensor, within vrhTolerances: float64
 * round-off of the Voigt sums, and of the inverse of C (its condition number, from numpy) for
 * the Reuss and Hill averages and what follows from them.
 */
function assertModuliAgree(what: string, C: number[][], pm: PmModuli): void {
  const m = moduli(C) as unknown as VrhValues;
  const tol = vrhTolerances(C, m, pm.cond, pm.s_fro);
  for (const k of ['kVoigt', 'kReuss', 'kHill', 'gVoigt', 'gReuss', 'gHill', 'youngs', 'poisson'] as const) {
    assertWithin(m[k], pm[k], tol[k], `${what} ${k} (deltak vs pymatgen, vrhTolerances, κ(C) = ${pm.cond.toPrecision(3)})`);
  }
}

const ELASTIC_DIR = join(ROOT, 'data', 'al', 'dft', 'fcc', 'elastic');
test('real GPAW elastic data of the pipeline: moduli of the fitted C agree with pymatgen', { skip: existsSync(ELASTIC_DIR) ? false : 'data/al/dft/fcc/elastic not found', timeout: 300_000 }, async () => {
  const { readExtxyz } = await import('../kernel-lib/src/io/extxyz.ts');
  const { concatFrames } = await import('../kernel-lib/src/io/frames.ts');
  const { calculationsFromFrames } = await import('../kernel-lib/src/core/fromframes.ts');
  const { elasticSweep } = await import('../kernel-lib/src/core/elastic.ts');
  const { readdirSync } = await import('node:fs');
  const Cs: { dk: number; C: number[][] }[] = [];
  for (const d of readdirSync(ELASTIC_DIR).sort()) {
    const files = readdirSync(join(ELASTIC_DIR, d)).filter((f) => f.endsWith('.extxyz'));
    const calcs = calculationsFromFrames(concatFrames(files.map((f) => readExtxyz(join(ELASTIC_DIR, d, f)))));
    const r = elasticSweep(calcs.map((c) => ({ strain: c.strain!, stress: c.stress! })), { lattice: 'fcc' });
    Cs.push({ dk: calcs[0].dk, C: r.C });
  }
  assert.ok(Cs.length > 0);
  const out = pymatgen({ moduli: Cs.map((c) => ({ C: c.C })) });
  let stable = 0;
  Cs.forEach(({ dk, C }, i) => {
    if (!moduli(C).stable) return; // pymatgen's Reuss/Hill of an unstable C are not a meaningful reference
    stable++;
    assertModuliAgree(`Δk ${dk}`, C, out.moduli[i]);
  });
  assert.ok(stable > 0, 'at least one mechanically stable tensor compared');
});
