/**
 * The SEM view (the paper's Fig. 4, drawn by deltak's SEM figure): one panel per metal × lattice
 * and SEM (each SEM's unit on its y axis), panels wrapping to the output's width, a line per
 * structure type against Δk (Å⁻¹), thresholds Δk_T^SEM outlined; as the sweep widget, hovering a
 * line highlights its structure type (tooltip: structure, group, SEM, Δk, value and unit), a click
 * on the legend keeps one structure type and fades the others, each panel zooms (wheel) and pans
 * (drag); a table of the thresholds below.
 */
import { columnFormatter, formatDk, formatFactor, semFigure, type VegaLiteSpec } from 'deltak/charts';
import { ChartView, VIEW_DATA } from '../common/view.js';
import type { Chart } from '../common/vega.js';
import { labelledSelect, table } from '../common/dom.js';
import { toCsv } from '../common/csv.js';
import type { ExportContext } from '../common/context.js';
import { ALL, initialSemState, legendOf, semChartData, semCode, semExportContext, semModel, semTableRows, type SemModel, type SemState } from './state.js';

/** The SEM view of one payload. */
export class SemView extends ChartView {
  private readonly model: SemModel;
  private state: SemState;

  /**
   * Build the view for an untrusted payload (invalid payloads are errors naming the field),
   * opened on `saved`, a state saved in the notebook (untrusted; an unknown group is ignored).
   */
  constructor(data: unknown, saved?: unknown) {
    super('deltak-sem', 'deltak statistical error metrics against Δk');
    this.model = semModel(data);
    this.state = initialSemState(this.model, saved);
    const groups = [{ value: ALL, label: 'all metals and lattices' }, ...this.model.groups.map((g) => ({ value: g, label: g }))];
    this.controls.append(labelledSelect('Metal and lattice', groups, this.state.group, (v) => {
      this.state = { ...this.state, group: v };
      this.stateChanged();
      void this.request(true);
    }).root);
    this.addDownloads();
    this.root.append(this.controls, this.chartBox, this.below, this.status);
  }

  protected data(): object[] {
    return semChartData(this.model, this.state);
  }

  protected spec(): VegaLiteSpec {
    return semFigure({
      panels: this.state.group === ALL ? this.model.groups : [this.state.group],
      sems: this.model.sems,
      units: this.model.payload.units,
      structures: this.model.structures,
      dks: [...new Set(this.model.payload.sems.map((r) => r.dk))].sort((a, b) => a - b),
      width: this.width,
      theme: this.theme,
      interactive: true,
    }, { name: VIEW_DATA });
  }

  protected renderBelow(): void {
    const rows = semTableRows(this.model, this.state);
    const u = this.model.payload.units;
    const headers = ['metal', 'lattice', 'structure', 'SEM', 'ref Δk (Å⁻¹)', 'MAD (SEM unit)', 'f', 'f·MAD (SEM unit)', 'Δk_T (Å⁻¹)'];
    const mad = columnFormatter(rows.map((t) => t.mad));
    const bound = columnFormatter(rows.map((t) => t.bound));
    const body = rows.map((t) => ({
      cells: [t.metal, t.lattice, t.structure, `${t.sem} (${u[t.sem] ?? '?'})`, formatDk(t.ref_dk), mad(t.mad), String(t.factor), bound(t.bound), formatDk(t.threshold_dk)],
      values: [t.metal, t.lattice, t.structure, t.sem, String(t.ref_dk), String(t.mad), String(t.factor), String(t.bound), t.threshold_dk === null ? 'none' : String(t.threshold_dk)],
    }));
    const p = this.model.payload.options;
    const caption = `SEM thresholds Δk_T^SEM at ${formatFactor(p.factor)}, reference Δk ${formatDk(p.reference_dk)} Å⁻¹ (${this.state.group === ALL ? 'all groups' : this.state.group}; "none": never reaches the bound)`;
    this.below.replaceChildren(table(caption, headers, body));
  }

  override savedState(): Record<string, unknown> {
    return { group: this.state.group, legend: [...this.state.legend] };
  }

  /** A rebuilt chart gets the legend's picks back, and tells the state when the legend is clicked. */
  protected override async afterBuild(chart: Chart): Promise<void> {
    if (this.state.legend.length) await chart.setPointSelection('shown', 'structure', this.state.legend);
    chart.watchSelection('shown', () => {
      const picked = legendOf(this.model, chart.pointSelection('shown'));
      if (picked.join('\n') === this.state.legend.join('\n')) return;
      this.state = { ...this.state, legend: picked };
      this.root.dataset.deltakLegend = picked.join(',');
      this.stateChanged();
    });
    this.root.dataset.deltakLegend = this.state.legend.join(',');
  }

  override code(): string {
    return semCode(this.model, this.state);
  }

  protected exportContext(): ExportContext {
    return semExportContext(this.model, this.state);
  }

  protected fileStem(): string {
    return `deltak-sem-thresholds-f${this.model.payload.options.factor}`;
  }

  protected csv(): string {
    const u = this.model.payload.units;
    const rows = semTableRows(this.model, this.state);
    return toCsv(
      ['metal', 'lattice', 'structure', 'sem', 'unit', 'ref_dk (Å⁻¹)', 'mad', 'factor', 'bound', 'threshold_dk (Å⁻¹)'],
      rows.map((t) => [t.metal, t.lattice, t.structure, t.sem, u[t.sem], t.ref_dk, t.mad, t.factor, t.bound, t.threshold_dk]),
    );
  }
}
