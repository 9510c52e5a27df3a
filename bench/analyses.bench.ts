/**
 * Analyses benchmark: deltak's `thresholds` and `madSummary` on property sweeps of 10⁴–10⁶ rows
 * and `semTable` on a test set of 10⁴ configurations × 8 Δk × 32 atoms, each against a pandas/numpy
 * implementation of the same formulas (bench/analyses_run.py), every call in its own process, the
 * two sides interleaved (time of the call, cold and warm; peak memory). The inputs are made once,
 * from a seeded generator, into a temporary folder that both sides read; a sample of each
 * output is compared between the two sides, so that the comparison is of the same computation.
 *
 * DELTAK_BENCH_ROWS (default 10000,100000,1000000), DELTAK_BENCH_CONFIGS (default 10000),
 * DELTAK_BENCH_REPEAT (processes per case and side, default 3), DELTAK_BENCH_WARM (calls timed
 * after the first in each process, default 5), DELTAK_BENCH_ONLY=thresholds,madSummary,semTable.
 * Needs .venv (numpy, pandas).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { seededRandom } from '../kernel-lib/src/core/random.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PY = join(ROOT, '.venv', 'bin', 'python');
const SIZES = (process.env.DELTAK_BENCH_ROWS ?? '10000,100000,1000000').split(',').map(Number);
const CONFIGS = Number(process.env.DELTAK_BENCH_CONFIGS ?? 10000);
const REPEAT = Number(process.env.DELTAK_BENCH_REPEAT ?? 3);
const WARM = Number(process.env.DELTAK_BENCH_WARM ?? 5);
const ONLY = (process.env.DELTAK_BENCH_ONLY ?? 'thresholds,madSummary,semTable').split(',');
/** As the project's tslab kernel starts Node (scripts/setup.sh); see bench/README.md. */
const DELTAK_ENV = { ...process.env, GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' };

/** The paper's 15 properties with a typical value (unit). */
const PROPERTIES: [string, string, number][] = [
  ['V0', 'Å³/atom', 16.5], ['E0', 'eV/atom', -3.7], ['B0', 'GPa', 76], ['B0p', '1', 4.5], ['E_coh', 'eV/atom', 3.4],
  ['C11', 'GPa', 108], ['C12', 'GPa', 62], ['C44', 'GPa', 28], ['B', 'GPa', 77], ['G', 'GPa', 26], ['E', 'GPa', 70], ['nu', '1', 0.35],
  ['E_vac', 'eV', 0.67], ['E_Oh', 'eV', 2.9], ['E_Td', 'eV', 3.2],
];
const DKS = [0.09, 0.12, 0.18, 0.24, 0.3, 0.36, 0.48, 0.66];
const LATTICES = ['fcc', 'bcc'];
const METHODS = ['DFT', 'MLP'];
const ROWS_PER_METAL = LATTICES.length * PROPERTIES.length * METHODS.length * DKS.length;

function writeCodes(dir: string, name: string, a: Int32Array | Float64Array): void {
  writeFileSync(join(dir, `${name}.${a instanceof Int32Array ? 'i32' : 'f64'}`), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

/**
 * A sweep of about `rows` rows in the order of a sweep table (metal, lattice, property, method,
 * Δk): synthetic metals × fcc, bcc × 15 properties × DFT, MLP × 8 Δk, values scattered ∝ Δk²;
 * in 5 % of (metal, lattice, method) C44 < 0 at Δk ≥ 0.48, so the moduli there are left out.
 */
function makeSweep(dir: string, rows: number): number {
  mkdirSync(dir, { recursive: true });
  const metals = Math.max(1, Math.round(rows / ROWS_PER_METAL));
  const n = metals * ROWS_PER_METAL;
  const rand = seededRandom(rows);
  const col = { metal: new Int32Array(n), lattice: new Int32Array(n), property: new Int32Array(n), unit: new Int32Array(n), method: new Int32Array(n) };
  const dk = new Float64Array(n), value = new Float64Array(n);
  const units = [...new Set(PROPERTIES.map((p) => p[1]))];
  let i = 0;
  for (let m = 0; m < metals; m++) {
    for (let l = 0; l < LATTICES.length; l++) {
      const unstable = METHODS.map(() => rand() < 0.05);
      for (let p = 0; p < PROPERTIES.length; p++) {
        const [name, unit, base] = PROPERTIES[p];
        for (let me = 0; me < METHODS.length; me++) {
          for (const d of DKS) {
            col.metal[i] = m; col.lattice[i] = l; col.property[i] = p; col.unit[i] = units.indexOf(unit); col.method[i] = me;
            dk[i] = d;
            value[i] = name === 'C44' && unstable[me] && d >= 0.48 ? -5 - rand() : base * (1 + (me === 0 ? 1 : 0.3) * d * d * (2 * rand() - 1));
            i++;
          }
        }
      }
    }
  }
  for (const [k, a] of Object.entries(col)) writeCodes(dir, k, a);
  writeCodes(dir, 'dk', dk);
  writeCodes(dir, 'value', value);
  writeFileSync(join(dir, 'names.json'), JSON.stringify({
    metal: Array.from({ length: metals }, (_, k) => `M${k}`), lattice: LATTICES, property: PROPERTIES.map((p) => p[0]), unit: units, method: METHODS,
  }));
  return n;
}

/**
 * A SEM test set in the order a folder of single points is read (group, Δk, configuration):
 * Al × fcc, bcc × pristine, vacancy, oh, td; `configs` configurations of 32 atoms, each at 8 Δk,
 * energies, forces and virials scattered about the configuration's own ∝ Δk² (none at 0.09).
 */
function makeFrames(dir: string, configs: number): number {
  mkdirSync(dir, { recursive: true });
  const groups = LATTICES.flatMap((lattice) => ['pristine', 'vacancy', 'oh', 'td'].map((structure) => ({ metal: 'Al', lattice, structure })));
  const per = Math.max(1, Math.round(configs / groups.length));
  const nat = 32;
  const nf = groups.length * per * DKS.length;
  const rand = seededRandom(configs);
  const pos = new Float64Array(nf * 3 * nat), frc = new Float64Array(nf * 3 * nat), vir = new Float64Array(nf * 9);
  const en = new Float64Array(nf), dk = new Float64Array(nf), group = new Int32Array(nf), config = new Int32Array(nf);
  const p0 = new Float64Array(3 * nat), f0 = new Float64Array(3 * nat), v0 = new Float64Array(9);
  let i = 0;
  for (let g = 0; g < groups.length; g++) {
    // one configuration's reference values, the same at every Δk
    const base = Array.from({ length: per }, () => {
      for (let k = 0; k < 3 * nat; k++) { p0[k] = 8 * rand(); f0[k] = rand() - 0.5; }
      for (let k = 0; k < 9; k++) v0[k] = 5 * (rand() - 0.5);
      return { p: p0.slice(), f: f0.slice(), v: v0.slice(), e: -3.7 * nat + rand() };
    });
    for (const d of DKS) {
      const s = d === 0.09 ? 0 : d * d;
      for (let c = 0; c < per; c++) {
        const b = base[c];
        pos.set(b.p, i * 3 * nat);
        for (let k = 0; k < 3 * nat; k++) frc[i * 3 * nat + k] = b.f[k] + 0.3 * s * (rand() - 0.5);
        for (let k = 0; k < 9; k++) vir[i * 9 + k] = b.v[k] + 2 * s * (rand() - 0.5);
        en[i] = b.e + 0.5 * s * (rand() - 0.5);
        dk[i] = d;
        group[i] = g;
        config[i] = g * per + c;
        i++;
      }
    }
  }
  for (const [k, a] of Object.entries({ positions: pos, forces: frc, virial: vir, energy: en, dk, group, config })) writeCodes(dir, k, a);
  writeFileSync(join(dir, 'names.json'), JSON.stringify({ groups, natoms: nat, species: 'Al' }));
  return nf;
}

interface Run { seconds: number; warm_seconds: number | null; cpu_seconds: number; warm_cpu_seconds: number | null; peak_rss_mb: number; base_rss_mb: number; held_mb?: number; rows: number }
type Sample = { rows: number; columns: string[]; sample: Record<string, unknown>[]; null_thresholds?: number; excluded?: number };

function runOnce(tool: 'deltak' | 'peer', core: string, task: string, dir: string, result: string): Run {
  const out = tool === 'deltak'
    ? execFileSync('node', [join(ROOT, 'bench', 'analyses-run.mjs'), core, task, dir, result, String(WARM)], { encoding: 'utf8', cwd: ROOT, maxBuffer: 1 << 24, env: DELTAK_ENV })
    : execFileSync(PY, [join(ROOT, 'bench', 'analyses_run.py'), task, dir, result, String(WARM)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  return JSON.parse(out.trim().split('\n').pop()!) as Run;
}

/**
 * Compare the two samples: same row count, columns and text; numbers within 1e-9 relative
 * (float64 round-off of sums of up to 10⁶ terms in a different order); Δk_T exactly.
 */
function compare(task: string, a: Sample, b: Sample): { ok: boolean; values: number; maxRel: number; why: string[] } {
  const why: string[] = [];
  let values = 0, maxRel = 0;
  if (a.rows !== b.rows) why.push(`rows ${a.rows} vs ${b.rows}`);
  if (a.columns.join() !== b.columns.join()) why.push(`columns ${a.columns.join()} vs ${b.columns.join()}`);
  for (const k of ['null_thresholds', 'excluded'] as const) if (a[k] !== b[k]) why.push(`${k} ${a[k]} vs ${b[k]}`);
  if (a.sample.length !== b.sample.length) why.push(`sample of ${a.sample.length} vs ${b.sample.length}`);
  a.sample.forEach((ra, i) => {
    const rb = b.sample[i] ?? {};
    for (const c of a.columns) {
      const x = ra[c], y = rb[c];
      values++;
      if (typeof x === 'number' && typeof y === 'number') {
        const exact = c.endsWith('dk') || c.startsWith('n_');
        const rel = Math.abs(x - y) / Math.max(Math.abs(x), Math.abs(y), 1e-300);
        if (x !== y) maxRel = Math.max(maxRel, rel);
        if (exact ? x !== y : rel > 1e-9 && Math.abs(x - y) > 1e-15) why.push(`row ${i} ${c}: ${x} vs ${y}`);
      } else if (x !== y && !(x == null && y == null)) why.push(`row ${i} ${c}: ${JSON.stringify(x)} vs ${JSON.stringify(y)}`);
    }
  });
  return { ok: why.length === 0, values, maxRel, why: why.slice(0, 5) };
}

async function main(): Promise<void> {
const tmp = mkdtempSync(join(tmpdir(), 'deltak-analyses-bench-'));
try {
  const core = join(tmp, 'deltak-core.mjs');
  await build({
    stdin: {
      contents: "export { thresholds, madSummary } from './kernel-lib/src/core/convergence.ts'; export { semTable } from './kernel-lib/src/core/sem.ts'; export { table } from 'arquero';",
      resolveDir: ROOT, loader: 'ts',
    },
    bundle: true, format: 'esm', platform: 'node', target: 'node20', outfile: core, logLevel: 'error',
  });
  const py = execFileSync(PY, ['-c', 'import numpy, pandas, sys; print(f"Python {sys.version.split()[0]}, pandas {pandas.__version__}, NumPy {numpy.__version__}")'], { encoding: 'utf8' }).trim();
  console.log(`machine: ${cpus()[0]?.model} × ${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.versions.node}; ${py}`);
  console.log(`load average at start: ${loadavg().map((x) => x.toFixed(1)).join(' ')}; best of ${REPEAT} processes per side, ${WARM} warm calls each; deltak with GLIBC_TUNABLES=${DELTAK_ENV.GLIBC_TUNABLES}`);
  const cases: { task: string; label: string; dir: string; n: number }[] = [];
  for (const rows of SIZES) {
    if (!ONLY.includes('thresholds') && !ONLY.includes('madSummary')) break;
    const dir = join(tmp, `sweep-${rows}`);
    const n = makeSweep(dir, rows);
    for (const task of ['thresholds', 'madSummary']) if (ONLY.includes(task)) cases.push({ task, label: `${n} rows`, dir, n });
  }
  if (ONLY.includes('semTable')) {
    const dir = join(tmp, 'frames');
    const n = makeFrames(dir, CONFIGS);
    cases.push({ task: 'semTable', label: `${n / DKS.length} configs × ${DKS.length} Δk × 32 atoms`, dir, n });
  }
  console.log('| analysis | input | tool | first call (s) | warm call (s) | CPU first (s) | CPU warm (s) | peak RSS − start (MB) | deltak / peer: time first, warm; CPU first, warm; memory | same results |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const c of cases) {
    const best: Record<string, Run> = {};
    const all: Record<string, Run[]> = { deltak: [], peer: [] };
    for (let k = 0; k < REPEAT; k++) {
      for (const tool of ['deltak', 'peer'] as const) {
        const r = runOnce(tool, core, c.task, c.dir, join(tmp, `${tool}.json`));
        all[tool].push(r);
        if (!best[tool] || r.seconds < best[tool].seconds) best[tool] = { ...r };
      }
    }
    for (const tool of ['deltak', 'peer']) {
      best[tool].warm_seconds = Math.min(...all[tool].map((r) => r.warm_seconds ?? Infinity));
      best[tool].cpu_seconds = Math.min(...all[tool].map((r) => r.cpu_seconds));
      best[tool].warm_cpu_seconds = Math.min(...all[tool].map((r) => r.warm_cpu_seconds ?? Infinity));
    }
    const same = compare(c.task, JSON.parse(readFileSync(join(tmp, 'deltak.json'), 'utf8')) as Sample, JSON.parse(readFileSync(join(tmp, 'peer.json'), 'utf8')) as Sample);
    const mem = (r: Run) => r.peak_rss_mb - r.base_rss_mb;
    const d = best.deltak, p = best.peer;
    const q = (a: number, b: number): string => (a / b).toFixed(2);
    const ratio = `${q(d.seconds, p.seconds)}, ${q(d.warm_seconds!, p.warm_seconds!)}; ${q(d.cpu_seconds, p.cpu_seconds)}, ${q(d.warm_cpu_seconds!, p.warm_cpu_seconds!)}; ${q(mem(d), mem(p))}`;
    const agree = same.ok ? `yes (${same.values} values, max rel. diff ${same.maxRel.toExponential(1)})` : `NO: ${same.why.join('; ')}`;
    for (const [tool, r] of [['deltak', d], ['pandas/numpy', p]] as const) {
      console.log(`| ${c.task} | ${c.label} | ${tool} | ${r.seconds.toFixed(3)} | ${r.warm_seconds!.toFixed(3)} | ${r.cpu_seconds.toFixed(3)} | ${r.warm_cpu_seconds!.toFixed(3)} | ${mem(r).toFixed(0)} | ${tool === 'deltak' ? ratio : ''} | ${tool === 'deltak' ? agree : ''} |`);
    }
    console.log(`<!-- ${c.task} ${c.label}: all first calls deltak ${all.deltak.map((r) => r.seconds.toFixed(3)).join(' ')}; peer ${all.peer.map((r) => r.seconds.toFixed(3)).join(' ')}; load ${loadavg()[0].toFixed(1)} -->`);
  }
  console.log(`load average at end: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
