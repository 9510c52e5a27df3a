/**
 * Benchmark of the extension's widgets in Chromium (not a test). Prints the figures recorded in
 * bench/README.md; `DELTAK_BENCH_WIDGET=slider,first-draw` picks the parts (default both).
 *
 * - slider: time from a criterion-factor slider input of the sweep widget to the finished redraw
 *   (thresholds recomputed by deltak's core, table rebuilt, chart data replaced and drawn by vega,
 *   next animation frame), at the paper's scale: 3 metals × 3 lattices × 15 properties ×
 *   2 methods × 8 Δk = 2160 values, synthesised. Target: median ≤ 50 ms.
 * - first-draw: the first draw of every deltak output of notebooks/02-paper-figures.ipynb, read
 *   when the benchmark runs, each on a fresh page (bench/first-draw.ts), `DELTAK_BENCH_REPEAT`
 *   times (default 5). Target: ≤ 1 s per widget.
 */
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import { sweepBundle, SWEEP_MIME } from '../kernel-lib/src/display/bundle.ts';
import type { SweepRow } from '../kernel-lib/src/core/sweep.ts';
import { seededRandom } from '../kernel-lib/src/core/random.ts';
import { launchChromium, ROOT, CHROMIUM } from '../test/browser/lab.ts';
import { execFileSync } from 'node:child_process';
import type { Browser } from 'playwright-core';
import {
  deltakOutputs, describeData, extensionRenderers, firstDrawBundle, profileFirstDraw, runFirstDraws, FIRST_DRAW_TARGET_MS, NOTEBOOK, THEME,
} from './first-draw.ts';

const METALS = ['Al', 'Cu', 'Ni'];
const LATTICES = ['fcc', 'bcc', 'hcp'];
const PROPERTIES = ['V0', 'E_coh', 'B0', 'C11', 'C12', 'C13', 'C33', 'C44', 'C66', 'B', 'G', 'E', 'nu', 'E_vac', 'E_Oh'];
const DKS = [0.09, 0.12, 0.18, 0.24, 0.3, 0.36, 0.66, 0.96];
const METHODS = ['DFT', 'MLP'];

const rng = seededRandom;

/** The synthetic paper-scale sweep: noise growing with Δk, larger for DFT than for MLP. */
export function paperScaleSweep(): SweepRow[] {
  const r = rng(20220101);
  const rows: SweepRow[] = [];
  for (const metal of METALS) for (const lattice of LATTICES) for (const property of PROPERTIES) {
    const base = 10 + 100 * r();
    for (const method of METHODS) {
      const noise = method === 'DFT' ? 0.05 : 0.01;
      for (const dk of DKS) rows.push({ metal, lattice, property, unit: 'u', method, dk, value: base * (1 + noise * dk * (r() - 0.5) * 4) });
    }
  }
  return rows;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

const chromiumVersion = (): string =>
  execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
const uptime = (): string => execFileSync('uptime', { encoding: 'utf8' }).trim();

async function slider(browser: Browser): Promise<void> {
  const rows = paperScaleSweep();
  const payload = sweepBundle(rows).data[SWEEP_MIME];
  const bundled = await build({
    entryPoints: [join(ROOT, 'bench', 'widget-page.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    logLevel: 'error',
  });
  const css = readFileSync(join(ROOT, 'extension', 'style', 'index.css'), 'utf8');
  const theme = THEME;
  {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.setContent(`<!doctype html><html><head><meta charset="utf-8"><style>${theme}${css}</style></head><body data-jp-theme-light="true"><div id="host" style="width:1100px"></div></body></html>`);
    await page.addScriptTag({ content: bundled.outputFiles[0].text });
    await page.evaluate((p) => (window as unknown as { deltakBench: { mount: (p: unknown) => Promise<void> } }).deltakBench.mount(p), payload);
    // factors along the slider, back and forth, so thresholds really change between moves
    const grid = Array.from({ length: 19 }, (_, i) => Number((0.1 + 0.05 * i).toFixed(2)));
    const factors = [...grid, ...grid.slice().reverse(), ...grid, ...grid.slice().reverse()].filter((f, i, a) => i === 0 || f !== a[i - 1]);
    type Sample = { factor: number; total: number; compute: number; draw: number };
    const run = (fs: number[]): Promise<Sample[]> =>
      page.evaluate((fs) => (window as unknown as { deltakBench: { run: (f: number[]) => Promise<Sample[]> } }).deltakBench.run(fs), fs);
    await run(grid.slice(0, 8)); // warm-up (JIT, vega's first updates)
    const samples = await run(factors);
    if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
    const cells = await page.locator('.deltak-chart svg .mark-group.role-scope.cell > g').count();
    const total = samples.map((s) => s.total);
    const result = {
      scale: `${METALS.length} metals × ${LATTICES.length} lattices × ${PROPERTIES.length} properties × ${METHODS.length} methods × ${DKS.length} Δk = ${rows.length} values`,
      moves: samples.length,
      median_ms: Number(median(total).toFixed(1)),
      p90_ms: Number(pct(total, 0.9).toFixed(1)),
      max_ms: Number(Math.max(...total).toFixed(1)),
      median_compute_ms: Number(median(samples.map((s) => s.compute)).toFixed(1)),
      median_draw_ms: Number(median(samples.map((s) => s.draw)).toFixed(1)),
      target_ms: 50,
      facet_panels_drawn: cells,
      chromium: chromiumVersion(),
      cpu: `${os.cpus()[0]?.model ?? '?'} (${os.cpus().length} cores)`,
      node: process.version,
    };
    console.log('widget: slider input → finished redraw in Chromium');
    for (const [k, v] of Object.entries(result)) console.log(`  ${k}: ${v}`);
    if (result.median_ms > result.target_ms) console.log(`  ABOVE TARGET: median ${result.median_ms} ms > ${result.target_ms} ms`);
    await page.context().close();
  }
}

/** Width of the output area the first draws go into, px (a notebook in a 1280 px window). */
const OUTPUT_WIDTH = Number(process.env.DELTAK_BENCH_WIDTH ?? 1100);

async function firstDraw(browser: Browser): Promise<void> {
  const repeat = Math.max(1, Number(process.env.DELTAK_BENCH_REPEAT ?? 5));
  const load0 = uptime();
  const outputs = deltakOutputs(join(ROOT, NOTEBOOK));
  const { code, packages } = await firstDrawBundle();
  const renderers = await extensionRenderers(browser, code);
  const results = await runFirstDraws(browser, outputs, code, repeat, OUTPUT_WIDTH);
  const load1 = uptime();
  const ms = (x: number): string => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${Math.round(x)} ms`);

  console.log(`widget: first draw of ${NOTEBOOK}'s deltak outputs in Chromium (fresh page each, ${repeat} rounds, output area ${OUTPUT_WIDTH} px)`);
  console.log('| widget (MIME type) | output | data | median | max | target ≤ 1 s | charts in the page at (ms, median run), chart width, marks, table rows |');
  console.log('|---|---|---|---|---|---|---|');
  const noRenderer = new Set<string>();
  for (const r of results) {
    const o = r.output;
    const where = `cell ${o.cell + 1}, In [${o.executionCount ?? ' '}], output ${o.output + 1}`;
    if (r.mimeType === null) {
      o.deltakTypes.forEach((t) => noRenderer.add(t));
      console.log(`| ${o.deltakTypes.join(', ')} | ${where} | ${describeData(o.stored.data[o.deltakTypes[0]])} | – | – | no renderer | |`);
      continue;
    }
    const totals = r.draws.map((d) => d.total);
    const med = median(totals);
    const max = Math.max(...totals);
    const name = r.mimeType.slice('application/vnd.deltak.'.length).replace(/\+json$/, '');
    let data = describeData(o.stored.data[r.mimeType]);
    if (r.mimeType.includes('.chart.')) data += `; spec ${describeData(o.stored.data['application/vnd.vegalite.v5+json']).split(' (')[0]}`;
    const errors = [...new Set(r.draws.map((d) => d.error).filter(Boolean))];
    const last = [...r.draws].sort((a, b) => a.total - b.total)[(r.draws.length - 1) >> 1];
    const verdict = errors.length ? `NOT drawn: ${errors.join('; ')}` : max <= FIRST_DRAW_TARGET_MS ? 'target met' : med <= FIRST_DRAW_TARGET_MS ? 'NOT met (max)' : 'NOT met';
    console.log(`| ${name} | ${where} | ${data} | ${ms(med)} | ${ms(max)} | ${verdict} | ${last.chartsAt.map((t) => Math.round(t)).join(' + ')}, ${last.chartWidth} px, ${last.marks}, ${last.tableRows} |`);
  }
  for (const r of results) {
    if (r.mimeType === null) continue;
    const others = r.output.deltakTypes.filter((t) => t !== r.mimeType && !renderers.some((x) => x.mimeType === t));
    others.forEach((t) => noRenderer.add(t));
  }
  const renderModel = results.flatMap((r) => r.draws.map((d) => d.total - d.renderModel));
  const builds = [...new Set(results.flatMap((r) => r.draws.map((d) => d.builds)))].sort();
  console.log(`  outputs with a deltak MIME type: ${outputs.length}; no renderer in the extension for: ${noRenderer.size ? [...noRenderer].join(', ') : 'none'}`);
  console.log(`  extension's renderers: ${renderers.map((r) => `${r.mimeType} (rank ${r.rank})`).join(', ')}`);
  console.log(`  time after renderModel resolved (later drawings, last frame): median ${ms(median(renderModel))}`);
  console.log(`  charts built per first draw: ${builds.join(', ')} (more than 1: a chart built before the output area's width was known, or again after it)`);
  console.log(`  bundle (${Math.round(code.length / 1024)} kB, minified) run on each fresh page before the timer: median ${ms(median(results.flatMap((r) => r.bundleLoad)))}`);
  console.log(`  bundled: ${Object.entries(packages).map(([k, v]) => `${k} ${v.join(' + ')}`).join(', ')}`);
  console.log(`  ${chromiumVersion()}, node ${process.version}, ${os.cpus()[0]?.model ?? '?'} (${os.cpus().length} cores)`);
  console.log(`  uptime before: ${load0}`);
  console.log(`  uptime after:  ${load1}`);

  // where the time goes: a profiled draw of each widget above the target (every widget with
  // DELTAK_BENCH_PROFILE=1), unminified so the profile names functions and packages
  const all = process.env.DELTAK_BENCH_PROFILE === '1';
  const slow = results.filter((r) => r.mimeType !== null && (all || Math.max(...r.draws.map((d) => d.total)) > FIRST_DRAW_TARGET_MS));
  if (!slow.length) return;
  const plain = await firstDrawBundle(false);
  for (const r of slow) {
    const p = await profileFirstDraw(browser, r.output, plain.code, OUTPUT_WIDTH);
    const o = r.output;
    console.log(`  profile of ${r.mimeType} (cell ${o.cell + 1}, output ${o.output + 1}): ${ms(p.total)} under the profiler; self time by source:`);
    console.log(`    ${p.bySource.slice(0, 10).map((s) => `${s.source} ${ms(s.ms)}`).join(', ')}`);
    const group = (source: string): string =>
      source === 'vega-lite' ? 'vega-lite (compile)'
        : /^(vega|d3)-|^vega$/.test(source) ? 'vega (parse, dataflow, render)'
          : /^(extension|kernel-lib)\//.test(source) ? 'deltak (extension, kernel-lib)'
            : source === '((idle))' ? 'idle' : 'browser (GC, layout, text measuring, DOM) and other';
    const groups = new Map<string, number>();
    for (const s of p.bySource) groups.set(group(s.source), (groups.get(group(s.source)) ?? 0) + s.ms);
    const sampled = p.bySource.reduce((a, s) => a + s.ms, 0);
    console.log(`    grouped (of ${ms(sampled)} sampled): ${[...groups].sort((a, b) => b[1] - a[1]).map(([g, t]) => `${g} ${ms(t)} (${Math.round((100 * t) / sampled)} %)`).join(', ')}`);
    console.log(`    top functions: ${p.byFunction.slice(0, 10).map((f) => `${f.name} (${f.source}) ${ms(f.ms)}`).join(', ')}`);
  }
}

async function main(): Promise<void> {
  const parts = (process.env.DELTAK_BENCH_WIDGET ?? 'slider,first-draw').split(',').map((s) => s.trim());
  const browser = await launchChromium();
  try {
    if (parts.includes('slider')) await slider(browser);
    if (parts.includes('first-draw')) await firstDraw(browser);
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
