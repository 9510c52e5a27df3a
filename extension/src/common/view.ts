/**
 * The base of deltak's views (sweep, SEM, comparison): a chart drawn from a spec of deltak's
 * charts module, its data replaced in place when only the data change (the slider), rebuilt when
 * the layout changes (selection, theme, width); SVG/PNG/CSV downloads. The chart keeps its height
 * while it is rebuilt (drawn off-screen, then swapped), so the output area does not jump.
 *
 * The first chart is built at the width of the output area: a view asked to draw before it is in
 * a laid-out page waits until it is (its renderer attached, or its size first observed), so the
 * chart is not built at a guessed width and again at the real one. A new width rebuilds the chart
 * only when it changes the spec (charts whose panels have a fixed or largest width keep theirs).
 */
import type { TopLevelSpec } from 'vega-lite';
import type { VegaLiteSpec } from 'deltak/charts';
import { Chart } from './vega.js';
import { readTheme, watchTheme, type Theme } from './theme.js';
import { button, copyText, download, el, keepKeys } from './dom.js';
import { Redraw } from './redraw.js';
import { captionLines, contextJson, pngWithContext, svgWithContext, type ExportContext } from './context.js';

/** Width assumed before the view is measured, px (the first drawing waits for the measure). */
const DEFAULT_WIDTH = 760;
/** Width changes smaller than this are ignored, px. */
const WIDTH_STEP = 8;
/** Name of every view's chart dataset. */
export const VIEW_DATA = 'deltak_data';

/** Timing of the last redraw, for benchmarks: ms from the change to the finished drawing. */
export interface RedrawTiming {
  /** Analysis (thresholds by deltak's core) and the text below the chart, ms. */
  compute: number;
  /** Chart data replaced (or chart rebuilt) and drawn, ms. */
  draw: number;
}

/** A view with controls, one chart and what is below it (tables, notes). */
export abstract class ChartView {
  readonly root: HTMLElement;
  protected readonly controls: HTMLElement;
  protected readonly chartBox: HTMLElement;
  protected readonly below: HTMLElement;
  protected readonly status: HTMLElement;
  protected theme: Theme;
  /** Width of the view, px (follows the output area). */
  protected width = DEFAULT_WIDTH;
  /** Timing of the last redraw (see {@link RedrawTiming}). */
  lastTiming: RedrawTiming = { compute: 0, draw: 0 };
  /**
   * Called with the view's state (plain JSON) after the user changed it, for the renderer to save
   * in the notebook; null: nobody listens.
   */
  onStateChange: ((state: Record<string, unknown>) => void) | null = null;
  private chart: Chart | null = null;
  private chartKey = '';
  /** The drawn chart's spec as JSON: a redraw whose spec is the same keeps the chart. */
  private chartSpec = '';
  /** Whether the data or the text below changed since the last drawing (not only the width). */
  private stale = true;
  /** Whether the view's width was measured in the page (the first drawing waits for it). */
  private measured = false;
  /** The first drawing, waiting for the measure; null once it started (or before any request). */
  private firstDraw: { layout: boolean; start: () => void; done: Promise<void> } | null = null;
  private readonly redraw: Redraw;
  private readonly stopTheme: () => void;
  private readonly resize: ResizeObserver;

  /** `className` and `label` name the view for styles and assistive technology. */
  constructor(className: string, protected readonly label: string) {
    const root = (this.root = el('div', `deltak-widget ${className}`));
    root.setAttribute('role', 'group');
    root.setAttribute('aria-label', label);
    keepKeys(root);
    this.theme = readTheme(document.body);
    this.controls = el('div', 'deltak-controls');
    this.chartBox = el('div', 'deltak-chart');
    this.chartBox.setAttribute('role', 'img');
    this.chartBox.setAttribute('aria-label', label);
    this.below = el('div', 'deltak-below');
    this.status = el('div', 'deltak-status');
    this.status.setAttribute('role', 'status');
    this.status.setAttribute('aria-live', 'polite');
    this.redraw = new Redraw(root, (layout) => this.draw(layout), (e) => {
      this.status.textContent = `deltak: could not draw the chart: ${e.message}`;
    });
    this.stopTheme = watchTheme(() => {
      this.theme = readTheme(this.root);
      void this.request(true);
    });
    this.resize = new ResizeObserver((entries) => {
      const w = entries[0]?.contentRect.width ?? 0;
      if (w <= 0) return;
      if (!this.measured) {
        this.setMeasured(w);
      } else if (Math.abs(w - this.width) >= WIDTH_STEP) {
        this.width = w;
        // only the width changed: the drawing keeps the chart when the spec stays the same
        void this.redraw.request(false);
      }
    });
    this.resize.observe(root);
  }

  /**
   * The view is in the page (its renderer was attached): measure its width now, so a drawing
   * waiting for it starts at once, at the output area's width. Does nothing when the view is not
   * laid out (hidden; its size is observed when it is shown) or was measured before.
   */
  attached(): void {
    if (this.measured || !this.root.isConnected) return;
    const w = this.root.getBoundingClientRect().width;
    if (w > 0) this.setMeasured(w);
  }

  private setMeasured(width: number): void {
    this.measured = true;
    this.width = width;
    const first = this.firstDraw;
    this.firstDraw = null;
    first?.start();
  }

  /**
   * Add the SVG, PNG and CSV download buttons to `box` (default: the controls), each file with
   * its context (the CSV's in a JSON file beside it), and "copy as code" when the view has state.
   */
  protected addDownloads(box: HTMLElement = this.controls): void {
    const group = el('div', 'deltak-control deltak-downloads');
    group.setAttribute('role', 'group');
    group.setAttribute('aria-label', 'Downloads');
    group.append(
      button('SVG', 'Download the chart as SVG (title, f, reference, data source and deltak version inside)', () => void this.downloadChart('svg')),
      button('PNG', 'Download the chart as PNG (a caption with f, reference, data source and deltak version below it)', () => void this.downloadChart('png')),
      button('CSV', 'Download the table as CSV, and its context (f, reference, source, units) as JSON beside it', () => {
        const stem = this.fileStem();
        download(`${stem}.csv`, this.csv(), 'text/csv');
        download(`${stem}.json`, contextJson(this.exportContext()), 'application/json');
      }),
    );
    if (this.code() !== null) {
      const copy = button('Copy as code', 'Copy the call that shows this view in its current state', () => void this.copyCode());
      copy.classList.add('deltak-copy-code');
      group.append(copy);
    }
    box.append(group);
  }

  /** The context of the view's exports (title, f, reference, source, version, units). */
  protected abstract exportContext(): ExportContext;

  /** The deltak call that shows this view in its current state; null: the view has no state. */
  code(): string | null {
    return null;
  }

  /** The view's state as plain JSON (what {@link onStateChange} receives); null: no state. */
  savedState(): Record<string, unknown> | null {
    return null;
  }

  /** Tell the renderer the state changed (it saves it in the notebook). */
  protected stateChanged(): void {
    const s = this.savedState();
    if (s && this.onStateChange) this.onStateChange(s);
  }

  private async copyCode(): Promise<void> {
    const code = this.code();
    if (code === null) return;
    const ok = await copyText(code);
    this.status.textContent = ok ? `Copied: ${code}` : `Could not use the clipboard; the call is: ${code}`;
  }

  /** The spec for the current state, theme and width (data: the dataset {@link VIEW_DATA}). */
  protected abstract spec(): VegaLiteSpec;
  /** The rows of the chart's dataset {@link VIEW_DATA} for the current state. */
  protected abstract data(): object[];
  /** Whether the spec reads its data from the dataset {@link VIEW_DATA} (default) or has them inline. */
  protected namedData(): boolean {
    return true;
  }
  /** The text below the chart (tables, notes) for the current state. */
  protected abstract renderBelow(): void;
  /** The table as CSV. */
  protected abstract csv(): string;
  /** File name of the downloads, without extension. */
  protected abstract fileStem(): string;
  /**
   * What the spec depends on besides width and theme: when it is unchanged, a redraw only
   * replaces the data. Default: always rebuild.
   */
  protected layoutKey(): string | null {
    return null;
  }

  /**
   * Redraw (`layout`: the chart's structure may have changed); resolves when drawn. Before the
   * view is measured in the page, the drawing waits for the measure (see {@link attached}), and
   * the requests made meanwhile are one drawing.
   */
  request(layout = true): Promise<void> {
    this.stale = true;
    if (!this.measured) this.attached();
    if (this.measured) return this.redraw.request(layout);
    if (this.firstDraw) {
      this.firstDraw.layout ||= layout;
      return this.firstDraw.done;
    }
    // busy while waiting, as while drawing: tests and benchmarks wait for the drawing after it
    this.root.dataset.deltakBusy = 'true';
    let start = (): void => {};
    const measured = new Promise<void>((resolve) => (start = resolve));
    const first: { layout: boolean; start: () => void; done: Promise<void> } = { layout, start, done: Promise.resolve() };
    first.done = measured.then(() => this.redraw.request(first.layout));
    this.firstDraw = first;
    return first.done;
  }

  /** Resolves when every requested redraw is finished. */
  whenIdle(): Promise<void> {
    return this.redraw.whenIdle();
  }

  /** The drawn chart (null before the first drawing). */
  protected get drawn(): Chart | null {
    return this.chart;
  }

  private async draw(layout: boolean): Promise<void> {
    const stale = this.stale;
    this.stale = false;
    const t0 = performance.now();
    if (stale || !this.chart) this.renderBelow();
    const t1 = performance.now();
    const own = this.layoutKey();
    const key = own === null ? null : JSON.stringify([own, this.width, this.theme]);
    const named = this.namedData();
    let spec: VegaLiteSpec | null = null;
    let specText = '';
    let keep = false;
    if (this.chart && !layout) {
      if (key !== null && key === this.chartKey) {
        keep = true;
      } else {
        // the width (or something the key does not name) changed: rebuild only for a new spec
        spec = this.spec();
        specText = JSON.stringify(spec);
        keep = specText === this.chartSpec;
        if (keep) this.chartKey = key ?? '';
      }
    }
    if (keep && this.chart) {
      // a spec with inline data is the same chart; named data are replaced when they may differ
      if (named && stale) await this.chart.setData(VIEW_DATA, this.data());
    } else {
      const values = this.data();
      spec ??= this.spec();
      if (!specText) specText = JSON.stringify(spec);
      const box = el('div', 'deltak-chart-inner');
      const chart = await Chart.draw(box, spec as unknown as TopLevelSpec, named ? VIEW_DATA : null, values);
      if (this.redraw.isStopped) {
        chart.dispose();
        return;
      }
      this.chart?.dispose();
      this.chart = chart;
      this.chartKey = key ?? '';
      this.chartSpec = specText;
      this.chartBox.replaceChildren(box);
      this.chartBox.style.minHeight = `${box.offsetHeight}px`;
      await this.afterBuild(chart);
    }
    this.lastTiming = { compute: t1 - t0, draw: performance.now() - t1 };
  }

  /** After a chart is built (not when only its data change): restore what lives in the chart. */
  protected async afterBuild(_chart: Chart): Promise<void> {}

  private async downloadChart(kind: 'svg' | 'png'): Promise<void> {
    await this.whenIdle();
    if (!this.chart) return;
    const ctx = this.exportContext();
    if (kind === 'svg') {
      download(`${this.fileStem()}.svg`, svgWithContext(await this.chart.svg(), ctx, this.theme), 'image/svg+xml');
    } else {
      const png = pngWithContext(await this.chart.png(this.theme.background, captionLines(ctx), this.theme.text), ctx);
      download(`${this.fileStem()}.png`, new Blob([png as BlobPart], { type: 'image/png' }));
    }
  }

  /** Stop watching theme and size, release the chart. */
  dispose(): void {
    this.redraw.stop();
    // a drawing waiting for the measure starts and ends at once (nothing is drawn after stop)
    const first = this.firstDraw;
    this.firstDraw = null;
    first?.start();
    this.stopTheme();
    this.resize.disconnect();
    this.chart?.dispose();
    this.chart = null;
  }
}

/** A view of a fixed figure whose spec carries its rows inline: no named dataset to replace. */
export abstract class InlineChartView extends ChartView {
  protected override namedData(): boolean {
    return false;
  }

  protected data(): object[] {
    return [];
  }
}
