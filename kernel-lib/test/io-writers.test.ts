/**
 * Writers never lose data: writeDeepmd stages every system beside the target and swaps them in
 * only when all are complete (a value that fails midway leaves the old data whole), an overwrite
 * removes exactly what the previous write made and keeps the files it does not own, NaN/Inf are
 * refused, writeNpy does not overwrite unless asked, and `deltak report --out` replaces an
 * earlier report only once the new one is complete.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync, readdirSync, mkdirSync, cpSync, existsSync, chmodSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { escape } from 'arquero';
import { readDeepmd, writeDeepmd, writeNpy, readNpy, concatFrames } from '../src/io/index.js';
import { runReport } from '../src/cli/report.js';
import { NO_FIXTURES, REPO_ROOT, fx, tempDir, assertThrowsWith } from './io-helpers.js';

/** Every file under `dir` with its bytes (relative path → base64), to compare a folder before and after. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(dir, p)] = readFileSync(p).toString('base64');
    }
  };
  walk(dir);
  return out;
}

/** Names in `dir`'s parent that a staged write left behind (hidden siblings of `dir`). */
function leftovers(dir: string): string[] {
  const base = dir.split('/').pop()!;
  return readdirSync(join(dir, '..')).filter((n) => n.startsWith(`.${base}.`));
}

test('writeDeepmd: a value that fails midway leaves the old system whole; multi-system writes are all or nothing', { skip: NO_FIXTURES }, () => {
  const { dir, cleanup } = tempDir('write-fail');
  try {
    const water = readDeepmd(fx('deepmd_npy/deepmdkit_water_data_1_two_sets'));
    const fe = readDeepmd(fx('deepmd_npy/dpdata_Fe16_spin_npy'));
    const out = join(dir, 'out');
    writeDeepmd(water, out, { setSize: 50 });
    const before = snapshot(out);
    assert.ok(Object.keys(before).includes('set.003/coord.npy'));
    // the last frame's energy NaN: found after three sets were written (into the stage)
    const nanLast = water.derive({ energy: (d: { frame: number; energy: number }) => (d.frame === 159 ? NaN : d.energy) });
    assertThrowsWith(() => writeDeepmd(nanLast, out, { setSize: 50, overwrite: true }), /row 159 energy is NaN/);
    assert.deepEqual(snapshot(out), before, 'the old system is whole');
    assert.deepEqual(leftovers(out), [], 'no staging folder left');
    assert.equal(readDeepmd(out).numRows(), 160);
    // two systems, the second with an infinite force: neither is written
    const two = join(dir, 'two');
    const badFe = fe.derive({ forces: escape((d: { frame: number; forces: Float64Array }) => (d.frame === 1 ? d.forces.map((x, i) => (i === 5 ? Infinity : x)) : d.forces)) });
    assertThrowsWith(() => writeDeepmd(concatFrames([water, badFe]), two), /row 161 forces\[5\] is Infinity/);
    assert.ok(!existsSync(two) || readdirSync(two).length === 0, 'nothing of the first system written');
    // ... and over an earlier write of both, the earlier systems stay
    writeDeepmd(concatFrames([water, fe]), two);
    const both = snapshot(two);
    assertThrowsWith(() => writeDeepmd(concatFrames([water, badFe]), two, { overwrite: true }), /Infinity/);
    assert.deepEqual(snapshot(two), both);
    assert.equal(readDeepmd(two).numRows(), 162);
    // a periodic cell of zero volume is refused, not written
    const flat = fe.derive({ cell: escape((d: { cell: Float64Array }) => Float64Array.from(d.cell, (x, i) => (i >= 6 ? 0 : x))) });
    assertThrowsWith(() => writeDeepmd(flat, join(dir, 'flat')), /row 0: the cell has zero volume/);
  } finally {
    cleanup();
  }
});

test('writeDeepmd: an overwrite removes exactly what the previous write made (stale systems too) and keeps fparam.raw', { skip: NO_FIXTURES }, () => {
  const { dir, cleanup } = tempDir('write-owned');
  try {
    const water = readDeepmd(fx('deepmd_npy/deepmdkit_water_data_1_two_sets'));
    const fe = readDeepmd(fx('deepmd_npy/dpdata_Fe16_spin_npy'));
    const out = join(dir, 'out');
    // two systems in sub-folders, then one system: the sub-folders go (they were read back before)
    writeDeepmd(concatFrames([water, fe]), out);
    assert.deepEqual(readdirSync(out).filter((n) => !n.startsWith('.')).sort(), ['Fe16', 'O64H128']);
    writeDeepmd(fe, out, { overwrite: true });
    assert.deepEqual(readdirSync(out).filter((n) => !n.startsWith('.')).sort(), ['set.000', 'type.raw', 'type_map.raw']);
    assert.equal(readDeepmd(out).numRows(), 2);
    // a file the writer did not make stays through an overwrite
    writeFileSync(join(out, 'fparam.raw'), '0.1\n0.2\n');
    writeDeepmd(fe, out, { overwrite: true, setSize: 1 });
    assert.equal(readFileSync(join(out, 'fparam.raw'), 'utf8'), '0.1\n0.2\n');
    assert.deepEqual(readdirSync(out).filter((n) => n.startsWith('set.')).sort(), ['set.000', 'set.001']);
    // fewer sets than before: the old set.001 goes
    writeDeepmd(fe, out, { overwrite: true });
    assert.deepEqual(readdirSync(out).filter((n) => n.startsWith('set.')), ['set.000']);
    // a system writeDeepmd did not write is not replaced, even with overwrite
    const theirs = join(dir, 'theirs');
    cpSync(fx('deepmd_npy/dpdata_Fe16_spin_npy'), theirs, { recursive: true });
    const kept = snapshot(theirs);
    assertThrowsWith(() => writeDeepmd(fe, theirs), /already holds a DeePMD-kit system/);
    assertThrowsWith(() => writeDeepmd(fe, theirs, { overwrite: true }), /type\.raw exists and was not written by writeDeepmd/, /as it was/);
    assert.deepEqual(snapshot(theirs), kept);
    // a read-only folder (only as another user than root, whom permissions do not stop)
    if (process.getuid?.() !== 0) {
      const before = snapshot(out);
      chmodSync(out, 0o555);
      try {
        assert.throws(() => writeDeepmd(water, out, { overwrite: true }));
      } finally {
        chmodSync(out, 0o755);
      }
      assert.deepEqual(snapshot(out), before);
    }
  } finally {
    cleanup();
  }
});

test('writeNpy refuses NaN/Inf and an existing file unless asked; the file it replaces is replaced whole', () => {
  const { dir, cleanup } = tempDir('npy-write');
  try {
    const p = join(dir, 'energy.npy');
    writeNpy(p, Float64Array.of(-1, -2), [2]);
    assertThrowsWith(() => writeNpy(p, Float64Array.of(-3, -4), [2]), /energy\.npy exists/, /overwrite: true/);
    assertThrowsWith(() => writeNpy(p, Float64Array.of(-3, NaN), [2], { overwrite: true }), /value 1 is NaN/);
    assert.deepEqual(Array.from(readNpy(p).data), [-1, -2]);
    writeNpy(p, Float64Array.of(-3, -4), [2], { overwrite: true });
    assert.deepEqual(Array.from(readNpy(p).data), [-3, -4]);
    assert.deepEqual(readdirSync(dir), ['energy.npy'], 'no temporary file left');
  } finally {
    cleanup();
  }
});

test('deltak report --out: a failed run leaves the earlier report whole; a new one replaces its files; other folders are refused', { timeout: 180_000 }, async () => {
  const { dir, cleanup } = tempDir('report');
  try {
    const props = join(REPO_ROOT, 'data', 'al-fcc', 'properties.csv');
    const manifest = (name: string, extra: Record<string, unknown>): string => {
      const p = join(dir, `${name}.json`);
      writeFileSync(p, JSON.stringify({ name, properties: [props], ...extra }));
      return p;
    };
    const fcc = { name: 'Al fcc 2x2x2', cell: [[0, 4.04, 4.04], [4.04, 0, 4.04], [4.04, 4.04, 0]], natoms: 8 };
    const out = join(dir, 'out');
    await runReport([manifest('first', { cells: [fcc] }), '--out', out]);
    const first = snapshot(out);
    assert.ok('table_s1_kpoints.csv' in first && 'report.html' in first);
    // a run that fails after its property tables and charts were written (a singular cell for Table S1)
    const bad = manifest('bad', { cells: [{ name: 'flat', cell: [[0, 0, 0], [0, 0, 0], [0, 0, 0]], natoms: 8 }] });
    await assert.rejects(runReport([bad, '--out', out]), /singular/);
    assert.deepEqual(snapshot(out), first, 'the earlier report is whole');
    assert.deepEqual(leftovers(out), []);
    // a report without cells: Table S1 of the earlier report does not stay beside it
    await runReport([manifest('second', {}), '--out', out]);
    assert.ok(!existsSync(join(out, 'table_s1_kpoints.csv')));
    assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /<title>second<\/title>/);
    // a folder holding other files is not a report folder
    const home = join(dir, 'home');
    mkdirSync(home);
    writeFileSync(join(home, 'notes.txt'), 'mine');
    await assert.rejects(runReport([manifest('third', {}), '--out', home]), /holds files deltak report did not write \(notes\.txt\)/);
    assert.equal(readFileSync(join(home, 'notes.txt'), 'utf8'), 'mine');
    assert.ok(statSync(home).isDirectory());
  } finally {
    cleanup();
  }
});
