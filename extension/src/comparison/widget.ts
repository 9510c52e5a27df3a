/**
 * The comparison view: stacked bars of exact, conservative and mismatched SEM thresholds per
 * metal and per SEM (%), the recommended Δk, and the table of pairs.
 */
import type { ComparisonPayload } from 'deltak/payloads';
import { comparisonFigure, formatDk, type VegaLiteSpec } from 'deltak/charts';
import { ChartView, VIEW_DATA } from '../common/view.js';
import { el, table } from '../common/dom.js';
import { toCsv } from '../common/csv.js';
import { DELTAK_VERSION } from 'deltak/charts';
import { UNKNOWN_SOURCE, type ExportContext } from '../common/context.js';
import { comparisonModel, coverageText, recommendationText, shares } from './state.js';

/** The comparison view of one payload. */
export class ComparisonView extends ChartView {
  private readonly payload: ComparisonPayload;

  /** Build the view for an untrusted payload (invalid payloads are errors naming the field). */
  constructor(data: unknown) {
    super('deltak-comparison', 'deltak: SEM thresholds against MLP thresholds');
    this.payload = comparisonModel(data);
    const rec = el('p', 'deltak-recommendation', recommendationText(this.payload));
    this.controls.append(rec);
    const cov = coverageText(this.payload);
    if (cov) this.controls.append(el('p', 'deltak-coverage', cov));
    this.addDownloads();
    this.root.append(this.controls, this.chartBox, this.below, this.status);
  }

  protected fileStem(): string {
    return 'deltak-comparison';
  }

  /** The comparison has no f of its own (the thresholds it pairs were computed before, with theirs). */
  protected exportContext(): ExportContext {
    const r = this.payload.recommendation;
    return {
      title: 'SEM thresholds Δk_T^SEM against MLP thresholds Δk_T^MLP (Å⁻¹): shares of exact, conservative and mismatched pairs (%)',
      reference: `recommendation rule "${r.rule}" over ${r.sems.join(', ') || 'every SEM'}: ${recommendationText(this.payload)}`,
      source: this.payload.source ?? UNKNOWN_SOURCE,
      version: DELTAK_VERSION,
      units: { mlp_dk: 'Å⁻¹', sem_dk: 'Å⁻¹', percent: '%' },
    };
  }

  protected data(): object[] {
    return shares(this.payload.pairs);
  }

  protected spec(): VegaLiteSpec {
    return comparisonFigure({ width: this.width, theme: this.theme }, { name: VIEW_DATA });
  }

  protected renderBelow(): void {
    const headers = ['metal', 'lattice', 'property', 'structure', 'SEM', 'Δk_T^MLP (Å⁻¹)', 'Δk_T^SEM (Å⁻¹)', 'outcome'];
    const body = this.payload.pairs.map((p) => ({
      cells: [p.metal, p.lattice, p.property, p.structure, p.sem, formatDk(p.mlp_dk), formatDk(p.sem_dk), p.outcome],
    }));
    this.below.replaceChildren(table('SEM ↔ MLP threshold pairs ("none": stable over the sweep, compared as +∞)', headers, body));
  }

  protected csv(): string {
    return toCsv(
      ['metal', 'lattice', 'property', 'structure', 'sem', 'mlp_dk (Å⁻¹)', 'sem_dk (Å⁻¹)', 'outcome'],
      this.payload.pairs.map((p) => [p.metal, p.lattice, p.property, p.structure, p.sem, p.mlp_dk, p.sem_dk, p.outcome]),
    );
  }
}
