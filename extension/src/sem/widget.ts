/**
 * The SEM view: one column per SEM (each with its unit on the y axis), one row per metal ×
 * lattice, a line per structure type against Δk (Å⁻¹), thresholds Δk_T^SEM outlined; a table of
 * the thresholds below.
 */
import type { TopLevelSpec } from 'vega-lite';
import { ChartView } from '../common/view.js';
import { vegaConfig } from '../common/theme.js';
import { labelledSelect, table } from '../common/dom.js';
import { toCsv } from '../common/csv.js';
import { formatNumber } from '../sweep/state.js';
import { ALL, semChartData, semModel, semTableRows, type SemModel, type SemState } from './state.js';

/** The SEM view of one payload. */
export class SemView extends ChartView {
  private readonly model: SemModel;
  private state: SemState = { group: ALL };

  /** Build the view for an untrusted payload (invalid payloads are errors naming the field). */
  constructor(data: unknown) {
    super('deltak-sem', 'deltak statistical error metrics against Δk', 'deltak-sem');
    this.model = semModel(data);
    const groups = [{ value: ALL, label: 'all metals and lattices' }, ...this.model.groups.map((g) => ({ value: g, label: g }))];
    this.controls.append(labelledSelect('Metal and lattice', groups, ALL, (v) => {
      this.state = { group: v };
      void this.request(true);
    }).root);
    this.addDownloads();
  }

  protected data(): object[] {
    return semChartData(this.model, this.state);
  }

  protected spec(): TopLevelSpec {
    const u = this.model.payload.units;
    const groups = this.state.group === ALL ? this.model.groups : [this.state.group];
    const n = this.model.sems.length;
    const width = Math.max(120, Math.min(300, Math.floor((this.width - 140) / Math.max(1, n) - 40)));
    const color = {
      field: 'structure', type: 'nominal', title: 'structure',
      scale: { domain: this.model.structures, range: this.theme.palette },
      legend: { orient: 'top', direction: 'horizontal', symbolOpacity: 1 },
    };
    const x = { field: 'dk', type: 'quantitative', title: 'Δk (Å⁻¹)', scale: { zero: false, nice: false, padding: 8 } };
    return {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      description: 'Statistical error metrics of the DFT test set against Δk, thresholds outlined',
      data: { name: 'deltak_data' },
      config: vegaConfig(this.theme),
      hconcat: this.model.sems.map((sem) => {
        const y = { field: 'value', type: 'quantitative', title: `${sem} (${u[sem]})` };
        return {
          transform: [{ filter: { field: 'sem', equal: sem } }],
          facet: { row: { field: 'group', type: 'nominal', title: null, sort: groups, header: { labelAngle: 0, labelAlign: 'left' } } },
          spec: {
            width,
            height: 120,
            layer: [
              {
                transform: [{ filter: "datum.layer === 'point'" }],
                mark: { type: 'line', point: true, strokeWidth: 1.5 },
                encoding: { x, y, color, tooltip: [{ field: 'structure' }, { field: 'dk', title: 'Δk (Å⁻¹)' }, { field: 'value', title: `${sem} (${u[sem]})`, format: '.4~g' }] },
              },
              {
                transform: [{ filter: "datum.layer === 'threshold'" }],
                mark: { type: 'point', filled: false, size: 240, strokeWidth: 2.5, opacity: 1 },
                encoding: { x, y, color, tooltip: [{ field: 'structure' }, { field: 'dk', title: 'Δk_T (Å⁻¹)' }] },
              },
            ],
          },
        };
      }),
    } as TopLevelSpec;
  }

  protected renderBelow(): void {
    const rows = semTableRows(this.model, this.state);
    const u = this.model.payload.units;
    const headers = ['metal', 'lattice', 'structure', 'SEM', 'ref Δk (Å⁻¹)', 'MAD (SEM unit)', 'f', 'f·MAD (SEM unit)', 'Δk_T (Å⁻¹)'];
    const body = rows.map((t) => ({
      cells: [t.metal, t.lattice, t.structure, `${t.sem} (${u[t.sem] ?? '?'})`, formatNumber(t.ref_dk), formatNumber(t.mad), formatNumber(t.factor), formatNumber(t.bound), formatNumber(t.threshold_dk)],
      values: [t.metal, t.lattice, t.structure, t.sem, String(t.ref_dk), String(t.mad), String(t.factor), String(t.bound), t.threshold_dk === null ? 'none' : String(t.threshold_dk)],
    }));
    const caption = `SEM thresholds Δk_T^SEM (${this.state.group === ALL ? 'all groups' : this.state.group}; "none": never reaches the bound)`;
    this.below.replaceChildren(table(caption, headers, body));
  }

  protected csv(): string {
    const u = this.model.payload.units;
    const rows = semTableRows(this.model, this.state);
    return toCsv(
      'deltak SEM thresholds; Δk in Å⁻¹; mad and bound in the unit column; empty threshold = never reaches the bound',
      ['metal', 'lattice', 'structure', 'sem', 'unit', 'ref_dk', 'mad', 'factor', 'bound', 'threshold_dk'],
      rows.map((t) => [t.metal, t.lattice, t.structure, t.sem, u[t.sem], t.ref_dk, t.mad, t.factor, t.bound, t.threshold_dk]),
    );
  }
}

