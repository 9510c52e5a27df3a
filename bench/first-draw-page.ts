/**
 * Browser entry of the first-draw benchmark: the extension's MIME renderers (its own default
 * export, as JupyterLab registers them), given one notebook output the way JupyterLab's output
 * area gives it, timed from the renderer call to the finished first draw.
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { Widget } from '@lumino/widgets';
import extensions from '../extension/src/index.ts';

/** One output of a notebook: its MIME bundle and metadata, as stored in the .ipynb file. */
export interface StoredOutput {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  trusted: boolean;
}

/** What one first draw gave. */
export interface FirstDraw {
  /** The MIME type whose renderer drew the output (null: no deltak renderer for any of its types). */
  mimeType: string | null;
  /** From the renderer call to the finished first draw and the next animation frame, ms. */
  total: number;
  /** From the renderer call until `renderModel` resolved, ms. */
  renderModel: number;
  /** Drawing runs of the view (requests made while one runs are merged into it). */
  drawings: number;
  /**
   * Charts built (vega-lite compiled, vega view made and rendered): 1 when the view waits for the
   * output area's width before its first build and keeps the chart when the width does not
   * change the spec.
   */
  builds: number;
  /** From the renderer call until each chart built was put in the page, ms. */
  chartsAt: number[];
  /** SVG marks of the drawn chart (vega's scenegraph items). */
  marks: number;
  /** Tables below the chart, and their body rows. */
  tables: number;
  tableRows: number;
  /** Width of the drawn chart, px. */
  chartWidth: number;
  /** An error the renderer or the view showed, '' when none. */
  error: string;
}

const nextFrame = (): Promise<void> => new Promise((r) => requestAnimationFrame(() => r()));

/** The renderer factories of the extension, rank order (lowest first, as JupyterLab prefers them). */
function factories(): IRenderMime.IRendererFactory[] {
  return extensions
    .map((e) => e.rendererFactory)
    .sort((a, b) => (a.defaultRank ?? 100) - (b.defaultRank ?? 100));
}

/** The MIME types the extension renders, with their ranks. */
function renderers(): { mimeType: string; rank: number }[] {
  return factories().flatMap((f) => f.mimeTypes.map((mimeType) => ({ mimeType, rank: f.defaultRank ?? 100 })));
}

/**
 * The MIME type JupyterLab's registry would pick for `data` among the extension's types: the
 * lowest rank wins (deltak's renderers rank below JupyterLab's own vega renderer, so they win over
 * the vega-lite fallback in the same bundle). Untrusted outputs only go to safe renderers.
 */
function preferred(data: Record<string, unknown>, trusted: boolean): { factory: IRenderMime.IRendererFactory; mimeType: string } | null {
  for (const factory of factories()) {
    if (!trusted && factory.safe === false) continue;
    for (const mimeType of factory.mimeTypes) if (mimeType in data) return { factory, mimeType };
  }
  return null;
}

/** JupyterLab's MimeModel, as the output area builds it from a stored output. */
class MimeModel implements IRenderMime.IMimeModel {
  readonly trusted: boolean;
  data: ReadonlyPartialJSONObject;
  metadata: ReadonlyPartialJSONObject;
  constructor(o: StoredOutput) {
    this.trusted = o.trusted;
    this.data = o.data as ReadonlyPartialJSONObject;
    this.metadata = o.metadata as ReadonlyPartialJSONObject;
  }
  setData(options: IRenderMime.IMimeModel.ISetDataOptions): void {
    this.data = options.data ?? this.data;
    this.metadata = options.metadata ?? this.metadata;
  }
}

/** Resolves when `root`'s drawing is finished (`data-deltak-busy` is not "true"). */
function idle(root: HTMLElement): Promise<void> {
  if (root.dataset.deltakBusy !== 'true') return Promise.resolve();
  return new Promise((resolve) => {
    const mo = new MutationObserver(() => {
      if (root.dataset.deltakBusy !== 'true') {
        mo.disconnect();
        resolve();
      }
    });
    mo.observe(root, { attributes: true, attributeFilter: ['data-deltak-busy'] });
  });
}

/**
 * Render `output` as JupyterLab's output area does: the preferred renderer is created, its
 * `renderModel` called, and the widget attached to the page in the same task (the output area
 * inserts the rendered output into its attached panel right after starting the render). Timed
 * until the view's drawings are finished (a frame passed with none running: vega's view rendered,
 * the tables in the DOM), then the next animation frame. `profile`: record a CPU profile of
 * exactly this span (`console.profile`, delivered to a listening DevTools client).
 */
async function render(output: StoredOutput, profile = false): Promise<FirstDraw> {
  const host = document.getElementById('host')!;
  const pick = preferred(output.data, output.trusted);
  const none: FirstDraw = { mimeType: null, total: 0, renderModel: 0, drawings: 0, builds: 0, chartsAt: [], marks: 0, tables: 0, tableRows: 0, chartWidth: 0, error: '' };
  if (!pick) return none;
  let drawings = 0;
  let builds = 0;
  const chartsAt: number[] = [];
  const count = (records: MutationRecord[]): void => {
    for (const r of records) {
      if (r.type === 'attributes' && (r.target as HTMLElement).dataset?.deltakBusy === 'true' && r.oldValue !== 'true') drawings++;
      if (r.type === 'childList' && (r.target as HTMLElement).classList?.contains('deltak-chart')) {
        builds += r.addedNodes.length;
        chartsAt.push(performance.now() - t0);
      }
    }
  };
  const counter = new MutationObserver(count);

  const model = new MimeModel(output);
  if (profile) console.profile('first draw');
  const t0 = performance.now();
  const renderer = pick.factory.createRenderer({
    mimeType: pick.mimeType,
    sanitizer: { sanitize: (s: string) => s },
    resolver: null,
    linkHandler: null,
    latexTypesetter: null,
  } as unknown as IRenderMime.IRendererOptions);
  counter.observe(renderer.node, { attributes: true, attributeFilter: ['data-deltak-busy'], attributeOldValue: true, childList: true, subtree: true });
  const rendered = renderer.renderModel(model);
  Widget.attach(renderer, host);
  await rendered;
  const t1 = performance.now();
  // Size changes reach the view through a ResizeObserver, whose callbacks run in the rendering
  // step after the animation-frame callbacks: a view redraws there when the width it drew at
  // changed the spec, and such a drawing can start and finish within that step. Wait until a
  // frame passes after which no drawing ran or runs; the first draw ends at that frame.
  let end = t1;
  for (;;) {
    const root = renderer.node.querySelector<HTMLElement>('.deltak-widget');
    if (root) await idle(root);
    count(counter.takeRecords());
    const before = drawings;
    await nextFrame();
    end = performance.now();
    await new Promise((r) => setTimeout(r, 0));
    count(counter.takeRecords());
    if (!root || (root.dataset.deltakBusy !== 'true' && drawings === before)) break;
  }
  if (profile) console.profileEnd('first draw');
  const total = end - t0;
  count(counter.takeRecords());
  counter.disconnect();

  const node = renderer.node;
  const svg = node.querySelector('.deltak-chart svg');
  const status = node.querySelector('.deltak-status')?.textContent ?? '';
  const error = node.querySelector('.deltak-error')?.textContent ?? (/could not/i.test(status) ? status : '');
  return {
    mimeType: pick.mimeType,
    total,
    renderModel: t1 - t0,
    drawings,
    builds,
    chartsAt,
    marks: svg ? svg.querySelectorAll('path, rect, line, text, circle, symbol').length : 0,
    tables: node.querySelectorAll('table').length,
    tableRows: node.querySelectorAll('table tbody tr').length,
    chartWidth: svg ? Math.round(svg.getBoundingClientRect().width) : 0,
    error: error || (svg ? '' : 'no chart drawn'),
  };
}

(window as unknown as Record<string, unknown>).deltakFirstDraw = { render, renderers };
