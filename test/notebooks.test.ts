/**
 * Every notebook in notebooks/ executed by the real tslab kernel through nbclient (.venv):
 * no error output, deltak's MIME types present, and the key numbers the notebooks show equal
 * to those kernel-lib computes here, directly, from the same files (read with the same library
 * calls: openDataset, readFolder). 01-quickstart has its own test (quickstart.test.ts); this one
 * runs the others.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { thresholdRows, madSummary } from '../kernel-lib/src/core/convergence.ts';
import { semTable, semThresholds } from '../kernel-lib/src/core/sem.ts';
import { semBootstrap } from '../kernel-lib/src/core/bootstrap.ts';
import { recommendDk } from '../kernel-lib/src/core/recommend.ts';
import { SWEEP_MIME, type SweepPayload } from '../kernel-lib/src/display/bundle.ts';
import { COMPARISON_MIME, SEM_MIME, type ComparisonPayload, type SemPayload } from '../kernel-lib/src/display/payloads.ts';
import { thresholds } from '../kernel-lib/src/core/convergence.ts';
import { compareThresholds, splitBySemGroup } from '../kernel-lib/src/core/comparison.ts';
import { parity } from '../kernel-lib/src/core/parity.ts';
import { readDpTest } from '../kernel-lib/src/io/deepmd/dptest.ts';
import { readFolder, folderReport } from '../kernel-lib/src/io/folder.ts';
import { openDataset } from '../kernel-lib/src/io/dataset.ts';
import { AL, ROOT, bundledDataset, bundledSemSet, bundledSweep, referenceCacheSweep, referenceCompleteCurves, referenceManifest, semSet } from './reference-data.ts';

const PY = join(ROOT, '.venv', 'bin', 'python');

interface Output { output_type: string; name?: string; text?: string | string[]; data?: Record<string, unknown>; ename?: string; evalue?: string }
interface Cell { cell_type: string; source: string | string[]; outputs?: Output[] }

/** Execute a notebook into a temp file; returns its code-cell outputs. */
function execute(name: string): Output[] {
  const dir = mkdtempSync(join(tmpdir(), 'deltak-nb-'));
  try {
    const out = join(dir, 'out.ipynb');
    const env: NodeJS.ProcessEnv = { ...process.env, JUPYTER_PATH: join(ROOT, '.venv', 'share', 'jupyter') };
    delete env.DELTAK_AL_DATA; // the notebooks read the repository's data, as the checks below do
    execFileSync(PY, [join(ROOT, 'test', 'run_notebook.py'), join(ROOT, 'notebooks', name), out, '--timeout', '300'], {
      stdio: ['ignore', 'inherit', 'inherit'], env,
    });
    const cells = (JSON.parse(readFileSync(out, 'utf8')) as { cells: Cell[] }).cells;
    return cells.filter((c) => c.cell_type === 'code').flatMap((c) => c.outputs ?? []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function assertClean(name: string, outputs: Output[]): void {
  const errors = outputs.filter((o) => o.output_type === 'error' || o.name === 'stderr');
  assert.deepEqual(errors.map((e) => `${e.ename ?? ''} ${e.evalue ?? ''} ${[e.text ?? ''].flat().join('')}`), [], `${name}: no error output`);
  // the notebook's answers are rendered outputs (tables, Markdown with a text/plain twin), never printed lines
  assert.equal(stdout(outputs), '', `${name}: nothing printed to stdout`);
  for (const o of outputs.filter((o) => o.data && 'text/markdown' in o.data)) assert.ok('text/plain' in o.data!, `${name}: a text/plain twin beside each Markdown answer`);
  // no path of the checkout in the outputs (paths relative to the notebook or the data root)
  assert.ok(!JSON.stringify(outputs).includes(ROOT), `${name}: no output names ${ROOT}`);
  assert.ok(outputs.some((o) => Object.keys(o.data ?? {}).some((k) => k.startsWith('application/vnd.deltak.'))), `${name}: a deltak MIME output`);
  for (const o of outputs.filter((o) => Object.keys(o.data ?? {}).some((k) => k.startsWith('application/vnd.deltak.')))) {
    assert.ok('application/vnd.vegalite.v5+json' in o.data! && 'text/plain' in o.data!, `${name}: vega-lite fallback and text beside the deltak MIME type`);
  }
}

const payloads = <T>(outputs: Output[], mime: string): T[] => outputs.filter((o) => o.data && mime in o.data).map((o) => o.data![mime] as T);
const stdout = (outputs: Output[]): string => outputs.filter((o) => o.name === 'stdout').map((o) => [o.text ?? ''].flat().join('')).join('');
const html = (outputs: Output[]): string => outputs.map((o) => String(o.data?.['text/html'] ?? '')).join('\n');
/** The Markdown answers the notebook rendered (showMarkdown), joined. */
const answers = (outputs: Output[]): string => outputs.map((o) => [(o.data?.['text/markdown'] as string | string[] | undefined) ?? ''].flat().join('')).join('\n');



const a = 4.04;
const prim = [[0, a / 2, a / 2], [a / 2, 0, a / 2], [a / 2, a / 2, 0]];
const sup = prim.map((v) => v.map((x) => 2 * x));

test('every notebook in notebooks/ is covered by a test', () => {
  const books = readdirSync(join(ROOT, 'notebooks')).filter((f) => f.endsWith('.ipynb')).sort();
  assert.deepEqual(books, ['01-quickstart.ipynb', '02-paper-figures.ipynb', '03-choose-dk-for-a-new-material.ipynb', '04-workshop-solutions.ipynb', '04-workshop.ipynb', '05-your-own-data.ipynb']);
});

test('stored notebooks: answers rendered, no checkout path, no execution timestamps', () => {
  for (const book of readdirSync(join(ROOT, 'notebooks')).filter((f) => f.endsWith('.ipynb'))) {
    const text = readFileSync(join(ROOT, 'notebooks', book), 'utf8');
    const cells = (JSON.parse(text) as { cells: (Cell & { metadata?: Record<string, unknown> })[] }).cells;
    assert.ok(!text.includes(ROOT), `${book}: no output or source names ${ROOT}`);
    assert.ok(!JSON.stringify(cells.map((c) => c.outputs ?? [])).includes(tmpdir()), `${book}: no temporary folder in the outputs`);
    assert.deepEqual(cells.filter((c) => c.metadata?.execution !== undefined).length, 0, `${book}: no execution timestamps`);
    assert.deepEqual(cells.filter((c) => c.cell_type === 'code' && /console\.log/.test([c.source].flat().join(''))).length, 0, `${book}: answers are shown, not printed`);
    assert.deepEqual(cells.flatMap((c) => c.outputs ?? []).filter((o) => o.output_type === 'stream').length, 0, `${book}: no printed output stored`);
  }
});

test('02-paper-figures: thresholds, Table 1 and SEM thresholds as kernel-lib computes them', { timeout: 600_000 }, async () => {
  const outputs = execute('02-paper-figures.ipynb');
  assertClean('02-paper-figures', outputs);
  // the bundled dataset's property table, as openDataset(example("al-fcc")) reads it
  const sweep = (await bundledDataset()).sweep!;
  const shown = payloads<SweepPayload>(outputs, SWEEP_MIME)[0];
  assert.ok(shown, 'the Al FCC sweep is displayed');
  assert.deepEqual(shown.thresholds, thresholdRows(sweep, { factor: 0.5 }));
  const page = html(outputs);
  for (const r of madSummary(sweep).objects() as Record<string, unknown>[]) assert.ok(page.includes(String(r.DFT)), `Table 1 cell ${r.DFT} shown`);
  const reference = referenceCompleteCurves();
  if (reference.length) {
    const sweeps = payloads<SweepPayload>(outputs, SWEEP_MIME);
    assert.ok(sweeps.length >= 2, 'the reference dataset’s complete curves are displayed');
    assert.deepEqual(sweeps[1].thresholds, thresholdRows(reference, { factor: 0.5 }), 'thresholds of the reference dataset’s complete curves');
  } else {
    assert.match(answers(outputs), /No property curve of the reference dataset is complete/);
  }
  const sem = payloads<SemPayload>(outputs, SEM_MIME);
  assert.equal(sem.length, 1, 'Fig. 4 (E-RMSE) with every SEM in its payload');
  const charts = outputs.filter((o) => o.data && !(SEM_MIME in o.data) && String((o.data['application/vnd.vegalite.v5+json'] as { description?: string } | undefined)?.description ?? '').includes('of the DFT test set'));
  assert.ok(charts.length >= 3, `Fig. S3: AEAD, F-RMSE and V-RMSE charts (got ${charts.length})`);
  const expected = semThresholds(semTable(semSet()), { factor: 0.5 }).objects() as Record<string, unknown>[];
  assert.deepEqual(sem[0].thresholds.map((t) => [t.structure, t.sem, t.threshold_dk]), expected.map((t) => [t.structure, t.sem, t.threshold_dk]));
  assert.match(answers(outputs), /\*\*SEM test set:\*\* .*, \d+ single points\./, 'which test set this run used');
  // the smallest Δk_T^SEM of each SEM, as a table beside the paper's
  for (const name of ['V-RMSE', 'E-RMSE', 'F-RMSE']) {
    const ts = expected.filter((t) => t.sem === name && t.threshold_dk !== null).map((t) => t.threshold_dk as number);
    const cell = ts.length ? String(Math.min(...ts)) : '—';
    assert.ok(html(outputs).includes(`<tr><td>${name}</td><td>${cell}</td>`), `smallest ${name} threshold ${cell} Å⁻¹ shown beside the paper's`);
  }

  // Fig. 5 on the reference dataset: every pair as kernel-lib compares them
  const m = referenceManifest() ?? {};
  const cmp = payloads<ComparisonPayload>(outputs, COMPARISON_MIME);
  if (reference.some((r) => r.method === 'MLP') && m.sem_frames?.length) {
    assert.equal(cmp.length, 1, 'Fig. 5 is displayed as the comparison widget');
    const semTh = semThresholds(semTable(semSet()), { factor: 0.5 });
    const pairs = compareThresholds(splitBySemGroup(thresholds(reference, { factor: 0.5 }), semTh).paired, semTh).objects() as Record<string, unknown>[];
    assert.ok(pairs.length > 0, 'the reference dataset gives comparison pairs');
    assert.deepEqual(cmp[0].pairs.map((p) => [p.lattice, p.property, p.structure, p.sem, p.outcome]), pairs.map((p) => [p.lattice, p.property, p.structure, p.sem, p.outcome]));
  } else {
    assert.equal(cmp.length, 0);
    assert.match(answers(outputs), /Fig\. 5 waits for data/);
  }
  // Fig. 2: the RMSE table of the dp test output, as kernel-lib pools it
  if (m.dp_test?.length) {
    const rmse = parity(m.dp_test.map((d) => ({ dk: d.dk, dataset: d.dataset, table: readDpTest(join(AL, d.prefix)) }))).objects() as { rmse: number | null }[];
    const page2 = html(outputs);
    for (const r of rmse) if (r.rmse !== null) assert.ok(page2.includes(String(Number(r.rmse.toPrecision(6)))) || page2.includes(String(r.rmse)), `Fig. 2 RMSE ${r.rmse} shown`);
  }
  // one lattice's models against the whole metal's: the coverage of both per lattice and Δk, as kernel-lib counts it
  if (m.models?.alternatives?.lattice) {
    type Cov = { lattice: string; dk: number; inside: number; n: number };
    const covOf = (models: { models?: string }) => openDataset(AL, models).analyse({ factor: 0.5 }).coverage!.objects() as Cov[];
    const own = covOf({ models: 'lattice' });
    const rows = covOf({}).filter((c) => own.some((o) => o.lattice === c.lattice && o.dk === c.dk));
    assert.ok(rows.length > 0, 'per-lattice and metal-wide models share a lattice');
    for (const c of rows) {
      const o = own.find((x) => x.lattice === c.lattice && x.dk === c.dk)!;
      assert.ok(html(outputs).includes(`<td>${c.inside} of ${c.n}</td><td>${o.inside} of ${o.n}</td>`), `${c.lattice} ${c.dk}: coverage ${c.inside}/${c.n} against ${o.inside}/${o.n} shown`);
    }
  }
});

test('03-choose-dk: SEM thresholds, bootstrap and recommendation as kernel-lib computes them', { timeout: 600_000 }, () => {
  const outputs = execute('03-choose-dk-for-a-new-material.ipynb');
  assertClean('03-choose-dk-for-a-new-material', outputs);
  const frames = semSet();
  const th = semThresholds(semTable(frames), { factor: 0.5 });
  const shown = payloads<SemPayload>(outputs, SEM_MIME)[0];
  assert.deepEqual(shown.thresholds.map((t) => [t.structure, t.sem, t.threshold_dk]), (th.objects() as Record<string, unknown>[]).map((t) => [t.structure, t.sem, t.threshold_dk]));
  const rec = recommendDk(th, { structures: [{ name: 'Al fcc primitive', cell: prim, natoms: 1 }, { name: 'Al fcc 2x2x2', cell: sup, natoms: 8 }] });
  const text = answers(outputs);
  assert.ok(text.includes(`**Recommended Δk: ${rec.dk} Å⁻¹.** ${rec.reason}`), `the recommendation "${rec.reason}" is shown`);
  assert.ok(text.includes(`instead of ${rec.cost!.fullBaseline} at ${rec.cost!.baselineDk} Å⁻¹, **${rec.cost!.fullSaving.toFixed(1)}× fewer** (full grids)`), 'its k-point saving against the stated baseline is shown');
  assert.ok(text.includes(rec.cost!.baselineReason.replace(/^baseline/, 'Baseline')), 'the baseline is stated');
  const boot = semBootstrap(frames, { resamples: 1000, seed: 1, factor: 0.5 });
  const page = html(outputs);
  for (const r of boot.thresholds.objects() as Record<string, unknown>[]) {
    if (typeof r.p_same === 'number') assert.ok(page.includes(`<td>${Number(r.p_same.toPrecision(6))}</td>`), `bootstrap p_same ${r.p_same} shown`);
  }
});

test('04-workshop and its solutions: the exercises run; the solutions show kernel-lib’s numbers', { timeout: 600_000 }, () => {
  const sweep = bundledSweep();
  const expected = thresholdRows(sweep, { factor: 0.5 });
  for (const name of ['04-workshop.ipynb', '04-workshop-solutions.ipynb']) {
    const outputs = execute(name);
    assertClean(name, outputs);
    const shown = payloads<SweepPayload>(outputs, SWEEP_MIME)[0];
    assert.deepEqual(shown.thresholds, expected, `${name}: the sweep's thresholds`);
    if (name.includes('solutions')) {
      const rec = recommendDk(semThresholds(semTable(bundledSemSet())), { structures: [{ name: 'Al fcc 2x2x2', cell: sup, natoms: 8 }] });
      const text = answers(outputs);
      assert.ok(text.includes(`**Recommended Δk: ${rec.dk} Å⁻¹.** ${rec.reason}`), `${name}: the recommendation is shown`);
      assert.ok(text.includes(`${rec.cost!.fullRecommended} k-points instead of ${rec.cost!.fullBaseline} at the baseline ${rec.cost!.baselineDk} Å⁻¹, **${rec.cost!.fullSaving.toFixed(1)}× fewer**`), `${name}: its saving against the baseline is shown`);
      for (const answer of [/the bulk energy per atom changes by -?\d+\.\d meV\/atom/, /E_vac first deviates by more than 10 meV at Δk = 0\.12 Å⁻¹/, /Δk_T is monotone in f/, /B0 looks unconverged/, /To the colleague who wants 0\.30 Å⁻¹/]) {
        assert.match(text, answer, `${name}: the answer ${answer} is shown`);
      }
    }
  }
});

test('05-your-own-data: SEMs, properties and recommendation from the DFT cache tree read with patterns; the VASP tree', { timeout: 600_000 }, () => {
  const outputs = execute('05-your-own-data.ipynb');
  assertClean('05-your-own-data', outputs);
  const text = answers(outputs);
  const page = html(outputs);
  // the test set read from the cache tree with a pattern gives the SEMs of the manifest's test set
  const testSet = readFolder(join(AL, 'dft', 'fcc', 'sem'), { pattern: 'dk{dk}/{structure}-*_*.extxyz' });
  const semTh = semThresholds(semTable(testSet), { factor: 0.5 });
  const key = (rows: Record<string, unknown>[]) => rows.map((t) => `${t.structure} ${t.sem} ${t.threshold_dk}`).sort();
  // the FCC part of the manifest's test set (the notebook reads data/al/dft/fcc)
  const fccTh = (semThresholds(semTable(semSet()), { factor: 0.5 }).objects() as Record<string, unknown>[]).filter((t) => t.lattice === 'fcc');
  assert.deepEqual(key(semTh.objects() as Record<string, unknown>[]), key(fccTh));
  const shownSem = payloads<SemPayload>(outputs, SEM_MIME);
  assert.equal(shownSem.length, 1, 'the SEMs are shown');
  assert.deepEqual(key(shownSem[0].thresholds as unknown as Record<string, unknown>[]), key(semTh.objects() as Record<string, unknown>[]));
  // the report of the whole tree: what it found
  const report = folderReport(readFolder(join(AL, 'dft', 'fcc'), { pattern: '{stage}/dk{dk}/*.extxyz' }))!;
  assert.ok(text.includes(`- Δk found (Å⁻¹): ${report.dks.join(', ')}`), 'the Δk of the tree are shown');
  assert.ok(text.includes(`- configurations missing a Δk: ${report.missing.length ? '' : 'none'}`), 'the configurations missing a Δk are shown');
  // properties and thresholds from the property stages
  const sweep = referenceCacheSweep();
  const shown = payloads<SweepPayload>(outputs, SWEEP_MIME);
  assert.equal(shown.length, 1, 'the sweep is shown');
  assert.deepEqual(shown[0].thresholds, thresholdRows(sweep, { factor: 0.5 }));
  // the recommendation and its saving against the training Δk
  const rec = recommendDk(semTh, { structures: [{ name: 'Al fcc primitive', cell: prim, natoms: 1 }, { name: 'Al fcc 2x2x2', cell: sup, natoms: 8 }], trainingDks: [0.12] });
  assert.ok(text.includes(`**Recommended Δk: ${rec.dk} Å⁻¹.** ${rec.reason}`), `the recommendation "${rec.reason}" is shown`);
  assert.ok(text.includes(`instead of ${rec.cost!.fullBaseline} at ${rec.cost!.baselineDk} Å⁻¹, **${rec.cost!.fullSaving.toFixed(1)}× fewer** (full grids)`), 'its saving against the training Δk is shown');
  assert.ok(text.includes(rec.cost!.baselineReason.replace(/^baseline/, 'Baseline')), 'the baseline is stated');
  // the VASP tree: the same tree built here and read with the same options gives the Δk the notebook shows
  const fixtures = join(ROOT, '..', 'shared', 'fixtures', 'vasp');
  if (!existsSync(fixtures)) {
    assert.match(text, /the VASP tree is skipped/);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'deltak-vasp-'));
  try {
    const links: [string, string][] = [
      ['Al/fcc/relax/vasprun.xml', 'custodian_Al1_r2scan_kspacing/vasprun.xml'],
      ['Ti/hcp/md/OUTCAR', 'dpdata_Ti32_aimd_nwrite0/OUTCAR'],
      ['Ti/hcp/md/vasprun.xml', 'dpdata_Ti32_aimd_nwrite0/vasprun.xml'],
      ['Fe/bcc/static/OUTCAR', 'pyiron_outcar_samples/OUTCAR_2'],
    ];
    for (const [link, target] of links) {
      mkdirSync(join(dir, link, '..'), { recursive: true });
      symlinkSync(join(fixtures, target), join(dir, link));
    }
    const runs = readFolder(dir, { pattern: '{metal}/{lattice}/{run}/*', dkCandidates: [0.25, 0.6, 5] });
    const seen = new Map<string, { dk: number; from: unknown; n: number }>();
    for (const r of runs.objects() as { dk: number; tags: Record<string, unknown> }[]) {
      const run = `${r.tags.metal}/${r.tags.lattice}/${r.tags.run}`;
      seen.set(run, { dk: r.dk, from: r.tags.dk_source, n: (seen.get(run)?.n ?? 0) + 1 });
    }
    assert.equal(seen.size, 3);
    for (const [run, s] of seen) assert.ok(page.includes(`<tr><td>${run}</td><td>${s.dk}</td><td>${s.from}</td>`), `${run}: Δk ${s.dk} from ${s.from} shown`);
    assert.match(text, /> semTable: the frames lack "config" on all of 13 frames \(e\.g\. Al\/fcc\/relax\/vasprun\.xml\)/, 'the missing tags of the VASP runs are named, with files relative to the tree');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
