/**
 * Vega-lite v5 specs of the paper's figures (plain JSON; JupyterLab's renderer and vega in
 * Node draw them): SEM against Δk with thresholds (Fig. 4/S3), the outcome bars (Fig. 5),
 * parity (Fig. 2a) and RMSE against Δk (Fig. 2b/c).
 */
import { VEGALITE_V5_SCHEMA, type VegaLiteSpec } from './sweep.js';
import type { SemPoint } from '../core/sem.js';

/** A SEM value with optional interval (Fig. 4 input). Δk in Å⁻¹. */
export interface SemChartRow extends SemPoint {
  lo?: number;
  hi?: number;
}

/** A SEM threshold for the outlined marks. */
export interface SemChartThreshold {
  metal: string;
  lattice: string;
  structure: string;
  sem: string;
  threshold_dk: number | null;
}

const SEM_AXIS: Record<string, string> = { AEAD: 'AEAD (eV/atom)', 'E-RMSE': 'E-RMSE (eV/atom)', 'F-RMSE': 'F-RMSE (eV/Å)', 'V-RMSE': 'V-RMSE (eV/atom)' };

/**
 * Fig. 4/S3: one SEM against Δk (Å⁻¹) per metal × lattice panel, one line per structure type,
 * thresholds Δk_T^SEM outlined; bootstrap intervals as error bars when rows carry lo/hi.
 */
export function semChart(rows: readonly SemChartRow[], thresholds: readonly SemChartThreshold[] = [], sem = 'E-RMSE'): VegaLiteSpec {
  const sel = rows.filter((r) => r.sem === sem);
  if (sel.length === 0) throw new Error(`semChart: no rows for SEM ${sem}`);
  const values: Record<string, unknown>[] = sel.map((r) => ({ ...r, layer: 'point', group: `${r.metal} ${r.lattice}` }));
  for (const t of thresholds.filter((t) => t.sem === sem && t.threshold_dk !== null)) {
    const at = sel.find((r) => r.metal === t.metal && r.lattice === t.lattice && r.structure === t.structure && r.dk === t.threshold_dk);
    if (at) values.push({ ...at, layer: 'threshold', group: `${t.metal} ${t.lattice}` });
  }
  const hasCi = sel.some((r) => r.lo !== undefined && r.hi !== undefined);
  const x = { field: 'dk', type: 'quantitative', title: 'Δk (Å⁻¹)' };
  const y = { field: 'value', type: 'quantitative', title: SEM_AXIS[sem] ?? sem };
  const color = { field: 'structure', type: 'nominal', title: 'structure' };
  const layer: Record<string, unknown>[] = [
    { transform: [{ filter: "datum.layer === 'point'" }], mark: { type: 'line', point: true }, encoding: { x, y, color, tooltip: [{ field: 'structure' }, { field: 'dk', title: 'Δk (Å⁻¹)' }, { field: 'value', title: SEM_AXIS[sem] ?? sem }] } },
    { transform: [{ filter: "datum.layer === 'threshold'" }], mark: { type: 'point', filled: false, size: 220, strokeWidth: 2, color: 'black' }, encoding: { x, y } },
  ];
  if (hasCi) layer.splice(1, 0, { transform: [{ filter: "datum.layer === 'point'" }], mark: 'errorbar', encoding: { x, y: { field: 'lo', type: 'quantitative', title: SEM_AXIS[sem] ?? sem }, y2: { field: 'hi' }, color } });
  return {
    $schema: VEGALITE_V5_SCHEMA,
    description: `deltak: ${sem} of the DFT test set against Δk, thresholds Δk_T^SEM outlined`,
    data: { values },
    facet: { field: 'group', type: 'nominal', title: null },
    columns: 3,
    resolve: { scale: { y: 'independent' } },
    spec: { width: 200, height: 140, layer },
  };
}

/** One outcome share for Fig. 5: by metal or SEM, percent of exact/conservative/mismatch. */
export interface OutcomeShare {
  by: string;
  key: string;
  exact: number;
  conservative: number;
  mismatch: number;
}

/** Fig. 5: stacked bars (%) of exact / conservative / mismatch per metal and per SEM. */
export function comparisonChart(summary: readonly OutcomeShare[]): VegaLiteSpec {
  const values = summary.flatMap((r) =>
    (['exact', 'conservative', 'mismatch'] as const).map((o) => ({ by: r.by === 'metal' ? 'per metal' : 'per SEM', key: r.key, outcome: o, percent: r[o] })),
  );
  return {
    $schema: VEGALITE_V5_SCHEMA,
    description: 'deltak: do SEM thresholds predict MLP property thresholds? (share of pairs, %)',
    data: { values },
    facet: { column: { field: 'by', type: 'nominal', title: null } },
    resolve: { scale: { x: 'independent' } },
    spec: {
      width: 220,
      height: 180,
      mark: 'bar',
      encoding: {
        x: { field: 'key', type: 'nominal', title: null },
        y: { field: 'percent', type: 'quantitative', title: 'pairs (%)', scale: { domain: [0, 100] } },
        color: { field: 'outcome', type: 'nominal', sort: ['exact', 'conservative', 'mismatch'], scale: { domain: ['exact', 'conservative', 'mismatch'], range: ['#2ca02c', '#1f77b4', '#d62728'] } },
        order: { field: 'outcome', sort: 'ascending' },
        tooltip: [{ field: 'key' }, { field: 'outcome' }, { field: 'percent', format: '.1f', title: '%' }],
      },
    },
  };
}

/** A parity point: DFT and MLP values of one quantity at one Δk. */
export interface ParityPoint {
  dk: number;
  quantity: string;
  dft: number;
  mlp: number;
}

const QUANTITY_AXIS: Record<string, string> = { energy: 'energy (eV/atom)', force: 'force (eV/Å)', virial: 'virial (eV/atom)' };

/** Fig. 2a: MLP against DFT for one quantity, coloured by Δk, with the y = x line. */
export function parityChart(points: readonly ParityPoint[], quantity = 'energy'): VegaLiteSpec {
  const sel = points.filter((p) => p.quantity === quantity);
  if (sel.length === 0) throw new Error(`parityChart: no points for ${quantity}`);
  const lo = Math.min(...sel.map((p) => Math.min(p.dft, p.mlp)));
  const hi = Math.max(...sel.map((p) => Math.max(p.dft, p.mlp)));
  const t = QUANTITY_AXIS[quantity] ?? quantity;
  return {
    $schema: VEGALITE_V5_SCHEMA,
    description: `deltak: parity of MLP against DFT, ${quantity}`,
    width: 300,
    height: 300,
    layer: [
      { data: { values: [{ a: lo, b: lo }, { a: hi, b: hi }] }, mark: { type: 'line', color: 'gray', strokeDash: [4, 4] }, encoding: { x: { field: 'a', type: 'quantitative', title: `DFT ${t}` }, y: { field: 'b', type: 'quantitative', title: `MLP ${t}` } } },
      {
        data: { values: sel },
        mark: { type: 'point', opacity: 0.6, size: 12 },
        encoding: {
          x: { field: 'dft', type: 'quantitative', title: `DFT ${t}`, scale: { zero: false } },
          y: { field: 'mlp', type: 'quantitative', title: `MLP ${t}`, scale: { zero: false } },
          color: { field: 'dk', type: 'ordinal', title: 'Δk (Å⁻¹)' },
        },
      },
    ],
  };
}

/** An RMSE value of the MLP at one Δk on one dataset (train or test). */
export interface RmseChartRow {
  dk: number;
  dataset: string;
  quantity: string;
  rmse: number;
}

/** Fig. 2b/c: RMSE of energy, force and virial against Δk (Å⁻¹), training and test sets. */
export function rmseChart(rows: readonly RmseChartRow[]): VegaLiteSpec {
  return {
    $schema: VEGALITE_V5_SCHEMA,
    description: 'deltak: MLP RMSE against the Δk of its training data',
    data: { values: rows.map((r) => ({ ...r, panel: QUANTITY_AXIS[r.quantity] ? `RMSE ${QUANTITY_AXIS[r.quantity]}` : r.quantity })) },
    facet: { column: { field: 'panel', type: 'nominal', title: null } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 200,
      height: 160,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'dk', type: 'quantitative', title: 'Δk (Å⁻¹)' },
        y: { field: 'rmse', type: 'quantitative', title: 'RMSE (unit in header)' },
        color: { field: 'dataset', type: 'nominal', title: 'dataset' },
      },
    },
  };
}
