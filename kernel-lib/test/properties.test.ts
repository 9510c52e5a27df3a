import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitEos, eosEnergy, birchMurnaghanFromCubic, cohesiveEnergy, type EosForm } from '../src/core/eos.ts';
import { elasticConstants, elasticSweep, moduli, type Deformation } from '../src/core/elastic.ts';
import { vacancyFormationEnergy, interstitialFormationEnergy } from '../src/core/defects.ts';
import { computeProperties, type Calculation } from '../src/core/properties.ts';
import { tableMeta } from '../src/core/meta.ts';

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);
const matVec = (C: number[][], e: readonly number[]): number[] => C.map((r) => r.reduce((s, x, j) => s + x * e[j], 0));

test('EOS closed forms: energies from known BM3, Vinet and Murnaghan parameters fit back to 1e-8', () => {
  const truth = { v0: 16.47, e0: -3.741, b0: 77.3, b0p: 4.55 };
  const vs = [15.2, 15.6, 16.0, 16.4, 16.8, 17.2, 17.6];
  for (const form of ['birch-murnaghan', 'vinet', 'murnaghan'] as EosForm[]) {
    const f = fitEos(vs, vs.map((v) => eosEnergy(form, truth, v)), { form });
    for (const k of ['v0', 'e0', 'b0', 'b0p'] as const) assert.ok(rel(f[k], truth[k]) < 1e-8, `${form} ${k}: ${f[k]} vs ${truth[k]}`);
    assert.ok(f.rmse < 1e-10);
    assert.equal(f.form, form);
  }
});

test('BM3 is a cubic in V^(-2/3): the linear start is already exact', () => {
  const truth = { v0: 11.9, e0: -4.1, b0: 140, b0p: 5.1 };
  const vs = [10.8, 11.2, 11.6, 12.0, 12.4, 12.8];
  const p = birchMurnaghanFromCubic(vs, vs.map((v) => eosEnergy('birch-murnaghan', truth, v)));
  for (const k of ['v0', 'e0', 'b0', 'b0p'] as const) assert.ok(rel(p[k], truth[k]) < 1e-9, k);
});

test('EOS errors: too few points, minimum outside the sampled volumes, no minimum, bad form', () => {
  const truth = { v0: 16.47, e0: -3.741, b0: 77.3, b0p: 4.55 };
  const e = (vs: number[]) => vs.map((v) => eosEnergy('birch-murnaghan', truth, v));
  assert.throws(() => fitEos([15, 16, 17, 18], e([15, 16, 17, 18])), /at least 5/);
  const left = [17, 17.5, 18, 18.5, 19];
  assert.throws(() => fitEos(left, e(left)), /outside the sampled volumes/);
  assert.throws(() => fitEos([1, 2, 3, 4, 5], [5, 4, 3, 2, 1]), /no minimum|outside/);
  assert.throws(() => fitEos([1, 2, 3, 4, 5], [1, 2, 3, Number.NaN, 5]), /energy 3 is NaN/);
  assert.throws(() => fitEos(left, e(left), { form: 'bogus' as EosForm }), /unknown EOS form "bogus"/);
  assert.equal(cohesiveEnergy(-3.74, -0.2), 3.54);
});

const cubicC = (c11: number, c12: number, c44: number): number[][] => [
  [c11, c12, c12, 0, 0, 0], [c12, c11, c12, 0, 0, 0], [c12, c12, c11, 0, 0, 0],
  [0, 0, 0, c44, 0, 0], [0, 0, 0, 0, c44, 0], [0, 0, 0, 0, 0, c44],
];

function deformations(C: number[][], normal: number[], shear: number[]): Deformation[] {
  const out: Deformation[] = [];
  for (const [mags, offset] of [[normal, 0], [shear, 3]] as const) {
    for (const m of mags) for (const s of [-1, 1]) for (let j = 0; j < 3; j++) {
      const e = [0, 0, 0, 0, 0, 0];
      e[offset + j] = s * m;
      out.push({ strain: e, stress: matVec(C, e) });
    }
  }
  return out;
}

test('a known cubic C is recovered from its exact stresses (single fit and paper’s magnitude average)', () => {
  const C = cubicC(107.3, 60.9, 28.3);
  const defs = deformations(C, [0.01, 0.02, 0.03], [0.03, 0.05, 0.07]);
  const full = elasticConstants(defs.map((d) => d.strain), defs.map((d) => d.stress), { lattice: 'fcc' });
  const avg = elasticSweep(defs, { lattice: 'fcc' });
  for (const r of [full, avg]) {
    assert.equal(r.symmetry, 'cubic');
    assert.deepEqual(Object.keys(r.constants), ['C11', 'C12', 'C44']);
    assert.ok(rel(r.constants.C11, 107.3) < 1e-12 && rel(r.constants.C12, 60.9) < 1e-12 && rel(r.constants.C44, 28.3) < 1e-12);
  }
  assert.deepEqual(avg.normalMagnitudes, [0.01, 0.02, 0.03]);
  assert.deepEqual(avg.shearMagnitudes, [0.03, 0.05, 0.07]);
});

test('hexagonal: C11 C12 C13 C33 C44 C66 are reported and recovered', () => {
  const [c11, c12, c13, c33, c44] = [59.4, 25.6, 21.4, 61.6, 16.4];
  const c66 = (c11 - c12) / 2;
  const C = [
    [c11, c12, c13, 0, 0, 0], [c12, c11, c13, 0, 0, 0], [c13, c13, c33, 0, 0, 0],
    [0, 0, 0, c44, 0, 0], [0, 0, 0, 0, c44, 0], [0, 0, 0, 0, 0, c66],
  ];
  const r = elasticSweep(deformations(C, [0.01, 0.02], [0.03, 0.05]), { lattice: 'hcp' });
  const want: Record<string, number> = { C11: c11, C12: c12, C13: c13, C33: c33, C44: c44, C66: c66 };
  assert.deepEqual(Object.keys(r.constants), Object.keys(want));
  for (const [k, v] of Object.entries(want)) assert.ok(rel(r.constants[k], v) < 1e-12, k);
});

test('VRH of an isotropic C gives its Lamé values; E and ν from the closed forms', () => {
  const lambda = 60, mu = 25;
  const m = moduli(cubicC(lambda + 2 * mu, lambda, mu));
  const K = lambda + (2 * mu) / 3;
  for (const k of [m.kVoigt, m.kReuss!, m.kHill!]) assert.ok(rel(k, K) < 1e-12);
  for (const g of [m.gVoigt, m.gReuss!, m.gHill!]) assert.ok(rel(g, mu) < 1e-12);
  assert.ok(rel(m.youngs!, (mu * (3 * lambda + 2 * mu)) / (lambda + mu)) < 1e-12);
  assert.ok(rel(m.poisson!, lambda / (2 * (lambda + mu))) < 1e-12);
  assert.equal(m.stable, true);
});

test('a C that is not positive definite is reported unstable, not thrown', () => {
  const m = moduli(cubicC(50, 60, 20)); // C11 < C12 violates the Born criterion
  assert.equal(m.stable, false);
  assert.ok(Number.isFinite(m.kVoigt));
});

test('elastic errors: mixed strain, missing shear, strains that do not span', () => {
  const C = cubicC(107.3, 60.9, 28.3);
  assert.throws(() => elasticSweep([{ strain: [0.01, 0, 0, 0.01, 0, 0], stress: [0, 0, 0, 0, 0, 0] }], { lattice: 'fcc' }), /mixes normal and shear/);
  assert.throws(() => elasticSweep(deformations(C, [0.01], []), { lattice: 'fcc' }), /needs both normal and shear/);
  const onlyXX = deformations(C, [0.01], [0.03]).filter((d) => d.strain[1] === 0 && d.strain[2] === 0);
  assert.throws(() => elasticSweep(onlyXX, { lattice: 'triclinic' }), /do not determine C22 \(apply ε2\)/);
  const dependent = [0.01, -0.01].map((e) => ({ strain: [e, e, 0, 0, 0, 0], stress: matVec(C, [e, e, 0, 0, 0, 0]) }));
  const shearOnly = deformations(C, [], [0.03]);
  assert.throws(() => elasticSweep([...dependent, ...shearOnly], { lattice: 'fcc' }), /directions ε1, ε2 must be independent/);
  assert.throws(() => elasticConstants([[0.01, 0, 0, 0, 0, 0]], [[1, 1, 1, 0, 0, 0]], { lattice: 'fcc' }), /at least 6 equations/);
  assert.throws(() => elasticSweep(deformations(C, [0.01], [0.03]), { lattice: 'rhombic' }), /unknown lattice "rhombic"/);
});

test('defect formation energies: hand values and basis checks', () => {
  // bulk 8 atoms at −30 eV; vacancy 7 atoms at −25.6 eV: −25.6 − 7/8·(−30) = 0.65 eV
  assert.ok(Math.abs(vacancyFormationEnergy({ energy: -25.6, natoms: 7 }, { energy: -30, natoms: 8 }) - 0.65) < 1e-12);
  // interstitial 9 atoms at −31.0 eV: −31 − 9/8·(−30) = 2.75 eV
  assert.ok(Math.abs(interstitialFormationEnergy({ energy: -31, natoms: 9 }, { energy: -30, natoms: 8 }) - 2.75) < 1e-12);
  assert.throws(() => vacancyFormationEnergy({ energy: -25.6, natoms: 6 }, { energy: -30, natoms: 8 }), /expected 7/);
  assert.throws(() => vacancyFormationEnergy({ energy: -25.6, natoms: 7, dk: 0.12 }, { energy: -30, natoms: 8, dk: 0.18 }), /must match/);
});

test('computeProperties: EOS, elastic, defects and cohesive energy into the tidy sweep with units', () => {
  const truth = { v0: 16.47, e0: -3.741, b0: 77.3, b0p: 4.55 };
  const base = { metal: 'Al', lattice: 'fcc', method: 'DFT', dk: 0.12 };
  const calcs: Calculation[] = [];
  for (const v of [15.6, 16.0, 16.4, 16.8, 17.2]) calcs.push({ ...base, kind: 'eos', natoms: 1, volume: v, energy: eosEnergy('birch-murnaghan', truth, v) });
  for (const d of deformations(cubicC(107.3, 60.9, 28.3), [0.01, 0.02], [0.03, 0.05])) {
    calcs.push({ ...base, kind: 'elastic', natoms: 1, volume: 16.47, energy: 0, strain: d.strain, stress: d.stress });
  }
  calcs.push({ ...base, kind: 'bulk', natoms: 8, volume: 131.8, energy: -30 });
  calcs.push({ ...base, kind: 'vacancy', natoms: 7, volume: 131.8, energy: -25.6 });
  calcs.push({ ...base, kind: 'oh', natoms: 9, volume: 131.8, energy: -31 });
  calcs.push({ ...base, kind: 'atom', natoms: 1, volume: 1000, energy: -0.2 });
  const t = computeProperties(calcs);
  const by = Object.fromEntries((t.objects() as { property: string; value: number; unit: string }[]).map((r) => [r.property, r]));
  assert.ok(rel(by.V0.value, 16.47) < 1e-8 && by.V0.unit === 'Å³/atom');
  assert.ok(rel(by.B0.value, 77.3) < 1e-8 && by.B0.unit === 'GPa');
  assert.ok(rel(by.E_coh.value, -0.2 + 3.741) < 1e-8);
  assert.ok(rel(by.C44.value, 28.3) < 1e-12);
  assert.ok(Math.abs(by.E_vac.value - 0.65) < 1e-12 && by.E_vac.unit === 'eV');
  assert.ok(Math.abs(by.E_Oh.value - 2.75) < 1e-12);
  assert.equal(by.nu.unit, '1');
  assert.equal(tableMeta(t)?.units.dk, 'Å⁻¹');
  // errors name the group
  const noBulk = calcs.filter((c) => c.kind !== 'bulk');
  assert.throws(() => computeProperties(noBulk), /Al fcc DFT Δk = 0.12 Å⁻¹: vacancy cell of 7 atoms needs exactly one bulk cell of 8 atoms/);
  const fewEos = calcs.filter((c, i) => !(c.kind === 'eos' && i < 1));
  assert.throws(() => computeProperties(fewEos), /Al fcc DFT Δk = 0.12 Å⁻¹: EOS: needs at least 5/);
});

test('symmetry-reduced strain sets: cubic ε1 + ε4, hcp ε1 ε3 ε4 ε6 recover every constant', () => {
  const C = cubicC(107.3, 60.9, 28.3);
  const only = (defs: Deformation[], dirs: number[]) => defs.filter((d) => dirs.some((j) => d.strain[j] !== 0));
  const r = elasticSweep(only(deformations(C, [0.01, 0.02, 0.03], [0.03, 0.05, 0.07]), [0, 3]), { lattice: 'bcc' });
  assert.ok(rel(r.constants.C11, 107.3) < 1e-12 && rel(r.constants.C12, 60.9) < 1e-12 && rel(r.constants.C44, 28.3) < 1e-12);
  assert.ok(rel(moduli(r.C).kVoigt, (107.3 + 2 * 60.9) / 3) < 1e-12);
  const [c11, c12, c13, c33, c44, c66] = [59.4, 25.6, 21.4, 61.6, 16.4, 17.1];
  const H = [
    [c11, c12, c13, 0, 0, 0], [c12, c11, c13, 0, 0, 0], [c13, c13, c33, 0, 0, 0],
    [0, 0, 0, c44, 0, 0], [0, 0, 0, 0, c44, 0], [0, 0, 0, 0, 0, c66],
  ];
  const h = elasticSweep(only(deformations(H, [0.01, 0.02], [0.03, 0.05]), [0, 2, 3, 5]), { lattice: 'hcp' });
  const want: Record<string, number> = { C11: c11, C12: c12, C13: c13, C33: c33, C44: c44, C66: c66 };
  for (const [k, v] of Object.entries(want)) assert.ok(rel(h.constants[k], v) < 1e-12, k);
  assert.throws(() => elasticSweep(only(deformations(H, [0.01], [0.03]), [0, 3, 5]), { lattice: 'hcp' }), /do not determine C33 \(apply ε3\)/);
});

test('nothing dropped or guessed: a volume twice in one EOS, an autotest kind with no property, madSummary with no Δk in range', async () => {
  const V = [14.5, 15.5, 16.5, 17.5, 18.5];
  const calcs = V.map((v) => ({ metal: 'Al', lattice: 'fcc', method: 'DFT', dk: 0.1, kind: 'eos', natoms: 1, volume: v, energy: 0.01 * (v - 16.5) ** 2 - 3.7 }));
  calcs.push({ ...calcs[0], energy: calcs[0].energy + 0.4 });
  assert.throws(() => computeProperties(calcs as Calculation[]), /Al fcc DFT Δk = 0\.1 Å⁻¹: EOS: volume 14\.5 Å³\/atom appears twice/);
  const { propertiesFromAutotest } = await import('../src/core/properties.ts');
  const at = [
    { kind: 'surface', metal: 'Al', lattice: 'fcc', method: 'DFT', dk: 0.1, property: 'E_surf', unit: 'J/m^2', value: 1, source: 'surface_00/result.json' },
    { kind: 'vacancy', metal: 'Al', lattice: 'fcc', method: 'DFT', dk: 0.1, property: 'E_vac', unit: 'eV', value: 0.7, source: 'vacancy_00/result.json' },
  ];
  assert.throws(() => propertiesFromAutotest(at as never), /surface_00\/result\.json: autotest result of kind "surface"/);
  const { madSummary } = await import('../src/core/convergence.ts');
  const sweep = [0.09, 0.12, 0.18, 0.66, 0.96].flatMap((dk) => [
    ...(dk < 0.5 ? [{ metal: 'Al', lattice: 'fcc', property: 'E_vac', unit: 'eV', method: 'DFT', dk, value: 0.7 + dk / 10 }] : []),
    ...(dk > 0.5 ? [{ metal: 'Al', lattice: 'fcc', property: 'E_vac', unit: 'eV', method: 'MLP', dk, value: 0.8 + dk / 10 }] : []),
  ]);
  assert.throws(() => madSummary(sweep, { dkBelow: 0.5 }), /MLP.*no Δk below 0\.5/);
});
