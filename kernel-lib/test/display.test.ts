import { test } from 'node:test';
import assert from 'node:assert/strict';
import { thresholds } from '../src/core/convergence.ts';
import type { SweepRow } from '../src/core/sweep.ts';
import { SWEEP_MIME, VEGALITE_MIME, sweepBundle, type MimeBundle, type SweepPayload } from '../src/display/bundle.ts';
import { setDisplayWriter, kernelWriter, newDisplay } from '../src/display/kernel.ts';
import { show } from '../src/display/index.ts';
import { formatTable } from '../src/display/text.ts';
import { columnFormatter, formatPercent } from '../src/charts/format.ts';

const sweep: SweepRow[] = [0.09, 0.12, 0.18, 0.24].map((dk, i) => ({
  metal: 'Al', lattice: 'fcc', property: 'B0', unit: 'GPa', method: 'DFT', dk, value: [1, 1, 2, 3][i],
}));

test('a sweep bundle carries deltak’s type, a vega-lite v5 fallback and text/plain', () => {
  const b = sweepBundle(sweep, { factor: 0.5 });
  assert.deepEqual(Object.keys(b.data).sort(), [SWEEP_MIME, 'text/plain', VEGALITE_MIME].sort());
  const p = b.data[SWEEP_MIME] as SweepPayload;
  assert.equal(p.version, 1);
  assert.equal(p.sweep.length, 4);
  assert.equal(p.options.factor, 0.5);
  assert.equal(p.thresholds[0].threshold_dk, 0.18);
  const spec = b.data[VEGALITE_MIME] as Record<string, unknown>;
  assert.match(String(spec.$schema), /vega-lite\/v5/);
  const text = String(b.data['text/plain']);
  assert.match(text, /threshold_dk/);
  assert.match(text, /0\.18/);
  // the whole bundle is plain JSON
  assert.deepEqual(JSON.parse(JSON.stringify(b)), b);
});

test('show() sends one display_data; a thresholds table is shown with its sweep and options', () => {
  const sent: [MimeBundle, boolean][] = [];
  setDisplayWriter((c, u) => sent.push([c, u]));
  try {
    show(thresholds(sweep, { factor: 0.25 }));
    show(sweep);
  } finally {
    setDisplayWriter(undefined);
  }
  assert.equal(sent.length, 2);
  const p0 = sent[0][0].data[SWEEP_MIME] as SweepPayload;
  assert.equal(p0.kind, 'thresholds');
  assert.equal(p0.options.factor, 0.25);
  assert.equal(p0.sweep.length, 4);
  assert.equal(sent[0][1], false);
  assert.equal((sent[1][0].data[SWEEP_MIME] as SweepPayload).kind, 'sweep');
});

test('newDisplay: first show is display_data, later ones update the same display id', () => {
  const sent: [MimeBundle, boolean][] = [];
  setDisplayWriter((c, u) => sent.push([c, u]));
  try {
    const d = newDisplay();
    d.text('read 1/3 files');
    d.text('read 3/3 files');
    assert.equal(sent[0][0].transient?.display_id, d.id);
    assert.equal(sent[1][0].transient?.display_id, d.id);
  } finally {
    setDisplayWriter(undefined);
  }
  assert.deepEqual(sent.map((s) => s[1]), [false, true]);
  assert.equal(sent[1][0].data['text/plain'], 'read 3/3 files');
});

test('outside a tslab kernel, displaying is a clear error', () => {
  assert.throws(() => kernelWriter(), /not running inside a tslab kernel/);
});

test('formatTable states truncation instead of dropping rows silently', () => {
  const rows = Array.from({ length: 5 }, (_, i) => ({ i, x: i / 3 }));
  const t = formatTable(rows, { maxRows: 2 });
  assert.match(t, /… 3 more rows \(5 in all\)/);
  assert.match(t, /0\.3333$/m);
});

test('formatTable keeps the project’s one number format: digits per column, counts whole, shares as %, Δk as sampled', () => {
  const rows = [
    { dk: 0.12, n_kpoints: 30375, label_noise: 0.000762467, rmse: 0.0197279, percent: 71.4286, threshold_dk: null },
    { dk: 0.3, n_kpoints: 118594, label_noise: 0.0023, rmse: 16.21206051, percent: 100, threshold_dk: 0.24 },
  ];
  const t = formatTable(rows);
  const [head, , first, second] = t.split('\n');
  assert.deepEqual(head.trim().split(/\s+/), ['dk', 'n_kpoints', 'label_noise', 'rmse', 'percent', 'threshold_dk']);
  // Δk as sampled; counts whole; one notation per column (exponents when a value is below 1e-3), 4 digits; shares as %
  assert.deepEqual(first.trim().split(/\s{2,}/), ['0.12', '30375', '7.625e-4', '0.01973', '71.4 %', '—']);
  assert.deepEqual(second.trim().split(/\s{2,}/), ['0.3', '118594', '2.3e-3', '16.21', '100.0 %', '0.24']);
  // the same numbers as the widget's tables format them
  assert.equal(columnFormatter([0.0197279, 16.21206051])(16.21206051), '16.21');
  assert.equal(formatPercent(71.4286), '71.4 %');
});

test('the text twin of a table and of a comparison follow the same format', async () => {
  const { tableBundle } = await import('../src/display/table.ts');
  const { comparisonBundle } = await import('../src/display/analyses.ts');
  const b = tableBundle(thresholds(sweep, { factor: 0.5 }));
  assert.match(String(b.data['text/plain']), /\b0\.18\b/);
  assert.match(String(b.data['text/html']), /<td>0\.18<\/td>/);
  const pair = { metal: 'Al', lattice: 'fcc', property: 'B0', structure: 'pristine', sem: 'V-RMSE', mlp_dk: 0.3, sem_dk: 0.24, outcome: 'conservative' };
  const rec = { dk: 0.18, bound: 0.24, rule: 'min' as const, sems: ['V-RMSE' as const], limitedBy: 'Al fcc pristine V-RMSE', reason: 'Δk = 0.18 Å⁻¹ because.', cost: null };
  const text = String(comparisonBundle([pair, { ...pair, property: 'V0', mlp_dk: 0.24, outcome: 'exact' }, { ...pair, property: 'E0', mlp_dk: 0.18, outcome: 'mismatch' }] as never, rec).data['text/plain']);
  assert.match(text, /33\.3 %/, 'shares of the summary as percentages');
});

test('showMarkdown renders an answer with its words as text/plain', async () => {
  const { showMarkdown, markdownText } = await import('../src/display/index.ts');
  const sent: MimeBundle[] = [];
  setDisplayWriter((c) => sent.push(c));
  try {
    showMarkdown('**Recommended Δk: 0.18 Å⁻¹.** 7.8× fewer k-points than at `0.09` Å⁻¹ (*full grids*).');
  } finally {
    setDisplayWriter(undefined);
  }
  assert.deepEqual(Object.keys(sent[0].data).sort(), ['text/markdown', 'text/plain']);
  assert.equal(sent[0].data['text/plain'], 'Recommended Δk: 0.18 Å⁻¹. 7.8× fewer k-points than at 0.09 Å⁻¹ (full grids).');
  assert.equal(markdownText('- a\n- 2×2×2 cell, Δk_T^SEM'), '- a\n- 2×2×2 cell, Δk_T^SEM');
  assert.throws(() => showMarkdown(''), /non-empty/);
});

test('shownPath: relative to the notebook’s folder inside the same tree, as given elsewhere', async () => {
  const { shownPath } = await import('../src/display/paths.ts');
  assert.equal(shownPath('/work/x/data/al/manifest.json', '/work/x/notebooks'), '../data/al/manifest.json');
  assert.equal(shownPath('/work/x/notebooks', '/work/x/notebooks'), '.');
  assert.equal(shownPath('/tmp/deltak-vasp-1/Al', '/work/x/notebooks'), '/tmp/deltak-vasp-1/Al');
});

test('the fallback compiles with vega-lite 5.6.1, the version JupyterLab 4.5 renders with', async () => {
  const vl = await import('vega-lite');
  const spec = sweepBundle(
    [...sweep, ...sweep.map((r) => ({ ...r, method: 'MLP', value: r.value * 1.01 }))],
    { factor: 0.5 },
  ).data[VEGALITE_MIME];
  const { spec: vg } = vl.compile(spec as Parameters<typeof vl.compile>[0]);
  assert.ok(Array.isArray(vg.marks) && vg.marks.length > 0);
  const names = JSON.stringify(vg);
  assert.match(names, /Δk \(Å⁻¹\)/);
});

test('tables render as escaped HTML with units in the caption', async () => {
  const { tableBundle } = await import('../src/display/table.ts');
  const t = thresholds([...sweep.map((r) => ({ ...r, property: '<img src=x onerror=alert(1)>' }))]);
  const b = tableBundle(t);
  const html = String(b.data['text/html']);
  assert.ok(!html.includes('<img'), 'property names are escaped');
  assert.match(html, /&lt;img src=x/);
  assert.match(html, /threshold_dk: Å⁻¹/);
});

test('showChart sends deltak’s chart type beside the vega-lite v5 chart, with its description as text', async () => {
  const { showChart } = await import('../src/display/index.ts');
  const { rmseChart } = await import('../src/charts/figures.ts');
  const sent: MimeBundle[] = [];
  setDisplayWriter((c) => sent.push(c));
  try {
    showChart(rmseChart([{ dk: 0.12, dataset: 'test', quantity: 'force', rmse: 0.05 }]));
  } finally {
    setDisplayWriter(undefined);
  }
  assert.equal(sent.length, 1);
  const { CHART_MIME } = await import('../src/display/payloads.ts');
  assert.deepEqual(Object.keys(sent[0].data).sort(), [CHART_MIME, 'text/plain', VEGALITE_MIME].sort(), 'never a bare vega-lite bundle (JupyterLab adds a PNG to those)');
  assert.deepEqual(sent[0].data[CHART_MIME], { version: 1, title: 'deltak: MLP RMSE against the Δk of its training data' });
  assert.equal((sent[0].data[VEGALITE_MIME] as { $schema?: string }).$schema, 'https://vega.github.io/schema/vega-lite/v5.json');
  assert.match(String(sent[0].data['text/plain']), /RMSE against the Δk/);
});

test('escapeMarkdown: names from data render as written; markdownText gives them back', async () => {
  const { escapeMarkdown, markdownText } = await import('../src/display/markdown.js');
  for (const t of ['Al fcc: 0.18 Å⁻¹ (f = 0.5)', '*a_b* [x](y) <b> `c` 1-2 #3 a|b \\ end **x**', 'E_Oh', 'plain words']) {
    assert.equal(markdownText(escapeMarkdown(t)), t, t);
  }
  assert.equal(escapeMarkdown('E_Oh <1>'), 'E\\_Oh \\<1\\>');
  assert.equal(markdownText('**Recommendation:** `0.18` *Å⁻¹*'), 'Recommendation: 0.18 Å⁻¹');
});
