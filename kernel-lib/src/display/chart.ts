/**
 * A chart shown as it is (parity, RMSE, one SEM, any vega-lite figure of deltak's charts): its
 * MIME type, payload and bundle. Pure module (no Node APIs): the browser reads the type and the
 * payload through `deltak/payloads`.
 */
import { VEGALITE_MIME, type MimeBundle } from './bundle.js';

/**
 * MIME type of a chart shown as it is: the extension draws the bundle's vega-lite v5 spec in the
 * notebook's theme, so JupyterLab's own vega renderer (which adds a PNG to the output, marking
 * the notebook modified) is not used.
 */
export const CHART_MIME = 'application/vnd.deltak.chart.v1+json';

/**
 * The payload of {@link CHART_MIME}. The chart itself is the bundle's vega-lite v5 spec (its
 * {@link VEGALITE_MIME} entry), stored once.
 */
export interface ChartPayload {
  version: 1;
  /** What the chart shows, in words (the spec's description). */
  title: string;
  /** Where the data come from (a file, a dataset), stated in exports; absent when unknown. */
  source?: string;
}

/** Options of {@link chartBundle}. */
export interface ChartBundleOptions {
  /** Where the data come from (a file, a dataset), stated in the chart's exports. */
  source?: string;
}

/**
 * The MIME bundle of a vega-lite v5 chart (e.g. parityChart, rmseChart, semChart): deltak's
 * {@link CHART_MIME} (drawn by the extension with the notebook's theme), the spec itself for
 * JupyterLab's vega-lite renderer when the extension is absent, and its description as text.
 */
export function chartBundle(spec: Record<string, unknown>, options: ChartBundleOptions = {}): MimeBundle {
  const title = typeof spec.description === 'string' && spec.description ? spec.description : 'deltak chart (vega-lite)';
  const payload: ChartPayload = { version: 1, title, ...(options.source ? { source: options.source } : {}) };
  return { data: { [CHART_MIME]: payload, [VEGALITE_MIME]: spec, 'text/plain': title }, metadata: {} };
}
