/**
 * Child process of test/fuzz.test.ts: reads the cases it is given on stdin (one JSON object per
 * line: id, reader, path, options) with deltak's readers and prints one JSON line per case:
 * `{id, ok: true, digest}` with a sha256 of every value read, or `{id, ok: false, name,
 * message, file}` for an error. `root` (the case's own temporary folder) is replaced by `<root>`
 * in every string, so copies of one fixture in different folders give the same digest.
 */
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { ColumnTable } from 'arquero';
import { ReadError } from '../../kernel-lib/src/io/errors.ts';
import { readOutcar } from '../../kernel-lib/src/io/vasp/outcar.ts';
import { readVasprun } from '../../kernel-lib/src/io/vasp/vasprun.ts';
import { readExtxyz } from '../../kernel-lib/src/io/extxyz.ts';
import { readDeepmd } from '../../kernel-lib/src/io/deepmd/deepmd.ts';
import { readDpTest } from '../../kernel-lib/src/io/deepmd/dptest.ts';
import { readDpdataJson, readDpgenAutotest } from '../../kernel-lib/src/io/deepmd/dpgen.ts';
import { readTable } from '../../kernel-lib/src/io/table.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Reader = (path: string, options: any) => ColumnTable;
export const READERS: Record<string, Reader> = {
  outcar: readOutcar,
  vasprun: readVasprun,
  extxyz: readExtxyz,
  deepmd: readDeepmd,
  dptest: (p) => readDpTest(p),
  dpdata: readDpdataJson,
  autotest: readDpgenAutotest,
  table: readTable,
};

/** sha256 of the table's columns, typed arrays as plain arrays, `root` replaced by `<root>`. */
export function digestOf(t: ColumnTable, root: string): string {
  const h = createHash('sha256');
  const norm = (v: unknown): unknown => {
    if (typeof v === 'string') return v.split(root).join('<root>');
    if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? 0 : v === Infinity ? 'Inf' : v === -Infinity ? '-Inf' : v;
    if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>, norm);
    if (Array.isArray(v)) return v.map(norm);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, norm(x)]));
    return v ?? null;
  };
  for (const name of t.columnNames()) {
    h.update(name);
    const col = t.array(name) as ArrayLike<unknown>;
    for (let i = 0; i < col.length; i++) h.update(JSON.stringify(norm(col[i])) + '\n');
  }
  return h.digest('hex');
}

interface Case { id: number; reader: string; path: string; root: string; options?: Record<string, unknown> }

const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  if (!line.trim()) return;
  const c = JSON.parse(line) as Case;
  let out: Record<string, unknown>;
  try {
    const t = READERS[c.reader](c.path, c.options ?? {});
    out = { id: c.id, ok: true, digest: digestOf(t, c.root), rows: t.numRows() };
  } catch (e) {
    const err = e as Error;
    out = { id: c.id, ok: false, name: err?.name ?? typeof e, message: String(err?.message ?? e).slice(0, 600), file: e instanceof ReadError ? e.file : undefined, readError: e instanceof ReadError };
  }
  process.stdout.write(JSON.stringify(out) + '\n');
});
