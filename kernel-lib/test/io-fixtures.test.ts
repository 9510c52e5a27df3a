/**
 * The oddities of each fixture (shared/fixtures/SOURCES.md), handled or refused with a clear
 * error, and the readers' agreement across formats of the same data.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, symlinkSync, mkdirSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import {
  readOutcar, readVasprun, readDeepmd, writeDeepmd, readDpTest, readExtxyz, readDpgenAutotest,
  readDpdataJson, readTable, readPoscar, readIncar, discoverDk, dkFromPattern, requireDk, concatFrames, readVaspRuns,
  FRAMES_COLUMNS,
} from '../src/io/index.js';
import { kpointGrid, tableMeta } from '../src/core/index.js';
import { REPO_ROOT, NO_FIXTURES, fx, tempDir, assertClose, assertThrowsWith } from './io-helpers.js';
import { assertAllWithin, assertWithin, parsedTolerance, readingTolerances, DPDATA_VASP_VIRIAL_REL, type ReferenceReading } from './tolerance.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const rows = (t: { objects(): object[] }): Obj[] => t.objects() as Obj[];
const skip = NO_FIXTURES;

test('OUTCAR: free energy and energy(σ→0) apart at SIGMA = 1 eV; one layout; units in metadata', { skip }, () => {
  const t = readOutcar(fx('vasp/dpgen_Al2_sigma1_gamma/000000_OUTCAR'));
  assert.deepEqual(t.columnNames(), [...FRAMES_COLUMNS]);
  const [r] = rows(t);
  assert.ok(r.energy < r.energy_sigma0 - 0.2, `TOTEN ${r.energy} should lie well below energy(σ→0) ${r.energy_sigma0} at SIGMA = 1 eV`);
  assert.equal(r.tags.sigma, 1);
  assert.equal(r.tags.ismear, 1);
  assert.equal(r.tags.encut, 600);
  assert.equal(r.kmesh, '1x1x1');
  assert.equal(r.nkpts, 1);
  assert.equal(r.energy_per_atom, r.energy / 2);
  assert.ok(r.positions instanceof Float64Array && r.forces instanceof Float64Array);
  const m = tableMeta(t)!;
  assert.equal(m.units.energy, 'eV');
  assert.equal(m.units.forces, 'eV/Å');
  assert.equal(m.units.virial, 'eV');
  // stress (GPa, tension positive) is −W/V: the "in kB" line (−σ) is positive here, so σ < 0
  assert.ok(r.stress[0] < 0 && Math.abs(r.stress[0] + (r.virial[0] / r.volume) * 160.21766208) < 1e-9);
});

test('OUTCAR: an SCF that hit NELM is flagged, dropped or refused as asked', { skip }, () => {
  const f = fx('vasp/dpgen_Al2_sigma1_gamma/task.001.000001_OUTCAR');
  assert.equal(rows(readOutcar(f))[0].tags.scf_converged, false);
  assertThrowsWith(() => readOutcar(f, { unconverged: 'error' }), /task\.001\.000001_OUTCAR:\d+/, /NELM/);
  assertThrowsWith(() => readOutcar(f, { unconverged: 'drop' }), /no complete ionic step/, /SCF not converged/);
  assert.equal(rows(readOutcar(fx('vasp/dpgen_Al2_sigma1_gamma/000001_OUTCAR')))[0].tags.scf_converged, true);
});

test('OUTCAR with PSTRESS: agrees with the dpgen reference result of the same file', { skip }, () => {
  const ours = rows(readOutcar(fx('vasp/dpgen_Li40_relax_kspacing/OUTCAR')));
  const ref = rows(readDpdataJson(fx('vasp/dpgen_Li40_relax_kspacing/outcar.json')));
  assert.equal(ours.length, 10);
  assert.equal(ref.length, 10);
  ours.forEach((r, i) => {
    assert.equal(r.tags.pstress_kbar, 700);
    // dpdata read the same OUTCAR text: parse round-off, its own VASP virial constant and the
    // cell volume (readingTolerances in tolerance.ts)
    const tol = readingTolerances(ref[i] as ReferenceReading, null, DPDATA_VASP_VIRIAL_REL);
    assertWithin(r.energy, ref[i].energy, parsedTolerance(ref[i].energy), `frame ${i} energy`);
    assertAllWithin(r.virial, ref[i].virial, tol.virial, `frame ${i} virial`);
    assertAllWithin(r.forces, ref[i].forces, tol.forces, `frame ${i} forces`);
    assertAllWithin(r.cell, ref[i].cell, tol.cell, `frame ${i} cell`);
  });
  // VASP 5.4.1 prints no mesh: it is inferred from the k-points; its Δk interval picks one candidate
  assert.equal(ours[0].kmesh, '7x6x10');
  const t = readOutcar(fx('vasp/dpgen_Li40_relax_kspacing/OUTCAR'), { dkCandidates: [0.1, 0.135, 0.2] });
  assert.equal(rows(t)[0].dk, 0.135);
  assert.equal(rows(t)[0].tags.dk_source, 'mesh');
  assertThrowsWith(() => readOutcar(fx('vasp/dpgen_Li40_relax_kspacing/OUTCAR'), { requireDk: true }), /Δk cannot be established/, /mesh 7×6×10/);
});

test('OUTCAR with NWRITE = 0: the steps without positions are listed, vasprun.xml has them all', { skip }, () => {
  const o = readOutcar(fx('vasp/dpdata_Ti32_aimd_nwrite0/OUTCAR'));
  const notes = tableMeta(o)!.notes as Obj;
  assert.equal(o.numRows(), 2);
  assert.deepEqual(rows(o).map((r) => r.tags.step), [1, 10]);
  assert.equal(notes.skipped_steps.length, 8);
  assert.match(notes.skipped_steps[0].reason, /NWRITE = 0/);
  const v = rows(readVasprun(fx('vasp/dpdata_Ti32_aimd_nwrite0/vasprun.xml')));
  assert.equal(v.length, 10);
  for (const [a, b] of [[rows(o)[0], v[0]], [rows(o)[1], v[9]]]) {
    assertClose([a.energy], [b.energy], 1e-8, 'energy');
    assertClose(a.positions, b.positions, 2e-5, 'positions');
    assertClose(a.forces, b.forces, 2e-6, 'forces');
    assert.equal(a.dk, 5);
    assert.equal(b.dk, 5);
  }
});

test('OUTCAR of 16 species with the VASP ≤ 6.3 cut "ions per type": refused, readable with ionsPerType', { skip }, () => {
  const f = fx('vasp/dpdata_HEA48_16species_vasp630/OUTCAR');
  assertThrowsWith(() => readOutcar(f), /OUTCAR:1710/, /10 counts/, /16 POTCARs/, /ionsPerType/);
  assertThrowsWith(() => readOutcar(f, { ionsPerType: [3, 5, 3, 1, 4, 4, 2, 5, 4, 5, 1, 1, 1, 1, 1, 1] }), /sum to 42, but NIONS = 48/);
  const t = readOutcar(f, { ionsPerType: [3, 5, 3, 1, 4, 4, 2, 5, 4, 5, 2, 2, 2, 2, 2, 2] });
  const r = rows(t)[0];
  assert.equal(r.natoms, 48);
  assert.equal(Object.keys(r.counts).length, 16);
  assert.equal(r.dk, 0.5);
  assert.equal(r.kmesh, '2x2x2');
});

test('vasprun.xml: KSPACING from <incar> only; its mesh is the core grid; duplicated atomtypes; last-SCF σ→0', { skip }, () => {
  const c = rows(readVasprun(fx('vasp/custodian_Al1_r2scan_kspacing/vasprun.xml')));
  assert.equal(c.length, 2);
  assert.equal(c[0].dk, 0.25);
  assert.equal(c[0].tags.dk_source, 'KSPACING');
  const cell = c[0].cell;
  assert.deepEqual(kpointGrid([[cell[0], cell[1], cell[2]], [cell[3], cell[4], cell[5]], [cell[6], cell[7], cell[8]]], 0.25).mesh.join('x'), c[0].kmesh);
  const p = readVasprun(fx('vasp/pyiron_vasprun_samples/vasprun_3.xml'));
  const r = rows(p)[0];
  assert.equal(r.formula, 'Al4');
  assert.equal(r.dk, null, 'the <parameters> default KSPACING must not count');
  assert.equal(r.kmesh, '4x4x4');
  const calcE0 = Number(/<i name="e_0_energy">\s*(\S+)\s*<\/i>\s*<\/energy>\s*<\/calculation>|<energy>\s*<i name="e_fr_energy">[^<]*<\/i>\s*<i name="e_wo_entrp">[^<]*<\/i>\s*<i name="e_0_energy">\s*(\S+)/.exec(readFileSync(fx('vasp/pyiron_vasprun_samples/vasprun_3.xml'), 'latin1').split('</scstep>').pop()!)?.slice(1).find(Boolean));
  assert.ok(Math.abs(calcE0 - r.energy) > 1, 'the fixture keeps the calculation-level e_0_energy bug');
  assert.ok(Math.abs(r.energy_sigma0 - r.energy) < 0.1, `σ→0 energy ${r.energy_sigma0} comes from the last SCF step`);
  const v1 = rows(readVasprun(fx('vasp/pyiron_vasprun_samples/vasprun_1.xml')));
  assert.deepEqual(v1.map((x) => x.tags.scf_converged), [true, false, false, true]);
});

test('KSPACING: the core grid reproduces the k-meshes of 30 triclinic cells (KSPACING = 0.16)', { skip }, () => {
  const root = fx('kspacing/dpgen_data.vasp.kp.gf');
  const ks = Number(readIncar(join(root, 'INCAR')).KSPACING);
  assert.equal(ks, 0.16);
  const tests = readdirSync(root).filter((d) => d.startsWith('test.'));
  assert.equal(tests.length, 30);
  for (const d of tests) {
    const p = readPoscar(join(root, d, 'POSCAR'));
    const c = p.cell;
    const ref = readFileSync(join(root, d, 'kp.ref'), 'utf8').trim().split(/\s+/).map(Number);
    assert.deepEqual(kpointGrid([[c[0], c[1], c[2]], [c[3], c[4], c[5]], [c[6], c[7], c[8]]], ks).mesh, ref, d);
  }
});

test('DeePMD: npy equals raw; float32 stays float32; several sets; no type_map needs typeMap', { skip }, () => {
  const npy = rows(readDeepmd(fx('deepmd_npy/dpdata_Fe16_spin_npy')));
  const raw = rows(readDeepmd(fx('deepmd_raw/dpdata_Fe16_spin_raw')));
  assert.equal(npy.length, 2);
  npy.forEach((r, i) => {
    assertClose([r.energy], [raw[i].energy], 1e-8, 'energy');
    assertClose(r.positions, raw[i].positions, 1e-8, 'coord');
    assertClose(r.virial, raw[i].virial, 1e-8, 'virial');
  });
  const water = readDeepmd(fx('deepmd_npy/deepmdkit_water_data_1_two_sets'));
  const w = rows(water);
  assert.equal(w.length, 160);
  assert.equal(w[0].formula, 'O64H128');
  assert.ok(w[0].positions instanceof Float32Array);
  assert.equal(w[0].virial, null);
  assert.deepEqual([...new Set(w.map((r) => r.tags.set))], ['set.000', 'set.001']);
  const mg = fx('deepmd_raw/dpgen_Mg4_fcc_raw_and_npy');
  assertThrowsWith(() => readDeepmd(mg), /Mg4_fcc_raw_and_npy/, /no type_map\.raw/, /typeMap/);
  const a = rows(readDeepmd(mg, { typeMap: ['Mg'] }));
  const b = rows(readDeepmd(mg, { typeMap: ['Mg'], format: 'raw' }));
  assert.equal(a.length, 3);
  a.forEach((r, i) => assertClose(r.forces, b[i].forces, 1e-5, `Mg4 frame ${i} forces npy (float32) vs raw`));
  // a tree of systems
  const tree = readDeepmd(fx('deepmd_npy'));
  assert.equal(tree.numRows(), 162);
});

test('writeDeepmd: round trip, and dpdata reads what it writes', { skip }, () => {
  const { dir, cleanup } = tempDir('write');
  try {
    const src = readDeepmd(fx('deepmd_npy/dpdata_Fe16_spin_npy'));
    const water = readDeepmd(fx('deepmd_npy/deepmdkit_water_data_1_two_sets'));
    const both = concatFrames([src, water]);
    const out = writeDeepmd(both, dir, { setSize: 50 });
    assert.equal(out.length, 2);
    const back = readDeepmd(dir);
    assert.equal(back.numRows(), 162);
    const byFormula = (t: ReturnType<typeof readDeepmd>, f: string): Obj[] => rows(t).filter((r) => r.formula === f);
    const wa = byFormula(water, 'O64H128');
    const wb = byFormula(back, 'O64H128');
    wa.forEach((r, i) => {
      assertClose(wb[i].positions, r.positions, 0, 'coord');
      assertClose([wb[i].energy], [r.energy], 0, 'energy');
    });
    const py = join(REPO_ROOT, '.venv', 'bin', 'python');
    const sum = JSON.parse(execFileSync(py, ['-c', `import dpdata,json,sys; s=dpdata.LabeledSystem(sys.argv[1], fmt='deepmd/npy'); print(json.dumps([len(s), s['energies'].tolist(), s['virials'][1].ravel().tolist()]))`, out.find((d) => d.endsWith('Fe16'))!], { encoding: 'utf8' }));
    const fe = rows(src);
    assert.equal(sum[0], 2);
    // binary float64 written and read back: exactly the same numbers
    assertClose(sum[1], fe.map((r) => r.energy), 0, 'energies read back by dpdata');
    assertClose(sum[2], fe[1].virial, 0, 'virial read back by dpdata');
  } finally {
    cleanup();
  }
});

test('dp test: parity rows; unlabelled test data (all-zero data columns) become null', { skip }, () => {
  const t = readDpTest(fx('dp_test/deepmdkit_agent_commit/test_dp_test_ener_detail'));
  const r = rows(t);
  const q = (name: string): Obj[] => r.filter((x) => x.quantity === name);
  assert.equal(q('energy').length, 1);
  assert.equal(q('force').length, 18);
  assert.equal(q('virial').length, 9);
  assert.equal(q('force')[17].atom, 5);
  assert.equal(q('force')[17].component, 'z');
  assert.ok(r.every((x) => x.data === null));
  assert.equal(q('energy')[0].system, 'test_dp_test');
  assertClose([q('energy')[0].pred / 6], [q('energy_per_atom')[0].pred], 1e-9, 'energy per atom');
  assert.deepEqual((tableMeta(t)!.notes as Obj).unlabelled, ['energy', 'energy_per_atom', 'force', 'virial', 'virial_per_atom']);
});

test('dpgen autotest: a configuration tree (VASP tasks) and the documentation examples', { skip }, () => {
  const { dir, cleanup } = tempDir('autotest');
  try {
    const conf = join(dir, 'confs', 'std-fcc');
    const ex = fx('dpgen_autotest/doc_examples');
    for (const [sub, file] of [['elastic_00', 'elastic_result.json'], ['vacancy_00', 'vacancy_result.json'], ['interstitial_00', 'interstitial_result.json']]) {
      mkdirSync(join(conf, sub, 'task.000000'), { recursive: true });
      symlinkSync(join(ex, file), join(conf, sub, 'result.json'));
      writeFileSync(join(conf, sub, 'task.000000', 'inter.json'), JSON.stringify({ type: 'vasp' }));
    }
    mkdirSync(join(conf, 'relaxation', 'relax_task'), { recursive: true });
    symlinkSync(fx('dpgen_autotest/dpgen_Al_fcc_equi_result.json'), join(conf, 'relaxation', 'relax_task', 'result.json'));
    // the same property computed by LAMMPS with a DeePMD model in a second configuration folder
    const mlp = join(dir, 'confs', 'std-fcc-mlp', 'vacancy_00');
    mkdirSync(join(mlp, 'task.000000'), { recursive: true });
    symlinkSync(join(ex, 'vacancy_result.json'), join(mlp, 'result.json'));
    writeFileSync(join(mlp, 'task.000000', 'inter.json'), JSON.stringify({ type: 'deepmd', model: 'frozen_model.pb' }));
    const t = readDpgenAutotest(dir, { dk: 0.18 });
    assert.deepEqual(rows(t).filter((x) => x.property === 'E_vac').map((x) => [x.conf, x.method]), [['confs/std-fcc', 'DFT'], ['confs/std-fcc-mlp', 'MLP']]);
    const r = rows(t);
    const c11 = r.find((x) => x.property === 'C11')!;
    const elastic = JSON.parse(readFileSync(join(ex, 'elastic_result.json'), 'utf8'));
    assert.equal(c11.value, elastic.elastic_tensor[0]);
    assert.equal(c11.unit, 'GPa');
    assert.equal(c11.method, 'DFT');
    assert.equal(c11.lattice, 'fcc');
    assert.equal(c11.metal, 'Al');
    assert.equal(c11.dk, 0.18);
    assert.equal(r.filter((x) => x.kind === 'elastic').length, 40);
    assert.equal(r.filter((x) => x.property === 'E_int').length, 2);
    const ev = r.find((x) => x.property === 'E_vac' && x.method === 'DFT')!;
    assert.equal(ev.structure, '[3, 3, 3]-task.000000');
    const v0 = r.find((x) => x.property === 'V0')!;
    const relax = JSON.parse(readFileSync(fx('dpgen_autotest/dpgen_Al_fcc_equi_result.json'), 'utf8')).data;
    const [a1, a2, a3] = relax.cells.data.at(-1) as number[][];
    const det = a1[0] * (a2[1] * a3[2] - a2[2] * a3[1]) - a1[1] * (a2[0] * a3[2] - a2[2] * a3[0]) + a1[2] * (a2[0] * a3[1] - a2[1] * a3[0]);
    assertClose([v0.value], [Math.abs(det) / relax.atom_types.data.length], 1e-9, 'V0 of the last relaxation frame');
    assertClose([r.find((x) => x.property === 'E0')!.value], [relax.energies.data.at(-1) / relax.atom_types.data.length], 1e-12, 'E0');
    // .out and .json of the same result agree to the printed digits
    const outRows = rows(readDpgenAutotest(join(ex, 'vacancy_result.out')));
    assertClose([outRows[0].value], [ev.value], 5e-4, 'E_vac from result.out');
    // documentation examples with "..." placeholder lines are refused with the line
    assertThrowsWith(() => readDpgenAutotest(join(ex, 'eos_result.json')), /eos_result\.json:\d+/, /placeholder/);
    assertThrowsWith(() => readDpgenAutotest(join(ex, 'eos_result.out')), /eos_result\.out:5/, /placeholder/);
    const el = rows(readDpgenAutotest(join(ex, 'elastic_result.out')));
    assertClose([el.find((x) => x.property === 'C12')!.value], [elastic.elastic_tensor[1]], 5e-3, 'C12 from result.out');
    const mo = rows(readDpdataJson(fx('dpgen_autotest/dpgen_Mo_bcc_relaxation_result.json')));
    assert.equal(mo.length, 4);
    assert.equal(rows(readDpdataJson(fx('dpgen_autotest/apex_std-bcc_relaxation_result.json')))[0].formula, 'Mo2');
  } finally {
    cleanup();
  }
});

test('extxyz: ASE-written, REF_ keys, "force"/"virial" keys, a pressure in bar refused unless declared', { skip }, () => {
  const ta = fx('extxyz/lammps_pod_Ta_Volume_BCC.xyz');
  assertThrowsWith(() => readExtxyz(ta), /Volume_BCC\.xyz:2/, /implausible/, /stressUnit/);
  const t = rows(readExtxyz(ta, { stressUnit: 'bar', stressSign: 'pressure' }));
  assert.equal(t.length, 21);
  // σ = dE/dV (tension positive) checked against central differences of the E(V) scan
  const pts = t.map((r) => ({ v: r.volume, e: r.energy, s: r.stress[0] / 160.21766208 })).sort((a, b) => a.v - b.v);
  let checked = 0;
  for (let i = 1; i + 1 < pts.length; i++) {
    const dedv = (pts[i + 1].e - pts[i - 1].e) / (pts[i + 1].v - pts[i - 1].v);
    if (Math.abs(dedv) < 0.02) continue;
    assert.ok(Math.sign(dedv) === Math.sign(pts[i].s) && Math.abs(pts[i].s / dedv - 1) < 0.25, `V=${pts[i].v}: σ ${pts[i].s} vs dE/dV ${dedv}`);
    checked++;
  }
  assert.ok(checked >= 5);
  const ace = rows(readExtxyz(fx('extxyz/ace_TiAl_tutorial_DB_tenth.xyz')));
  assert.ok(ace.every((r) => r.forces !== null && r.virial !== null));
  const wfl = rows(readExtxyz(fx('extxyz/wfl_LiCu_vasp_REF_keys_fitting.xyz')));
  assert.equal(wfl.length, 152);
  assert.equal(wfl.filter((r) => r.virial !== null).length, 30);
  assert.ok(wfl.every((r) => r.energy !== null && r.forces !== null));
});

test('Δk discovery: KSPACING, file key, folder pattern, mesh + candidates; disagreement and absence are errors', { skip }, () => {
  const bulk = join(REPO_ROOT, 'data', 'al-fcc', 'raw', 'bulk');
  let files: string[] = [];
  try {
    files = readdirSync(bulk).filter((f) => f.endsWith('.extxyz'));
  } catch {
    files = [];
  }
  for (const f of files) {
    const r = rows(readExtxyz(join(bulk, f), { dkPattern: 'dk{dk}_' }))[0];
    assert.equal(r.dk, dkFromPattern(f, 'dk{dk}_'));
    assert.equal(r.tags.dk_source, 'file');
    const g = r.cell;
    const grid = kpointGrid([[g[0], g[1], g[2]], [g[3], g[4], g[5]], [g[6], g[7], g[8]]], r.dk);
    assert.equal(grid.mesh.join('x'), r.kmesh, `${f}: mesh written by the pipeline is the core grid at its Δk`);
  }
  // the pipeline's folders: dk0.12/… must agree with the dk key written in each file
  const tree = join(REPO_ROOT, 'data', 'al', 'dft');
  if (existsSync(tree)) {
    const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith('.extxyz') ? [join(d, e.name)] : []));
    for (const f of walk(tree)) {
      const r = rows(readExtxyz(f, { dkPattern: '/dk{dk}/', requireDk: true }))[0];
      assert.equal(r.dk, dkFromPattern(f, '/dk{dk}/'), f);
    }
  }
  assert.equal(dkFromPattern('/runs/kspacing-0.24/OUTCAR', 'kspacing-{dk}/'), 0.24);
  assert.equal(dkFromPattern('/runs/a/OUTCAR', 'kspacing-{dk}/'), null);
  assertThrowsWith(() => discoverDk({ path: '/x/dk0.12/OUTCAR', kspacing: 0.18 }, { dkPattern: 'dk{dk}/' }), /KSPACING \(0\.18/, /pattern \(0\.12/, /disagree/);
  assertThrowsWith(() => discoverDk({ path: '/x/OUTCAR' }, { requireDk: true }), /Δk cannot be established/, /no KSPACING/);
  const al2 = readOutcar(fx('vasp/dpgen_Al2_sigma1_gamma/000000_OUTCAR'));
  assertThrowsWith(() => requireDk(al2), /Δk cannot be established for 1 source/, /000000_OUTCAR/);
  assert.deepEqual(requireDk(readOutcar(fx('vasp/dpgen_Al2_sigma1_gamma/000000_OUTCAR'), { dkPattern: 'dpgen_Al{dk}_' })), [2]);
});

test('readTable: a spreadsheet with its own headers becomes the tidy sweep', () => {
  const { dir, cleanup } = tempDir('table');
  try {
    const csv = join(dir, 'mine.csv');
    writeFileSync(csv, 'Run,"Vacancy E (eV)",Notes\nkp-dk0.12,0.671,"first, fine"\nkp-dk0.24,0.716,\n');
    const t = readTable(csv, {
      columns: { value: 'Vacancy E (eV)' },
      constants: { metal: 'Al', lattice: 'fcc', property: 'E_vac', unit: 'eV', method: 'MLP' },
      dkFrom: { column: 'Run', pattern: 'dk{dk}' },
    });
    const r = rows(t);
    assert.deepEqual(r.map((x) => [x.dk, x.value, x.Notes]), [[0.12, 0.671, 'first, fine'], [0.24, 0.716, null]]);
    assert.equal(tableMeta(t)!.kind, 'sweep');
    assertThrowsWith(() => readTable(csv, { columns: { value: 'Evac' } }), /mine\.csv:1/, /no column "Evac"/, /"Vacancy E \(eV\)"/);
    const tsv = join(dir, 'x.tsv');
    writeFileSync(tsv, 'metal\tlattice\tproperty\tunit\tmethod\tdk\tvalue\nAl\tfcc\tB\tGPa\tDFT\t0.12\t77\nAl\tfcc\tB\tGPa\tDFT\t0.12\n');
    assertThrowsWith(() => readTable(tsv), /x\.tsv:3/, /6 fields, the header has 7/);
    const json = join(dir, 'x.json');
    writeFileSync(json, JSON.stringify({ metal: ['Al', 'Al'], lattice: ['fcc', 'fcc'], property: ['B', 'B'], unit: ['GPa', 'eV'], method: ['DFT', 'DFT'], dk: [0.12, 0.18], value: [77, 78] }));
    assertThrowsWith(() => readTable(json), /x\.json/, /unit/);
  } finally {
    cleanup();
  }
});

test('a folder tree of VASP runs: Δk from folder names, from KSPACING, from an INCAR beside the OUTCAR', { skip }, () => {
  const { dir, cleanup } = tempDir('tree');
  try {
    const mk = (sub: string, files: Record<string, string>): void => {
      mkdirSync(join(dir, sub), { recursive: true });
      for (const [name, target] of Object.entries(files)) symlinkSync(fx(target), join(dir, sub, name));
    };
    mk('dk0.12/single', { OUTCAR: 'vasp/dpgen_Al2_sigma1_gamma/000000_OUTCAR' });
    mk('dk0.24/single', { OUTCAR: 'vasp/dpgen_Al2_sigma1_gamma/000001_OUTCAR' });
    mk('md', { OUTCAR: 'vasp/dpdata_Ti32_aimd_nwrite0/OUTCAR', 'vasprun.xml': 'vasp/dpdata_Ti32_aimd_nwrite0/vasprun.xml' });
    const t = readVaspRuns(dir, { dkPattern: 'dk{dk}/', requireDk: true });
    const r = rows(t);
    assert.equal(r.length, 12, 'two single points and the 10 steps of vasprun.xml (preferred over OUTCAR)');
    assert.deepEqual(requireDk(t), [0.12, 0.24, 5]);
    assert.equal(rows(readVaspRuns(dir, { prefer: 'outcar', lastStepOnly: true })).length, 3);
    assertThrowsWith(() => readVaspRuns(dir, { requireDk: true }), /000000_OUTCAR|single\/OUTCAR/, /Δk cannot be established/);
    // VASP 5 does not echo KSPACING; an INCAR beside the OUTCAR gives it (1×1×1 on this 4.6 Å cell needs Δk ≥ 1.366)
    writeFileSync(join(dir, 'dk0.12', 'single', 'INCAR'), 'ENCUT = 600\nKSPACING = 1.5 ! spacing\n');
    assert.equal(rows(readVaspRuns(join(dir, 'dk0.12')))[0].dk, 1.5);
    assertThrowsWith(() => readVaspRuns(dir, { dkPattern: 'dk{dk}/' }), /dk0\.12\/single\/OUTCAR/, /KSPACING \(1\.5/, /pattern \(0\.12/, /disagree/);
    // a KSPACING that cannot have made the mesh: the k-points came from a KPOINTS file
    writeFileSync(join(dir, 'dk0.12', 'single', 'INCAR'), 'KSPACING = 0.12; ISMEAR = 1\n');
    assertThrowsWith(() => readVaspRuns(join(dir, 'dk0.12')), /single\/OUTCAR/, /KSPACING = 0\.12/, /mesh 1×1×1/, /KPOINTS file/);
  } finally {
    cleanup();
  }
});

test('VASP runs: KSPACING is checked on the first cell only (VASP keeps that mesh through the run); many frames span many blocks', async () => {
  const { FrameStore } = await import('../src/io/frames.js');
  const { buildVaspFrames } = await import('../src/io/vasp/vaspframes.js');
  const a0 = 4.05;
  const natoms = 4;
  const store = new FrameStore(Array(natoms).fill('Al'));
  // KSPACING 0.3 on a 4.05 Å cube: |b| = 2π/4.05 = 1.5514 Å⁻¹ → N = ⌈5.17⌉ = 6
  const mesh: [number, number, number] = [6, 6, 6];
  assert.equal(kpointGrid([[a0, 0, 0], [0, a0, 0], [0, 0, a0]], 0.3).mesh.join('x'), '6x6x6');
  const n = 20000; // 20000 × 12 positions = 240 000 values: four 64 Ki-value blocks and a part block
  for (let i = 0; i < n; i++) {
    // a cell-relaxation run that shrinks the cell by 20 %: on the last cells KSPACING would give 7 × 7 × 7
    const a = a0 * (1 - (0.2 * i) / (n - 1));
    const positions = Float64Array.from({ length: 3 * natoms }, (_, k) => i + k / 100);
    store.add({ cell: [a, 0, 0, 0, a, 0, 0, 0, a], positions, forces: positions, virial: null, energy: -i, energySigma0: null, step: i + 1, scfIterations: 3, scfConverged: true });
  }
  const st = { version: null, kspacing: 0.3, ismear: 1, sigma: 0.1, encut: 400, pstress: null, nelm: 60, nwrite: null, ibrion: 2, isif: 3, kmesh: mesh, kmeshSource: 'printed', nkpts: 28, species: ['Al'], ionsPerType: [natoms] };
  const t = buildVaspFrames(store, '/runs/relax/OUTCAR', st, {}, {});
  assert.equal(t.numRows(), n);
  const dk = t.array('dk') as ArrayLike<number>;
  for (let i = 0; i < n; i += 997) assert.equal(dk[i], 0.3);
  assert.equal(dk[n - 1], 0.3);
  const pos = t.array('positions') as ArrayLike<Float64Array>;
  const tags = t.array('tags') as ArrayLike<Record<string, unknown>>;
  for (const i of [0, 5460, 5461, 10922, 16383, 19999]) {
    assert.equal(pos[i].length, 3 * natoms);
    assert.equal(pos[i][0], i, `row ${i} is its own frame`);
    assert.equal(pos[i][11], i + 0.11);
    assert.deepEqual([tags[i].step, tags[i].scf_iterations, tags[i].scf_converged, tags[i].kspacing], [i + 1, 3, true, 0.3]);
  }
  // a KSPACING that does not give the mesh on the first cell is still refused
  assertThrowsWith(() => buildVaspFrames(store, '/runs/relax/OUTCAR', { ...st, kspacing: 0.2 }, {}, {}), /KSPACING = 0\.2/, /KPOINTS file/);
});
