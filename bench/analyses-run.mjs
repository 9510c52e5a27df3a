/**
 * Time one deltak analysis in its own process (used by analyses.bench.ts).
 * Usage: node bench/analyses-run.mjs CORE TASK DIR RESULT WARM
 *   CORE: deltak's core bundled as plain JavaScript by analyses.bench.ts (no TypeScript loader in
 *   the process being measured); TASK: thresholds | madSummary | semTable; DIR: the input folder;
 *   RESULT: where to write a sample of the output (JSON); WARM: how many more calls to time.
 * The input is built as a user has it before the call: the sweep as an arquero table with plain
 * array columns (what readTable and openDataset give), the single points as SemFrame objects whose
 * positions, forces and virials are Float64Array views of one buffer each (as the readers keep them).
 * Prints JSON: seconds (wall time of the first call), warm_seconds (least of the WARM later calls),
 * cpu_seconds (user + system CPU time of the first call), warm_cpu_seconds (least of the later calls), peak_rss_mb
 * (the peak resident memory during the first call: the peak is reset to the current value just
 * before it, through /proc/self/clear_refs), base_rss_mb (resident memory just before it), held_mb (growth of ArrayBuffers + JS heap over the first call, result included), rows.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [core, task, dir, result, warmArg] = process.argv.slice(2);
const dk = await import(pathToFileURL(core).href);
const warm = Number(warmArg);
/** Resident memory now and its peak (MB); resetPeak() makes the peak the current value (Linux). */
const status = (key) => Number(/\d+/.exec(readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith(key)))[0]) / 1024;
const resetPeak = () => writeFileSync('/proc/self/clear_refs', '5');
const f64 = (c) => { const b = readFileSync(join(dir, `${c}.f64`)); return new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8); };
const i32 = (c) => { const b = readFileSync(join(dir, `${c}.i32`)); return new Int32Array(b.buffer, b.byteOffset, b.byteLength / 4); };
const names = JSON.parse(readFileSync(join(dir, 'names.json'), 'utf8'));

function sweepInput() {
  const cols = {};
  for (const c of ['metal', 'lattice', 'property', 'unit', 'method']) cols[c] = Array.from(i32(c), (k) => names[c][k]);
  for (const c of ['dk', 'value']) cols[c] = Array.from(f64(c));
  return dk.table(cols);
}

function framesInput() {
  const n = names.natoms;
  const [pos, frc, vir, en, dks, group, config] = [f64('positions'), f64('forces'), f64('virial'), f64('energy'), f64('dk'), i32('group'), i32('config')];
  const frames = new Array(dks.length);
  for (let i = 0; i < dks.length; i++) {
    const g = names.groups[group[i]];
    frames[i] = {
      id: `c${config[i]}`, dk: dks[i], species: new Array(n).fill(names.species), energy: en[i],
      positions: pos.subarray(3 * n * i, 3 * n * (i + 1)), forces: frc.subarray(3 * n * i, 3 * n * (i + 1)), virial: vir.subarray(9 * i, 9 * (i + 1)),
      metal: g.metal, lattice: g.lattice, structure: g.structure,
    };
  }
  return frames;
}

const input = task === 'semTable' ? framesInput() : sweepInput();
const fn = task === 'semTable' ? dk.semTable : task === 'thresholds' ? dk.thresholds : dk.madSummary;
const rows = task === 'semTable' ? input.length : input.numRows();

const m0 = process.memoryUsage();
resetPeak();
const base = status('VmRSS:');
const c0 = process.cpuUsage();
const t0 = performance.now();
let out = fn(input);
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(c0);
const peak = status('VmHWM:');
const m1 = process.memoryUsage();
const held = (m1.arrayBuffers - m0.arrayBuffers + m1.heapUsed - m0.heapUsed) / 2 ** 20;
let best = Infinity, bestCpu = Infinity;
for (let k = 0; k < warm; k++) {
  const c = process.cpuUsage();
  const t = performance.now();
  out = fn(input);
  best = Math.min(best, (performance.now() - t) / 1000);
  const u = process.cpuUsage(c);
  bestCpu = Math.min(bestCpu, (u.user + u.system) / 1e6);
}

/** Rows spread over the table (the same indices as the peer's side). */
function pick(t, n) {
  const count = t.numRows();
  const idx = count > n ? [...new Set(Array.from({ length: n }, (_, i) => Math.floor((i * (count - 1)) / (n - 1) + 0.5)))] : Array.from({ length: count }, (_, i) => i);
  return { rows: count, columns: t.columnNames(), sample: idx.map((i) => t.object(i)) };
}
const sample = pick(out, task === 'semTable' ? 1e9 : 40);
if (task === 'thresholds') {
  sample.null_thresholds = out.array('threshold_dk').filter((x) => x === null).length;
  sample.excluded = out.array('n_excluded').reduce((s, x) => s + x, 0);
}
writeFileSync(result, JSON.stringify(sample));
console.log(JSON.stringify({ seconds, warm_seconds: warm ? best : null, cpu_seconds: (cpu.user + cpu.system) / 1e6, warm_cpu_seconds: warm ? bestCpu : null, peak_rss_mb: peak, base_rss_mb: base, held_mb: held, rows }));
