/**
 * State of the chart view: a vega-lite v5 spec shown as it is (parity, RMSE, one SEM, any chart
 * of deltak's charts module), drawn in the notebook's theme, its inline data as the CSV export.
 * Pure (no DOM): tested in Node.
 */
import type { ChartPayload } from 'deltak/payloads';
import { chartConfig, DELTAK_VERSION, type ChartTheme, type VegaLiteSpec } from 'deltak/charts';
import { checkObject, checkString } from '../common/validate.js';
import { UNKNOWN_SOURCE, type ExportContext } from '../common/context.js';

/** A validated chart payload with its spec. */
export interface ChartModel {
  payload: ChartPayload;
  /** The bundle's vega-lite v5 spec. */
  spec: VegaLiteSpec;
}

/**
 * Validate an untrusted payload of `application/vnd.deltak.chart.v1+json` and the spec beside it
 * (the bundle's `application/vnd.vegalite.v5+json` entry).
 */
export function chartModel(data: unknown, spec: unknown): ChartModel {
  const p = checkObject(data, 'chart payload');
  if (p.version !== 1) throw new Error(`chart payload: expected version 1, got ${JSON.stringify(p.version)}`);
  const title = checkString(p.title, 'chart payload field "title"');
  const source = p.source === undefined ? undefined : checkString(p.source, 'chart payload field "source"');
  const s = checkObject(spec, 'the vega-lite v5 spec beside the chart payload');
  return { payload: { version: 1, title, ...(source === undefined ? {} : { source }) }, spec: s };
}

const isPlainObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * The spec drawn in `theme`: its config merged with the theme's (deltak's charts module), one
 * level deep, so the spec's own settings stay and the theme's colours and transparent background
 * apply. The spec itself is not changed.
 */
export function themedSpec(spec: VegaLiteSpec, theme: ChartTheme): VegaLiteSpec {
  const own = isPlainObject(spec.config) ? spec.config : {};
  const config: Record<string, unknown> = { ...own };
  for (const [k, v] of Object.entries(chartConfig(theme))) {
    const mine = own[k];
    config[k] = isPlainObject(mine) && isPlainObject(v) ? { ...mine, ...v } : v;
  }
  return { ...spec, config };
}

/** Every inline dataset (`data: {values: [...]}`) of a spec and its sub-specs (layers, concat, facets). */
function inlineDatasets(spec: unknown, out: Record<string, unknown>[][] = []): Record<string, unknown>[][] {
  if (Array.isArray(spec)) {
    for (const s of spec) inlineDatasets(s, out);
  } else if (isPlainObject(spec)) {
    const data = spec.data;
    if (isPlainObject(data) && Array.isArray(data.values)) out.push(data.values.filter(isPlainObject));
    for (const k of ['layer', 'concat', 'hconcat', 'vconcat', 'spec']) if (k in spec) inlineDatasets(spec[k], out);
  }
  return out;
}

/** The chart's table: its largest inline dataset (a parity chart's points, not its y = x line); [] when none. */
export function chartRows(spec: VegaLiteSpec): Record<string, unknown>[] {
  return inlineDatasets(spec).reduce<Record<string, unknown>[]>((best, d) => (d.length > best.length ? d : best), []);
}

/** Header and cells of {@link chartRows}: every field in order of appearance; objects as JSON. */
export function chartTable(spec: VegaLiteSpec): { header: string[]; rows: unknown[][] } {
  const rows = chartRows(spec);
  const header = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown): unknown => (v !== null && typeof v === 'object' ? JSON.stringify(v) : v);
  return { header, rows: rows.map((r) => header.map((h) => cell(r[h]))) };
}

/** File name of the chart's downloads (no extension): `deltak-` and its title in a few words. */
export function chartFileStem(m: ChartModel): string {
  const words = m.payload.title.replace(/^deltak:\s*/, '').toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return `deltak-${words.slice(0, 48).replace(/-+$/, '') || 'chart'}`;
}

/** The context of the chart's exports: its title, data source and deltak version (no f or reference of its own). */
export function chartExportContext(m: ChartModel, version = DELTAK_VERSION): ExportContext {
  return { title: m.payload.title, source: m.payload.source ?? UNKNOWN_SOURCE, version, units: {} };
}
