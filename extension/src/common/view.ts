/**
 * A base for deltak's simpler views (SEM, comparison): a chart redrawn from a spec on every
 * change, theme and width followed, SVG/PNG/CSV downloads. The chart keeps its height while it
 * is rebuilt (drawn off-screen, then swapped), so the output area does not jump.
 */
import type { TopLevelSpec } from 'vega-lite';
import { Chart } from './vega.js';
import { readTheme, watchTheme, type Theme } from './theme.js';
import { button, download, el, keepKeys } from './dom.js';
import { Redraw } from './redraw.js';

/** Width assumed before the view is attached, px. */
const DEFAULT_WIDTH = 760;

/** A view with one chart and a table below its controls. */
export abstract class ChartView {
  readonly root: HTMLElement;
  protected readonly controls: HTMLElement;
  protected readonly chartBox: HTMLElement;
  protected readonly below: HTMLElement;
  protected readonly status: HTMLElement;
  protected theme: Theme;
  protected width = DEFAULT_WIDTH;
  private chart: Chart | null = null;
  private readonly redraw: Redraw;
  private readonly stopTheme: () => void;
  private readonly resize: ResizeObserver;

  /** `className` and `label` name the view for styles and assistive technology. */
  constructor(className: string, label: string, private readonly fileStem: string) {
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
    root.append(this.controls, this.chartBox, this.below, this.status);
    this.redraw = new Redraw(root, () => this.drawChart(), (e) => {
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

  /** Add the SVG, PNG and CSV download buttons to the controls. */
  protected addDownloads(): void {
    const box = el('div', 'deltak-control deltak-downloads');
    box.setAttribute('role', 'group');
    box.setAttribute('aria-label', 'Downloads');
    box.append(
      button('SVG', 'Download the chart as SVG', () => void this.downloadChart('svg')),
      button('PNG', 'Download the chart as PNG', () => void this.downloadChart('png')),
      button('CSV', 'Download the table as CSV', () => download(`${this.fileStem}.csv`, this.csv(), 'text/csv')),
    );
    this.controls.append(box);
  }

  /** The spec for the current state, theme and width. */
  protected abstract spec(): TopLevelSpec;
  /** The text below the chart (tables, notes) for the current state. */
  protected abstract renderBelow(): void;
  /** The table as CSV. */
  protected abstract csv(): string;

  /** Redraw everything; resolves when the drawing is finished. */
  request(_layout = true): Promise<void> {
    return this.redraw.request(true);
  }

  /** Resolves when every requested redraw is finished. */
  whenIdle(): Promise<void> {
    return this.redraw.whenIdle();
  }

  private async drawChart(): Promise<void> {
    this.renderBelow();
    const box = el('div', 'deltak-chart-inner');
    const chart = await Chart.draw(box, this.spec(), 'deltak_data', this.data());
    if (this.redraw.isStopped) {
      chart.dispose();
      return;
    }
    this.chart?.dispose();
    this.chart = chart;
    this.chartBox.replaceChildren(box);
    this.chartBox.style.minHeight = `${box.offsetHeight}px`;
  }

  /** The rows of the chart's dataset `deltak_data`. */
  protected abstract data(): object[];

  private async downloadChart(kind: 'svg' | 'png'): Promise<void> {
    await this.whenIdle();
    if (!this.chart) return;
    if (kind === 'svg') download(`${this.fileStem}.svg`, await this.chart.svg(), 'image/svg+xml');
    else download(`${this.fileStem}.png`, await this.chart.png(this.theme.background));
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
