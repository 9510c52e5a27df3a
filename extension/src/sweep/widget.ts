/**
 * The Δk-sweep widget: selectors, method toggles, the criterion-factor slider and the
 * reference-Δk choice drive a facet chart and a table of MAD, MAD_max and Δk_T, recomputed in
 * the browser by deltak's core at every change.
 */
import type { ThresholdRow } from 'deltak/core';
import { Chart } from '../common/vega.js';
import { readTheme, vegaConfig, watchTheme, type Theme } from '../common/theme.js';
import { button, download, el, keepKeys, labelledCheckbox, labelledSelect, safeName, table, uid } from '../common/dom.js';
import { Redraw } from '../common/redraw.js';
import { panelWidth, sweepSpec, SWEEP_DATA } from './chart.js';
import {
  ALL, FACTOR_MAX, FACTOR_MIN, FACTOR_STEP, ThresholdCache, chartData, facets, formatNumber,
  initialState, sweepModel, tableRows, thresholdsCsv, update, TABLE_COLUMNS,
  type SweepModel, type SweepState,
} from './state.js';

/** Height of one chart panel, px (fixed: a width change never changes the height). */
const PANEL_HEIGHT = 150;
/** Width assumed before the widget is attached, px. */
const DEFAULT_WIDTH = 760;

/** Timing of the last redraw, for benchmarks: ms from the change to the finished drawing. */
export interface RedrawTiming {
  /** Thresholds by deltak's core and the table, ms. */
  compute: number;
  /** Chart data replaced and drawn, ms. */
  draw: number;
}

/**
 * The widget's DOM and behaviour. `root` is the element to insert; call `dispose` when done.
 */
export class SweepView {
  readonly root: HTMLElement;
  private readonly model: SweepModel;
  private state: SweepState;
  private readonly cache: ThresholdCache;
  private readonly chartBox: HTMLElement;
  private readonly tableBox: HTMLElement;
  private readonly status: HTMLElement;
  private readonly factorInput: HTMLInputElement;
  private readonly factorOutput: HTMLOutputElement;
  private chart: Chart | null = null;
  private chartKey = '';
  private width = DEFAULT_WIDTH;
  private theme: Theme;
  private readonly redraw: Redraw;
  private readonly stopTheme: () => void;
  private readonly resize: ResizeObserver;
  /** Timing of the last redraw (see {@link RedrawTiming}). */
  lastTiming: RedrawTiming = { compute: 0, draw: 0 };

  /** Build the widget for an untrusted payload (invalid payloads are errors naming the field). */
  constructor(data: unknown) {
    this.model = sweepModel(data);
    this.state = initialState(this.model);
    this.cache = new ThresholdCache(this.model);
    const c = this.model.choices;
    const root = (this.root = el('div', 'deltak-widget deltak-sweep'));
    root.setAttribute('role', 'group');
    root.setAttribute('aria-label', 'deltak Δk sweep with thresholds');
    keepKeys(root);
    this.theme = readTheme(document.body);

    const controls = el('div', 'deltak-controls');
    const prop = labelledSelect('Property', c.properties.map((p) => ({ value: p, label: `${p} (${c.units.get(p)})` })), this.state.property, (v) => this.set({ property: v }, true));
    const metal = labelledSelect('Metal', [{ value: ALL, label: 'all metals' }, ...c.metals.map((m) => ({ value: m, label: m }))], ALL, (v) => this.set({ metal: v }, true));
    const lattice = labelledSelect('Lattice', [{ value: ALL, label: 'all lattices' }, ...c.lattices.map((m) => ({ value: m, label: m }))], ALL, (v) => this.set({ lattice: v }, true));
    const methods = el('fieldset', 'deltak-control deltak-methods');
    methods.append(el('legend', undefined, 'Methods'));
    for (const m of c.methods) {
      const box = labelledCheckbox(m, true, (on) => {
        const next = on ? [...this.state.methods, m] : this.state.methods.filter((x) => x !== m);
        this.set({ methods: next }, false);
      });
      box.input.dataset.method = m;
      methods.append(box.root);
    }

    const factor = el('div', 'deltak-control deltak-factor');
    const fid = uid('deltak-factor');
    const flabel = el('label', undefined, 'Criterion factor f');
    flabel.htmlFor = fid;
    const input = (this.factorInput = el('input'));
    input.type = 'range';
    input.id = fid;
    input.min = String(FACTOR_MIN);
    input.max = String(FACTOR_MAX);
    input.step = String(FACTOR_STEP);
    input.value = String(this.state.factor);
    const out = (this.factorOutput = el('output'));
    out.htmlFor.add(fid);
    input.addEventListener('input', () => this.set({ factor: Number(input.value) }, false));
    factor.append(flabel, input, out);

    const ref = labelledSelect('Reference Δk', c.references.map((r) => ({ value: r.value, label: r.label })), this.state.reference, (v) => this.set({ reference: v as SweepState['reference'] }, false));

    const downloads = el('div', 'deltak-control deltak-downloads');
    downloads.setAttribute('role', 'group');
    downloads.setAttribute('aria-label', 'Downloads');
    downloads.append(
      button('SVG', 'Download the chart as SVG', () => void this.downloadChart('svg')),
      button('PNG', 'Download the chart as PNG', () => void this.downloadChart('png')),
      button('CSV', 'Download the thresholds table as CSV', () => this.downloadCsv()),
    );
    controls.append(prop.root, metal.root, lattice.root, methods, factor, ref.root, downloads);

    this.chartBox = el('div', 'deltak-chart');
    this.chartBox.setAttribute('role', 'img');
    this.chartBox.setAttribute('aria-label', 'Chart of the selected property against Δk');
    const note = el('p', 'deltak-note', 'Lines: values against Δk; dashed line: the reference value x(Δk_ref); shaded band: x(Δk_ref) ± f·MAD_max; outlined circle: the threshold Δk_T.');
    this.tableBox = el('div', 'deltak-table-box');
    this.status = el('div', 'deltak-status');
    this.status.setAttribute('role', 'status');
    this.status.setAttribute('aria-live', 'polite');
    const chartSection = [this.chartBox, note];
    if (this.model.payload.kind === 'thresholds') root.append(controls, this.tableBox, ...chartSection, this.status);
    else root.append(controls, ...chartSection, this.tableBox, this.status);

    this.chartBox.style.minHeight = `${this.expectedHeight()}px`;
    this.redraw = new Redraw(root, (layout) => this.draw(layout), (e) => {
      this.status.textContent = `deltak: could not draw the chart: ${e.message}`;
    });
    this.stopTheme = watchTheme(() => {
      this.theme = readTheme(this.root);
      this.request(true);
    });
    this.resize = new ResizeObserver((entries) => {
      const w = entries[0]?.contentRect.width ?? 0;
      if (w > 0 && Math.abs(w - this.width) >= 8) {
        this.width = w;
        this.request(true);
      }
    });
    this.resize.observe(this.root);
    this.updateTable();
  }

  /** The current state (a copy). */
  getState(): SweepState {
    return { ...this.state, methods: [...this.state.methods] };
  }

  /** Apply a change and redraw; `layout` when the chart's structure changes (not only data). */
  set(change: Partial<SweepState>, layout: boolean): Promise<void> {
    try {
      this.state = update(this.model, this.state, change);
      this.status.textContent = '';
    } catch (e) {
      this.status.textContent = `deltak: ${(e as Error).message}`;
      return Promise.resolve();
    }
    this.updateTable();
    return this.request(layout);
  }

  /** Resolves when every requested redraw is finished. */
  whenIdle(): Promise<void> {
    return this.redraw.whenIdle();
  }

  /** Draw (first time or again). */
  request(layout: boolean): Promise<void> {
    return this.redraw.request(layout);
  }

  private thresholds(): ThresholdRow[] {
    return this.cache.get(this.state);
  }

  private expectedHeight(): number {
    const f = facets(this.model, this.state);
    return Math.max(1, f.metals.length) * (PANEL_HEIGHT + 30) + 90;
  }

  private updateTable(): void {
    const t0 = performance.now();
    const th = this.thresholds();
    const rows = tableRows(this.state, th);
    const unit = this.model.choices.units.get(this.state.property) ?? '';
    const headers = TABLE_COLUMNS.map((c) => (c.unit === '' ? c.header : `${c.header} (${c.unit === 'u' ? unit : c.unit})`));
    const caption = `Thresholds of ${this.state.property} at f = ${this.state.factor.toFixed(2)}, reference ${this.state.reference} (Δk_T "none": never leaves the band)`;
    const body = rows.map((r) => ({
      cells: TABLE_COLUMNS.map((c) => {
        const v = r[c.key];
        return typeof v === 'number' || v === null ? formatNumber(v) : String(v);
      }),
      values: TABLE_COLUMNS.map((c) => {
        const v = r[c.key];
        return v === null ? 'none' : String(v);
      }),
    }));
    this.tableBox.replaceChildren(table(caption, headers, body));
    this.factorOutput.textContent = `f = ${this.state.factor.toFixed(2)}`;
    this.factorInput.setAttribute('aria-valuetext', `f = ${this.state.factor.toFixed(2)}`);
    this.root.dataset.deltakFactor = String(this.state.factor);
    this.lastTiming = { compute: performance.now() - t0, draw: this.lastTiming.draw };
  }

  private async draw(layout: boolean): Promise<void> {
    const t0 = performance.now();
    const values = chartData(this.model, this.state, this.thresholds());
    const f = facets(this.model, this.state);
    const pw = panelWidth(this.width, f.lattices.length);
    const key = JSON.stringify([this.state.property, f.metals, f.lattices, this.theme.light, this.theme.text, pw]);
    if (this.chart && !layout && key === this.chartKey) {
      await this.chart.setData(SWEEP_DATA, values);
    } else {
      await this.rebuild(key, pw, values);
    }
    this.lastTiming = { compute: this.lastTiming.compute, draw: performance.now() - t0 };
  }

  private async rebuild(key: string, pw: number, values: object[]): Promise<void> {
    const f = facets(this.model, this.state);
    const spec = sweepSpec({
      property: this.state.property,
      unit: this.model.choices.units.get(this.state.property) ?? '',
      metals: f.metals,
      lattices: f.lattices,
      methods: this.model.choices.methods,
      palette: this.theme.palette,
      width: pw,
      height: PANEL_HEIGHT,
      config: vegaConfig(this.theme),
    });
    // Draw off-screen, then swap: the output keeps its height while the new chart is built.
    const box = el('div', 'deltak-chart-inner');
    const chart = await Chart.draw(box, spec, SWEEP_DATA, values);
    if (this.redraw.isStopped) {
      chart.dispose();
      return;
    }
    this.chart?.dispose();
    this.chart = chart;
    this.chartKey = key;
    this.chartBox.replaceChildren(box);
    this.chartBox.style.minHeight = `${Math.max(box.offsetHeight, 0)}px`;
  }

  private async downloadChart(kind: 'svg' | 'png'): Promise<void> {
    await this.whenIdle();
    if (!this.chart) return;
    const name = `deltak-${safeName(this.state.property)}-f${this.state.factor.toFixed(2)}`;
    if (kind === 'svg') download(`${name}.svg`, await this.chart.svg(), 'image/svg+xml');
    else download(`${name}.png`, await this.chart.png(this.theme.background));
  }

  private downloadCsv(): void {
    const rows = tableRows(this.state, this.thresholds());
    download(`deltak-thresholds-${safeName(this.state.property)}-f${this.state.factor.toFixed(2)}.csv`, thresholdsCsv(rows, this.state), 'text/csv');
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
