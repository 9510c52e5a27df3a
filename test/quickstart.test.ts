/**
 * The quickstart notebook, executed by the real tslab kernel through nbclient (from .venv):
 * no error output, deltak's MIME type present, and the property sweep, thresholds and Table 1
 * it shows equal to those kernel-lib computes here from the same raw single points.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { thresholdRows, madSummary } from '../kernel-lib/src/core/convergence.ts';
import { SWEEP_MIME, type SweepPayload } from '../kernel-lib/src/display/bundle.ts';
import { ROOT, bundledSweep, referenceCacheSweep } from './reference-data.ts';

const PY = join(ROOT, '.venv', 'bin', 'python');

interface Output { output_type: string; name?: string; text?: string | string[]; data?: Record<string, unknown>; ename?: string; evalue?: string }
interface Cell { cell_type: string; source: string | string[]; outputs?: Output[] }

function execute(nbPath: string): Cell[] {
  const out = join(mkdtempSync(join(tmpdir(), 'deltak-nb-')), 'out.ipynb');
  execFileSync(PY, [join(ROOT, 'test', 'run_notebook.py'), nbPath, out, '--timeout', '300'], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, JUPYTER_PATH: join(ROOT, '.venv', 'share', 'jupyter') },
  });
  return (JSON.parse(readFileSync(out, 'utf8')) as { cells: Cell[] }).cells;
}

test('01-quickstart runs in the tslab kernel and shows kernel-lib’s thresholds', { timeout: 600_000 }, () => {
  const cells = execute(join(ROOT, 'notebooks', '01-quickstart.ipynb'));
  const outputs = cells.filter((c) => c.cell_type === 'code').flatMap((c) => c.outputs ?? []);
  const errors = outputs.filter((o) => o.output_type === 'error' || o.name === 'stderr');
  assert.deepEqual(errors.map((e) => `${e.ename ?? ''} ${e.evalue ?? ''} ${[e.text ?? ''].flat().join('')}`), [], 'no error output');
  const payloads = outputs.filter((o) => o.data && SWEEP_MIME in o.data).map((o) => o.data![SWEEP_MIME] as SweepPayload);
  assert.ok(payloads.length >= 2, `deltak MIME type shown (got ${payloads.length})`);
  for (const o of outputs.filter((o) => o.data && SWEEP_MIME in o.data)) {
    assert.ok('application/vnd.vegalite.v5+json' in o.data! && 'text/plain' in o.data!, 'fallback and text present');
  }
  const sweep = bundledSweep();
  // one EOS per Δk from 7 volumes on one mesh, and E_vac, at every Δk of the raw data
  assert.equal(sweep.numRows(), 8 * 5);
  const expected = thresholdRows(sweep, { factor: 0.5 });
  const shown = payloads.find((p) => p.kind === 'thresholds');
  assert.ok(shown, 'the thresholds table is displayed');
  assert.deepEqual(shown.thresholds, expected);
  const swept = payloads.find((p) => p.kind !== 'thresholds');
  assert.ok(swept, 'the sweep is displayed');
  const values = (sweep.objects() as { property: string; dk: number; value: number }[]).map((r) => `${r.property}@${r.dk}=${r.value}`).sort();
  assert.deepEqual(swept.sweep.map((r) => `${r.property}@${r.dk}=${r.value}`).sort(), values, 'the sweep holds the properties kernel-lib computes');
  // the HTML table of Table 1 shows the same reference values
  const html = outputs.map((o) => String(o.data?.['text/html'] ?? '')).join('\n');
  const summary = madSummary(sweep).objects() as Record<string, unknown>[];
  for (const r of summary) assert.ok(html.includes(String(r.DFT)), `Table 1 cell ${r.DFT} shown`);
  // step 9: the reference dataset's Al FCC single points (its DFT cache read per stage), every DFT property at every Δk
  const refSweep = referenceCacheSweep();
  assert.equal(refSweep.numRows(), 14 * 8, 'data/al: 14 properties at 8 Δk');
  const refShown = payloads.filter((p) => p.kind !== 'thresholds').at(-1)!;
  const refValues = (refSweep.objects() as { property: string; dk: number; value: number }[]).map((r) => `${r.property}@${r.dk}=${r.value}`).sort();
  assert.deepEqual(refShown.sweep.map((r) => `${r.property}@${r.dk}=${r.value}`).sort(), refValues, 'the data/al sweep holds what kernel-lib computes');
  assert.deepEqual(refShown.thresholds, thresholdRows(refSweep, { factor: 0.5 }));
});
