/**
 * Benchmark of the sweep widget in Chromium (not a test): time from a criterion-factor slider
 * input to the finished redraw (thresholds recomputed by deltak's core, table rebuilt, chart
 * data replaced and drawn by vega, next animation frame), at the paper's scale:
 * 3 metals × 3 lattices × 15 properties × 2 methods × 8 Δk = 2160 values, synthesised.
 * Target: median ≤ 50 ms. Prints the figures recorded in bench/README.md.
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

async function main(): Promise<void> {
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
  // JupyterLab's light-theme variables the widget reads (values of JupyterLab 4's light theme)
  const theme = `:root{--jp-ui-font-color1:rgba(0,0,0,.87);--jp-ui-font-color2:rgba(0,0,0,.54);--jp-border-color1:#bdbdbd;--jp-border-color2:#e0e0e0;--jp-layout-color0:#fff;--jp-layout-color1:#fff;--jp-ui-font-family:system-ui,sans-serif;--jp-ui-font-size0:11px;--jp-ui-font-size1:13px;--jp-border-width:1px;--jp-brand-color1:#1976d2;--jp-error-color1:#d32f2f}`;
  const browser = await launchChromium();
  try {
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
      chromium: execFileSync(CHROMIUM, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(),
      cpu: `${os.cpus()[0]?.model ?? '?'} (${os.cpus().length} cores)`,
      node: process.version,
    };
    console.log('widget: slider input → finished redraw in Chromium');
    for (const [k, v] of Object.entries(result)) console.log(`  ${k}: ${v}`);
    if (result.median_ms > result.target_ms) console.log(`  ABOVE TARGET: median ${result.median_ms} ms > ${result.target_ms} ms`);
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
