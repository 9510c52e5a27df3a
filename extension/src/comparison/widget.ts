/**
 * The comparison view: stacked bars of exact, conservative and mismatched SEM thresholds per
 * metal and per SEM (%), the recommended Δk, and the table of pairs.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { ComparisonPayload } from 'deltak/payloads';
import { ChartView } from '../common/view.js';
import { vegaConfig } from '../common/theme.js';
import { el, table } from '../common/dom.js';
import { toCsv } from '../common/csv.js';
import { formatNumber } from '../sweep/state.js';
import { comparisonModel, coverageText, OUTCOMES, recommendationText, shares } from './state.js';

const OUTCOME_COLORS_LIGHT = ['#009E73', '#0072B2', '#D55E00'];
const OUTCOME_COLORS_DARK = ['#33C49A', '#56B4E9', '#FF8A3D'];

/** The comparison view of one payload. */
export class ComparisonView extends ChartView {
  private readonly payload: ComparisonPayload;

  /** Build the view for an untrusted payload (invalid payloads are errors naming the field). */
  constructor(data: unknown) {
    super('deltak-comparison', 'deltak: SEM thresholds against MLP thresholds', 'deltak-comparison');
    this.payload = comparisonModel(data);
    const rec = el('p', 'deltak-recommendation', recommendationText(this.payload));
    this.controls.append(rec);
    const cov = coverageText(this.payload);
    if (cov) this.controls.append(el('p', 'deltak-coverage', cov));
    this.addDownloads();
  }

  protected data(): object[] {
    return shares(this.payload.pairs);
  }

  protected spec(): TopLevelSpec {
    const width = Math.max(160, Math.min(320, Math.floor((this.width - 200) / 2)));
    const bar = (by: string) => ({
      title: `per ${by}`,
      transform: [{ filter: { field: 'by', equal: by } }],
      width,
      mark: { type: 'bar' },
      encoding: {
        y: { field: 'group', type: 'nominal', title: by },
        x: { field: 'percent', type: 'quantitative', title: 'share of pairs (%)', stack: 'zero', scale: { domain: [0, 100] } },
        color: {
          field: 'outcome', type: 'nominal', title: 'Δk_T^SEM against Δk_T^MLP',
          scale: { domain: OUTCOMES, range: this.theme.light ? OUTCOME_COLORS_LIGHT : OUTCOME_COLORS_DARK },
          legend: { orient: 'top', direction: 'horizontal', titleLimit: 400 },
        },
        order: { field: 'order', type: 'quantitative' },
        tooltip: [{ field: 'group', title: by }, { field: 'outcome' }, { field: 'count', title: 'pairs' }, { field: 'percent', title: '%', format: '.1f' }],
      },
    });
    return {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      description: 'Share of exact, conservative and mismatched SEM thresholds per metal and per SEM',
      data: { name: 'deltak_data' },
      config: vegaConfig(this.theme),
      transform: [{ calculate: "indexof(['exact', 'conservative', 'mismatch'], datum.outcome)", as: 'order' }],
      hconcat: [bar('metal'), bar('SEM')],
    } as TopLevelSpec;
  }

  protected renderBelow(): void {
    const headers = ['metal', 'lattice', 'property', 'structure', 'SEM', 'Δk_T^MLP (Å⁻¹)', 'Δk_T^SEM (Å⁻¹)', 'outcome'];
    const body = this.payload.pairs.map((p) => ({
      cells: [p.metal, p.lattice, p.property, p.structure, p.sem, formatNumber(p.mlp_threshold_dk), formatNumber(p.sem_threshold_dk), p.outcome],
    }));
    this.below.replaceChildren(table('SEM ↔ MLP threshold pairs ("none": stable over the sweep, compared as +∞)', headers, body));
  }

  protected csv(): string {
    return toCsv(
      'deltak SEM/MLP threshold pairs; Δk in Å⁻¹; empty threshold = stable over the sweep',
      ['metal', 'lattice', 'property', 'structure', 'sem', 'mlp_threshold_dk', 'sem_threshold_dk', 'outcome'],
      this.payload.pairs.map((p) => [p.metal, p.lattice, p.property, p.structure, p.sem, p.mlp_threshold_dk, p.sem_threshold_dk, p.outcome]),
    );
  }
}
