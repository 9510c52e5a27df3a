/**
 * Time one deltak reader on one file, in its own process (used by io.bench.ts).
 * Usage: node bench/io-run.mjs KIND PATH   (KIND: outcar | vasprun | extxyz | deepmd | bare)
 * Plain JavaScript on the compiled package (kernel-lib/dist, built by scripts/setup.sh), as the
 * tslab kernel loads it: no TypeScript loader in the process being measured.
 * KIND bare: no deltak, the floor for any Node reader of a DeePMD npy set: the data bytes of every
 * .npy file of PATH/set.000 read into a fresh ArrayBuffer each (one readSync per file, no header
 * parsing, no check).
 * Prints JSON: seconds (wall time of the read call only), cpu_seconds (user + system CPU time of
 * the call), frames, peak_rss_mb, base_rss_mb, kept_mb
 * (bytes of the per-frame arrays the table keeps: positions, forces, cell, virial; the stress is
 * computed from the virial when read), held_mb (growth of ArrayBuffer memory plus JS heap over the
 * call: what the process holds, as opposed to RSS).
 */
import { closeSync, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { readOutcar, readVasprun, readExtxyz, readDeepmd } from '../kernel-lib/dist/io/index.js';

const [kind, path] = process.argv.slice(2);
const rss = () => process.resourceUsage().maxRSS / 1024;

/** Read the data of every .npy file in dir/set.000 into fresh buffers; returns the frames of coord.npy. */
function bareRead(dir) {
  const set = join(dir, 'set.000');
  let frames = 0;
  let bytes = 0;
  for (const f of readdirSync(set).filter((x) => x.endsWith('.npy'))) {
    const fd = openSync(join(set, f), 'r');
    const pre = Buffer.alloc(10);
    readSync(fd, pre, 0, 10, 0);
    const start = 10 + pre.readUInt16LE(8); // version 1.0 header, as numpy.save writes it
    const size = fstatSync(fd).size - start;
    const u8 = new Uint8Array(new ArrayBuffer(size));
    for (let off = 0; off < size; ) off += readSync(fd, u8, off, Math.min(size - off, 0x7ffff000), start + off);
    closeSync(fd);
    if (f === 'coord.npy') frames = size / (8 * 3 * 32);
    bytes += size;
  }
  return { numRows: () => frames, bytes };
}

if (kind === 'bare') {
  const base = rss();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = bareRead(path);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  console.log(JSON.stringify({ seconds, cpu_seconds: (cpu.user + cpu.system) / 1e6, frames: r.numRows(), peak_rss_mb: rss(), base_rss_mb: base, kept_mb: r.bytes / 2 ** 20 }));
  process.exit(0);
}

const m0 = process.memoryUsage();
const base = rss();
const c0 = process.cpuUsage();
const t0 = performance.now();
const t = kind === 'outcar' ? readOutcar(path) : kind === 'vasprun' ? readVasprun(path) : kind === 'extxyz' ? readExtxyz(path) : readDeepmd(path);
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(c0);
const peak = rss(); // before the loop below makes per-row views
const m1 = process.memoryUsage();
const held = (m1.arrayBuffers - m0.arrayBuffers + m1.heapUsed - m0.heapUsed) / 2 ** 20;
let kept = 0;
const seen = new Set();
for (const col of ['positions', 'forces', 'cell', 'virial']) {
  const arr = t.array(col);
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
console.log(JSON.stringify({ seconds, cpu_seconds: (cpu.user + cpu.system) / 1e6, frames: t.numRows(), peak_rss_mb: peak, base_rss_mb: base, kept_mb: kept / 2 ** 20, held_mb: held }));
