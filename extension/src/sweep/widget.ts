/**
 * The Δk-sweep widget: selectors, method toggles, the criterion-factor slider and the
 * reference-Δk choice drive a facet chart and a table of MAD, MAD_max and Δk_T, recomputed in
 * the browser by deltak's core at every change.
 */
import type { ThresholdRow } from 'deltak/core';
import { columnFormatter, formatDk, formatFactor, panelGrid, sweepFigure, type VegaLiteSpec } from 'deltak/charts';
import { ChartView, VIEW_DATA } from '../common/view.js';
import type { Chart } from '../common/vega.js';
import type { ExportContext } from '../common/context.js';
import { el, labelledCheckbox, labelledSelect, safeName, table, uid } from '../common/dom.js';
import {
  ALL, FACTOR_MAX, FACTOR_MIN, FACTOR_STEP, ThresholdCache, chartData, exportContext, facets,
  initialState, referenceLabel, savedState, sweepCode, sweepModel, tableRows, thresholdsCsv, update, TABLE_COLUMNS,
  type SweepModel, type SweepState,
} from './state.js';

/** Height of one chart panel, px (fixed: a width change never changes the height). */
const PANEL_HEIGHT = 150;

export type { RedrawTiming } from '../common/view.js';

/**
 * The widget's DOM and behaviour. `root` is the element to insert; call `dispose` when done.
 */
export class SweepView extends ChartView {
  private readonly model: SweepModel;
  private state: SweepState;
  private readonly cache: ThresholdCache;
  private readonly factorInput: HTMLInputElement;
  private readonly factorOutput: HTMLOutputElement;
  private readonly hint: HTMLElement;

  /**
   * Build the widget for an untrusted payload (invalid payloads are errors naming the field),
   * opened on `saved`, a state saved in the notebook (untrusted; invalid fields are ignored).
   */
  constructor(data: unknown, saved?: unknown) {
    super('deltak-sweep', 'deltak Δk sweep with thresholds');
    this.model = sweepModel(data);
    this.state = initialState(this.model, saved);
    this.cache = new ThresholdCache(this.model);
    const c = this.model.choices;
    this.chartBox.setAttribute('aria-label', 'Chart of the selected property against Δk');
    this.below.className = 'deltak-table-box';

    const prop = labelledSelect('Property', c.properties.map((p) => ({ value: p, label: `${p} (${c.units.get(p)})` })), this.state.property, (v) => this.set({ property: v }, true));
    const metal = labelledSelect('Metal', [{ value: ALL, label: 'all metals' }, ...c.metals.map((m) => ({ value: m, label: m }))], this.state.metal, (v) => this.set({ metal: v }, true));
    const lattice = labelledSelect('Lattice', [{ value: ALL, label: 'all lattices' }, ...c.lattices.map((m) => ({ value: m, label: m }))], this.state.lattice, (v) => this.set({ lattice: v }, true));
    const methods = el('fieldset', 'deltak-control deltak-methods');
    methods.append(el('legend', undefined, 'Methods'));
    for (const m of c.methods) {
      const box = labelledCheckbox(m, this.state.methods.includes(m), (on) => {
        const next = on ? [...this.state.methods, m] : this.state.methods.filter((x) => x !== m);
        void this.set({ methods: next }, false);
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
    input.addEventListener('input', () => void this.set({ factor: Number(input.value) }, false));
    factor.append(flabel, input, out);

    const ref = labelledSelect('Reference Δk', c.references.map((r) => ({ value: r.value, label: r.label })), this.state.reference, (v) => this.set({ reference: v as SweepState['reference'] }, false));
    const clip = labelledCheckbox('clip outliers', this.state.clip, (on) => void this.set({ clip: on }, false));
    clip.root.classList.add('deltak-control');
    clip.root.title = 'Draw values far outside the band at the edge of the range (triangles), so the band stays readable';

    this.controls.append(prop.root, metal.root, lattice.root, methods, factor, ref.root, clip.root);
    this.addDownloads();

    const note = el('p', 'deltak-note', 'Lines: values against Δk; dashed line: the reference value x_ref; shaded band: x_ref ± f·MAD_max; outlined circle: the threshold Δk_T; triangle: a value beyond the drawn range. Drag to pan, wheel to zoom, double-click to reset; click a legend entry to show that method alone.');
    this.hint = el('p', 'deltak-hint');
    this.hint.setAttribute('role', 'note');
    const chart = [this.hint, this.chartBox, note];
    if (this.model.payload.kind === 'thresholds') this.root.append(this.controls, this.below, ...chart, this.status);
    else this.root.append(this.controls, ...chart, this.below, this.status);
    this.chartBox.style.minHeight = `${this.expectedHeight()}px`;
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
    this.stateChanged();
    return this.request(layout);
  }

  override savedState(): Record<string, unknown> {
    return savedState(this.state);
  }

  override code(): string {
    return sweepCode(this.model, this.state);
  }

  protected exportContext(): ExportContext {
    return exportContext(this.model, this.state);
  }

  /** A rebuilt chart gets the legend's picks back, and tells the state when the legend is clicked. */
  protected override async afterBuild(chart: Chart): Promise<void> {
    if (this.state.legend.length) await chart.setPointSelection('shown', 'method', this.state.legend);
    chart.watchSelection('shown', () => {
      const picked = chart.pointSelection('shown');
      if (picked.join('\n') === this.state.legend.join('\n')) return;
      try {
        this.state = update(this.model, this.state, { legend: picked });
      } catch {
        return;
      }
      this.root.dataset.deltakLegend = this.state.legend.join(',');
      this.stateChanged();
    });
    this.root.dataset.deltakLegend = this.state.legend.join(',');
  }

  private thresholds(): ThresholdRow[] {
    return this.cache.get(this.state);
  }

  private expectedHeight(): number {
    const f = facets(this.model, this.state);
    const n = f.metals.length * f.lattices.length;
    const { columns } = panelGrid(this.width, n, { minWidth: 180, maxWidth: 520, gutter: 90 });
    return Math.ceil(Math.max(1, n) / columns) * (PANEL_HEIGHT + 40) + 90;
  }

  protected override layoutKey(): string {
    const f = facets(this.model, this.state);
    return JSON.stringify([this.state.property, f.metals, f.lattices]);
  }

  protected spec(): VegaLiteSpec {
    const f = facets(this.model, this.state);
    const rows = this.model.rows.filter((r) => r.property === this.state.property);
    return sweepFigure({
      property: this.state.property,
      unit: this.model.choices.units.get(this.state.property) ?? '',
      panels: f.metals.flatMap((m) => f.lattices.filter((l) => rows.some((r) => r.metal === m && r.lattice === l)).map((l) => `${m} ${l}`)),
      methods: this.model.choices.methods,
      dks: [...new Set(rows.map((r) => r.dk))].sort((a, b) => a - b),
      width: this.width,
      panelHeight: PANEL_HEIGHT,
      theme: this.theme,
      interactive: true,
    }, { name: VIEW_DATA });
  }

  protected data(): object[] {
    return chartData(this.model, this.state, this.thresholds());
  }

  protected renderBelow(): void {
    const th = this.thresholds();
    const rows = tableRows(this.state, th);
    const unit = this.model.choices.units.get(this.state.property) ?? '';
    const headers = TABLE_COLUMNS.map((c) => (c.unit === '' ? c.header : `${c.header} (${c.unit === 'u' ? unit : c.unit})`));
    const ref = referenceLabel(this.model, this.state);
    const caption = `Thresholds of ${this.state.property} at ${formatFactor(this.state.factor)}, reference ${ref} (Δk_T "none": never leaves the band)`;
    const formats = TABLE_COLUMNS.map((c) => (c.unit === 'Å⁻¹' ? formatDk : columnFormatter(rows.map((r) => r[c.key] as number | null))));
    const body = rows.map((r) => ({
      cells: TABLE_COLUMNS.map((c, i) => {
        const v = r[c.key];
        return typeof v === 'number' || v === null ? formats[i](v) : String(v);
      }),
      values: TABLE_COLUMNS.map((c) => {
        const v = r[c.key];
        return v === null ? 'none' : String(v);
      }),
    }));
    this.below.replaceChildren(table(caption, headers, body));
    this.hint.textContent = this.state.methods.length === 0
      ? 'No method is shown: tick DFT or MLP under Methods to draw the curves.'
      : rows.length === 0 ? `No curve of ${this.state.property} in this selection: choose another metal or lattice.` : '';
    this.factorOutput.textContent = `f = ${this.state.factor.toFixed(2)}`;
    this.factorInput.setAttribute('aria-valuetext', `f = ${this.state.factor.toFixed(2)}`);
    this.root.dataset.deltakFactor = String(this.state.factor);
  }

  protected fileStem(): string {
    const ref = this.state.reference.startsWith('dk:') ? `ref${this.state.reference.slice(3)}` : `ref-${this.state.reference}`;
    return `deltak-${safeName(this.state.property)}-f${this.state.factor.toFixed(2)}-${safeName(ref)}`;
  }

  protected csv(): string {
    return thresholdsCsv(tableRows(this.state, this.thresholds()));
  }
}
