/**
 * Loader benchmark: a large vasprun.xml and two OUTCARs (built by repeating the ionic steps of
 * real fixture files), extended XYZ files of 10⁴–5·10⁴ frames (the frames of a real fixture
 * repeated) and a DeePMD-kit npy system of many frames × 32 atoms, each read by deltak, ASE and
 * dpdata, every reader in its own process (time of the read call, peak memory). The readers of
 * one input run in turn, DELTAK_BENCH_REPEAT rounds (interleaved, so a change of the machine's
 * load falls on all of them).
 *
 * Sizes: DELTAK_BENCH_MB (default 500) for each VASP file, DELTAK_BENCH_FRAMES (default 10⁶),
 * DELTAK_BENCH_XYZ_FRAMES (default 10000,50000). DELTAK_BENCH_ONLY=vasprun,outcar,outcar-md,extxyz,deepmd
 * picks inputs. Files go to a temporary folder, removed at the end. Needs ../shared/fixtures and .venv.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const FIX = join(ROOT, '..', 'shared', 'fixtures');
const PY = join(ROOT, '.venv', 'bin', 'python');
const MB = Number(process.env.DELTAK_BENCH_MB ?? 500);
const FRAMES = Number(process.env.DELTAK_BENCH_FRAMES ?? 1e6);
const XYZ_FRAMES = (process.env.DELTAK_BENCH_XYZ_FRAMES ?? '10000,50000').split(',').map(Number);
const ONLY = (process.env.DELTAK_BENCH_ONLY ?? 'outcar,outcar-md,vasprun,extxyz,deepmd').split(',');
/**
 * deltak's process starts as the project starts its Node processes (the tslab kernel spec, see
 * scripts/setup.sh): glibc's malloc asks for transparent huge pages for large allocations.
 */
const DELTAK_ENV = { ...process.env, GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' };

if (!existsSync(FIX)) {
  console.log(`io bench: fixtures not found at ${FIX}; skipping`);
  process.exit(0);
}

/** Write head + body × n + tail to `path` until it reaches `mb` megabytes; returns the repeats. */
function repeatInto(path: string, head: string, body: string, tail: string, mb: number): number {
  if (body.length === 0) throw new Error(`${path}: nothing to repeat`);
  const fd = openSync(path, 'w');
  const b = Buffer.from(body, 'latin1');
  writeSync(fd, Buffer.from(head, 'latin1'));
  const n = Math.max(1, Math.round((mb * 2 ** 20 - head.length - tail.length) / b.length));
  for (let i = 0; i < n; i++) writeSync(fd, b);
  writeSync(fd, Buffer.from(tail, 'latin1'));
  closeSync(fd);
  return n;
}

function makeVasprun(path: string): void {
  const x = readFileSync(join(FIX, 'vasp/dpdata_Ti32_aimd_nwrite0/vasprun.xml'), 'latin1');
  const a = x.indexOf('<calculation>');
  const b = x.lastIndexOf('</calculation>') + '</calculation>'.length;
  repeatInto(path, x.slice(0, a), x.slice(a, b) + '\n', x.slice(b), MB);
}

function makeOutcar(path: string): void {
  const lines = readFileSync(join(FIX, 'vasp/dpgen_Li40_relax_kspacing/OUTCAR'), 'latin1').split('\n');
  const first = lines.findIndex((l) => l.includes('Iteration'));
  let last = -1;
  lines.forEach((l, i) => {
    if (l.includes('energy(sigma->0)')) last = i;
  });
  repeatInto(path, lines.slice(0, first).join('\n') + '\n', lines.slice(first, last + 1).join('\n') + '\n', lines.slice(last + 1).join('\n'), MB);
}

/**
 * An MD OUTCAR whose steps are mostly arrays: the last ionic step of the Ti32 AIMD run (6 SCF
 * iterations, Γ only; with NWRITE = 0 VASP prints positions and forces for the first and last
 * step only, so this step has them) repeated.
 */
function makeOutcarMd(path: string): void {
  const lines = readFileSync(join(FIX, 'vasp/dpdata_Ti32_aimd_nwrite0/OUTCAR'), 'latin1').split('\n');
  const first = lines.findIndex((l) => l.includes('Iteration'));
  const lastWhere = (test: (l: string) => boolean): number => {
    for (let i = lines.length - 1; i >= 0; i--) if (test(lines[i])) return i;
    return -1;
  };
  const lastStep = lastWhere((l) => /Iteration\s+\d+\(\s*1\)/.test(l));
  const end = lastWhere((l) => l.includes('total amount of memory used by VASP'));
  if (!(first > 0 && lastStep > first && end > lastStep)) throw new Error('Ti32 OUTCAR: ionic steps not found');
  repeatInto(path, lines.slice(0, first).join('\n') + '\n', lines.slice(lastStep, end).join('\n') + '\n', lines.slice(end).join('\n'), MB);
}

/**
 * An extended XYZ file of `frames` frames: the 152 frames of the LiCu fitting set of
 * wfl (VASP labels under REF_ keys, 1–26 atoms, a dozen info keys each) repeated in order.
 */
function makeExtxyz(path: string, frames: number): void {
  const lines = readFileSync(join(FIX, 'extxyz/wfl_LiCu_vasp_REF_keys_fitting.xyz'), 'latin1').split('\n');
  const src: Buffer[] = [];
  for (let i = 0; i < lines.length; ) {
    if (lines[i].trim() === '') {
      i++;
      continue;
    }
    const n = Number(lines[i]);
    src.push(Buffer.from(lines.slice(i, i + 2 + n).join('\n') + '\n', 'latin1'));
    i += 2 + n;
  }
  const fd = openSync(path, 'w');
  for (let k = 0; k < frames; k++) writeSync(fd, src[k % src.length]);
  closeSync(fd);
}

function makeDeepmd(dir: string): void {
  const code = `
import numpy as np, os, sys
d, nf = sys.argv[1], int(sys.argv[2])
nat = 32
os.makedirs(d + "/set.000")
open(d + "/type.raw", "w").write("\\n".join(["0"] * nat) + "\\n")
open(d + "/type_map.raw", "w").write("Al\\n")
rng = np.random.default_rng(0)
box = np.tile(np.diag([8.08, 8.08, 8.08]).ravel(), (nf, 1))
np.save(d + "/set.000/box.npy", box)
for name in ("coord", "force"):
    a = np.empty((nf, 3 * nat))
    for s in range(0, nf, 100000):
        a[s:s + 100000] = rng.random((min(100000, nf - s), 3 * nat)) * 8.08
    np.save(d + f"/set.000/{name}.npy", a)
    del a
np.save(d + "/set.000/energy.npy", -3.7 * nat + rng.random(nf) * 0.1)
np.save(d + "/set.000/virial.npy", rng.random((nf, 9)))
`;
  execFileSync(PY, ['-c', code, dir, String(FRAMES)], { stdio: 'inherit' });
}

interface Run { seconds: number; cpu_seconds: number; frames: number; peak_rss_mb: number; base_rss_mb: number; kept_mb?: number; held_mb?: number }

const REPEAT = Number(process.env.DELTAK_BENCH_REPEAT ?? 3);

/** A reader's runs: the best (shortest wall time) with its peak memory, the least CPU time, and every wall time. */
type Runs = Run & { all_seconds: number[] };

/**
 * Every tool on `path`, REPEAT rounds, the tools in turn within a round (interleaved); per tool
 * the best run (shortest wall time) with its peak memory, cpu_seconds the least of all runs.
 */
function runAll(tools: string[], kind: string, path: string): Map<string, Runs | { error: string }> {
  const out = new Map<string, Runs | { error: string }>();
  for (let k = 0; k < REPEAT; k++) {
    for (const tool of tools) {
      const prev = out.get(tool);
      if (prev && 'error' in prev) continue;
      const r = runOnce(tool, kind, path);
      if ('error' in r) {
        out.set(tool, r);
        continue;
      }
      if (!prev) out.set(tool, { ...r, all_seconds: [r.seconds] });
      else {
        const all = [...prev.all_seconds, r.seconds];
        const cpu = Math.min(prev.cpu_seconds, r.cpu_seconds);
        out.set(tool, { ...(r.seconds < prev.seconds ? r : prev), cpu_seconds: cpu, all_seconds: all });
      }
    }
  }
  return out;
}

function runOnce(tool: string, kind: string, path: string): Run | { error: string } {
  try {
    const out = tool === 'deltak' || tool === 'node-bare'
      ? execFileSync('node', [join(ROOT, 'bench', 'io-run.mjs'), tool === 'node-bare' ? 'bare' : kind, path], { encoding: 'utf8', cwd: ROOT, maxBuffer: 1 << 24, env: DELTAK_ENV })
      : execFileSync(PY, [join(ROOT, 'bench', 'io_run.py'), tool, kind, path], { encoding: 'utf8', maxBuffer: 1 << 24 });
    return JSON.parse(out.trim().split('\n').pop()!) as Run;
  } catch (e) {
    return { error: String((e as Error).message).split('\n').slice(0, 2).join(' ') };
  }
}

const tmp = mkdtempSync(join(tmpdir(), 'deltak-io-bench-'));
const results: string[] = [];
try {
  const py = execFileSync(PY, ['-c', 'import ase, dpdata, numpy, sys; print(f"Python {sys.version.split()[0]}, ASE {ase.__version__}, dpdata {dpdata.__version__}, NumPy {numpy.__version__}")'], { encoding: 'utf8' }).trim();
  console.log(`machine: ${cpus()[0]?.model} × ${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.versions.node}; ${py}`);
  console.log(`load average at start: ${loadavg().map((x) => x.toFixed(1)).join(' ')}; deltak runs with GLIBC_TUNABLES=${DELTAK_ENV.GLIBC_TUNABLES}, best of ${REPEAT}`);
  const cases: [string, string, string, () => void, string[]][] = [
    ['vasprun', 'vasprun.xml', join(tmp, 'vasprun.xml'), () => makeVasprun(join(tmp, 'vasprun.xml')), ['deltak', 'ase', 'dpdata']],
    ['outcar', 'OUTCAR (Li40 relaxation)', join(tmp, 'OUTCAR'), () => makeOutcar(join(tmp, 'OUTCAR')), ['deltak', 'ase', 'dpdata']],
    ['outcar-md', 'OUTCAR (Ti32 MD)', join(tmp, 'OUTCAR-md'), () => makeOutcarMd(join(tmp, 'OUTCAR-md')), ['deltak', 'ase', 'dpdata']],
    ...XYZ_FRAMES.map((n): [string, string, string, () => void, string[]] => ['extxyz', `extxyz (LiCu) ${n} frames`, join(tmp, `f${n}.xyz`), () => makeExtxyz(join(tmp, `f${n}.xyz`), n), ['deltak', 'ase']]),
    ['deepmd', `DeePMD npy ${FRAMES} × 32`, join(tmp, 'deepmd'), () => makeDeepmd(join(tmp, 'deepmd')), ['deltak', 'dpdata', 'node-bare', 'numpy']],
  ];
  console.log('| file | size | reader | frames | read time (s) | all runs (s) | CPU time (s) | peak RSS − start (MB) | arrays kept (MB) | held: ArrayBuffers + JS heap growth (MB) |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const [kind, label, path, make, tools] of cases) {
    if (!ONLY.includes(kind)) continue;
    make();
    const size = kind === 'deepmd'
      ? ['coord', 'force', 'box', 'energy', 'virial'].reduce((s, n) => s + statSync(join(path, 'set.000', `${n}.npy`)).size, 0)
      : statSync(path).size;
    let keptMb = 0;
    const runs = runAll(tools, kind === 'outcar-md' ? 'outcar' : kind, path);
    for (const tool of tools) {
      const r = runs.get(tool)!;
      let line: string;
      const name = ({ 'node-bare': 'bare read, Node (floor)', numpy: 'numpy.load only (floor)' } as Record<string, string>)[tool] ?? tool;
      if ('error' in r) line = `| ${label} | ${(size / 2 ** 20).toFixed(0)} MB | ${name} | — | failed: ${r.error.slice(0, 80)} | | | | | |`;
      else {
        if (r.kept_mb !== undefined) keptMb = r.kept_mb;
        line = `| ${label} | ${(size / 2 ** 20).toFixed(0)} MB | ${name} | ${r.frames} | ${r.seconds.toFixed(2)} | ${r.all_seconds.map((x) => x.toFixed(2)).join(' ')} | ${r.cpu_seconds.toFixed(2)} | ${(r.peak_rss_mb - r.base_rss_mb).toFixed(0)} | ${tool === 'deltak' ? keptMb.toFixed(1) : ''} | ${r.held_mb !== undefined ? r.held_mb.toFixed(1) : ''} |`;
      }
      console.log(line);
      results.push(line);
    }
    rmSync(path, { recursive: true, force: true });
  }
  console.log(`load average at end: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
