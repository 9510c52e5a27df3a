/**
 * Bad input, one test each: truncated, NaN, frame counts that disagree, atom count vs type.raw,
 * unknown element, empty file, binary garbage, a 2-GB header length in an .npy; plus the .npy
 * format variants. Every error names the file and the line, frame or array; the process survives.
 * Inputs are generated into temporary folders.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdirSync, readFileSync, copyFileSync, cpSync, rmSync, readdirSync, symlinkSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  readDeepmd, writeDeepmd, readNpy, writeNpy, npyBytes, readOutcar, readVasprun, readExtxyz, readDpTest, readTable,
  readDpgenAutotest, readPoscar, readIncar, readDpdataJson, readVaspRuns, dkFromPattern, ReadError,
} from '../src/io/index.js';
import { NO_FIXTURES, REPO_ROOT, fx, tempDir, assertThrowsWith, assertClose } from './io-helpers.js';
import { tableMeta } from '../src/core/index.js';

/** A small DeePMD system of `nf` frames × `nat` atoms with deterministic numbers. */
function makeSystem(dir: string, nf = 3, nat = 2, f32 = false): void {
  mkdirSync(join(dir, 'set.000'), { recursive: true });
  writeFileSync(join(dir, 'type.raw'), Array.from({ length: nat }, (_, i) => i % 2).join('\n') + '\n');
  writeFileSync(join(dir, 'type_map.raw'), 'Al\nCu\n');
  const arr = (n: number, f: (i: number) => number): Float64Array | Float32Array => (f32 ? Float32Array : Float64Array).from({ length: n }, (_, i) => f(i));
  writeNpy(join(dir, 'set.000', 'coord.npy'), arr(nf * nat * 3, (i) => (i % 7) * 0.5), [nf, nat * 3]);
  writeNpy(join(dir, 'set.000', 'box.npy'), arr(nf * 9, (i) => (i % 9 === 0 || i % 9 === 4 || i % 9 === 8 ? 4 : 0)), [nf, 9]);
  writeNpy(join(dir, 'set.000', 'energy.npy'), arr(nf, (i) => -3.5 * nat - i * 0.01), [nf]);
  writeNpy(join(dir, 'set.000', 'force.npy'), arr(nf * nat * 3, (i) => ((i % 5) - 2) * 0.1), [nf, nat * 3]);
  writeNpy(join(dir, 'set.000', 'virial.npy'), arr(nf * 9, (i) => (i % 9 === 0 ? 0.3 : 0)), [nf, 9]);
}

/** An .npy with a hand-made header (version, dict text, header-length field) and raw data bytes. */
function rawNpy(path: string, major: number, dict: string, data: Buffer, hlenOverride?: number): void {
  const pre = major === 1 ? 10 : 12;
  let header = dict;
  header += ' '.repeat((64 - ((pre + header.length + 1) % 64)) % 64) + '\n';
  const b = Buffer.alloc(pre);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]).copy(b);
  if (major === 1) b.writeUInt16LE(hlenOverride ?? header.length, 8);
  else b.writeUInt32LE(hlenOverride ?? header.length, 8);
  writeFileSync(path, Buffer.concat([b, Buffer.from(header, major === 3 ? 'utf8' : 'latin1'), data]));
}

test('npy: versions 1, 2 and 3, float32/float64/int64, big-endian; Fortran order and wrong shape refused', () => {
  const { dir, cleanup } = tempDir('npy');
  try {
    const vals = Float64Array.of(1.5, -2.25, 3e-7, 4, 5, 6);
    const le = Buffer.from(vals.buffer);
    for (const major of [1, 2, 3]) {
      const p = join(dir, `v${major}.npy`);
      rawNpy(p, major, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", le);
      const a = readNpy(p);
      assert.deepEqual(a.shape, [2, 3]);
      assert.deepEqual(Array.from(a.data), Array.from(vals));
    }
    const be = Buffer.from(le);
    for (let i = 0; i < be.length; i += 8) be.subarray(i, i + 8).reverse();
    rawNpy(join(dir, 'be.npy'), 1, "{'descr': '>f8', 'fortran_order': False, 'shape': (6,), }", be);
    assert.deepEqual(Array.from(readNpy(join(dir, 'be.npy')).data), Array.from(vals));
    rawNpy(join(dir, 'i8.npy'), 1, "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", Buffer.from(BigInt64Array.of(7n, -3n).buffer));
    assert.deepEqual(Array.from(readNpy(join(dir, 'i8.npy')).data), [7, -3]);
    const f32 = Float32Array.of(0.1, 0.2);
    writeFileSync(join(dir, 'f4.npy'), npyBytes(f32, [2]));
    const r32 = readNpy(join(dir, 'f4.npy'));
    assert.ok(r32.data instanceof Float32Array);
    assert.deepEqual(Array.from(r32.data), Array.from(f32));
    rawNpy(join(dir, 'fortran.npy'), 1, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", le);
    assertThrowsWith(() => readNpy(join(dir, 'fortran.npy')), /fortran\.npy \(header\)/, /Fortran-order/);
    rawNpy(join(dir, 'c16.npy'), 1, "{'descr': '<c16', 'fortran_order': False, 'shape': (3,), }", le);
    assertThrowsWith(() => readNpy(join(dir, 'c16.npy')), /c16\.npy \(header\)/, /unsupported dtype/);
    // wrong shape inside a system: box.npy of 3 frames × 6
    const sys = join(dir, 'sys');
    makeSystem(sys);
    writeNpy(join(sys, 'set.000', 'box.npy'), new Float64Array(18), [3, 6], { overwrite: true });
    assertThrowsWith(() => readDeepmd(sys), /set\.000\/box\.npy/, /wrong shape \(3, 6\)/, /expected \(3, 9\)/);
  } finally {
    cleanup();
  }
});

test('bad input: a 2-GB length in an .npy header', () => {
  const { dir, cleanup } = tempDir('hugeheader');
  try {
    const p = join(dir, 'coord.npy');
    rawNpy(p, 2, "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 3), }", Buffer.alloc(24), 0x7fffffff);
    const e = assertThrowsWith(() => readNpy(p), /coord\.npy \(header\)/, /header length 2147483647/, /past the end/);
    assert.ok(e instanceof ReadError);
    rawNpy(p, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2147483647, 3), }", Buffer.alloc(24));
    assertThrowsWith(() => readNpy(p), /coord\.npy \(data\)/, /expected 51539607528/, /truncated/);
  } finally {
    cleanup();
  }
});

test('bad input: truncated files (npy, OUTCAR, vasprun.xml, extxyz, raw, dp test)', { skip: NO_FIXTURES }, () => {
  const { dir, cleanup } = tempDir('trunc');
  try {
    const sys = join(dir, 'sys');
    makeSystem(sys);
    const force = join(sys, 'set.000', 'force.npy');
    const b = readFileSync(force);
    writeFileSync(force, b.subarray(0, b.length - 20));
    assertThrowsWith(() => readDeepmd(sys), /force\.npy \(data\)/, /truncated/);
    // OUTCAR cut inside the POSITION/TOTAL-FORCE block
    const lines = readFileSync(fx('vasp/dpgen_Al2_sigma1_gamma/000000_OUTCAR'), 'latin1').split('\n');
    const at = lines.findIndex((l) => l.includes('TOTAL-FORCE'));
    const oc = join(dir, 'OUTCAR');
    writeFileSync(oc, lines.slice(0, at + 3).join('\n') + '\n');
    assertThrowsWith(() => readOutcar(oc), new RegExp(`OUTCAR:${at + 1}`), /ends inside the POSITION\/TOTAL-FORCE block/);
    // a file that ends right after the last energy(σ→0) line has its steps whole, but the run did
    // not finish (no timing summary): refused, or its steps kept as asked
    const last = lines.findLastIndex((l) => l.includes('energy(sigma->0)'));
    writeFileSync(oc, lines.slice(0, last + 1).join('\n') + '\n');
    assertThrowsWith(() => readOutcar(oc), /OUTCAR:\d+/, /after ionic step 1 without VASP's closing "General timing and accounting" summary/, /did not finish/);
    const whole = readOutcar(oc, { truncated: 'drop' });
    assert.equal(whole.numRows(), 1);
    assert.equal((tableMeta(whole).notes as { run_finished: boolean }).run_finished, false);
    assert.equal((tableMeta(readOutcar(fx('vasp/dpgen_Al2_sigma1_gamma/000000_OUTCAR'))).notes as { run_finished: boolean }).run_finished, true);
    // ... and between the forces and the energy of the last step
    writeFileSync(oc, lines.slice(0, at + 8).join('\n') + '\n');
    assertThrowsWith(() => readOutcar(oc), /OUTCAR:\d+/, /before its free energy/, /truncated/);
    // ... and in the SCF iterations of the last step (a job killed mid-step): not nine whole steps
    const li = readFileSync(fx('vasp/dpgen_Li40_relax_kspacing/OUTCAR'), 'latin1').split('\n');
    const scf10 = li.findIndex((l) => /Iteration\s+10\(\s*1\)/.test(l));
    const cut10 = li.findIndex((l) => /Iteration\s+10\(\s*2\)/.test(l));
    assert.ok(scf10 > 0 && cut10 > scf10);
    writeFileSync(oc, li.slice(0, cut10 + 5).join('\n') + '\n');
    assertThrowsWith(() => readOutcar(oc), /OUTCAR:\d+/, /ionic step 10/, /before its free energy/, /truncated/);
    const kept = readOutcar(oc, { truncated: 'drop' });
    assert.equal(kept.numRows(), 9);
    assert.deepEqual((tableMeta(kept).notes as { skipped_steps: unknown[] }).skipped_steps, [{ step: 10, reason: 'unfinished at the end of the file' }]);
    // vasprun.xml cut in its third <calculation>: refused, or the two finished steps kept
    const xml = readFileSync(fx('vasp/dpdata_Ti32_aimd_nwrite0/vasprun.xml'), 'latin1');
    let cut = 0;
    for (let k = 0; k < 3; k++) cut = xml.indexOf('<calculation>', cut + 1);
    const vr = join(dir, 'vasprun.xml');
    writeFileSync(vr, xml.slice(0, cut + 2000), 'latin1');
    assertThrowsWith(() => readVasprun(vr), /vasprun\.xml \(frame 2\)/, /truncated/);
    assert.equal(readVasprun(vr, { truncated: 'drop' }).numRows(), 2);
    // extxyz: the last frame misses atom lines
    const xyz = readFileSync(fx('extxyz/nequip_Cu_cubic_emt.xyz'), 'utf8').split('\n');
    const xp = join(dir, 'cut.xyz');
    writeFileSync(xp, xyz.slice(0, 6 + 4).join('\n'));
    assertThrowsWith(() => readExtxyz(xp), /cut\.xyz:\d+ \(frame 1\)/, /truncated/);
    // raw text: last line cut short
    const rawSys = join(dir, 'raw');
    mkdirSync(rawSys);
    writeFileSync(join(rawSys, 'type.raw'), '0 0\n');
    writeFileSync(join(rawSys, 'type_map.raw'), 'Al\n');
    writeFileSync(join(rawSys, 'box.raw'), '4 0 0 0 4 0 0 0 4\n4 0 0 0 4 0 0 0 4\n');
    writeFileSync(join(rawSys, 'coord.raw'), '0 0 0 2 2 2\n0 0 0 2 2\n');
    assertThrowsWith(() => readDeepmd(rawSys), /coord\.raw:2 \(frame 1\)/, /5 numbers, expected 6/, /truncated/);
    // dp test output cut mid-row
    const pre = join(dir, 'dpt');
    writeFileSync(pre + '.e.out', '# sys: data_e pred_e\n-1.0 -1.1\n-2.0\n');
    assertThrowsWith(() => readDpTest(pre), /dpt\.e\.out:3/, /1 columns, expected 2/);
  } finally {
    cleanup();
  }
});

test('npy: NaN and ±Infinity found while reading (float64 past the first MiB and in the last values, float32, big-endian, integers)', () => {
  const { dir, cleanup } = tempDir('npyscan');
  try {
    const n = 300_001; // 2.4 MB: three pieces of the scan, the last one not a multiple of 8 values
    const bad = (v: number, at: number, f32 = false): number => {
      const a = (f32 ? new Float32Array(n) : new Float64Array(n)).fill(1.25);
      a[at] = v;
      const p = join(dir, `s${f32 ? 32 : 64}_${at}.npy`);
      writeFileSync(p, npyBytes(a, [n]));
      const r = readNpy(p, { scanFinite: true });
      assert.equal(r.data[at], v);
      return r.firstNonFinite!;
    };
    for (const at of [0, 7, 131_071, 131_072, 200_000, n - 7, n - 1]) {
      assert.equal(bad(NaN, at), at);
      assert.equal(bad(Infinity, at), at);
      assert.equal(bad(-Infinity, at, true), at);
    }
    assert.equal(bad(Number.MAX_VALUE, 5), -1);
    assert.equal(bad(-Number.MIN_VALUE, 5), -1);
    assert.equal(bad(Math.fround(3.4e38), 5, true), -1);
    // two: the first is named
    const two = new Float64Array(n).fill(2);
    two[250_000] = NaN;
    two[150_000] = -Infinity;
    writeFileSync(join(dir, 'two.npy'), npyBytes(two, [n]));
    assert.equal(readNpy(join(dir, 'two.npy'), { scanFinite: true }).firstNonFinite, 150_000);
    // big-endian data is swapped first, then checked
    const vals = Float64Array.of(1, 2, Infinity, 4);
    const be = Buffer.from(vals.buffer.slice(0));
    for (let i = 0; i < be.length; i += 8) be.subarray(i, i + 8).reverse();
    rawNpy(join(dir, 'be.npy'), 1, "{'descr': '>f8', 'fortran_order': False, 'shape': (4,), }", be);
    assert.equal(readNpy(join(dir, 'be.npy'), { scanFinite: true }).firstNonFinite, 2);
    rawNpy(join(dir, 'i8.npy'), 1, "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", Buffer.from(BigInt64Array.of(7n, -3n).buffer));
    assert.equal(readNpy(join(dir, 'i8.npy'), { scanFinite: true }).firstNonFinite, -1);
    assert.equal(readNpy(join(dir, 'i8.npy')).firstNonFinite, undefined);
    // in a system: float32 coordinates with +Infinity in frame 1
    const sys = join(dir, 'sys');
    makeSystem(sys, 3, 2, true);
    const c = new Float32Array(3 * 6).fill(0.5);
    c[6 + 5] = Infinity;
    writeFileSync(join(sys, 'set.000', 'coord.npy'), npyBytes(c, [3, 6]));
    assertThrowsWith(() => readDeepmd(sys), /coord\.npy \(set\.000\/coord\.npy, frame 1\)/, /non-finite value Infinity at component 5/);
  } finally {
    cleanup();
  }
});

test('bad input: NaN', { skip: NO_FIXTURES }, () => {
  const { dir, cleanup } = tempDir('nan');
  try {
    const sys = join(dir, 'sys');
    makeSystem(sys);
    const f = new Float64Array(3 * 6).fill(0.1);
    f[2 * 6 + 4] = NaN;
    writeFileSync(join(sys, 'set.000', 'force.npy'), npyBytes(f, [3, 6])); // writeNpy refuses a NaN
    assertThrowsWith(() => readDeepmd(sys), /force\.npy \(set\.000\/force\.npy, frame 2\)/, /non-finite value NaN at component 4/);
    const lines = readFileSync(fx('vasp/dpgen_Al2_sigma1_gamma/000000_OUTCAR'), 'latin1').split('\n');
    const at = lines.findIndex((l) => l.includes('TOTAL-FORCE')) + 3;
    lines[at] = lines[at].replace(/-?0\.000000\s*$/, 'NaN');
    const oc = join(dir, 'OUTCAR');
    writeFileSync(oc, lines.join('\n'));
    assertThrowsWith(() => readOutcar(oc), new RegExp(`OUTCAR:${at + 1}`), /not a finite number/);
    const xyz = join(dir, 'nan.xyz');
    writeFileSync(xyz, '1\nLattice="3 0 0 0 3 0 0 0 3" Properties=species:S:1:pos:R:3:forces:R:3 energy=nan pbc="T T T"\nAl 0 0 0 0 0 0\n');
    assertThrowsWith(() => readExtxyz(xyz), /nan\.xyz:2 \(energy, frame 0\)/, /not a finite number/);
    const both = join(dir, 'both.xyz');
    writeFileSync(both, '1\nLattice="3 0 0 0 3 0 0 0 3" Properties=species:S:1:pos:R:3 energy=-1 stress="0.01 0 0 0 0.01 0 0 0 0.01" virial="0.27 0 0 0 0.27 0 0 0 0.27" pbc="T T T"\nAl 0 0 0\n');
    assertThrowsWith(() => readExtxyz(both), /both\.xyz:2 \(virial, frame 0\)/, /disagree/);
    writeFileSync(both, '1\nLattice="3 0 0 0 3 0 0 0 3" Properties=species:S:1:pos:R:3 energy=-1 stress="0.01 0 0 0 0.01 0 0 0 0.01" virial="-0.27 0 0 0 -0.27 0 0 0 -0.27" pbc="T T T"\nAl 0 0 0\n');
    assert.equal((readExtxyz(both).get('virial', 0) as Float64Array)[0], -0.27);
    const csv = join(dir, 't.csv');
    writeFileSync(csv, 'metal,lattice,property,unit,method,dk,value\nAl,fcc,B,GPa,DFT,0.12,NaN\n');
    assertThrowsWith(() => readTable(csv), /t\.csv:2/, /value/);
  } finally {
    cleanup();
  }
});

test('bad input: arrays whose frame counts disagree', () => {
  const { dir, cleanup } = tempDir('frames');
  try {
    const sys = join(dir, 'sys');
    makeSystem(sys);
    writeNpy(join(sys, 'set.000', 'energy.npy'), Float64Array.of(-1, -2), [2], { overwrite: true });
    assertThrowsWith(() => readDeepmd(sys), /set\.000\/energy\.npy/, /2 frames, but coord\.npy has 3/, /frame counts disagree/);
    const pre = join(dir, 'dpt');
    writeFileSync(pre + '.e.out', '# s: data_e pred_e\n-1 -1.1\n-2 -2.1\n');
    writeFileSync(pre + '.v.out', '# s: data_vxx\n' + Array(18).fill('0.1').join(' ') + '\n');
    assertThrowsWith(() => readDpTest(pre), /dpt\.v\.out \(s\)/, /1 frames, but .*e\.out has 2/);
  } finally {
    cleanup();
  }
});

test('bad input: atom count that disagrees with type.raw', () => {
  const { dir, cleanup } = tempDir('natoms');
  try {
    const sys = join(dir, 'sys');
    makeSystem(sys, 3, 2);
    writeFileSync(join(sys, 'type.raw'), '0\n1\n0\n');
    assertThrowsWith(() => readDeepmd(sys), /set\.000\/coord\.npy/, /2 atoms per frame/, /type\.raw lists 3 atoms/);
  } finally {
    cleanup();
  }
});

test('bad input: unknown element', { skip: NO_FIXTURES }, () => {
  const { dir, cleanup } = tempDir('element');
  try {
    const sys = join(dir, 'sys');
    makeSystem(sys);
    writeFileSync(join(sys, 'type_map.raw'), 'Al\nXx\n');
    assertThrowsWith(() => readDeepmd(sys), /type_map\.raw:2 \(type 1\)/, /unknown element "Xx"/);
    const xyz = join(dir, 'q.xyz');
    writeFileSync(xyz, '2\nLattice="3 0 0 0 3 0 0 0 3" Properties=species:S:1:pos:R:3 pbc="T T T"\nAl 0 0 0\nQq 1 1 1\n');
    assertThrowsWith(() => readExtxyz(xyz), /q\.xyz:4 \(frame 0\)/, /unknown element "Qq"/);
    const xml = readFileSync(fx('vasp/pyiron_vasprun_samples/vasprun_3.xml'), 'latin1').replace('<rc><c>Al</c><c>   1</c></rc>', '<rc><c>Zz</c><c>   1</c></rc>');
    const vr = join(dir, 'vasprun.xml');
    writeFileSync(vr, xml, 'latin1');
    assertThrowsWith(() => readVasprun(vr), /vasprun\.xml \(atominfo\)/, /unknown element "Zz"/);
    const pos = join(dir, 'POSCAR');
    writeFileSync(pos, 'x\n1.0\n3 0 0\n0 3 0\n0 0 3\nAl Kk\n1 1\nDirect\n0 0 0\n0.5 0.5 0.5\n');
    assertThrowsWith(() => readPoscar(pos), /POSCAR:6/, /unknown element "Kk"/);
  } finally {
    cleanup();
  }
});

test('bad input: empty files', () => {
  const { dir, cleanup } = tempDir('empty');
  try {
    const e = (name: string): string => {
      const p = join(dir, name);
      writeFileSync(p, '');
      return p;
    };
    assertThrowsWith(() => readOutcar(e('OUTCAR')), /OUTCAR:1/, /empty file/);
    assertThrowsWith(() => readVasprun(e('vasprun.xml')), /vasprun\.xml:1/, /empty file/);
    assertThrowsWith(() => readExtxyz(e('a.xyz')), /a\.xyz:1/, /empty file/);
    assertThrowsWith(() => readNpy(e('coord.npy')), /coord\.npy \(header\)/, /empty file/);
    assertThrowsWith(() => readTable(e('t.csv')), /t\.csv:1/, /empty file/);
    writeFileSync(join(dir, 'x.e.out'), '');
    assertThrowsWith(() => readDpTest(join(dir, 'x')), /x\.e\.out:1/, /empty file/);
    const sys = join(dir, 'sys');
    makeSystem(sys);
    writeFileSync(join(sys, 'type.raw'), '\n');
    assertThrowsWith(() => readDeepmd(sys), /type\.raw:1/, /empty type\.raw/);
    mkdirSync(join(dir, 'conf', 'eos_00'), { recursive: true });
    writeFileSync(join(dir, 'conf', 'eos_00', 'result.json'), '');
    assertThrowsWith(() => readDpgenAutotest(join(dir, 'conf')), /result\.json:1/, /empty file/);
  } finally {
    cleanup();
  }
});

test('bad input: binary garbage', () => {
  const { dir, cleanup } = tempDir('garbage');
  try {
    const junk = randomBytes(5000);
    junk[10] = 0;
    const g = (name: string): string => {
      const p = join(dir, name);
      writeFileSync(p, junk);
      return p;
    };
    assertThrowsWith(() => readOutcar(g('OUTCAR')), /OUTCAR:1/, /binary data/);
    assertThrowsWith(() => readVasprun(g('vasprun.xml')), /vasprun\.xml:1/, /binary data/);
    assertThrowsWith(() => readExtxyz(g('b.xyz')), /b\.xyz:1/, /binary data/);
    assertThrowsWith(() => readNpy(g('force.npy')), /force\.npy \(header\)/, /not a \.npy file/);
    assertThrowsWith(() => readTable(g('t.csv')), /t\.csv:1/, /binary data/);
    const sys = join(dir, 'sys');
    makeSystem(sys);
    copyFileSync(join(dir, 'OUTCAR'), join(sys, 'type.raw'));
    assertThrowsWith(() => readDeepmd(sys), /type\.raw:1/, /binary data/);
    // text that is not the format: an XML document that is not a vasprun, an OUTCAR of prose
    writeFileSync(join(dir, 'other.xml'), '<?xml version="1.0"?>\n<svg></svg>\n');
    assertThrowsWith(() => readVasprun(join(dir, 'other.xml')), /other\.xml:1/, /not a vasprun/);
    writeFileSync(join(dir, 'prose'), 'hello\nworld\n');
    assertThrowsWith(() => readOutcar(join(dir, 'prose')), /prose:1/, /not a VASP OUTCAR/);
  } finally {
    cleanup();
  }
});

test('float32 systems read as Float32Array and round-trip through writeDeepmd as float64', () => {
  const { dir, cleanup } = tempDir('f32');
  try {
    const sys = join(dir, 'sys');
    makeSystem(sys, 4, 3, true);
    const t = readDeepmd(sys);
    const r = t.object(2) as { positions: Float32Array; energy: number; formula: string; volume: number; stress: Float64Array };
    assert.ok(r.positions instanceof Float32Array);
    assert.equal(r.formula, 'Al2Cu1');
    assert.equal(r.volume, 64);
    assert.ok(Math.abs(r.stress[0] - (-0.3 / 64) * 160.21766208) < 1e-6);
    // a non-periodic system (DeePMD-kit's empty nopbc file) keeps that through writeDeepmd
    writeFileSync(join(sys, 'nopbc'), '');
    const np = readDeepmd(sys);
    assert.deepEqual(np.get('pbc', 0), [false, false, false]);
    const out = join(dir, 'out');
    writeDeepmd(np, out);
    assert.deepEqual(readDeepmd(out).get('pbc', 3), [false, false, false]);
    assertClose(readDeepmd(out).get('positions', 3) as Float64Array, np.get('positions', 3) as Float32Array, 0, 'coord through float64');
  } finally {
    cleanup();
  }
});

test('bad input: DeePMD systems that would lose or change data silently (partly labelled sets, blank raw line, mixed types, links), and writes that would', { skip: NO_FIXTURES }, () => {
  const { dir, cleanup } = tempDir('deepmd-silent');
  try {
    // a set without force.npy while the other set has it: refused, naming the set
    const water = join(dir, 'water');
    cpSync(fx('deepmd_npy/deepmdkit_water_data_1_two_sets'), water, { recursive: true });
    rmSync(join(water, 'set.001', 'force.npy'));
    assertThrowsWith(() => readDeepmd(water), /set\.001\/force\.npy/, /set\.000 of the same system has/);
    // a blank line in energy.raw is not energy 0
    const mg = join(dir, 'mg');
    cpSync(fx('deepmd_raw/dpgen_Mg4_fcc_raw_and_npy'), mg, { recursive: true });
    for (const f of readdirSync(mg)) if (/^set\./.test(f)) rmSync(join(mg, f), { recursive: true });
    const e = readFileSync(join(mg, 'energy.raw'), 'utf8').split('\n');
    e[1] = '';
    writeFileSync(join(mg, 'energy.raw'), e.join('\n'));
    assertThrowsWith(() => readDeepmd(mg, { typeMap: ['Mg'] }), /energy\.raw:2/, /blank line/);
    // a mixed-type system: type.raw holds placeholders, refused
    const mixed = join(dir, 'mixed');
    cpSync(fx('deepmd_npy/dpdata_Fe16_spin_npy'), mixed, { recursive: true });
    writeNpy(join(mixed, 'set.000', 'real_atom_types.npy'), new Int32Array(2 * 16), [2, 16]);
    assertThrowsWith(() => readDeepmd(mixed), /real_atom_types\.npy/, /mixed-type system/);
    // a system linked into a tree is read; a link loop is an error
    const tree = join(dir, 'tree');
    mkdirSync(join(tree, 'real'), { recursive: true });
    cpSync(fx('deepmd_npy/dpdata_Fe16_spin_npy'), join(tree, 'real', 'fe'), { recursive: true });
    symlinkSync(fx('deepmd_npy/deepmdkit_water_data_1_two_sets'), join(tree, 'water_link'));
    assert.equal(readDeepmd(tree).numRows(), 2 + 160);
    symlinkSync(tree, join(tree, 'real', 'loop'));
    assertThrowsWith(() => readDeepmd(tree), /symbolic link loop/);
    // writeDeepmd: into a folder that holds a system, only with overwrite (then nothing of the old one remains)
    const fe = readDeepmd(fx('deepmd_npy/dpdata_Fe16_spin_npy'));
    const out = join(dir, 'out');
    writeDeepmd(readDeepmd(fx('deepmd_npy/deepmdkit_water_data_1_two_sets')), out, { setSize: 50 });
    assertThrowsWith(() => writeDeepmd(fe, out), /already holds a DeePMD-kit system/, /overwrite/);
    writeDeepmd(fe, out, { overwrite: true });
    assert.equal(readDeepmd(out).numRows(), 2);
    assert.equal(readDeepmd(out).get('formula', 0), 'Fe16');
    // a cell periodic along two axes, and forces on some frames only: refused, not changed
    const slab = fe.derive({ pbc: () => [true, true, false] });
    assertThrowsWith(() => writeDeepmd(slab, join(dir, 'slab')), /periodic along some axes only/);
    const half = fe.derive({ forces: (d: { frame: number; forces: unknown }) => (d.frame === 0 ? null : d.forces) });
    assertThrowsWith(() => writeDeepmd(half, join(dir, 'half')), /rows 0 have no forces/, /labels all its frames or none/);
  } finally {
    cleanup();
  }
});

test('bad input: labels that would be guessed or dropped (extxyz keys, partial dp test output, table cells)', { skip: NO_FIXTURES }, () => {
  const { dir, cleanup } = tempDir('guessed');
  try {
    // extxyz with two energy keys (REF_energy and MACE_energy): an error naming both and the option
    const xyz = join(dir, 'two.xyz');
    writeFileSync(xyz, [
      '1',
      'Lattice="3 0 0 0 3 0 0 0 3" Properties=species:S:1:pos:R:3:REF_forces:R:3:MACE_forces:R:3 REF_energy=-3.1 MACE_energy=-3.0 pbc="T T T"',
      'Al 0 0 0 0.1 0 0 0.2 0 0',
      '',
    ].join('\n'));
    assertThrowsWith(() => readExtxyz(xyz), /two\.xyz:2 \(frame 0\)/, /REF_forces, MACE_forces/, /forcesKey/);
    assertThrowsWith(() => readExtxyz(xyz, { forcesKey: 'REF_forces' }), /REF_energy, MACE_energy/, /energyKey/);
    const one = readExtxyz(xyz, { forcesKey: 'REF_forces', energyKey: 'REF_energy' });
    assert.equal(one.get('energy', 0), -3.1);
    assert.deepEqual(Array.from(one.get('forces', 0) as Float64Array), [0.1, 0, 0]);
    // dp test output of two systems whose .v.out lacks the second: refused, naming it
    const src = join(REPO_ROOT, 'data', 'al', 'dptest', 'fcc', 'dk0.12');
    const pre = join(dir, 'two');
    for (const suf of ['.e.out', '.e_peratom.out', '.f.out', '.v.out', '.v_peratom.out']) {
      const a = readFileSync(join(src, `test_n007${suf}`), 'utf8');
      const b = readFileSync(join(src, `test_n008${suf}`), 'utf8');
      writeFileSync(pre + suf, a + b);
    }
    assert.equal(new Set(readDpTest(pre).filter((d: { quantity: string }) => d.quantity === 'energy').array('system') as string[]).size, 2);
    writeFileSync(pre + '.v.out', readFileSync(join(src, 'test_n007.v.out'), 'utf8'));
    assertThrowsWith(() => readDpTest(pre), /two\.v\.out/, /1 system block\(s\), but .* has 2/, /missing .*n008/);
    // a .f.out cut to half of its atoms still divides into whole frames: the energies tell
    const fx6 = fx('dp_test/deepmdkit_agent_commit/test_dp_test_ener_detail');
    const cut = join(dir, 'cut');
    for (const suf of ['.e.out', '.e_peratom.out', '.v.out', '.v_peratom.out']) copyFileSync(fx6 + suf, cut + suf);
    writeFileSync(cut + '.f.out', readFileSync(fx6 + '.f.out', 'utf8').split('\n').slice(0, 4).join('\n') + '\n');
    assertThrowsWith(() => readDpTest(cut), /cut\.f\.out/, /3 atoms per frame/, /mean 6/);
    // table cells: a quoted blank and "0b1010" are not numbers; a constant never overwrites a column
    const csv = join(dir, 'cells.csv');
    writeFileSync(csv, 'metal,lattice,property,unit,method,dk,value\nAl,fcc,B0,GPa,DFT,0.12," "\nAl,fcc,B0,GPa,DFT,0.18,0b1010\n');
    assertThrowsWith(() => readTable(csv), /cells\.csv:2/, /value/);
    const t = readTable(csv, { layout: 'table' });
    assert.deepEqual(t.array('value'), [' ', '0b1010']);
    const units = join(dir, 'units.csv');
    writeFileSync(units, 'property,unit,dk,value\nE_vac,meV,0.12,671\n');
    assertThrowsWith(() => readTable(units, { constants: { unit: 'GPa' } }), /units\.csv:1/, /constants\.unit would overwrite the column "unit"/);
    // a duplicate sweep row is named by its own line
    const dup = join(dir, 'dup.csv');
    writeFileSync(dup, 'metal,lattice,property,unit,method,dk,value\nAl,fcc,B0,GPa,DFT,0.12,77\nAl,fcc,B0,GPa,DFT,0.18,78\nAl,fcc,B0,GPa,DFT,0.12,79\n');
    assertThrowsWith(() => readTable(dup), /dup\.csv:4/, /duplicates/);
  } finally {
    cleanup();
  }
});

/** ASE's own VASP test files (real VASP output shipped with ASE in the venv), or null. */
function aseVaspData(): string | null {
  const lib = join(REPO_ROOT, '.venv', 'lib');
  if (!existsSync(lib)) return null;
  for (const py of readdirSync(lib)) {
    const d = join(lib, py, 'site-packages', 'ase', 'test', 'testdata', 'vasp');
    if (existsSync(d)) return d;
  }
  return null;
}

test('OUTCAR: a missing cell in a cell relaxation, a number cut at the end, "Iteration ****(", ionsPerType against the file, KSPACING echo, machine-learned steps', { skip: NO_FIXTURES }, () => {
  const { dir, cleanup } = tempDir('outcar-edges');
  try {
    const li = readFileSync(fx('vasp/dpgen_Li40_relax_kspacing/OUTCAR'), 'latin1').split('\n');
    const put = (name: string, lines: string[]): string => {
      mkdirSync(join(dir, name), { recursive: true });
      const p = join(dir, name, 'OUTCAR');
      writeFileSync(p, lines.join('\n'), 'latin1');
      return p;
    };
    const lineIdx = (re: RegExp, k: number): number => li.map((l, i) => (re.test(l) ? i : -1)).filter((i) => i >= 0)[k];
    // ISIF = 3: step 5 without its "direct lattice vectors" block would take step 4's cell
    const lat5 = lineIdx(/direct lattice vectors/, 5); // [0] is the header's
    assertThrowsWith(() => readOutcar(put('nolat', [...li.slice(0, lat5), ...li.slice(lat5 + 4)])), /OUTCAR:\d+/, /ionic step 5 has positions but no "direct lattice vectors"/, /ISIF = 3/);
    // a file that ends inside the last energy(σ→0) number: the step is unfinished, not E0 = −16
    const e10 = lineIdx(/energy  without entropy=.*energy\(sigma->0\)/, 9); // the 10th step's energy block (SCF lines have one space)
    const cutLine = li[e10].slice(0, li[e10].indexOf('=', li[e10].indexOf('sigma->0')) + 9);
    const cut = put('cut', [...li.slice(0, e10), cutLine]);
    assertThrowsWith(() => readOutcar(cut), /ionic step 10/, /before its free energy/);
    const nine = readOutcar(cut, { truncated: 'drop' });
    assert.equal(nine.numRows(), 9);
    assert.deepEqual((tableMeta(nine).notes as { skipped_steps: unknown[] }).skipped_steps, [{ step: 10, reason: 'unfinished at the end of the file' }]);
    // machine-learned force-field blocks (VASP ≥ 6.3, ML_LMLFF): an ML-only step is counted and
    // listed; the ML prediction VASP prints before the SCF of a DFT step is not a step
    const free = (k: number): number => lineIdx(/^\s*FREE ENERGIE OF THE ION-ELECTRON SYSTEM/, k);
    const ml = (e: string): string[] => ['', '  ML FREE ENERGIE OF THE ION-ELECTRON SYSTEM (eV)', '  ---------------------------------------------------',
      `  free  energy ML TOTEN  = ${e} eV`, '', `  ML energy  without entropy= ${e}  ML energy(sigma->0) = ${e}`, ''];
    const after5 = free(4) + 6;
    const before7 = lineIdx(/Iteration\s+7\(\s*1\)/, 0);
    // after step 5: an ML-only step (6), then the ML prediction of the DFT step that follows (7);
    // before the SCF of the next DFT step, its ML prediction again
    const mlRun = put('ml', [...li.slice(0, after5), ...ml('-16.90'), ...ml('-16.905'), ...li.slice(after5, before7), ...ml('-16.91'), ...li.slice(before7)]);
    const t = readOutcar(mlRun);
    assert.equal(t.numRows(), 10);
    assert.deepEqual((t.array('tags') as { step: number }[]).map((x) => x.step), [1, 2, 3, 4, 5, 7, 8, 9, 10, 11]);
    const notes = tableMeta(t).notes as { skipped_steps: { step: number; reason: string }[]; ionic_steps: number };
    assert.equal(notes.ionic_steps, 11);
    assert.deepEqual(notes.skipped_steps.map((x) => x.step), [6]);
    assert.match(notes.skipped_steps[0].reason, /machine-learned force-field step/);
    assert.deepEqual(Array.from(t.get('positions', 9) as Float64Array), Array.from(readOutcar(fx('vasp/dpgen_Li40_relax_kspacing/OUTCAR')).get('positions', 9) as Float64Array));
    // "Iteration ****(  10)" (ionic step ≥ 10000): the SCF count is read after "(": 10 = NELM, not 0
    const al = readFileSync(fx('vasp/dpgen_Al2_sigma1_gamma/task.001.000001_OUTCAR'), 'latin1').replace(/Iteration    1\(/g, 'Iteration ****(');
    const star = put('star', al.split('\n'));
    assertThrowsWith(() => readOutcar(star, { unconverged: 'error' }), /not converged/);
    // ionsPerType must agree with the counts the file prints
    assertThrowsWith(() => readOutcar(fx('vasp/dpdata_HEA48_16species_vasp630/OUTCAR'), { ionsPerType: [5, 3, 3, 1, 4, 4, 2, 5, 4, 5, 2, 2, 2, 2, 2, 2] }),
      /OUTCAR:\d+/, /ionsPerType option gives 5 ions of type 1 \(Cr\), but the file's "ions per type" says 3/);
    // a KSPACING in the INCAR echo that is not a number
    const ti = readFileSync(fx('vasp/dpdata_Ti32_aimd_nwrite0/OUTCAR'), 'latin1').replace('   KSPACING = 5.0', '   KSPACING = 5.0;');
    assertThrowsWith(() => readOutcar(put('ks', ti.split('\n'))), /OUTCAR:39/, /KSPACING = 5\.0; in the INCAR echo is not a positive number/);
  } finally {
    cleanup();
  }
});

test('vasprun.xml: any XML spelling of the arrays, settings that are not numbers, energy(σ→0) of a linear-response run, ENMAX, the run\'s k-points', { skip: NO_FIXTURES }, () => {
  const { dir, cleanup } = tempDir('vasprun-edges');
  try {
    const src = fx('vasp/dpdata_Ti32_aimd_nwrite0/vasprun.xml');
    const xml = readFileSync(src, 'latin1');
    const ref = readVasprun(src);
    const same = (name: string, text: string): void => {
      const p = join(dir, `${name}.xml`);
      writeFileSync(p, text, 'latin1');
      const t = readVasprun(p);
      assert.equal(t.numRows(), 10, name);
      for (const c of ['positions', 'forces', 'cell', 'virial']) {
        for (const i of [2, 9]) assert.deepEqual(Array.from(t.get(c, i) as Float64Array), Array.from(ref.get(c, i) as Float64Array), `${name} ${c} ${i}`);
      }
    };
    const third = xml.indexOf('<calculation>', xml.indexOf('<calculation>', xml.indexOf('<calculation>') + 1) + 1);
    const edit = (from: string, to: string): string => xml.slice(0, third) + xml.slice(third).replace(from, to);
    same('newline-in-v', edit('<varray name="basis" >\n      <v>', '<varray name="basis" >\n      <v>\n'));
    same('attr-spelling', edit('<varray name="basis" >', '<varray\n name = \'basis\' >').replace(/<varray name="forces" >/g, '<varray name=\'forces\' >'));
    same('newline-in-forces-row', edit('<varray name="forces" >\n  <v>', '<varray name="forces" >\n  <v>\n'));
    // a basis that is really broken is an error, not a skipped step
    const basis = xml.indexOf('<varray name="basis"', third);
    const row = xml.indexOf('<v>', basis);
    const broken = join(dir, 'broken.xml');
    writeFileSync(broken, xml.slice(0, row) + xml.slice(xml.indexOf('</v>', row) + 4), 'latin1');
    assertThrowsWith(() => readVasprun(broken), /basis has 6 numbers, expected 9/);
    // INCAR values that are not numbers
    const sig = join(dir, 'sigma.xml');
    writeFileSync(sig, xml.replace('<i name="SIGMA">      0.20000000</i>', '<i name="SIGMA">      0.20000000 ! smearing</i>'), 'latin1');
    assertThrowsWith(() => readVasprun(sig), /\(SIGMA\)/, /<incar> SIGMA = "0\.20000000 ! smearing" is not a number/);
    // ASE's VASP test files: a linear-response run (LEPSILON) and a PSTRESS run without ENCUT
    const ase = aseVaspData();
    if (!ase) return;
    const dfpt = readVasprun(join(ase, 'vasprun_dfpt.xml'));
    // pymatgen's Vasprun(...).final_energy for this file is −6.74587304 eV; the last <scstep> holds a
    // linear-response iteration (e_0 −0.21489544), not the total energy
    assert.equal(dfpt.get('energy_sigma0', 0), -6.74587304);
    assert.equal(dfpt.get('nkpts', 0), 4, 'the run\'s <kpoints>, not the ones inside the response <calculation>s');
    const pst = readVasprun(join(ase, 'vasprun_pstress.xml'));
    assert.equal((tableMeta(pst).notes as { settings: { encut: number } }).settings.encut, 400, 'ENMAX from <parameters>');
  } finally {
    cleanup();
  }
});

test('bad input: dpgen results, POSCAR, INCAR, run trees and Δk patterns that would lose or guess data', { skip: NO_FIXTURES }, () => {
  const { dir, cleanup } = tempDir('dpgen-poscar');
  try {
    const ex = fx('dpgen_autotest/doc_examples');
    const conf = (name: string): string => {
      const d = join(dir, 'confs', name);
      mkdirSync(d, { recursive: true });
      return d;
    };
    // an E(V) point whose volume appears twice: refused, not collapsed
    const eos = join(conf('std-fcc'), 'eos_00');
    mkdirSync(eos);
    const lines = readFileSync(join(ex, 'eos_result.out'), 'utf8').split('\n').filter((l) => !/\.\.\./.test(l));
    writeFileSync(join(eos, 'result.out'), [...lines.slice(0, 4), ' 14.808   -3.7100', ''].join('\n'));
    assertThrowsWith(() => readDpgenAutotest(join(dir, 'confs'), { dk: 0.18 }), /result\.out:5/, /volume 14\.808 .* appears twice/);
    rmSync(eos, { recursive: true });
    // a vacancy line cut after its task name: refused, not skipped
    const vac = join(conf('std-fcc'), 'vacancy_00');
    mkdirSync(vac);
    const v = readFileSync(join(ex, 'vacancy_result.out'), 'utf8').split('\n');
    writeFileSync(join(vac, 'result.out'), [...v.slice(0, 2), '[3, 3, 3]-task.000000:', ''].join('\n'));
    assertThrowsWith(() => readDpgenAutotest(join(dir, 'confs'), { dk: 0.18 }), /result\.out:3/, /expected "E_f E equi_E"/);
    writeFileSync(join(vac, 'result.out'), v.join('\n'));
    // a property deltak does not read is named in the notes, not dropped unseen
    const surf = join(conf('std-fcc'), 'surface_00');
    mkdirSync(surf);
    writeFileSync(join(surf, 'result.json'), '{}');
    const t = readDpgenAutotest(join(dir, 'confs'), { dk: 0.18 });
    assert.equal(t.numRows(), 1);
    assert.deepEqual((tableMeta(t).notes as { not_read: string[] }).not_read, [join(surf, 'result.json')]);
    // a relaxation without energies: no E0 = 0
    const relax = join(conf('std-bcc'), 'relaxation', 'relax_task');
    mkdirSync(relax, { recursive: true });
    const mo = JSON.parse(readFileSync(fx('dpgen_autotest/dpgen_Mo_bcc_relaxation_result.json'), 'utf8'));
    delete mo.data.energies;
    writeFileSync(join(relax, 'result.json'), JSON.stringify(mo));
    assertThrowsWith(() => readDpgenAutotest(join(dir, 'confs', 'std-bcc'), { dk: 0.18 }), /relax_task\/result\.json/, /no energies/);
    // dpdata's nopbc: a molecule is not periodic
    mo.data.nopbc = true;
    writeFileSync(join(relax, 'result.json'), JSON.stringify(mo));
    assert.deepEqual(readDpdataJson(join(relax, 'result.json')).get('pbc', 0), [false, false, false]);
    // POSCAR with three scale factors (one per axis), as ASE reads it; a blank counts line
    const p3 = join(dir, 'POSCAR');
    writeFileSync(p3, 'three scales\n1.0 1.0 2.0\n3 0 0\n0 3 0\n0 0 3\nAl\n1\nDirect\n0.5 0.5 0.5\n');
    const ps = readPoscar(p3);
    assert.deepEqual(Array.from(ps.cell), [3, 0, 0, 0, 3, 0, 0, 0, 6]); // ASE: cell [[3,0,0],[0,3,0],[0,0,6]]
    assert.deepEqual(Array.from(ps.positions), [1.5, 1.5, 3]); // ASE: positions [[1.5, 1.5, 3.0]]
    writeFileSync(p3, 'blank counts\n1.0\n3 0 0\n0 3 0\n0 0 3\nAl\n\nDirect\n0.5 0.5 0.5\n');
    assertThrowsWith(() => readPoscar(p3), /POSCAR:7/, /0 counts for 1 species/);
    // an INCAR that sets a tag twice
    const incar = join(dir, 'INCAR');
    writeFileSync(incar, 'ENCUT = 500\nISMEAR = 1; SIGMA = 0.2\nENCUT = 400 ! again\n');
    assertThrowsWith(() => readIncar(incar), /INCAR:3/, /ENCUT is set twice \(line 1: 500, here: 400\)/);
    // a run tree with a link to a run already in it reads that run once; a compressed run is named
    const runs = join(dir, 'runs');
    mkdirSync(join(runs, 'run1'), { recursive: true });
    copyFileSync(fx('vasp/dpgen_Al2_sigma1_gamma/000000_OUTCAR'), join(runs, 'run1', 'OUTCAR'));
    symlinkSync(join(runs, 'run1'), join(runs, 'latest'));
    assert.equal(readVaspRuns(runs).numRows(), 1);
    mkdirSync(join(runs, 'run2'));
    writeFileSync(join(runs, 'run2', 'OUTCAR.gz'), Buffer.from([0x1f, 0x8b, 8, 0]));
    assertThrowsWith(() => readVaspRuns(runs), /run2\/OUTCAR\.gz/, /compressed VASP output is not read/);
    // Δk patterns: "k{dk}" does not match inside "bulk2"; two different Δk on one path are an error
    assert.equal(dkFromPattern('/calc/k0.25/Al_bulk2/OUTCAR', 'k{dk}'), 0.25);
    assert.equal(dkFromPattern('/calc/k0.25/task.000/OUTCAR', 'k{dk}'), 0.25);
    assertThrowsWith(() => dkFromPattern('/x/dk0.12/dk0.18/OUTCAR', 'dk{dk}/'), /matches several Δk \(0\.12, 0\.18/);
  } finally {
    cleanup();
  }
});
