/**
 * The reference-data pipeline (data/pipeline/build.py) end to end in its smoke mode: ASE's EMT
 * calculator instead of GPAW, tiny sizes and a tiny DeePMD-kit training run, into a temp folder.
 * Asserts that every kind of output exists and parses with deltak's own readers, and that
 * deltak's computeProperties gives the pipeline's EOS and defect numbers from its extxyz files
 * (within pipelineTolerance).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromCSV } from 'arquero';
import { readExtxyz } from '../kernel-lib/src/io/extxyz.ts';
import { readDeepmd } from '../kernel-lib/src/io/deepmd/deepmd.ts';
import { readDpTest } from '../kernel-lib/src/io/deepmd/dptest.ts';
import { concatFrames } from '../kernel-lib/src/io/frames.ts';
import { calculationsFromFrames, semFramesFromFrames, type FrameRow } from '../kernel-lib/src/core/fromframes.ts';
import { computeProperties, type Calculation } from '../kernel-lib/src/core/properties.ts';
import { EV_PER_A3_IN_GPA } from '../kernel-lib/src/core/units.ts';
import { assertWithin, bm3Conditioning, cellDetConditioning, exactFitsTolerance, gamma, printedDigitsTolerance } from '../kernel-lib/test/tolerance.ts';
import { semTable } from '../kernel-lib/src/core/sem.ts';
import { runReport } from '../kernel-lib/src/cli/report.ts';
import { openDataset } from '../kernel-lib/src/io/dataset.ts';

const ROOT = process.env.DELTAK_ROOT ?? fileURLToPath(new URL('..', import.meta.url));

/**
 * Tolerance of a property of deltak's computeProperties against the pipeline's properties.csv
 * (data/pipeline/build.py) from the same extxyz files, derived per value
 * (kernel-lib/test/tolerance.ts):
 * - the CSV holds 10 significant digits (build.py's fmt, "{x:.10g}"): printedDigitsTolerance;
 * - V₀, B₀: both sides fit the BM3 cubic in x = V^(−2/3) exactly (deltak to the round-off floor
 *   of its sum of squared residuals, build.py's fit_bm by numpy.polyfit): exactFitsTolerance,
 *   from the conditioning of the fit at deltak's parameters (bm3Conditioning), with each side's
 *   volume from a 3 × 3 determinant (within γ(9)·per(|A|)/|det A| relative, an energy
 *   |dE/dV|·δV), plus γ(16)·|x| for the root, power and derivative that turn the cubic into V₀, B₀;
 * - E_vac, E_Oh, E_Td = E_d − (n_d/n_b)·E_b on both sides: three roundings each,
 *   2γ(3)·(|E_d| + (n_d/n_b)|E_b|).
 */
function pipelineTolerance(name: string, printed: number, group: Calculation[], frameOf: (c: Calculation) => FrameRow, deltak: { property: string; value: number }[]): number {
  const digits = printedDigitsTolerance(printed, 10);
  if (name === 'V0' || name === 'B0') {
    const eos = group.filter((c) => c.kind === 'eos');
    const p = Object.fromEntries(['V0', 'E0', 'B0', 'B0p'].map((k) => [k, deltak.find((x) => x.property === k)!.value]));
    const { cond, cubicTermSums, slopes, scale } = bm3Conditioning(eos.map((c) => c.volume / c.natoms), eos.map((c) => c.energy / c.natoms), { v0: p.V0, e0: p.E0, b0: p.B0, b0p: p.B0p }, EV_PER_A3_IN_GPA);
    const volumeEta = eos.map((c, k) => {
      const { per, det } = cellDetConditioning((frameOf(c) as unknown as { cell: ArrayLike<number> }).cell);
      return slopes[k] * (c.volume / c.natoms) * 2 * gamma(9) * (per / det);
    });
    const fit = exactFitsTolerance(cond, scale, cubicTermSums, volumeEta)[name === 'V0' ? 0 : 2];
    return digits + fit + gamma(16) * Math.abs(printed);
  }
  const kind = { E_vac: 'vacancy', E_Oh: 'oh', E_Td: 'td' }[name]!;
  const d = group.find((c) => c.kind === kind)!;
  const b = group.find((c) => c.kind === 'bulk' && c.natoms === d.natoms + (kind === 'vacancy' ? 1 : -1))!;
  return digits + 2 * gamma(3) * (Math.abs(d.energy) + (d.natoms / b.natoms) * Math.abs(b.energy));
}

test('data pipeline smoke: EMT + tiny DeePMD-kit run writes properties, sets, npy, dp test files, manifest', { timeout: 600_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'deltak-pipeline-'));
  try {
    const t0 = Date.now();
    const r = spawnSync(join(ROOT, '.venv', 'bin', 'python'), [join(ROOT, 'data', 'pipeline', 'build.py'), '--smoke', '--out', out], {
      cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20,
    });
    assert.equal(r.status, 0, `pipeline failed:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
    const seconds = (Date.now() - t0) / 1000;
    // about 100 s on an idle 2-core machine; the bound leaves room for a busy one
    assert.ok(seconds < 600, `smoke run took ${seconds.toFixed(0)} s`);

    // properties: DFT and MLP rows at both Δk, in deltak's tidy layout and units. The smoke
    // model is trained for a few hundred steps only: a property it cannot give (an E(V) without a
    // minimum inside the sampled volumes) must then be named in the manifest's notes, not dropped.
    const props = fromCSV(readFileSync(join(out, 'properties.csv'), 'utf8'), { autoType: false }).objects() as Record<string, string>[];
    assert.deepEqual(Object.keys(props[0]), ['metal', 'lattice', 'property', 'unit', 'method', 'dk', 'value']);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    const notes: string[] = manifest.lattices.fcc.status.notes ?? [];
    const groups: Record<string, string[]> = { eos: ['V0', 'E0', 'B0', 'B0p'], elastic: ['C11', 'C12', 'C44', 'B', 'G', 'E', 'nu'], defects: ['E_vac', 'E_Oh', 'E_Td'] };
    for (const method of ['DFT', 'MLP']) {
      for (const dk of ['0.3', '0.96']) {
        const got = new Set(props.filter((p) => p.method === method && p.dk === dk).map((p) => p.property));
        for (const [group, names] of Object.entries(groups)) {
          const noted = notes.some((n) => n.startsWith(`${method} dk=${dk}:`) && n.includes(group));
          for (const name of names) {
            assert.ok(got.has(name) || (method === 'MLP' && group !== 'defects' && noted), `${method} Δk ${dk}: no ${name} in properties.csv and no note why`);
          }
        }
      }
    }
    assert.ok(props.some((p) => p.method === 'MLP'), 'no MLP rows at all');
    for (const p of props) assert.ok(Number.isFinite(Number(p.value)), `non-finite value ${JSON.stringify(p)}`);
    assert.equal(props.find((p) => p.property === 'V0')!.unit, 'Å³/atom');

    // deltak's computeProperties on the pipeline's extxyz (EOS and defects) agrees with the CSV
    const dftFiles = ['eos', 'defects'].flatMap((stage) => ['dk0.30', 'dk0.96'].flatMap((dk) => {
      const dir = join(out, 'dft', 'fcc', stage, dk);
      return readdirSync(dir).filter((f) => f.endsWith('.extxyz')).sort().map((f) => join(dir, f));
    }));
    const rowsOf = (path: string) => readExtxyz(path).objects() as unknown as FrameRow[];
    const mlpRows = rowsOf(join(out, 'mlp', 'fcc', 'dk0.30.extxyz')).filter((d) => d.tags.kind !== 'elastic');
    const mlpEosOk = props.some((p) => p.method === 'MLP' && p.dk === '0.3' && p.property === 'V0');
    const frameRows = [...dftFiles.flatMap(rowsOf), ...mlpRows.filter((d) => mlpEosOk || d.tags.kind !== 'eos')];
    const calcs = calculationsFromFrames(frameRows);
    const ts = computeProperties(calcs).objects() as { property: string; method: string; dk: number; value: number }[];
    const frameOf = (c: Calculation): FrameRow => frameRows[calcs.indexOf(c)];
    for (const name of ['V0', 'B0', 'E_vac', 'E_Oh', 'E_Td']) {
      for (const [method, dk] of [['DFT', 0.3], ['DFT', 0.96], ['MLP', 0.3]] as const) {
        const b = props.find((x) => x.property === name && x.method === method && Number(x.dk) === dk);
        if (!b && method === 'MLP') continue; // noted above
        const a = ts.find((x) => x.property === name && x.method === method && x.dk === dk);
        assert.ok(a && b, `${name} ${method} ${dk}: missing (deltak ${!!a}, pipeline ${!!b})`);
        const group = calcs.filter((c) => c.method === method && c.dk === dk);
        assertWithin(a.value, Number(b.value), pipelineTolerance(name, Number(b.value), group, frameOf, ts.filter((x) => x.method === method && x.dk === dk)), `${name} ${method} ${dk} (deltak vs pipeline, pipelineTolerance)`);
      }
    }

    // SEM test set and training set as extxyz, one file per Δk, same configurations at every Δk
    const sem = concatFrames(['dk0.30', 'dk0.96'].map((dk) => readExtxyz(join(out, 'sets', 'fcc', 'sem', `${dk}.extxyz`))));
    assert.equal(sem.numRows(), 2 * 4 * 2);
    const semRows = semTable(semFramesFromFrames(sem)).objects() as { structure: string }[];
    assert.deepEqual([...new Set(semRows.map((x) => x.structure))].sort(), ['oh', 'pristine', 'td', 'vacancy']);
    const train = readExtxyz(join(out, 'sets', 'fcc', 'train', 'dk0.30.extxyz'));
    assert.ok(train.numRows() >= 5);

    // DeePMD npy systems and dp test -d files for both sets
    for (const dk of ['dk0.30', 'dk0.96']) {
      const npy = readDeepmd(join(out, 'deepmd', 'fcc', dk, 'train'));
      assert.equal(npy.numRows(), train.numRows());
      for (const set of ['train', 'test']) {
        // one dp test -d prefix per system (atom count): n001 primitive cells (train only), n007 vacancy, n008 pristine, n009 interstitials
        const systems = set === 'train' ? ['n001', 'n007', 'n008', 'n009'] : ['n007', 'n008', 'n009'];
        let frames = 0;
        for (const sys of systems) {
          const prefix = join(out, 'dptest', 'fcc', dk, `${set}_${sys}`);
          const parity = readDpTest(prefix).objects() as { quantity: string; data: number | null; pred: number }[];
          for (const q of ['energy', 'force', 'virial']) {
            const rows = parity.filter((p) => p.quantity === q);
            assert.ok(rows.length > 0, `${prefix}: no ${q} rows`);
            assert.ok(rows.every((p) => Number.isFinite(p.pred)), `${prefix}: ${q} non-finite prediction`);
            // a 1-atom cell's forces are exactly zero, which readDpTest reports as unlabelled
            if (!(q === 'force' && sys === 'n001')) assert.ok(rows.every((p) => p.data !== null), `${prefix}: ${q} unlabelled`);
          }
          frames += parity.filter((p) => p.quantity === 'energy').length;
        }
        assert.equal(frames, set === 'train' ? train.numRows() : 8, `${dk} ${set}: frames in the dp test files`);
      }
      assert.ok(existsSync(join(out, 'models', 'fcc', dk, 'model.pth')));
    }

    // the manifest lists the files by kind, and its report keys point at existing files
    assert.deepEqual(manifest.properties, ['properties.csv']);
    assert.deepEqual(manifest.incomplete, [], 'the smoke run computes everything it configures');
    assert.equal(manifest.sem_frames.length, 2);
    for (const kind of ['dft_cache', 'mlp_extxyz', 'sem_extxyz', 'train_extxyz', 'deepmd_train', 'deepmd_test', 'dptest_train', 'dptest_test', 'models']) {
      const files: string[] = manifest.lattices.fcc.files[kind];
      assert.ok(files.length > 0, `manifest: no ${kind} files`);
      for (const f of files) assert.ok(existsSync(join(out, f)) || existsSync(join(out, f + '.e.out')), `manifest lists ${f}, which does not exist`);
    }
    assert.ok(readFileSync(join(out, 'SHA256SUMS'), 'utf8').includes('properties.csv'));

    // `deltak report` takes the manifest as written: every section, Fig. 2 from its dp_test key
    assert.equal(manifest.dp_test.length, manifest.lattices.fcc.files.dptest_train.length + manifest.lattices.fcc.files.dptest_test.length);
    const reportDir = join(out, 'report');
    await runReport([join(out, 'manifest.json'), '--out', reportDir, '--resamples', '50']);
    for (const f of ['thresholds.csv', 'sem.csv', 'comparison.csv', 'fig5_comparison.svg', 'fig2_rmse.csv', 'fig2bc_rmse.svg', 'fig2a_parity_energy.svg', 'report.html']) {
      assert.ok(existsSync(join(reportDir, f)), `deltak report wrote no ${f}`);
    }
    const rmse = fromCSV(readFileSync(join(reportDir, 'fig2_rmse.csv'), 'utf8')).objects() as { dk: number; dataset: string; quantity: string; n: number }[];
    // one pooled row per Δk × dataset × quantity, over all the system sizes tested
    assert.equal(rmse.length, 2 * 2 * 3);
    const nTest = rmse.find((r) => r.dk === 0.3 && r.dataset === 'test' && r.quantity === 'energy_per_atom')!.n;
    assert.equal(nTest, 8);
    assert.doesNotMatch(readFileSync(join(reportDir, 'report.html'), 'utf8'), /Not in this report/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('data pipeline smoke, two lattices: models per lattice and one per Δk on both (--metal-models), properties from the latter', { timeout: 900_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'deltak-pipeline-metal-'));
  try {
    const r = spawnSync(join(ROOT, '.venv', 'bin', 'python'), [join(ROOT, 'data', 'pipeline', 'build.py'), '--smoke', '--out', out,
      '--lattices', 'fcc', 'bcc', '--metal-models', '--max-train', '8', '--max-sem', '4'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
    assert.equal(r.status, 0, `pipeline failed:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    const { alternatives: _, ...models } = manifest.models;
    assert.deepEqual(models, { properties_from: 'metal', per_lattice: ['fcc', 'bcc'], metal_lattices: { '0.3': ['fcc', 'bcc'], '0.96': ['fcc', 'bcc'] } });
    const csv = (f: string) => fromCSV(readFileSync(join(out, f), 'utf8'), { autoType: false }).objects() as Record<string, string>[];
    const props = csv('properties.csv');
    const byLattice = csv(manifest.tables.properties_lattice_models);
    const key = (p: Record<string, string>) => `${p.lattice} ${p.property} ${p.method} ${p.dk}`;
    // the same DFT rows in both tables; the MLP rows from different models
    assert.deepEqual(props.filter((p) => p.method === 'DFT').map((p) => `${key(p)} ${p.value}`).sort(), byLattice.filter((p) => p.method === 'DFT').map((p) => `${key(p)} ${p.value}`).sort());
    for (const lattice of ['fcc', 'bcc']) {
      const metalRows = props.filter((p) => p.method === 'MLP' && p.lattice === lattice);
      const ownRows = byLattice.filter((p) => p.method === 'MLP' && p.lattice === lattice);
      assert.ok(metalRows.length > 0 && ownRows.length > 0, `${lattice}: MLP rows from the metal-wide models ${metalRows.length}, from its own ${ownRows.length}`);
      const own = new Map(ownRows.map((p) => [key(p), p.value]));
      assert.ok(metalRows.some((p) => own.has(key(p)) && own.get(key(p)) !== p.value), `${lattice}: metal-wide and per-lattice models give identical properties`);
    }
    for (const dk of ['dk0.30', 'dk0.96']) {
      const stamp = JSON.parse(readFileSync(join(out, 'models', 'metal', dk, 'trained_on.json'), 'utf8'));
      assert.deepEqual(stamp.lattices, ['fcc', 'bcc']);
      for (const lattice of ['fcc', 'bcc']) {
        // the training systems of each lattice: every configuration of its own training set, labelled as in its extxyz set
        const own = readExtxyz(join(out, 'sets', lattice, 'train', `${dk}.extxyz`));
        const npy = readDeepmd(join(out, 'deepmd', 'metal', dk, 'train', lattice));
        assert.equal(npy.numRows(), own.numRows(), `${dk} ${lattice}: training frames of the metal-wide model`);
        assert.equal(stamp.train_configs.filter((c: string) => c.startsWith(`Al-${lattice}-`)).length, own.numRows());
        const sumE = (t: typeof own) => (t.array('energy') as number[]).reduce((a, b) => a + b, 0);
        assertWithin(sumE(npy), sumE(own), printedDigitsTolerance(sumE(own), 10) * own.numRows(), `${dk} ${lattice}: energies of the npy systems`);
        // MLP calculations by the metal-wide model, tagged with it
        const mlp = readExtxyz(join(out, 'mlp', 'metal', lattice, `${dk}.extxyz`)).objects() as unknown as FrameRow[];
        assert.ok(mlp.every((f) => f.tags.model === 'metal' && f.tags.model_id === stamp.id), `${dk} ${lattice}: MLP frames not tagged with the metal-wide model ${stamp.id}`);
      }
    }
    // dp test of the metal-wide models, one prefix per lattice and system; test frames: 4 per lattice and Δk
    const prefixes: { prefix: string; dk: number; dataset: string }[] = manifest.dp_test;
    assert.ok(prefixes.every((p) => p.prefix.startsWith('dptest/metal/')), 'dp_test lists outputs of other models than the metal-wide ones');
    for (const lattice of ['fcc', 'bcc']) {
      for (const dk of [0.3, 0.96]) {
        const test = prefixes.filter((p) => p.dataset === 'test' && p.dk === dk && p.prefix.includes(`/test_${lattice}_n`));
        const frames = test.reduce((n, p) => n + (readDpTest(join(out, p.prefix)).objects() as { quantity: string }[]).filter((x) => x.quantity === 'energy').length, 0);
        assert.equal(frames, 4, `${lattice} Δk ${dk}: dp test frames of the test set`);
      }
    }
    // deltak's own reading: the error budget pools both lattices' test sets
    const a = openDataset(out).analyse();
    assert.ok(a.errorBudget, `no error budget: ${a.notes.join('; ')}`);
    // the per-lattice models, opened as the manifest's other choice: their properties and dp test output
    const alt = manifest.models.alternatives.lattice;
    assert.deepEqual(alt.properties, ['properties-lattice-models.csv']);
    // both lattices have models of their own here, so their test set is the whole one
    assert.deepEqual(alt.sem_frames, [...manifest.sem_frames].sort());
    assert.ok(alt.dp_test.length > 0 && alt.dp_test.every((p: { prefix: string }) => /^dptest\/(fcc|bcc)\/dk/.test(p.prefix)), 'per-lattice dp test prefixes');
    assert.deepEqual(openDataset(out).models, { used: 'metal', offered: ['metal', 'lattice'] });
    const own = openDataset(out, { models: 'lattice' });
    assert.deepEqual(own.models, { used: 'lattice', offered: ['lattice', 'metal'] });
    assert.equal(own.dpTest.length, alt.dp_test.length);
    const mlpOf = (rows: { method: string; lattice: string; property: string; dk: number; value: number }[] | null) =>
      new Map((rows ?? []).filter((r) => r.method === 'MLP').map((r) => [`${r.lattice} ${r.property} ${r.dk}`, r.value]));
    const ownMlp = mlpOf(own.analyse().sweep);
    for (const p of byLattice.filter((x) => x.method === 'MLP')) {
      const v = ownMlp.get(`${p.lattice} ${p.property} ${Number(p.dk)}`);
      if (v !== undefined) assertWithin(v, Number(p.value), printedDigitsTolerance(Number(p.value), 10), `${p.lattice} ${p.property} ${p.dk}: per-lattice models`);
    }
    assert.equal(openDataset(out, { models: 'metal' }).dpTest.length, prefixes.length);
    assert.throws(() => openDataset(out, { models: 'per-structure' }), /no models "per-structure" \(the manifest offers "metal", "lattice"\)/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
