/**
 * The base of deltak's views (sweep, SEM, comparison): a chart drawn from a spec of deltak's
 * charts module, its data replaced in place when only the data change (the slider), rebuilt when
 * the layout changes (selection, theme, width); SVG/PNG/CSV downloads. The chart keeps its height
 * while it is rebuilt (drawn off-screen, then swapped), so the output area does not jump.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { VegaLiteSpec } from 'deltak/charts';
import { Chart } from './vega.js';
import { readTheme, watchTheme, type Theme } from './theme.js';
import { button, copyText, download, el, keepKeys } from './dom.js';
import { Redraw } from './redraw.js';
import { captionLines, contextJson, pngWithContext, svgWithContext, type ExportContext } from './context.js';

/** Width assumed before the view is attached, px. */
const DEFAULT_WIDTH = 760;
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
      if (w > 0 && Math.abs(w - this.width) >= 8) {
        this.width = w;
        void this.request(true);
      }
    });
    this.resize.observe(root);
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

  /** Redraw (`layout`: the chart's structure may have changed); resolves when drawn. */
  request(layout = true): Promise<void> {
    return this.redraw.request(layout);
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
    const t0 = performance.now();
    this.renderBelow();
    const t1 = performance.now();
    const values = this.data();
    const own = this.layoutKey();
    const key = own === null ? null : JSON.stringify([own, this.width, this.theme]);
    if (this.chart && !layout && key !== null && key === this.chartKey) {
      await this.chart.setData(VIEW_DATA, values);
    } else {
      const box = el('div', 'deltak-chart-inner');
      const chart = await Chart.draw(box, this.spec() as unknown as TopLevelSpec, this.namedData() ? VIEW_DATA : null, values);
      if (this.redraw.isStopped) {
        chart.dispose();
        return;
      }
      this.chart?.dispose();
      this.chart = chart;
      this.chartKey = key ?? '';
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
    this.stopTheme();
    this.resize.disconnect();
    this.chart?.dispose();
    this.chart = null;
  }
}
