import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readDpgenAutotest } from '../src/io/deepmd/dpgen.ts';
import { propertiesFromAutotest, defectSweep, type Calculation } from '../src/core/properties.ts';
import { moduli } from '../src/core/elastic.ts';
import { eosEnergy } from '../src/core/eos.ts';
import { assertWithin, voigtTolerances, youngsPoissonTolerances } from './tolerance.ts';

const FIX = join(fileURLToPath(new URL('../..', import.meta.url)), '..', 'shared', 'fixtures', 'dpgen_autotest', 'doc_examples');
const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

test('dpgen autotest elastic result: our Voigt moduli equal dpgen’s BV, GV, EV, uV', { skip: existsSync(FIX) ? false : `fixtures not found at ${FIX}` }, () => {
  const at = readDpgenAutotest(join(FIX, 'elastic_result.json'), { metal: 'Al', lattice: 'fcc', method: 'DFT', dk: 0.12 });
  const rows = at.objects() as { property: string; value: number }[];
  const v = (p: string) => rows.find((r) => r.property === p)!.value;
  const C = Array.from({ length: 6 }, (_, i) => Array.from({ length: 6 }, (_, j) => v(`C${i + 1}${j + 1}`)));
  // dpgen reports the moduli of the tensor as fitted (pymatgen takes its upper triangle)
  const m = moduli(C);
  const E = (9 * m.kVoigt * m.gVoigt) / (3 * m.kVoigt + m.gVoigt);
  const nu = (3 * m.kVoigt - 2 * m.gVoigt) / (2 * (3 * m.kVoigt + m.gVoigt));
  // dpgen computed these from the same tensor (possibly before its kBar → GPa conversion, one
  // more rounding per entry), written with full float64 digits: float64 round-off of the Voigt
  // sums (voigtTolerances) and of E and ν from them (youngsPoissonTolerances), both sides
  const tv = voigtTolerances(C, 1);
  const tEnu = youngsPoissonTolerances(m.kVoigt, m.gVoigt, tv.kVoigt, tv.gVoigt);
  assertWithin(m.kVoigt, v('BV'), tv.kVoigt, 'BV (deltak vs dpgen, voigtTolerances)');
  assertWithin(m.gVoigt, v('GV'), tv.gVoigt, 'GV (deltak vs dpgen, voigtTolerances)');
  assertWithin(E, v('EV'), tEnu.youngs, 'EV (deltak vs dpgen, youngsPoissonTolerances)');
  assertWithin(nu, v('uV'), tEnu.poisson, 'uV (deltak vs dpgen, youngsPoissonTolerances)');
  const sweep = propertiesFromAutotest(at).objects() as { property: string; value: number; unit: string }[];
  assert.deepEqual(sweep.map((r) => r.property), ['C11', 'C12', 'C44', 'B', 'G', 'E', 'nu']);
  assert.equal(sweep[0].unit, 'GPa');
});

test('dpgen autotest EOS and vacancy results → V0, E0, B0, B0p and E_vac; unknown Δk is an error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'deltak-autotest-'));
  const truth = { v0: 16.5, e0: -3.74, b0: 77, b0p: 4.6 };
  mkdirSync(join(dir, 'confs', 'std-fcc', 'eos_00'), { recursive: true });
  mkdirSync(join(dir, 'confs', 'std-fcc', 'vacancy_00'), { recursive: true });
  const eos: Record<string, number> = {};
  for (const v of [15.5, 16, 16.5, 17, 17.5, 18]) eos[v.toFixed(3)] = eosEnergy('birch-murnaghan', truth, v);
  writeFileSync(join(dir, 'confs', 'std-fcc', 'eos_00', 'result.json'), JSON.stringify(eos));
  writeFileSync(join(dir, 'confs', 'std-fcc', 'vacancy_00', 'result.json'), JSON.stringify({ 'Al-[2, 2, 2]-task.000000': [0.65, -25.6, -26.25] }));
  const at = readDpgenAutotest(dir, { metal: 'Al', method: 'MLP', dk: 0.18 });
  const rows = propertiesFromAutotest(at).objects() as { property: string; value: number; lattice: string; structure?: string }[];
  const by = Object.fromEntries(rows.map((r) => [r.property, r]));
  for (const k of ['v0', 'e0', 'b0', 'b0p'] as const) {
    const name = { v0: 'V0', e0: 'E0', b0: 'B0', b0p: 'B0p' }[k];
    assert.ok(rel(by[name].value, truth[k]) < 1e-8, name);
  }
  assert.equal(by.V0.lattice, 'fcc');
  assert.equal(by.E_vac.value, 0.65);
  const noDk = readDpgenAutotest(dir, { metal: 'Al', method: 'MLP' });
  assert.throws(() => propertiesFromAutotest(noDk), /the dk is not known/);
});

test('defectSweep: defect energies for a whole sweep, bulk matched per Δk', () => {
  const base = { metal: 'Al', lattice: 'fcc', method: 'DFT' };
  const calcs: Calculation[] = [0.12, 0.18].flatMap((dk, i) => [
    { ...base, dk, kind: 'bulk', natoms: 8, volume: 132, energy: -30 - i },
    { ...base, dk, kind: 'vacancy', natoms: 7, volume: 132, energy: -25.6 - i },
    { ...base, dk, kind: 'td', natoms: 9, volume: 132, energy: -31 },
  ] as Calculation[]);
  const rows = defectSweep(calcs).objects() as { property: string; dk: number; value: number }[];
  // Δk 0.18: bulk −31 → E_vac = −26.6 − 7/8·(−31) = 0.525; E_Td = −31 − 9/8·(−31) = 3.875
  const at = (p: string, dk: number) => rows.find((r) => r.property === p && r.dk === dk)!.value;
  assert.ok(Math.abs(at('E_vac', 0.18) - 0.525) < 1e-12);
  assert.ok(Math.abs(at('E_Td', 0.18) - 3.875) < 1e-12);
  assert.ok(Math.abs(at('E_vac', 0.12) - 0.65) < 1e-12);
  assert.throws(() => defectSweep(calcs.filter((c) => c.kind === 'bulk')), /no vacancy, oh or td/);
});
