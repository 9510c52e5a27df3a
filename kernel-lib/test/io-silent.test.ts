/**
 * Nothing read silently wrong: edited copies of real files (fixtures, and the project's own
 * data) whose edit used to pass unnoticed — a number cut at the end of a file, a duplicated
 * type-map line, a result.json that lost a line, a cell of zero volume, a corrupted "in kB"
 * line, a Δk of 1e400 or −0.1, a folder where a file is expected — are errors naming the file and
 * the line (or frame, or array). Also the analyses that took degenerate input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync, mkdirSync, cpSync, chmodSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  readDeepmd, readDpTest, readTable, readExtxyz, readOutcar, readVasprun, readDpgenAutotest, readDpdataJson, readPoscar,
  readIncar, readNpy, discoverDk, ReadError,
} from '../src/io/index.js';
import { fitEos, moduli, tableMeta, propertiesFromAutotest } from '../src/core/index.js';
import { NO_FIXTURES, REPO_ROOT, fx, tempDir, assertThrowsWith } from './io-helpers.js';

/** `text` with its last line cut after `keep` characters (no line end: a file cut while written). */
function cutLastLine(text: string, keep: number): string {
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  const nl = body.lastIndexOf('\n');
  return body.slice(0, nl + 1 + keep);
}

test('a number cut at the end of a file is refused, naming the file and line (DeePMD raw, dp test, CSV, extxyz)', { skip: NO_FIXTURES }, () => {
  const { dir, cleanup } = tempDir('cut-number');
  try {
    // energy.raw −5.454620955500000127e+04 cut to −5.454: read as −5.454 eV before
    const fe = join(dir, 'fe');
    cpSync(fx('deepmd_raw/dpdata_Fe16_spin_raw'), fe, { recursive: true });
    const e = readFileSync(join(fe, 'energy.raw'), 'utf8');
    writeFileSync(join(fe, 'energy.raw'), cutLastLine(e, 6));
    assertThrowsWith(() => readDeepmd(fe), /energy\.raw:2:/, /no line end/, /cut inside it/);
    // the whole file reads, with the energy as written
    writeFileSync(join(fe, 'energy.raw'), e);
    assert.equal(readDeepmd(fe).get('energy', 1), -5.4546209555e4);
    // dp test .f.out: the last force −5.987006197104719485e-01 … cut inside its last number
    const src = fx('dp_test/deepmdkit_agent_commit/test_dp_test_ener_detail');
    const pre = join(dir, 'dpt');
    for (const suf of ['.e.out', '.e_peratom.out', '.f.out', '.v.out', '.v_peratom.out']) writeFileSync(pre + suf, readFileSync(src + suf));
    const f = readFileSync(pre + '.f.out', 'utf8');
    const lastLine = f.trimEnd().split('\n').length;
    writeFileSync(pre + '.f.out', cutLastLine(f, f.trimEnd().split('\n').pop()!.length - 6));
    assertThrowsWith(() => readDpTest(pre), new RegExp(`dpt\\.f\\.out:${lastLine}:`), /no line end/);
    // the project's own sweep CSV, its last value 6.966011647 cut to 6
    const csv = join(dir, 'properties.csv');
    const p = readFileSync(join(REPO_ROOT, 'data', 'al', 'properties.csv'), 'utf8');
    const rows = p.trimEnd().split('\n').length;
    writeFileSync(csv, cutLastLine(p, 'Al,fcc,E_Td,eV,MLP,0.96,6'.length));
    assertThrowsWith(() => readTable(csv), new RegExp(`properties\\.csv:${rows}:`), /no line end/);
    // extxyz: the last frame's last line cut inside a number; truncated: 'drop' keeps the 14 whole frames
    const xyz = join(dir, 'cu.xyz');
    const x = readFileSync(fx('extxyz/nequip_Cu_cubic_emt.xyz'), 'utf8');
    writeFileSync(xyz, cutLastLine(x, 60));
    assertThrowsWith(() => readExtxyz(xyz), /cu\.xyz:90 \(frame 14\)/, /no line end/, /truncated extended XYZ/, /truncated: "drop"/);
    const kept = readExtxyz(xyz, { truncated: 'drop' });
    assert.equal(kept.numRows(), 14);
    assert.deepEqual((tableMeta(kept).notes as { skipped_frames: unknown[] }).skipped_frames, [{ frame: 14, reason: 'unfinished at the end of the file' }]);
    assert.deepEqual(Array.from(kept.get('forces', 13) as Float64Array), Array.from(readExtxyz(fx('extxyz/nequip_Cu_cubic_emt.xyz')).get('forces', 13) as Float64Array));
    // a frame that lost its last atom lines: the same choice
    writeFileSync(xyz, x.split('\n').slice(0, 88).join('\n') + '\n');
    assertThrowsWith(() => readExtxyz(xyz), /cu\.xyz:88 \(frame 14\)/, /file ends after 2 of 4 atom lines/);
    assert.equal(readExtxyz(xyz, { truncated: 'drop' }).numRows(), 14);
    // a POSCAR whose last position is cut; an INCAR whose last value is
    const pos = join(dir, 'POSCAR');
    writeFileSync(pos, 'Al2\n1.0\n4.6 0 0\n0 4.6 0\n0 0 4.6\nAl\n2\nDirect\n0 0 0\n0.5 0.5 0.5');
    assertThrowsWith(() => readPoscar(pos), /POSCAR:10:/, /no line end/);
    const incar = join(dir, 'INCAR');
    writeFileSync(incar, 'ENCUT = 520\nKSPACING = 0.1');
    assertThrowsWith(() => readIncar(incar), /INCAR:2:/, /no line end/);
  } finally {
    cleanup();
  }
});

test('a duplicated type_map.raw line and a result.json that lost a line are errors naming the line', { skip: NO_FIXTURES }, () => {
  const { dir, cleanup } = tempDir('lost-line');
  try {
    // O\nH\n → O\nO\nH\n would make every H an O (O192 instead of O64H128)
    const water = join(dir, 'water');
    cpSync(fx('deepmd_npy/deepmdkit_water_data_1_two_sets'), water, { recursive: true });
    assert.equal(readDeepmd(water).get('formula', 0), 'O64H128');
    writeFileSync(join(water, 'type_map.raw'), 'O\nO\nH\n');
    assertThrowsWith(() => readDeepmd(water), /type_map\.raw:2 \(type 1\)/, /element O is type 0 \(line 1\) and again type 1/);
    assertThrowsWith(() => readDeepmd(fx('deepmd_raw/dpgen_Mg4_fcc_raw_and_npy'), { typeMap: ['Mg', 'Mg'] }), /element Mg is type 0 and again type 1 in the typeMap option/);
    // interstitial result.json without the line of E_f: [E, equi_E] read as E_int = −102.09 eV before
    const conf = join(dir, 'confs', 'std-fcc');
    mkdirSync(join(conf, 'interstitial_00'), { recursive: true });
    const lines = readFileSync(fx('dpgen_autotest/doc_examples/interstitial_result.json'), 'utf8').split('\n');
    const ef = lines.findIndex((l) => l.includes('2.7829520000000088'));
    const out = join(conf, 'interstitial_00', 'result.json');
    writeFileSync(out, lines.filter((_, i) => i !== ef).join('\n'));
    assertThrowsWith(() => readDpgenAutotest(join(dir, 'confs'), { dk: 0.18 }), /interstitial_00\/result\.json:7 \(Al-\[3, 3, 3\]-task\.000001\)/, /expected \[E_f, E, equi_E\]/);
    // one number of a task changed: E_f = E − equi_E no longer holds
    writeFileSync(out, lines.join('\n').replace('-102.08773', '-101.08773'));
    assertThrowsWith(() => readDpgenAutotest(join(dir, 'confs'), { dk: 0.18 }), /result\.json:7 \(Al-\[3, 3, 3\]-task\.000001\)/, /E_f = 2\.78\d* eV but E − equi_E/);
    writeFileSync(out, lines.join('\n'));
    const t = readDpgenAutotest(join(dir, 'confs'), { dk: 0.18 });
    assert.deepEqual(t.array('value'), [4.022952000000004, 2.7829520000000088]);
    // an elastic result.out that lost its Poisson-ratio line
    const el = join(conf, 'elastic_00');
    mkdirSync(el);
    writeFileSync(join(el, 'result.out'), readFileSync(fx('dpgen_autotest/doc_examples/elastic_result.out'), 'utf8').replace(/# Poission Ratio.*\n/, ''));
    rmSync(join(conf, 'interstitial_00'), { recursive: true });
    assertThrowsWith(() => readDpgenAutotest(join(dir, 'confs'), { dk: 0.18 }), /elastic_00\/result\.out \(uV\)/, /no uV/);
    // a dpdata result.json whose atom_numbs disagrees with atom_types
    const mo = JSON.parse(readFileSync(fx('dpgen_autotest/dpgen_Mo_bcc_relaxation_result.json'), 'utf8'));
    mo.data.atom_numbs = [3];
    writeFileSync(join(dir, 'mo.json'), JSON.stringify(mo));
    assertThrowsWith(() => readDpdataJson(join(dir, 'mo.json')), /mo\.json \(atom_numbs\)/, /says 3 atoms of Mo, atom_types has 2/);
  } finally {
    cleanup();
  }
});

test('a cell of zero volume, a corrupted "in kB" line and a Δk out of range are errors naming the place', { skip: NO_FIXTURES }, () => {
  const { dir, cleanup } = tempDir('cells');
  try {
    // OUTCAR: a zero lattice row (stress NaN before)
    const al = readFileSync(fx('vasp/dpgen_Al2_sigma1_gamma/000000_OUTCAR'), 'latin1').split('\n');
    const lat = al.findIndex((l) => l.includes('direct lattice vectors'));
    const oc = join(dir, 'OUTCAR');
    writeFileSync(oc, al.map((l, i) => (i === lat + 2 ? l.replace('4.600000000', '0.000000000') : l)).join('\n'), 'latin1');
    assertThrowsWith(() => readOutcar(oc), new RegExp(`OUTCAR:${lat + 1}:`), /zero volume/);
    // OUTCAR: the "in kB" line corrupted (the virial was null without a word)
    const kb = al.findIndex((l) => /^\s+in kB/.test(l));
    writeFileSync(oc, al.map((l, i) => (i === kb ? l.replace('in kB', 'in kX') : l)).join('\n'), 'latin1');
    const stressBlock = al.findIndex((l) => l.includes('FORCE on cell =-STRESS'));
    assertThrowsWith(() => readOutcar(oc), new RegExp(`OUTCAR:${stressBlock + 1}:`), /no "in kB" line/);
    // OUTCAR: a setting that is not a number (ENCUT 250.0 → Inf was dropped), a k-point the mesh is inferred from
    const fe2 = readFileSync(fx('vasp/pyiron_outcar_samples/OUTCAR_2'), 'latin1').split('\n');
    const enc = fe2.findIndex((l) => /^\s+ENCUT\s+=\s+250\.0/.test(l));
    writeFileSync(oc, fe2.map((l, i) => (i === enc ? l.replace('250.0', 'Inf') : l)).join('\n'), 'latin1');
    assertThrowsWith(() => readOutcar(oc), new RegExp(`OUTCAR:${enc + 1}:`), /ENCUT = "Inf" is not a finite number/);
    const li = readFileSync(fx('vasp/dpgen_Li40_relax_kspacing/OUTCAR'), 'latin1').split('\n');
    const kp = li.findIndex((l) => l.includes('k-points in reciprocal lattice and weights')) + 3;
    writeFileSync(oc, li.map((l, i) => (i === kp ? l.replace(/0\.(\d)/, '0.x$1') : l)).join('\n'), 'latin1');
    assertThrowsWith(() => readOutcar(oc), new RegExp(`OUTCAR:${kp + 1}:`), /not a finite number in the k-point list/);
    // vasprun.xml: a zero basis vector in the third step
    const xml = readFileSync(fx('vasp/dpdata_Ti32_aimd_nwrite0/vasprun.xml'), 'latin1');
    let at = 0;
    for (let k = 0; k < 3; k++) at = xml.indexOf('<calculation>', at + 1);
    const vr = join(dir, 'vasprun.xml');
    writeFileSync(vr, xml.slice(0, at) + xml.slice(at).replace('<v>       0.00000000      10.16561149       0.00000000 </v>', '<v>       0.00000000       0.00000000       0.00000000 </v>'), 'latin1');
    assertThrowsWith(() => readVasprun(vr), /vasprun\.xml \(basis, frame 2\)/, /<calculation> 3/, /zero volume/);
    // vasprun.xml that lost a close tag: two SCF steps read as one, the k-points as not the run's
    const v3 = readFileSync(fx('vasp/pyiron_vasprun_samples/vasprun_3.xml'), 'latin1');
    const lost = (tag: string, k: number): string => {
      let at = -1;
      for (let q = 0; q <= k; q++) at = v3.indexOf(tag, at + 1);
      return v3.slice(0, v3.lastIndexOf('\n', at) + 1) + v3.slice(v3.indexOf('\n', at) + 1);
    };
    writeFileSync(vr, lost('</scstep>', 2), 'latin1');
    assertThrowsWith(() => readVasprun(vr), /vasprun\.xml \(frame 0\)/, /<scstep> at byte \d+ holds another <scstep>/, /malformed XML/);
    writeFileSync(vr, lost('</generator>', 0), 'latin1');
    assertThrowsWith(() => readVasprun(vr), /vasprun\.xml/, /where <generator> is open/, /malformed XML/);
    // a k-point row lost or doubled: the weights tell
    const kl = v3.indexOf('<v>', v3.indexOf('<varray name="kpointlist"'));
    const row = v3.slice(kl, v3.indexOf('\n', kl) + 1);
    writeFileSync(vr, v3.replace(row, ''), 'latin1');
    assertThrowsWith(() => readVasprun(vr), /vasprun\.xml \(kpointlist\)/, /lists 3 k-points but 4 weights/);
    writeFileSync(vr, v3.replace(row, row + row), 'latin1');
    assertThrowsWith(() => readVasprun(vr), /lists 5 k-points but 4 weights/);
    // DeePMD npy: frame 1 of box.npy with a zero row (stress ±Infinity before); and a left-handed cell
    const fe = join(dir, 'fe');
    cpSync(fx('deepmd_npy/dpdata_Fe16_spin_npy'), fe, { recursive: true });
    const box = readFileSync(join(fe, 'set.000', 'box.npy'));
    const data = new Float64Array(box.buffer.slice(box.byteOffset + box.length - 18 * 8, box.byteOffset + box.length));
    const zero = Buffer.from(box);
    for (let k = 12; k < 15; k++) zero.writeDoubleLE(0, box.length - 18 * 8 + 8 * k);
    writeFileSync(join(fe, 'set.000', 'box.npy'), zero);
    assertThrowsWith(() => readDeepmd(fe), /box\.npy \(set\.000\/box\.npy, frame 1\)/, /zero volume/);
    const left = Buffer.from(box);
    left.writeDoubleLE(-data[9 + 8], box.length - 18 * 8 + 8 * 17);
    writeFileSync(join(fe, 'set.000', 'box.npy'), left);
    assertThrowsWith(() => readDeepmd(fe), /box\.npy \(set\.000\/box\.npy, frame 1\)/, /left-handed/);
    // extxyz: a zero Lattice in frame 2 (virial 0 before), dk=1e400 (Δk = Infinity) and dk=-0.1 (ignored)
    const x = readFileSync(fx('extxyz/nequip_Cu_cubic_emt.xyz'), 'utf8').split('\n');
    const xyz = join(dir, 'cu.xyz');
    const edit = (line: number, f: (l: string) => string): void => writeFileSync(xyz, x.map((l, i) => (i === line ? f(l) : l)).join('\n'));
    edit(13, (l) => l.replace(/Lattice="[^"]*"/, 'Lattice="3.61 0.0 0.0 0.0 0.0 0.0 0.0 0.0 3.61"'));
    assertThrowsWith(() => readExtxyz(xyz), /cu\.xyz:14 \(Lattice, frame 2\)/, /zero volume/);
    edit(13, (l) => `${l} dk=1e400`);
    assertThrowsWith(() => readExtxyz(xyz), /cu\.xyz:14 \(frame 2\)/, /Δk written in the file is Infinity/);
    edit(13, (l) => `${l} dk=-0.1`);
    assertThrowsWith(() => readExtxyz(xyz), /cu\.xyz:14 \(frame 2\)/, /Δk written in the file is -0\.1/);
    edit(13, (l) => `${l} dk=fine`);
    assertThrowsWith(() => readExtxyz(xyz), /cu\.xyz:14 \(dk, frame 2\)/, /dk="fine" is not a number/);
    edit(13, (l) => `${l} mesh="0 8 8"`);
    assertThrowsWith(() => readExtxyz(xyz), /cu\.xyz:14 \(mesh, frame 2\)/, /not three positive whole numbers/);
    edit(13, (l) => `${l} dk=0.18`);
    assert.equal(readExtxyz(xyz).get('dk', 2), 0.18);
    // dpdata result.json: a zero cell
    const mo = JSON.parse(readFileSync(fx('dpgen_autotest/dpgen_Mo_bcc_relaxation_result.json'), 'utf8'));
    mo.data.cells.data[1][2] = [0, 0, 0];
    writeFileSync(join(dir, 'mo.json'), JSON.stringify(mo));
    assertThrowsWith(() => readDpdataJson(join(dir, 'mo.json')), /mo\.json \(cells, frame 1\)/, /zero volume/);
    // POSCAR
    writeFileSync(join(dir, 'POSCAR'), 'flat\n1.0\n3 0 0\n0 3 0\n3 3 0\nAl\n1\nDirect\n0 0 0\n');
    assertThrowsWith(() => readPoscar(join(dir, 'POSCAR')), /POSCAR:3:/, /zero volume/);
  } finally {
    cleanup();
  }
});

test('a folder where a file is expected, a missing file, an unreadable one: ReadErrors naming the path', { skip: NO_FIXTURES }, () => {
  const { dir, cleanup } = tempDir('fs');
  try {
    const d = join(dir, 'folder');
    mkdirSync(d);
    for (const [name, read] of [
      ['readOutcar', readOutcar], ['readVasprun', readVasprun], ['readExtxyz', readExtxyz], ['readTable', readTable], ['readNpy', readNpy],
      ['readPoscar', readPoscar], ['readIncar', readIncar], ['readDpdataJson', readDpdataJson],
    ] as const) {
      const e = assertThrowsWith(() => (read as (p: string) => unknown)(d), /folder: a folder, expected/);
      assert.ok(e instanceof ReadError, name);
      assert.equal((e as ReadError).file, d, name);
      const missing = join(dir, 'nothing-here');
      const m = assertThrowsWith(() => (read as (p: string) => unknown)(missing), /nothing-here: no such file or folder \(ENOENT\)/);
      assert.ok(m instanceof ReadError, name);
    }
    // inside a folder reader: type.raw, coord.npy or a dp test file that is a folder
    const fe = join(dir, 'fe');
    cpSync(fx('deepmd_npy/dpdata_Fe16_spin_npy'), fe, { recursive: true });
    rmSync(join(fe, 'set.000', 'coord.npy'));
    mkdirSync(join(fe, 'set.000', 'coord.npy'));
    assertThrowsWith(() => readDeepmd(fe), /set\.000\/coord\.npy: a folder, expected a \.npy array/);
    rmSync(join(fe, 'type_map.raw'));
    mkdirSync(join(fe, 'type_map.raw'));
    assertThrowsWith(() => readDeepmd(fe), /type_map\.raw: a folder, expected a DeePMD-kit text file/);
    const pre = join(dir, 'dpt');
    mkdirSync(pre + '.e.out');
    assertThrowsWith(() => readDpTest(pre), /dpt\.e\.out: a folder, expected dp test output/);
    // no permission (root reads everything: checked only as another user)
    if (process.getuid?.() !== 0) {
      const locked = join(dir, 'locked.xyz');
      writeFileSync(locked, readFileSync(fx('extxyz/nequip_Cu_cubic_emt.xyz')));
      chmodSync(locked, 0o000);
      assertThrowsWith(() => readExtxyz(locked), /locked\.xyz: permission denied \(EACCES\)/);
    }
  } finally {
    cleanup();
  }
});

test('readTable reads what looks like a table: the project\'s own CSVs with their text units, and no prose or headerless numbers', { skip: NO_FIXTURES }, () => {
  const { dir, cleanup } = tempDir('table');
  try {
    const t = readTable(join(REPO_ROOT, 'data', 'al', 'properties.csv'));
    assert.equal(tableMeta(t).kind, 'sweep');
    const units = new Set(t.array('unit') as string[]);
    assert.ok(units.has('1'), 'the unit "1" of B0p stays text');
    for (const u of units) assert.equal(typeof u, 'string');
    // one row per line after the header (the pipeline writes no quoted line breaks)
    const calcs = join(REPO_ROOT, 'data', 'al', 'calculations.csv');
    assert.equal(readTable(calcs).numRows(), readFileSync(calcs, 'utf8').trim().split('\n').length - 1);
    // an OUTCAR, a file of numbers without a header, a blank header cell: not tables
    assertThrowsWith(() => readTable(fx('vasp/dpgen_Al2_sigma1_gamma/000000_OUTCAR')), /000000_OUTCAR:1:/, /no delimiter/);
    const nums = join(dir, 'nums.csv');
    writeFileSync(nums, '0.12,77.1\n0.18,77.3\n');
    assertThrowsWith(() => readTable(nums), /nums\.csv:1:/, /header line holds the number 0\.12/);
    writeFileSync(nums, 'dk,,value\n0.12,a,77.1\n');
    assertThrowsWith(() => readTable(nums), /nums\.csv:1:/, /column 2 of the header line is blank/);
    // pandas' unnamed index column is a header
    writeFileSync(nums, ',dk,value\n0,0.12,77.1\n');
    assert.deepEqual(readTable(nums).array('value'), [77.1]);
    // a column of configuration labels kept as text when asked
    writeFileSync(nums, 'config,dk,value\n007,0.12,77.1\n');
    assert.deepEqual(readTable(nums, { text: ['config'] }).array('config'), ['007']);
    // JSON rows with different keys
    const js = join(dir, 'rows.json');
    writeFileSync(js, JSON.stringify([{ dk: 0.12, value: 1 }, { dk: 0.18 }]));
    assertThrowsWith(() => readTable(js), /rows\.json \(frame 1\)/, /row 1 has no "value"/);
  } finally {
    cleanup();
  }
});

test('analyses refuse degenerate input: an EOS without curvature, an asymmetric or non-finite C, a Δk that is not a positive number', { skip: NO_FIXTURES }, () => {
  const v = [15.5, 16, 16.5, 17, 17.5];
  assertThrowsWith(() => fitEos(v, v.map(() => -3.7)), /all 5 energies are -3\.7 eV\/atom/, /no curvature/);
  // a curvature far below the scatter of the points
  assertThrowsWith(() => fitEos(v, [-3.7, -3.7 + 2e-7, -3.7 - 1e-7, -3.7 + 1e-7, -3.7 + 3e-8]), /no curvature resolved/, /RMS/);
  // dpgen's elastic tensor (doc example) as written is nearly symmetric; C12 corrupted is not
  const ex = JSON.parse(readFileSync(fx('dpgen_autotest/doc_examples/elastic_result.json'), 'utf8')) as { elastic_tensor: number[] };
  const C = Array.from({ length: 6 }, (_, i) => ex.elastic_tensor.slice(6 * i, 6 * i + 6));
  assert.equal(moduli(C).stable, true);
  const bad = C.map((r) => [...r]);
  bad[0][1] = 94.33;
  assertThrowsWith(() => moduli(bad), /C12 = 94\.33 GPa but C21 = 54\.558/, /not symmetric/);
  bad[0][1] = NaN;
  assertThrowsWith(() => moduli(bad), /C12 is NaN/);
  const rows = C.flatMap((r, i) => r.map((value, j) => ({ kind: 'elastic', property: `C${i + 1}${j + 1}`, value, volume: null, structure: null, method: 'DFT', metal: 'Al', lattice: 'fcc', dk: 0.18, source: 'x/elastic_00/result.json' })));
  rows[1].value = 94.33;
  assertThrowsWith(() => propertiesFromAutotest(rows), /elastic_00\/result\.json: elastic tensor: C is not symmetric/);
  assertThrowsWith(() => discoverDk({ path: '/x/OUTCAR', fileDk: Infinity }), /\/x\/OUTCAR: the Δk written in the file is Infinity/);
  assertThrowsWith(() => discoverDk({ path: '/x/OUTCAR', kspacing: 0 }), /KSPACING is 0/);
  assertThrowsWith(() => discoverDk(null as never), /discoverDk: the evidence must be an object/);
  assertThrowsWith(() => discoverDk({ path: '/x/OUTCAR' }, null as never), /the Δk options must be an object/);
});
