/**
 * The error-budget view (docs/method.md §8): deltak's error-budget chart (label noise and model
 * error against Δk, one panel per quantity in its unit) and the table of every Δk with its
 * verdict, units in every header; SVG, PNG and CSV downloads with their context.
 */
import { columnFormatter, errorBudgetChart, formatDk, type VegaLiteSpec } from 'deltak/charts';
import { InlineChartView } from '../common/view.js';
import { el, table } from '../common/dom.js';
import { toCsv } from '../common/csv.js';
import type { ExportContext } from '../common/context.js';
import { budgetColumns, budgetCsvRows, budgetExportContext, budgetModel, budgetReference, type BudgetModel } from './state.js';

/** The error-budget view of one payload. */
export class BudgetView extends InlineChartView {
  private readonly model: BudgetModel;

  /** Build the view for an untrusted payload (invalid payloads are errors naming the field). */
  constructor(data: unknown) {
    super('deltak-budget', 'deltak error budget: label noise beside model error per Δk');
    this.model = budgetModel(data);
    this.addDownloads();
    this.root.append(this.controls, this.chartBox, this.below, this.status);
  }

  protected spec(): VegaLiteSpec {
    return errorBudgetChart(this.model.payload.rows, { width: this.width, theme: this.theme });
  }

  protected renderBelow(): void {
    const m = this.model;
    const cols = budgetColumns(m);
    const formats = cols.map((c) => columnFormatter(m.dks.map((dk) => {
      const v = c.value(dk);
      return typeof v === 'number' ? v : null;
    }), 3));
    const body = m.dks.map((dk) => ({
      cells: cols.map((c, i) => {
        const v = c.value(dk);
        return i === 0 ? formatDk(dk) : typeof v === 'number' || v === null ? formats[i](v) : v;
      }),
      values: cols.map((c) => {
        const v = c.value(dk);
        return v === null ? 'none' : String(v);
      }),
    }));
    const caption = `Error budget per Δk on the ${m.payload.dataset} set (${budgetReference(m)}; "none": not compared)`;
    const notes = [el('p', 'deltak-note', `Rule: ${m.payload.rule}.`)];
    if (m.payload.not_compared.length) notes.push(el('p', 'deltak-note', `Not compared: ${m.payload.not_compared.join('; ')}.`));
    this.below.replaceChildren(table(caption, cols.map((c) => c.header), body), ...notes);
  }

  protected csv(): string {
    const t = budgetCsvRows(this.model);
    return toCsv(t.header, t.rows);
  }

  protected fileStem(): string {
    return `deltak-error-budget-${this.model.payload.dataset.replace(/[^A-Za-z0-9._-]+/g, '_') || 'test'}`;
  }

  protected exportContext(): ExportContext {
    return budgetExportContext(this.model);
  }
}
