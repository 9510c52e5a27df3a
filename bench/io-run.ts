/**
 * Time one deltak reader on one file, in its own process (used by io.bench.ts).
 * Usage: node --import tsx bench/io-run.ts KIND PATH   (KIND: outcar | vasprun | deepmd)
 * Prints JSON: seconds (wall time of the read call only), cpu_seconds (user + system CPU time of
 * the call), frames, peak_rss_mb, base_rss_mb, kept_mb
 * (bytes of the per-frame arrays the table keeps: positions, forces, cell, virial; the stress is
 * computed from the virial when read).
 */
import { readOutcar, readVasprun, readDeepmd } from '../kernel-lib/src/io/index.js';

const [kind, path] = process.argv.slice(2);
const rss = (): number => process.resourceUsage().maxRSS / 1024;
const base = rss();
const c0 = process.cpuUsage();
const t0 = performance.now();
const t = kind === 'outcar' ? readOutcar(path) : kind === 'vasprun' ? readVasprun(path) : readDeepmd(path);
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(c0);
const peak = rss(); // before the loop below makes per-row views
let kept = 0;
const seen = new Set<ArrayBufferLike>();
for (const col of ['positions', 'forces', 'cell', 'virial']) {
  const arr = t.array(col) as ArrayLike<ArrayBufferView | null>;
  for (let i = 0; i < arr.length; i++) {
    const a = arr[i];
    if (!a) continue;
    // views of one buffer count once, at the buffer's size
    if (a.byteLength === a.buffer.byteLength) kept += a.byteLength;
    else if (!seen.has(a.buffer)) {
      seen.add(a.buffer);
      kept += a.buffer.byteLength;
    }
  }
}
console.log(JSON.stringify({ seconds, cpu_seconds: (cpu.user + cpu.system) / 1e6, frames: t.numRows(), peak_rss_mb: peak, base_rss_mb: base, kept_mb: kept / 2 ** 20 }));
