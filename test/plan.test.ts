/**
 * `data/pipeline/plan.py`: a Δk study of a user's POSCAR, from the plan to the report. The VASP
 * and GPAW trees are checked against deltak's own code (POSCAR reader, k-point grid of
 * docs/method.md §2, irreducible k-points by its own symmetry finder), the cost estimate against
 * the bundled single points, and the GPAW tree is run (EMT instead of GPAW: no DFT in tests)
 * through the job layer and read back by readFolder with the documented patterns.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromCSV } from 'arquero';
import { readPoscar } from '../kernel-lib/src/io/vasp/poscar.ts';
import { kpointGrid } from '../kernel-lib/src/core/kpoints.ts';
import { irreducibleCounter } from '../kernel-lib/src/symmetry/moyo.ts';
import { readFolder, folderReport } from '../kernel-lib/src/io/folder.ts';

const ROOT = process.env.DELTAK_ROOT ?? fileURLToPath(new URL('..', import.meta.url));
const PY = join(ROOT, '.venv', 'bin', 'python');
const PLAN = join(ROOT, 'data', 'pipeline', 'plan.py');
const plan = (args: string[], cwd: string) => spawnSync(PY, [PLAN, ...args], { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });

interface PlanTask { id: string; stage: string; kind: string | null; structure: string | null; config: string; dk: number; natoms: number; mesh: number[]; n_kpoints: number; n_irreducible: number; relax: boolean; estimate_cpu_hours: number; vasp_kpoints: string }

test('plan.py: VASP and GPAW trees for a POSCAR, cost estimate, run, read back, report', { timeout: 900_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'deltak-plan-'));
  try {
    // the user's structure: Al FCC conventional cell (a = 3.99 Å, EMT's own minimum) and a POTCAR library
    writeFileSync(join(dir, 'POSCAR'), 'Al conventional\n1.0\n3.99 0 0\n0 3.99 0\n0 0 3.99\nAl\n4\nDirect\n0 0 0\n0 0.5 0.5\n0.5 0 0.5\n0.5 0.5 0\n');
    mkdirSync(join(dir, 'lib', 'Al'), { recursive: true });
    writeFileSync(join(dir, 'lib', 'Al', 'POTCAR'), 'PAW_PBE Al 04Jan2001 (stand-in for a licensed file)\n');
    // the pipeline's settings, with the smoke mode's shorter EOS and strain lists
    const cfg = JSON.parse(readFileSync(join(ROOT, 'data', 'pipeline', 'configs', 'al.json'), 'utf8'));
    cfg.eos.volume_scales = [0.97, 0.99, 1.0, 1.01, 1.03];
    cfg.elastic.normal = [0.01];
    cfg.elastic.shear = [0.03];
    writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg));
    const r = plan(['plan', '--out', 'study', '--structure', 'POSCAR', '--dks', '0.30', '0.96', '--sem', '2',
      '--engines', 'gpaw', 'vasp', '--potcar-dir', 'lib', '--calculator', 'emt', '--config', 'config.json'], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /recognised as Al FCC \(a = 3\.9900 Å\)/);
    const study = join(dir, 'study');
    const p = JSON.parse(readFileSync(join(study, 'plan.json'), 'utf8'));
    const tasks = p.tasks as PlanTask[];
    // EOS 5 volumes, elastic ε1 and ε4 at one magnitude × ±, 4 defect cells, 2 test configurations × 4 groups; at 2 Δk
    const count = (s: string) => tasks.filter((t) => t.stage === s).length;
    assert.deepEqual([count('eos'), count('elastic'), count('defect'), count('sem')], [10, 8, 8, 16]);

    // the cost model, recomputed from the bundled single points: Σ CPU s / Σ (irreducible k × atoms) per stage
    const sp = fromCSV(readFileSync(join(ROOT, 'data', 'al', 'singlepoints.csv'), 'utf8')).objects() as { stage: string; cpu_seconds: number; n_irreducible: number; natoms: number }[];
    const rate = (stage: string) => {
      const rows = sp.filter((x) => x.stage === stage && x.n_irreducible > 0);
      return rows.reduce((a, x) => a + x.cpu_seconds, 0) / rows.reduce((a, x) => a + x.n_irreducible * x.natoms, 0);
    };
    const costStage: Record<string, string> = { eos: 'eos', elastic: 'elastic', defect: 'defects', sem: 'sem' };

    for (const t of tasks) {
      const vdir = join(study, 'vasp', t.id);
      const pos = readPoscar(join(vdir, 'POSCAR'));
      const cell = [0, 1, 2].map((i) => Array.from(pos.cell.slice(3 * i, 3 * i + 3))) as [number[], number[], number[]];
      assert.equal(pos.symbols.length, t.natoms, t.id);
      const incar = readFileSync(join(vdir, 'INCAR'), 'utf8');
      const own = kpointGrid(cell as never, t.dk).mesh;
      if (t.stage === 'eos' || t.stage === 'elastic') {
        // the method's rule: the mesh of the unscaled, unstrained primitive cell, as an explicit KPOINTS
        assert.equal(t.vasp_kpoints, 'KPOINTS', t.id);
        assert.deepEqual(t.mesh, kpointGrid([[0, 1.995, 1.995], [1.995, 0, 1.995], [1.995, 1.995, 0]] as never, t.dk).mesh, t.id);
      } else {
        assert.deepEqual(t.mesh, own, t.id);
      }
      if (t.vasp_kpoints === 'KPOINTS') {
        const kp = readFileSync(join(vdir, 'KPOINTS'), 'utf8').split('\n');
        assert.equal(kp[2], 'Gamma');
        assert.deepEqual(kp[3].split(' ').map(Number), t.mesh, t.id);
        assert.doesNotMatch(incar, /KSPACING/);
      } else {
        assert.ok(!existsSync(join(vdir, 'KPOINTS')), t.id);
        assert.match(incar, new RegExp(`^KSPACING = ${t.dk}\\n`, 'm'));
        assert.match(incar, /^KGAMMA = \.TRUE\.$/m);
      }
      assert.match(incar, t.relax ? /^IBRION = 2$/m : /^NSW = 0$/m, t.id);
      assert.equal(readFileSync(join(vdir, 'POTCAR'), 'utf8'), 'PAW_PBE Al 04Jan2001 (stand-in for a licensed file)\n');
      // irreducible k-points by deltak's own symmetry finder equal the plan's (spglib)
      const count = irreducibleCounter({ cell, positions: pos.positions, numbers: pos.symbols })(t.mesh as [number, number, number]);
      assert.equal(t.n_irreducible, count, `${t.id}: plan ${t.n_irreducible} irreducible k-points, deltak ${count}`);
      assert.ok(Math.abs(t.estimate_cpu_hours - rate(costStage[t.stage]) * t.n_irreducible * t.natoms / 3600) < 1e-12, t.id);
      assert.ok(existsSync(join(study, 'gpaw', t.id, 'gpaw.py')) && existsSync(join(study, 'gpaw', t.id, 'task.json')), t.id);
    }
    assert.ok(tasks.some((t) => t.vasp_kpoints === 'KSPACING'), 'no task with KSPACING');
    assert.ok(Math.abs(p.estimate.total_cpu_hours - tasks.reduce((a, t) => a + t.estimate_cpu_hours, 0)) < 1e-9);

    const ins = plan(['inspect', 'study'], dir);
    assert.equal(ins.status, 0, ins.stderr);
    assert.match(ins.stdout, /sem\s+0\.30\s+8\s/);
    assert.match(ins.stdout, /VASP POTCARs needed: Al: Al/);

    // run the GPAW tree on the local shell; a second submit has nothing to do
    const sub = plan(['submit', 'study', '--engine', 'gpaw'], dir);
    assert.equal(sub.status, 0, sub.stdout.slice(-2000) + sub.stderr.slice(-2000));
    assert.match(sub.stdout, /42\/42 finished/);
    assert.match(plan(['submit', 'study'], dir).stdout, /42 tasks, 42 done, 0 to run/);
    const watch = plan(['watch', 'study'], dir);
    assert.match(watch.stdout, /sem\s+0\.96\s+8\s+0\s+0\s+0/);

    // deltak reads the results back with the documented patterns, nothing left unread
    const frames = readFolder(join(study, 'results'), { pattern: p.layout.readFolder.results });
    assert.equal(frames.numRows(), 42);
    const rep = folderReport(frames)!;
    assert.deepEqual(rep.unmatched, []);
    assert.deepEqual(rep.missing, []);
    assert.deepEqual(rep.dks, [0.3, 0.96]);
    assert.deepEqual(rep.groups.map((g) => [g.group, g.configs]).sort(), [['Al fcc oh', 2], ['Al fcc pristine', 2], ['Al fcc td', 2], ['Al fcc vacancy', 2]]);

    // estimate against measured cost, deltak's recommendation and its saving on the training set
    const rp = plan(['report', 'study'], dir);
    assert.equal(rp.status, 0, rp.stdout.slice(-2000) + rp.stderr.slice(-2000));
    const cost = fromCSV(readFileSync(join(study, 'report', 'cost.csv'), 'utf8')).objects() as { engine: string; stage: string; dk: number; tasks: number; finished: number; estimate_cpu_hours: number }[];
    assert.equal(cost.filter((c) => c.engine === 'gpaw').length, 8);
    assert.ok(cost.filter((c) => c.engine === 'gpaw').every((c) => c.finished === c.tasks));
    assert.ok(cost.filter((c) => c.engine === 'vasp').every((c) => c.finished === 0));
    const rec = JSON.parse(readFileSync(join(study, 'report', 'deltak', 'recommendation.json'), 'utf8'));
    const saving = JSON.parse(readFileSync(join(study, 'report', 'saving.json'), 'utf8'));
    assert.equal(saving.recommended_dk, rec.dk);
    const byDk = new Map((p.training_set.by_dk as { dk: number; estimate_cpu_hours: number }[]).map((e) => [e.dk, e.estimate_cpu_hours]));
    assert.equal(saving.saved_cpu_hours, byDk.get(0.3)! - byDk.get(rec.dk)!);
    assert.match(rp.stdout, new RegExp(`recommended Δk ${rec.dk} Å⁻¹: the training set \\(18 configurations\\)`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('plan.py refuses what it cannot plan, naming the file and what was expected', () => {
  const dir = mkdtempSync(join(tmpdir(), 'deltak-plan-'));
  try {
    let r = plan(['plan', '--out', 's', '--structure', 'nope.cif'], dir);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /--structure nope\.cif: no such file/);
    // rock salt NaCl: no interstitial sites known for it
    writeFileSync(join(dir, 'POSCAR'), 'NaCl\n1.0\n0 2.82 2.82\n2.82 0 2.82\n2.82 2.82 0\nNa Cl\n1 1\nDirect\n0 0 0\n0.5 0.5 0.5\n');
    r = plan(['plan', '--out', 's', '--structure', 'POSCAR', '--dks', '0.5'], dir);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /no interstitial sites known; give lattices\.sg225\.sites.*--groups pristine vacancy/);
    r = plan(['plan', '--out', 's', '--structure', 'POSCAR', '--dks', '0.5', '--groups', 'pristine', 'vacancy', '--sem', '1', '--engines', 'vasp'], dir);
    assert.equal(r.status, 0, r.stderr);
    const p = JSON.parse(readFileSync(join(dir, 's', 'plan.json'), 'utf8'));
    // a cell as given: all six Voigt strain components (3 normal and 3 shear magnitudes, ±)
    assert.equal(p.tasks.filter((t: PlanTask) => t.stage === 'elastic').length, 36);
    assert.deepEqual(p.vasp.potcars, { Na: 'Na', Cl: 'Cl' });
    assert.match(readFileSync(join(dir, 's', 'vasp', 'sem', 'NaCl', 'sg225', 'vacancy', 'dk0.50', 'NaCl-sg225-sem-vacancy-000', 'POSCAR'), 'utf8'), /^\s*Na\s+Cl\s*$/m);
    r = plan(['plan', '--out', 's', '--structure', 'POSCAR', '--dks', '0.5', '--groups', 'pristine'], dir);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /plan\.json exists/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
