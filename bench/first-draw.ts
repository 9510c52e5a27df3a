/**
 * First draw of the widgets of notebooks/02-paper-figures.ipynb in Chromium (part of the widget
 * benchmark, not a test). The notebook is read when the benchmark runs: every output carrying a
 * deltak MIME type (application/vnd.deltak.*) is handed, with its stored data and metadata, to the
 * extension's renderer for it, on a fresh page (a new browser context, so a new renderer process:
 * nothing of an earlier draw is compiled or cached, except the bundle's text, which is built
 * once). Each draw is timed from the renderer call to the finished first draw (vega's view
 * rendered, the tables in the DOM) and the next animation frame. Target: ≤ 1 s per widget.
 */
import { build, type Metafile } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ROOT } from '../test/browser/lab.ts';
import type { FirstDraw, StoredOutput } from './first-draw-page.ts';

/** JupyterLab's light-theme variables the widgets read (values of JupyterLab 4's light theme). */
export const THEME = `:root{--jp-ui-font-color1:rgba(0,0,0,.87);--jp-ui-font-color2:rgba(0,0,0,.54);--jp-border-color1:#bdbdbd;--jp-border-color2:#e0e0e0;--jp-layout-color0:#fff;--jp-layout-color1:#fff;--jp-ui-font-family:system-ui,sans-serif;--jp-ui-font-size0:11px;--jp-ui-font-size1:13px;--jp-border-width:1px;--jp-brand-color1:#1976d2;--jp-error-color1:#d32f2f}`;

/** A plain page with the extension's styles and JupyterLab's theme variables, and a host of `width` px. */
export function pageHtml(width: number): string {
  const css = readFileSync(join(ROOT, 'extension', 'style', 'index.css'), 'utf8');
  return `<!doctype html><html><head><meta charset="utf-8"><style>${THEME}${css}</style></head><body data-jp-theme-light="true"><div id="host" style="width:${width}px"></div></body></html>`;
}

/** The notebook whose widgets are drawn. */
export const NOTEBOOK = join('notebooks', '02-paper-figures.ipynb');
/** Target of one first draw, ms. */
export const FIRST_DRAW_TARGET_MS = 1000;
const DELTAK_PREFIX = 'application/vnd.deltak.';

/** One output of the notebook that carries a deltak MIME type. */
export interface NotebookOutput {
  /** Index of the cell in the notebook (0-based) and its execution count. */
  cell: number;
  executionCount: number | null;
  /** Index of the output in the cell (0-based). */
  output: number;
  /** The deltak MIME types of the output. */
  deltakTypes: string[];
  stored: StoredOutput;
}

interface Cell {
  cell_type: string;
  execution_count?: number | null;
  outputs?: { output_type: string; data?: Record<string, unknown>; metadata?: Record<string, unknown> }[];
}

/**
 * The outputs of `path` that carry a deltak MIME type, as stored (untrusted: a notebook opened
 * from a checkout is not signed on this machine).
 */
export function deltakOutputs(path: string): NotebookOutput[] {
  const nb = JSON.parse(readFileSync(path, 'utf8')) as { cells: Cell[] };
  const out: NotebookOutput[] = [];
  nb.cells.forEach((c, cell) => {
    if (c.cell_type !== 'code') return;
    (c.outputs ?? []).forEach((o, output) => {
      if (o.output_type !== 'display_data' && o.output_type !== 'execute_result') return;
      const data = o.data ?? {};
      const deltakTypes = Object.keys(data).filter((k) => k.startsWith(DELTAK_PREFIX));
      if (!deltakTypes.length) return;
      out.push({ cell, executionCount: c.execution_count ?? null, output, deltakTypes, stored: { data, metadata: o.metadata ?? {}, trusted: false } });
    });
  });
  return out;
}

/** The size of what a view reads: bytes of its JSON, and the lengths of its top-level lists. */
export function describeData(value: unknown): string {
  const bytes = Buffer.byteLength(JSON.stringify(value));
  const kb = bytes >= 10240 ? `${Math.round(bytes / 1024)} kB` : `${(bytes / 1024).toFixed(1)} kB`;
  const lists = value && typeof value === 'object' && !Array.isArray(value)
    ? Object.entries(value).filter(([, v]) => Array.isArray(v) && v.length).map(([k, v]) => `${(v as unknown[]).length} ${k}`)
    : [];
  return lists.length ? `${kb} (${lists.join(', ')})` : kb;
}

/** The page bundle (minified, as JupyterLab's production build of the extension is) and the packages in it. */
export async function firstDrawBundle(minify = true): Promise<{ code: string; packages: Record<string, string[]> }> {
  const r = await build({
    entryPoints: [join(ROOT, 'bench', 'first-draw-page.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify,
    metafile: true,
    logLevel: 'error',
  });
  return { code: r.outputFiles[0].text, packages: bundledPackages(r.metafile) };
}

/** Versions of the vega packages that went into the bundle (two copies of one show as two versions). */
function bundledPackages(meta: Metafile): Record<string, string[]> {
  const dirs = new Set<string>();
  for (const input of Object.keys(meta.inputs)) {
    const m = /^(.*node_modules\/(vega|vega-lite))\//.exec(input);
    if (m) dirs.add(m[1]);
  }
  const out: Record<string, string[]> = {};
  for (const d of dirs) {
    const pkg = JSON.parse(readFileSync(join(ROOT, d, 'package.json'), 'utf8')) as { name: string; version: string };
    (out[pkg.name] ??= []).push(`${pkg.version} (${dirname(d) === 'node_modules' ? 'node_modules' : dirname(d)})`);
  }
  return out;
}

type DeltakFirstDraw = {
  render: (o: StoredOutput, profile?: boolean) => Promise<FirstDraw>;
  renderers: () => { mimeType: string; rank: number }[];
};

/** A fresh page (its own browser context) with the bundle loaded; ms the bundle took to run. */
export async function freshPage(browser: Browser, code: string, width: number): Promise<{ page: Page; load: number; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.setContent(pageHtml(width));
  const t0 = Date.now();
  await page.addScriptTag({ content: code });
  return { page, load: Date.now() - t0, errors };
}

/** Timings of one output over the repeats. */
export interface FirstDrawResult {
  output: NotebookOutput;
  mimeType: string | null;
  draws: FirstDraw[];
  bundleLoad: number[];
}

/** Draw each output `repeat` times, each on a fresh page. */
export async function runFirstDraws(browser: Browser, outputs: NotebookOutput[], code: string, repeat: number, width: number): Promise<FirstDrawResult[]> {
  const results: FirstDrawResult[] = outputs.map((output) => ({ output, mimeType: null, draws: [], bundleLoad: [] }));
  // round by round, so a change of the machine's load falls on every widget
  for (let r = 0; r < repeat; r++) {
    for (const res of results) {
      if (r > 0 && res.mimeType === null) continue; // no renderer: nothing to time
      const { page, load, errors } = await freshPage(browser, code, width);
      try {
        const d = await page.evaluate((o) => (window as unknown as { deltakFirstDraw: DeltakFirstDraw }).deltakFirstDraw.render(o), res.output.stored);
        if (errors.length) d.error ||= errors.join('; ');
        res.mimeType = d.mimeType;
        res.draws.push(d);
        res.bundleLoad.push(load);
      } finally {
        await page.context().close();
      }
    }
  }
  return results;
}

/** The extension's renderers (MIME type and rank), read from a page with the bundle. */
export async function extensionRenderers(browser: Browser, code: string): Promise<{ mimeType: string; rank: number }[]> {
  const { page } = await freshPage(browser, code, 800);
  try {
    return await page.evaluate(() => (window as unknown as { deltakFirstDraw: DeltakFirstDraw }).deltakFirstDraw.renderers());
  } finally {
    await page.context().close();
  }
}

/** Where a first draw spent its time: self time of the CPU profile by source (package or folder), ms. */
export interface ProfileSummary {
  total: number;
  bySource: { source: string; ms: number }[];
  byFunction: { name: string; source: string; ms: number }[];
}

/** The source (package, or folder of the project) of each line of an unminified esbuild bundle. */
function lineSources(code: string): (line: number) => string {
  const starts: { line: number; source: string }[] = [];
  code.split('\n').forEach((text, line) => {
    const m = /^\s*\/\/ (\S+\.(?:[cm]?js|ts|json))$/.exec(text);
    if (!m) return;
    const p = m[1];
    const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(p);
    const source = nm ? nm[1] : p.replace(/^(\.\.\/)+/, '').split('/').slice(0, 3).join('/');
    starts.push({ line, source });
  });
  return (line) => {
    let lo = 0;
    let hi = starts.length - 1;
    let found = '(page)';
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid].line <= line) {
        found = starts[mid].source;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; scriptId: string };
  children?: number[];
}

/**
 * One more first draw of `output` on a fresh page with an unminified bundle, under Chromium's CPU
 * profiler (sampling every 100 µs, from the renderer call to the end of the first draw): self time
 * by source and by function. "(program)" is the browser's own work outside JavaScript (style,
 * layout, parsing the SVG the renderer writes); "(idle)", waiting (for the next frame).
 */
export async function profileFirstDraw(browser: Browser, output: NotebookOutput, code: string, width: number): Promise<ProfileSummary> {
  const { page } = await freshPage(browser, code, width);
  try {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    type Profile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };
    const finished = new Promise<Profile>((resolve) => cdp.once('Profiler.consoleProfileFinished', (e) => resolve(e.profile as unknown as Profile)));
    const d = await page.evaluate((o) => (window as unknown as { deltakFirstDraw: DeltakFirstDraw }).deltakFirstDraw.render(o, true), output.stored);
    const profile = await finished;
    const sourceOf = lineSources(code);
    const self = new Map<number, number>();
    // a sample lasts until the next one (the first delta is from the profiler's start, not a sample)
    let at = profile.startTime;
    const times = profile.timeDeltas.map((d) => (at += d));
    profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + ((times[i + 1] ?? profile.endTime) - times[i]) / 1000));
    const bySource = new Map<string, number>();
    const byFunction = new Map<string, { name: string; source: string; ms: number }>();
    for (const n of profile.nodes) {
      const t = self.get(n.id) ?? 0;
      if (!t) continue;
      const f = n.callFrame;
      const source = f.scriptId === '0' || (!f.url && f.lineNumber < 0) ? `(${f.functionName || 'engine'})` : sourceOf(f.lineNumber);
      bySource.set(source, (bySource.get(source) ?? 0) + t);
      const key = `${f.functionName}@${source}:${f.lineNumber}`;
      const e = byFunction.get(key) ?? { name: f.functionName || '(anonymous)', source, ms: 0 };
      e.ms += t;
      byFunction.set(key, e);
    }
    return {
      total: d.total,
      bySource: [...bySource].map(([source, ms]) => ({ source, ms })).sort((a, b) => b.ms - a.ms),
      byFunction: [...byFunction.values()].sort((a, b) => b.ms - a.ms),
    };
  } finally {
    await page.context().close();
  }
}
