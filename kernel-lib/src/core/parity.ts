/**
 * MLP fidelity per Δk (docs/method.md §8, the paper's Fig. 2): RMSE of the MLP against DFT for energy
 * per atom (eV/atom), force components (eV/Å) and virial per atom (eV/atom), per Δk and
 * dataset, from the parity tables of `dp test -d`.
 */
import { from, type ColumnTable } from 'arquero';
import { withMeta } from './meta.js';

/** A data/prediction pair (the rows readDpTest returns). */
export interface ParityPair {
  quantity: string;
  data: number | null;
  pred: number;
}

/** The parity table of one model on one dataset. */
export interface ParityInput {
  /** Δk of the model's training data, Å⁻¹. */
  dk: number;
  /** "train" or "test". */
  dataset: string;
  table: ColumnTable | readonly ParityPair[];
}

/** One RMSE: quantity ∈ energy_per_atom | force | virial_per_atom; n = pairs used. */
export interface RmseRow {
  dk: number;
  dataset: string;
  quantity: string;
  unit: string;
  rmse: number | null;
  n: number;
  /** Pairs without a DFT label (data null), not counted. */
  unlabelled: number;
}

const QUANTITIES: Record<string, string> = { energy_per_atom: 'eV/atom', force: 'eV/Å', virial_per_atom: 'eV/atom' };

/**
 * RMSE per Δk, dataset and quantity, pooled over all inputs with the same Δk and dataset (e.g.
 * one `dp test` prefix per system size). Pairs whose DFT label is missing (null) are counted in
 * `unlabelled`, not in the RMSE; a quantity with no labelled pair has rmse null.
 */
export function parity(inputs: readonly ParityInput[]): ColumnTable {
  // inputs with the same Δk and dataset (one per tested system) are pooled into one RMSE
  const acc = new Map<string, { dk: number; dataset: string; quantity: string; unit: string; s: number; n: number; unlabelled: number }>();
  for (const inp of inputs) {
    const pairs = (Array.isArray(inp.table) ? inp.table : (inp.table as ColumnTable).objects()) as ParityPair[];
    for (const [quantity, unit] of Object.entries(QUANTITIES)) {
      const key = `${inp.dk}|${inp.dataset}|${quantity}`;
      const a = acc.get(key) ?? { dk: inp.dk, dataset: inp.dataset, quantity, unit, s: 0, n: 0, unlabelled: 0 };
      acc.set(key, a);
      for (const p of pairs) {
        if (p.quantity !== quantity) continue;
        if (p.data === null || p.data === undefined) {
          a.unlabelled++;
          continue;
        }
        const d = p.pred - p.data;
        if (!Number.isFinite(d)) throw new Error(`parity: a non-finite ${quantity} pair at Δk ${inp.dk} (${inp.dataset})`);
        a.s += d * d;
        a.n++;
      }
    }
  }
  const rows: RmseRow[] = [...acc.values()].map((a) => ({ dk: a.dk, dataset: a.dataset, quantity: a.quantity, unit: a.unit, rmse: a.n ? Math.sqrt(a.s / a.n) : null, n: a.n, unlabelled: a.unlabelled }));
  return withMeta(from(rows), { kind: 'parity-rmse', units: { dk: 'Å⁻¹', rmse: 'from column unit' } });
}
