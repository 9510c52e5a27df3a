/**
 * readFolder on trees in three layouts (tags in the files; tags only in the paths; Δk only in
 * the VASP settings), its disagreement errors and missing-configuration report, the path-pattern
 * engine, and openDataset against the explicit path on the reference dataset data/al.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fromCSV } from 'arquero';
import {
  readFolder, folderReport, compilePattern, dkFromPattern, readExtxyz, concatFrames, openDataset, example, validateManifest, readDpTest,
} from '../src/io/index.js';
import { semTable, semThresholds, computeProperties, thresholds, sweepRows, recommendDk, parity, completeCurves } from '../src/core/index.js';
import { semFramesFromFrames, calculationsFromFrames } from '../src/core/fromframes.js';
import { REPO_ROOT, NO_FIXTURES, fx, tempDir, assertThrowsWith } from './io-helpers.js';

const AL = join(REPO_ROOT, 'data', 'al');
const NO_AL = existsSync(join(AL, 'manifest.json')) ? false : `the reference dataset ${AL} is not on this machine; skipping`;
const manifest = (): { sem_frames: string[]; properties: string[]; dp_test: { prefix: string; dk: number; dataset: string }[]; cells: { name: string; cell: number[][]; natoms: number }[]; dks: number[]; train_dks: number[] } =>
  JSON.parse(readFileSync(join(AL, 'manifest.json'), 'utf8'));

/** The SEM table from the manifest's test-set files, read one by one (the explicit path). */
const explicitSem = () => semTable(semFramesFromFrames(concatFrames(manifest().sem_frames.map((f) => readExtxyz(join(AL, f))))));
const values = (t: { objects(): object[] }) => (t.objects() as Record<string, unknown>[]).map((r) => `${r.metal} ${r.lattice} ${r.structure} ${r.sem} ${r.dk} ${r.value}`).sort();

test('pattern: tags and numeric {dk}, * within a name, ** across folders; whole-path match', () => {
  const p = compilePattern('{metal}/{lattice}/{structure}/dk{dk}/{config}.extxyz');
  assert.deepEqual(p.names, ['metal', 'lattice', 'structure', 'dk', 'config']);
  assert.deepEqual(p.match('Al/fcc/vacancy/dk0.18/c-001.extxyz'), { metal: 'Al', lattice: 'fcc', structure: 'vacancy', dk: 0.18, config: 'c-001' });
  assert.equal(p.match('Al/fcc/vacancy/dk0.18/more/c-001.extxyz'), null, '{config} does not cross a folder');
  assert.equal(p.match('Al/fcc/vacancy/dkx/c.extxyz'), null, '{dk} is a number');
  assert.deepEqual(compilePattern('**/dk{dk}_v{scale}_*.extxyz').match('raw/eos/dk0.09_v0.97_3259e87fd822.extxyz'), { dk: 0.09, scale: '0.97' });
  assert.deepEqual(compilePattern('**/dk{dk}/*').match('dk1.5e-1/a'), { dk: 0.15 }, '**/ matches no folder too; exponent');
  assertThrowsWith(() => compilePattern('{a}/{a}').match('x/y'), /tag "a" twice/, /"x"/, /"y"/);
  assertThrowsWith(() => compilePattern('{1x}'), /not a tag name/);
  assertThrowsWith(() => compilePattern('dk{dk'), /not closed/);
  // the Δk search of the readers is the same engine
  assert.equal(dkFromPattern('/calc/k0.25/Al_bulk2/OUTCAR', 'k{dk}'), 0.25);
  assertThrowsWith(() => dkFromPattern('/x/dk0.12/dk0.18/OUTCAR', 'dk{dk}/'), /several Δk \(0\.12, 0\.18/);
});

test('pattern: linear time (no backtracking) with many * on a long name', () => {
  const name = 'a'.repeat(400);
  for (const pattern of ['*a'.repeat(100) + '*b', '**a'.repeat(100) + '{x}b', '{x}'.repeat(50) + 'b']) {
    const t0 = process.hrtime.bigint();
    assert.equal(compilePattern(pattern).match(name), null);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    assert.ok(ms < 2000, `${pattern.slice(0, 12)}… on 400 characters took ${ms.toFixed(0)} ms`);
  }
  // a regular expression with backtracking takes exponential time on this: the engine does not
  assert.deepEqual(compilePattern('*a'.repeat(30) + '{rest}').match('a'.repeat(31) + 'z'), { rest: 'z' }, 'stars take as much as they can');
});

test('readFolder, tags in the files: the reference dataset’s DFT cache tree', { skip: NO_AL }, () => {
  const dir = join(AL, 'dft', 'fcc', 'sem');
  const t = readFolder(dir);
  const r = folderReport(t)!;
  assert.deepEqual(r.read.map((x) => [x.format, x.items]), [['extxyz', t.numRows()]]);
  assert.deepEqual(r.ignored, []);
  assert.deepEqual(r.dks, manifest().dks);
  assert.deepEqual(r.missing, []);
  assert.deepEqual(r.groups.map((g) => g.group).sort(), ['Al fcc oh', 'Al fcc pristine', 'Al fcc td', 'Al fcc vacancy']);
  // SEMs from the tree equal those of the manifest's test-set files read one by one (their FCC part)
  assert.deepEqual(values(semTable(t)), values(explicitSem()).filter((v) => v.startsWith('Al fcc ')));
  // properties from the cache's tagged single points: the tree read per stage gives the same sweep
  const stages = ['eos', 'elastic', 'defects'];
  const byStage = computeProperties(calculationsFromFrames(concatFrames(stages.flatMap((s) =>
    readdirSync(join(AL, 'dft', 'fcc', s)).sort().flatMap((d) => readdirSync(join(AL, 'dft', 'fcc', s, d)).sort().map((f) => readExtxyz(join(AL, 'dft', 'fcc', s, d, f))))))));
  const fromTree = concatFrames(stages.map((s) => readFolder(join(AL, 'dft', 'fcc', s))));
  const key = (x: { objects(): object[] }) => (x.objects() as Record<string, unknown>[]).map((q) => `${q.property} ${q.dk} ${q.value}`).sort();
  assert.deepEqual(key(computeProperties(fromTree)), key(byStage));
});

/** Write the test set of data/al as one file per configuration and Δk, with the group and configuration tags only in the path. */
function pathOnlyTree(dir: string): number {
  const strip = /(^|\s)(metal|lattice|structure|config|set|dk|linear_scale)=("[^"]*"|\S+)/g;
  let n = 0;
  for (const f of manifest().sem_frames) {
    const t = readExtxyz(join(AL, f));
    const lines = readFileSync(join(AL, f), 'utf8').split('\n');
    let li = 0;
    for (const row of t.objects() as { natoms: number; dk: number; tags: Record<string, unknown> }[]) {
      const nat = Number(lines[li]);
      assert.equal(nat, row.natoms);
      const info = lines[li + 1].replace(strip, '').trim();
      const dest = join(dir, String(row.tags.metal), String(row.tags.lattice), String(row.tags.structure), `dk${row.dk.toFixed(2)}`);
      mkdirSync(dest, { recursive: true });
      writeFileSync(join(dest, `${row.tags.config}.extxyz`), [lines[li], info, ...lines.slice(li + 2, li + 2 + nat)].join('\n') + '\n');
      li += 2 + nat;
      n++;
    }
  }
  writeFileSync(join(dir, 'README.txt'), 'notes of the user\n');
  return n;
}

test('readFolder, tags only in the paths: semTable(readFolder(dir, { pattern })) equals the tagged files’', { skip: NO_AL }, () => {
  const { dir, cleanup } = tempDir('pathtags');
  try {
    const n = pathOnlyTree(dir);
    const pattern = '{metal}/{lattice}/{structure}/dk{dk}/{config}.extxyz';
    // without the pattern: one error lists every missing tag and how to supply it
    const bare = readFolder(dir);
    assert.equal(bare.numRows(), n);
    assertThrowsWith(() => semTable(bare), /semTable: the frames lack/, /"config" on all/, /"metal" on all/, /"structure" on all/, /"dk" on all/, /pattern: "\{metal\}/, /tags: \(path\)/);
    const t = readFolder(dir, { pattern });
    const r = folderReport(t)!;
    assert.deepEqual(r.ignored, [{ reason: 'not a format deltak reads', count: 1, examples: ['README.txt'] }]);
    assert.deepEqual(r.unmatched, []);
    assert.equal((t.get('tags', 0) as Record<string, unknown>).structure !== undefined, true);
    assert.deepEqual(values(semTable(t)), values(explicitSem()));
    // the same through a tags function
    const fn = (p: string) => {
      const [metal, lattice, structure, d, file] = p.split('/');
      return { metal, lattice, structure, dk: Number(d.slice(2)), config: file.replace(/\.extxyz$/, '') };
    };
    assert.deepEqual(values(semTable(readFolder(dir, { tags: fn }))), values(explicitSem()));
    // pattern and function must agree
    assertThrowsWith(() => readFolder(dir, { pattern, tags: (p) => ({ ...fn(p), metal: 'Cu' }) }), /tag "metal" is "Al" from the pattern/, /"Cu" from the tags function/);
    assertThrowsWith(() => readFolder(dir, { pattern, tags: (p) => ({ dk: fn(p).dk + 0.01 }) }), /Δk from the pattern .* and from the tags function .* disagree/);
    // a Δk in the path that the file's k-point mesh cannot come from is an error naming both
    const wrong = join(dir, 'Al', 'fcc', 'pristine', 'dk0.12');
    const bad = join(dir, 'Al', 'fcc', 'pristine', 'dk0.66');
    const f = readdirSync(wrong)[0];
    writeFileSync(join(dir, 'moved.extxyz'), readFileSync(join(wrong, f)));
    rmSync(join(bad, f));
    writeFileSync(join(bad, f), readFileSync(join(wrong, f)));
    assertThrowsWith(() => readFolder(dir, { pattern }), new RegExp(`dk0\\.66/${f.replace(/[.]/g, '\\.')}`), /Δk from the pattern .* is 0\.66 Å⁻¹/, /mesh 8×8×8|mesh \d+×\d+×\d+/);
    rmSync(join(bad, f));
    // the missing-configuration report: that configuration now lacks Δk 0.66; the moved file matches no pattern
    const t2 = readFolder(dir, { pattern });
    const r2 = folderReport(t2)!;
    assert.deepEqual(r2.missing, [{ group: 'Al fcc pristine', config: f.replace(/\.extxyz$/, ''), missing: [0.66] }]);
    assert.deepEqual(r2.unmatched, ['moved.extxyz']);
    assertThrowsWith(() => semTable(t2), /semTable: the frames lack/, /moved\.extxyz/);
  } finally {
    cleanup();
  }
});

test('readFolder: a tag in the file and a different one in the path is an error naming both', { skip: NO_AL }, () => {
  const { dir, cleanup } = tempDir('conflict');
  try {
    const src = join(AL, manifest().sem_frames[0]);
    mkdirSync(join(dir, 'Cu', 'fcc'), { recursive: true });
    writeFileSync(join(dir, 'Cu', 'fcc', 'set.extxyz'), readFileSync(src));
    assertThrowsWith(() => readFolder(dir, { pattern: '{metal}/{lattice}/*.extxyz' }), /Cu\/fcc\/set\.extxyz/, /tag "metal" is "Al" in the file but "Cu" from the pattern/);
    const fileDk = (readExtxyz(src).get('dk', 0) as number);
    mkdirSync(join(dir, 'dk0.5'));
    writeFileSync(join(dir, 'dk0.5', 'set.extxyz'), readFileSync(src));
    assertThrowsWith(() => readFolder(join(dir, 'dk0.5'), { tags: () => ({ dk: 0.5 }) }), new RegExp(`Δk from the file \\(file\\) \\(${fileDk} Å⁻¹\\) and from the tags function \\(0\\.5 Å⁻¹\\) disagree`));
  } finally {
    cleanup();
  }
});

test('readFolder, Δk only in the VASP settings: a tree of real VASP runs (fixtures)', { skip: NO_FIXTURES }, () => {
  const { dir, cleanup } = tempDir('vasptree');
  try {
    const run = (sub: string, files: Record<string, string>): void => {
      mkdirSync(join(dir, sub), { recursive: true });
      for (const [name, target] of Object.entries(files)) symlinkSync(fx(target), join(dir, sub, name));
    };
    run('Al/fcc/r2scan', { 'vasprun.xml': 'vasp/custodian_Al1_r2scan_kspacing/vasprun.xml' });
    run('Ti/hcp/md', { OUTCAR: 'vasp/dpdata_Ti32_aimd_nwrite0/OUTCAR', 'vasprun.xml': 'vasp/dpdata_Ti32_aimd_nwrite0/vasprun.xml' });
    run('Al/fcc/gamma', { OUTCAR: 'vasp/dpgen_Al2_sigma1_gamma/000000_OUTCAR' });
    writeFileSync(join(dir, 'Al', 'fcc', 'gamma', 'INCAR'), 'ENCUT = 600\nKSPACING = 1.5\n');
    run('Fe/bcc/mp', { OUTCAR: 'vasp/pyiron_outcar_samples/OUTCAR_2' });
    const pattern = '{metal}/{lattice}/{run}/*';
    // the Fe run has a 4×4×4 KPOINTS mesh and no KSPACING: without candidates it has no Δk
    assertThrowsWith(() => readFolder(dir, { pattern, requireDk: true }), /Fe\/bcc\/mp\/OUTCAR/, /Δk cannot be established/);
    const t = readFolder(dir, { pattern, dkCandidates: [0.25, 0.6, 1.5, 5] });
    const r = folderReport(t)!;
    assert.deepEqual(r.read.map((x) => [x.format, x.items]).sort(), [['outcar', 2], ['vasprun', 2]]);
    assert.deepEqual(r.ignored.map((g) => [g.reason, g.count]).sort(), [['VASP file beside the run\'s OUTCAR (read from that)', 1], ['the run is read from its vasprun.xml', 1]]);
    const rows = t.objects() as { source: string; dk: number; symbols: string[]; tags: Record<string, unknown> }[];
    const dkOf = (run: string) => [...new Set(rows.filter((x) => x.source.includes(run)).map((x) => `${x.dk} ${x.tags.dk_source}`))];
    assert.deepEqual(dkOf('r2scan'), ['0.25 KSPACING']);
    assert.deepEqual(dkOf('md'), ['5 KSPACING']);
    assert.deepEqual(dkOf('gamma'), ['1.5 KSPACING']);
    // |b| = 2π/2.80 Å⁻¹ with 4 divisions: 0.561 ≤ Δk < 0.748, and 0.6 is the one candidate inside
    assert.deepEqual(dkOf('Fe/bcc'), ['0.6 mesh']);
    for (const x of rows) assert.equal(x.tags.metal, x.symbols[0], `${x.source}: the metal from the path is the run's element`);
    // a Δk in the path that contradicts KSPACING: an error naming both
    const wrong = tempDir('vaspdk');
    try {
      mkdirSync(join(wrong.dir, 'dk0.3'));
      symlinkSync(fx('vasp/custodian_Al1_r2scan_kspacing/vasprun.xml'), join(wrong.dir, 'dk0.3', 'vasprun.xml'));
      assertThrowsWith(() => readFolder(wrong.dir, { pattern: 'dk{dk}/vasprun.xml' }), /dk0\.3\/vasprun\.xml/, /Δk from the file \(KSPACING\) \(0\.25 Å⁻¹\) and from the pattern "dk\{dk\}\/vasprun\.xml" \(0\.3 Å⁻¹\) disagree/);
    } finally {
      wrong.cleanup();
    }
  } finally {
    cleanup();
  }
});

test('readFolder: dp test output and DeePMD-kit systems of the reference dataset, each in its place', { skip: NO_AL }, () => {
  // the folder of the manifest's dp test output at 0.18 Å⁻¹ (the models its properties come from)
  const m = manifest().dp_test.filter((d) => d.dk === 0.18);
  const dir = join(AL, dirname(m[0].prefix));
  assert.ok(m.every((d) => dirname(d.prefix) === dirname(m[0].prefix)), 'one folder per Δk');
  const t = readFolder(dir, { pattern: '{dataset}_*' });
  const r = folderReport(t)!;
  assert.equal(t.numRows(), 0);
  assert.equal(r.dpTest.length, m.length);
  for (const d of r.dpTest) assert.equal(d.table.numRows(), readDpTest(d.prefix).numRows());
  assert.ok(r.ignored.some((g) => g.reason === 'not a format deltak reads'), 'the dp test logs are listed as not read');
  const deepmd = readFolder(join(AL, 'deepmd', 'fcc', 'dk0.18'), { pattern: '{part}/n*' });
  assert.deepEqual(folderReport(deepmd)!.read.map((x) => x.format), ['deepmd']);
  assert.ok((deepmd.objects() as { tags: Record<string, unknown> }[]).every((x) => x.tags.part === 'train' || x.tags.part === 'test'));
});

test('openDataset(example("al")): sweep, SEMs, dp test and analyses equal the explicit path', { skip: NO_AL, timeout: 300_000 }, async () => {
  const ds = await openDataset(example('al'));
  const m = manifest();
  assert.deepEqual(values(ds.sem!), values(explicitSem()));
  const rows = m.properties.flatMap((f) => sweepRows(fromCSV(readFileSync(join(AL, f), 'utf8'))));
  const complete = completeCurves(rows, { DFT: m.dks, MLP: m.train_dks });
  const key = (x: readonly { property: string; method: string; dk: number; value: number }[]) => x.map((q) => `${q.property} ${q.method} ${q.dk} ${q.value}`).sort();
  assert.deepEqual(key(sweepRows(ds.sweep!)), key(complete.rows));
  assert.deepEqual(ds.incomplete.curves, complete.incomplete);
  const a = ds.analyse({ factor: 0.5 });
  assert.deepEqual(a.thresholds!.objects(), thresholds(complete.rows, { factor: 0.5 }).objects());
  const semTh = semThresholds(explicitSem(), { factor: 0.5 });
  assert.deepEqual(a.semThresholds!.objects(), semTh.objects());
  assert.deepEqual(a.recommendation, recommendDk(semTh, { structures: m.cells, trainingDks: m.train_dks }));
  assert.equal(a.recommendation!.dk, recommendDk(semTh).dk);
  assert.ok(a.comparison && a.comparison.numRows() > 0, 'MLP thresholds compared with the SEM thresholds');
  const rmse = parity(m.dp_test.map((d) => ({ dk: d.dk, dataset: d.dataset, table: readDpTest(join(AL, d.prefix)) })));
  assert.deepEqual(ds.rmse!.objects(), rmse.objects());
  // the same manifest given as an object, its paths relative to base
  const same = await openDataset(JSON.parse(readFileSync(example('al'), 'utf8')), { base: AL });
  assert.deepEqual(values(same.sem!), values(ds.sem!));
});

test('manifest: errors name the key', () => {
  assertThrowsWith(() => validateManifest({ sem_frame: ['x'] }), /sem_frame: unknown key/);
  assertThrowsWith(() => validateManifest({ dp_test: [{ prefix: 'p', dk: -1, dataset: 'test' }] }), /dp_test\[0\]\.dk: must be greater than 0, got -1/);
  assertThrowsWith(() => validateManifest({ cells: [{ name: 'c', cell: [[1, 0, 0], [0, 1, 0]], natoms: 1 }] }), /cells\[0\]\.cell: needs at least 3 items/);
  assertThrowsWith(() => validateManifest({ sem_frames: [{ path: 'x', pattern: 3 }] }), /sem_frames\[0\]\.pattern: expected string or array/);
  assertThrowsWith(() => validateManifest({ factor: '0.5', properties: 'p.csv' }), /2 problems/, /factor: expected number/, /properties: expected array/);
  assert.doesNotThrow(() => validateManifest(JSON.parse(readFileSync(join(AL, 'manifest.json'), 'utf8'))));
});

test('show(dataset), show(dataset.analyse()), show(any table); a table prints as text under util.inspect', { skip: NO_AL, timeout: 300_000 }, async () => {
  const { show, setDisplayWriter, SWEEP_MIME, SEM_MIME, COMPARISON_MIME } = await import('../src/display/index.js');
  const { inspect } = await import('node:util');
  const { table } = await import('arquero');
  const sent: { data: Record<string, unknown> }[] = [];
  setDisplayWriter((b) => void sent.push(b));
  try {
    const ds = await openDataset(example('al'));
    show(ds);
    assert.equal(sent.length, 1);
    assert.match(String(sent[0].data['text/plain']), /SEM test set: .*Al fcc oh \(1 configuration\)/);
    assert.match(String(sent[0].data['text/html']), /incomplete or not used/);
    sent.length = 0;
    const a = ds.analyse();
    show(a);
    const mimes = sent.flatMap((b) => Object.keys(b.data));
    for (const m of [SWEEP_MIME, SEM_MIME, COMPARISON_MIME]) assert.ok(mimes.includes(m), m);
    const words = sent.find((b) => 'text/markdown' in b.data);
    assert.ok(words, 'the recommendation in words, rendered');
    assert.ok(String(words.data['text/markdown']).startsWith('- **Recommendation:** '), String(words.data['text/markdown']));
    assert.ok(String(words.data['text/plain']).includes(`Recommendation: ${a.recommendation!.reason}`), 'its text/plain twin has the reason as written');
    sent.length = 0;
    show(table({ x: [1, 2], y: ['a', 'b'] }));
    assert.match(String(sent[0].data['text/html']), /<td>a<\/td>/);
    const text = inspect(ds.sem);
    assert.match(text, /^arquero table: \d+ rows × 8 columns/);
    assert.doesNotMatch(text, /_names|_data/);
  } finally {
    setDisplayWriter(undefined);
  }
});

test('openDataset: what the manifest says is not there yet is in the dataset\'s incomplete notes and first in every analysis\'s notes', () => {
  const dir = join(REPO_ROOT, 'data', 'al-fcc');
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  const said = 'Al bcc test set: 0 of 4 configurations complete at every Δk (7 of 32 single points), so no SEMs of bcc yet';
  const ds = openDataset({ ...m, incomplete: [said] }, { base: dir });
  assert.equal(ds.incomplete.notes[0], said);
  assert.equal(ds.analyse().notes[0], `not in the data yet: ${said}`);
  assert.deepEqual(openDataset(dir).incomplete.notes.filter((n) => n === said), []);
  assert.throws(() => openDataset({ ...m, incomplete: 'bcc' }, { base: dir }), /manifest: incomplete: expected array, got "bcc"/);
});
