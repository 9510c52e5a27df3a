/**
 * The chart view: a vega-lite v5 chart of deltak's charts module shown as it is (parity, RMSE,
 * one SEM), drawn by vega like the other views, in the notebook's theme, with SVG/PNG/CSV
 * downloads. The spec comes from the notebook as JupyterLab's own vega renderer would take it.
 */
import type { VegaLiteSpec } from 'deltak/charts';
import { InlineChartView } from '../common/view.js';
import { toCsv } from '../common/csv.js';
import type { ExportContext } from '../common/context.js';
import { chartExportContext, chartFileStem, chartModel, chartTable, themedSpec, type ChartModel } from './state.js';

/** The chart view of one payload and its vega-lite spec. */
export class FigureView extends InlineChartView {
  private readonly model: ChartModel;

  /** Build the view for an untrusted payload and spec (invalid ones are errors naming the field). */
  constructor(data: unknown, spec: unknown) {
    const model = chartModel(data, spec);
    super('deltak-figure', model.payload.title);
    this.model = model;
    this.addDownloads();
    this.root.append(this.controls, this.chartBox, this.below, this.status);
  }

  protected spec(): VegaLiteSpec {
    return themedSpec(this.model.spec, this.theme);
  }

  protected renderBelow(): void {}

  protected csv(): string {
    const t = chartTable(this.model.spec);
    return toCsv(t.header, t.rows);
  }

  protected fileStem(): string {
    return chartFileStem(this.model);
  }

  protected exportContext(): ExportContext {
    return chartExportContext(this.model);
  }
}
