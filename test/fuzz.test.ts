/**
 * Fuzz test of the readers: seeded mutations of real files (the fixtures written by VASP,
 * DeePMD-kit, dpgen and ASE in ../shared/fixtures, and the project's own tables), each read in
 * a child process with a time and memory limit. Every mutated read must end in one of two ways:
 *   - the same values as the unmutated file (the mutation touched nothing the reader keeps), or
 *   - a ReadError whose message names the file (a path inside the case's folder).
 * Anything else fails the test: a hang, a crash, another kind of error, or values that changed
 * without an error (a silent change). Mutation classes: a cut inside a line, a digit replaced by
 * a letter, a line deleted, a line duplicated, a number replaced by NaN/Inf/1e400, CRLF line
 * ends, a byte-order mark, gzip, another format's content, and a folder where the file was.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { seededRandom } from '../kernel-lib/src/core/random.ts';

const ROOT = process.env.DELTAK_ROOT ?? fileURLToPath(new URL('..', import.meta.url));
const FIXTURES = join(ROOT, '..', 'shared', 'fixtures');
const WORKER = join(ROOT, 'test', 'fuzz', 'read-case.ts');
/** Seconds one read may take before it counts as a hang (a loaded 2-core machine included). */
const CASE_TIMEOUT_S = 30;
/** Heap limit of the reading process, MB (the largest fixture is 1.2 MB). */
const HEAP_MB = 512;
const SEEDS_PER_CLASS = 10;

interface Fixture {
  /** Reader name in test/fuzz/read-case.ts. */
  reader: string;
  /** Fixture file or folder: relative to ../shared/fixtures, or to the repository with `repo:`. */
  src: string;
  /** For a folder: the files in it to mutate (relative); for a dp test prefix: the prefix. */
  targets?: string[];
  prefix?: string;
  options?: Record<string, unknown>;
}

const FIXTURE_LIST: Fixture[] = [
  { reader: 'outcar', src: 'vasp/dpgen_Al2_sigma1_gamma/000000_OUTCAR' },
  { reader: 'outcar', src: 'vasp/dpdata_Ti32_aimd_nwrite0/OUTCAR' },
  { reader: 'outcar', src: 'vasp/pyiron_outcar_samples/OUTCAR_2' },
  { reader: 'outcar', src: 'vasp/dpgen_Li40_relax_kspacing/OUTCAR' },
  { reader: 'vasprun', src: 'vasp/custodian_Al1_r2scan_kspacing/vasprun.xml' },
  { reader: 'vasprun', src: 'vasp/pyiron_vasprun_samples/vasprun_3.xml' },
  { reader: 'vasprun', src: 'vasp/dpdata_Ti32_aimd_nwrite0/vasprun.xml' },
  { reader: 'outcar', src: 'vasp/dpgen_Al2_sigma1_gamma/000001_OUTCAR' },
  { reader: 'extxyz', src: 'extxyz/nequip_Cu_cubic_emt.xyz' },
  { reader: 'extxyz', src: 'extxyz/ace_TiAl_tutorial_DB_tenth.xyz' },
  { reader: 'extxyz', src: 'extxyz/wfl_LiCu_vasp_REF_keys_testing.xyz' },
  { reader: 'extxyz', src: 'extxyz/lammps_pod_Ta_Volume_BCC.xyz', options: { stressUnit: 'bar', stressSign: 'pressure' } },
  { reader: 'deepmd', src: 'deepmd_raw/dpdata_Fe16_spin_raw', targets: ['energy.raw', 'coord.raw', 'box.raw', 'type_map.raw', 'type.raw', 'virial.raw'] },
  { reader: 'deepmd', src: 'deepmd_npy/dpdata_Fe16_spin_npy', targets: ['set.000/energy.npy', 'set.000/coord.npy', 'set.000/box.npy', 'type_map.raw'] },
  { reader: 'deepmd', src: 'deepmd_raw/dpgen_Mg4_fcc_raw_and_npy', targets: ['energy.raw', 'force.raw'], options: { typeMap: ['Mg'], format: 'raw' } },
  { reader: 'dptest', src: 'dp_test/deepmdkit_agent_commit', prefix: 'test_dp_test_ener_detail', targets: ['test_dp_test_ener_detail.e.out', 'test_dp_test_ener_detail.f.out', 'test_dp_test_ener_detail.v.out'] },
  { reader: 'dpdata', src: 'dpgen_autotest/dpgen_Al_fcc_equi_result.json' },
  { reader: 'autotest', src: 'dpgen_autotest/doc_examples/vacancy_result.out' },
  { reader: 'autotest', src: 'dpgen_autotest/doc_examples/elastic_result.out' },
  { reader: 'autotest', src: 'dpgen_autotest/doc_examples/interstitial_result.json' },
  { reader: 'autotest', src: 'dpgen_autotest/doc_examples/vacancy_result.json' },
  { reader: 'dpdata', src: 'dpgen_autotest/dpgen_Mo_bcc_relaxation_result.json' },
  { reader: 'table', src: 'repo:data/al/singlepoints.csv' },
  { reader: 'table', src: 'repo:data/al/properties.csv' },
];

type MutationClass = 'cut' | 'letter' | 'delete-line' | 'duplicate-line' | 'non-finite' | 'crlf' | 'bom' | 'gzip' | 'other-format' | 'folder';
const RANDOM_CLASSES: MutationClass[] = ['cut', 'letter', 'delete-line', 'duplicate-line', 'non-finite'];
const FIXED_CLASSES: MutationClass[] = ['crlf', 'bom', 'gzip', 'other-format', 'folder'];
const NL = 0x0a;
/** A decimal number standing as a token of its own (not a part of a name such as "dk0.12/x.extxyz"). */
const NUMBER_TOKEN = /(?<![\w.\/-])-?\d+\.\d+(?:[eE][-+]?\d+)?(?![\w.\/])/g;

const isNpy = (name: string): boolean => name.endsWith('.npy');

/** Byte offsets of the starts of the lines of `b` that are not blank. */
function lineStarts(b: Buffer): number[] {
  const out: number[] = [];
  let s = 0;
  for (let i = 0; i <= b.length; i++) {
    if (i === b.length || b[i] === NL) {
      if (b.subarray(s, i).toString('latin1').trim() !== '') out.push(s);
      s = i + 1;
    }
  }
  return out;
}
const lineEnd = (b: Buffer, s: number): number => {
  const e = b.indexOf(NL, s);
  return e < 0 ? b.length : e + 1;
};

/** The mutated bytes, a description of the change, or null when the class does not apply. */
function mutate(b: Buffer, name: string, cls: MutationClass, rand: () => number, other: Buffer, tableLike: boolean): { bytes: Buffer | 'folder'; what: string } | null {
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const npy = isNpy(name);
  switch (cls) {
    case 'cut': {
      // a cut inside a line (text) or anywhere after the npy header's first bytes
      const cand: number[] = [];
      for (let i = 1; i < b.length; i++) if (npy ? i > 8 : b[i - 1] !== NL && b[i] !== NL) cand.push(i);
      if (!cand.length) return null;
      const k = pick(cand);
      return { bytes: b.subarray(0, k), what: `cut at byte ${k} of ${b.length}` };
    }
    case 'letter': {
      // a digit inside a decimal number (a digit of a name such as "C11" may legitimately change)
      if (npy) return null;
      const digits: number[] = [];
      for (const m of b.toString('latin1').matchAll(NUMBER_TOKEN)) {
        for (let i = m.index!; i < m.index! + m[0].length; i++) if (b[i] >= 0x30 && b[i] <= 0x39) digits.push(i);
      }
      if (!digits.length) return null;
      const k = pick(digits);
      const c = Buffer.from(b);
      c[k] = 0x78; // 'x'
      return { bytes: c, what: `digit at byte ${k} replaced by "x"` };
    }
    case 'delete-line':
    case 'duplicate-line': {
      // a table row deleted or repeated is another valid table (the analyses refuse repeated
      // rows); the class applies to formats whose records span several lines or are counted
      if (npy || tableLike) return null;
      const starts = lineStarts(b);
      if (!starts.length) return null;
      const s = pick(starts);
      const e = lineEnd(b, s);
      const line = b.subarray(s, e);
      const bytes = cls === 'delete-line'
        ? Buffer.concat([b.subarray(0, s), b.subarray(e)])
        : Buffer.concat([b.subarray(0, e), line[line.length - 1] === NL ? line : Buffer.concat([Buffer.from('\n'), line]), b.subarray(e)]);
      return { bytes, what: `${cls === 'delete-line' ? 'deleted' : 'duplicated'} the line at byte ${s}: ${JSON.stringify(line.toString('latin1').slice(0, 60))}` };
    }
    case 'non-finite': {
      if (npy) return null;
      const text = b.toString('latin1');
      const nums = [...text.matchAll(NUMBER_TOKEN)];
      if (!nums.length) return null;
      const m = pick(nums);
      const v = pick(['NaN', 'Inf', '-Inf', '1e400']);
      return { bytes: Buffer.from(text.slice(0, m.index) + v + text.slice(m.index! + m[0].length), 'latin1'), what: `number ${m[0]} at byte ${m.index} replaced by ${v}` };
    }
    case 'crlf':
      return npy ? null : { bytes: Buffer.from(b.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1'), what: 'CRLF line ends' };
    case 'bom':
      return npy ? null : { bytes: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), b]), what: 'UTF-8 byte-order mark' };
    case 'gzip':
      return { bytes: gzipSync(b), what: 'gzip-compressed under the same name' };
    case 'other-format':
      return { bytes: other, what: 'the content of a file of another format' };
    case 'folder':
      return { bytes: 'folder', what: 'a folder where the file was' };
  }
}

interface Case { id: number; reader: string; path: string; root: string; options?: Record<string, unknown>; what: string; fixture: string; baseline?: boolean }
interface Outcome { id: number; ok: boolean; digest?: string; name?: string; message?: string; readError?: boolean }

/** Run the cases in `workers` child processes; a case without an answer after CASE_TIMEOUT_S is a hang. */
async function runCases(cases: Case[], workers: number): Promise<Map<number, Outcome | { id: number; hang?: true; crash?: string }>> {
  const results = new Map<number, Outcome | { id: number; hang?: true; crash?: string }>();
  const queues: Case[][] = Array.from({ length: workers }, () => []);
  cases.forEach((c, i) => queues[i % workers].push(c));
  const runQueue = async (queue: Case[]): Promise<void> => {
    let next = 0;
    while (next < queue.length) {
      const batch = queue.slice(next);
      await new Promise<void>((resolve) => {
        const child = spawn(process.execPath, [`--max-old-space-size=${HEAP_MB}`, '--import', 'tsx', WORKER], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
        let buf = '';
        let stderr = '';
        let timer: NodeJS.Timeout | undefined;
        const arm = (): void => {
          clearTimeout(timer);
          timer = setTimeout(() => {
            results.set(batch[0].id, { id: batch[0].id, hang: true });
            child.kill('SIGKILL');
          }, CASE_TIMEOUT_S * 1000 * (next === 0 && batch === queue ? 3 : 1));
        };
        arm();
        child.stdout.on('data', (d: Buffer) => {
          buf += d.toString();
          let nl;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const o = JSON.parse(buf.slice(0, nl)) as Outcome;
            buf = buf.slice(nl + 1);
            results.set(o.id, o);
            batch.shift();
            next++;
            arm();
          }
        });
        child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
        child.on('exit', (code, signal) => {
          clearTimeout(timer);
          if (batch.length) {
            const c = batch[0];
            if (!results.has(c.id)) results.set(c.id, { id: c.id, crash: `exit ${code ?? signal}: ${stderr.slice(-400)}` });
            next++;
          }
          resolve();
        });
        for (const c of batch) child.stdin.write(JSON.stringify(c) + '\n');
        child.stdin.end();
      });
    }
  };
  await Promise.all(queues.map(runQueue));
  return results;
}

test('readers under seeded mutations of real files: the same values or a ReadError naming the file', {
  skip: existsSync(FIXTURES) ? false : `fixtures not found at ${FIXTURES} (they live beside the repository, in ../shared/fixtures)`,
  timeout: 600_000,
}, async () => {
  const work = mkdtempSync(join(tmpdir(), 'deltak-fuzz-'));
  try {
    const rand = seededRandom(20261130);
    const otherText = readFileSync(join(FIXTURES, 'extxyz', 'nequip_Cu_cubic_emt.xyz'));
    const otherForXyz = readFileSync(join(FIXTURES, 'vasp', 'dpgen_Al2_sigma1_gamma', '000000_OUTCAR'));
    const cases: Case[] = [];
    let id = 0;
    const place = (f: Fixture): { root: string; path: string; dir: string } => {
      const root = join(work, `case-${id}`);
      mkdirSync(root);
      const src = f.src.startsWith('repo:') ? join(ROOT, f.src.slice(5)) : join(FIXTURES, f.src);
      const dest = join(root, basename(src));
      cpSync(src, dest, { recursive: true });
      const path = f.prefix ? join(dest, f.prefix) : dest;
      return { root, path, dir: statSync(src).isDirectory() ? dest : root };
    };
    for (const f of FIXTURE_LIST) {
      const { root, path } = place(f);
      cases.push({ id: id++, reader: f.reader, path, root, options: f.options, what: 'unmutated', fixture: f.src, baseline: true });
      const targets = f.targets ?? [basename(f.src)];
      for (const cls of [...RANDOM_CLASSES, ...FIXED_CLASSES]) {
        const n = RANDOM_CLASSES.includes(cls) ? SEEDS_PER_CLASS : 1;
        for (let k = 0; k < n; k++) {
          const target = targets[Math.floor(rand() * targets.length)];
          const p = place(f);
          const file = f.targets ? join(p.dir, target) : p.path;
          const other = f.reader === 'extxyz' ? otherForXyz : otherText;
          const m = mutate(readFileSync(file), target, cls, rand, other, f.reader === 'table');
          if (!m) { rmSync(p.root, { recursive: true }); continue; }
          if (m.bytes === 'folder') { rmSync(file); mkdirSync(file); } else writeFileSync(file, m.bytes);
          cases.push({ id: id++, reader: f.reader, path: p.path, root: p.root, options: f.options, what: `${cls}: ${target}: ${m.what}`, fixture: f.src });
        }
      }
    }
    const results = await runCases(cases, 2);
    const baseline = new Map<string, string>();
    const failures: string[] = [];
    for (const c of cases.filter((x) => x.baseline)) {
      const r = results.get(c.id) as Outcome | undefined;
      if (!r || !r.ok || !r.digest) failures.push(`${c.fixture}: the unmutated file does not read: ${JSON.stringify(r)}`);
      else baseline.set(c.fixture, r.digest);
    }
    const counts = { unchanged: 0, refused: 0 };
    for (const c of cases.filter((x) => !x.baseline)) {
      const r = results.get(c.id);
      const tag = `${c.fixture} [${c.what}]`;
      if (!r) failures.push(`${tag}: no answer`);
      else if ('hang' in r && r.hang) failures.push(`${tag}: no answer within ${CASE_TIMEOUT_S} s (hang)`);
      else if ('crash' in r && r.crash) failures.push(`${tag}: the reading process crashed (${r.crash})`);
      else {
        const o = r as Outcome;
        const base = baseline.get(c.fixture);
        if (o.ok) {
          if (base !== undefined && o.digest === base) counts.unchanged++;
          else failures.push(`${tag}: read without an error, but the values differ from the unmutated file's (silent change)`);
        } else if (!o.readError) failures.push(`${tag}: ${o.name}, not a ReadError: ${o.message}`);
        else if (!o.message?.includes(c.root)) failures.push(`${tag}: the error does not name the file: ${o.message}`);
        else counts.refused++;
      }
    }
    const total = cases.length - baseline.size;
    assert.ok(total >= 150, `only ${total} mutated cases were built`);
    assert.deepEqual(failures, [], `${failures.length} of ${total} mutated reads failed (${counts.unchanged} unchanged, ${counts.refused} refused with a ReadError):\n${failures.join('\n')}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
