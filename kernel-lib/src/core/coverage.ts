/**
 * Coverage (docs/method.md §7): the share of a method's properties (MLP by default) that stay
 * inside their band |x(Δk) − x_ref| < f·MAD_max at one Δk, per metal and lattice: the paper's
 * check of a recommended Δk. Bands, references and exclusions are those of {@link thresholdRows}.
 */
import { from, type ColumnTable } from 'arquero';
import { withMeta } from './meta.js';
import { analysedRows, describeReference, insideBand, thresholdRows, type ThresholdOptions } from './convergence.js';
import { sweepRows, type SweepInput } from './sweep.js';

/** Options of {@link coverage}: the threshold options plus the method judged. */
export interface CoverageOptions extends ThresholdOptions {
  /** Method whose properties are counted; default "MLP". */
  method?: string;
}

/** Coverage at one Δk (Å⁻¹) of one metal × lattice. */
export interface CoverageRow {
  metal: string;
  lattice: string;
  method: string;
  dk: number;
  /** Properties with a value at this Δk that the analysis uses. */
  n: number;
  /** Of those, how many lie inside their band (|x − x_ref| < f·MAD_max). */
  inside: number;
  /** 100 · inside / n, %. */
  percent: number;
  /** The properties outside their band, comma-separated ("" when none). */
  outside: string;
  /** Properties of this metal × lattice × method with no value used at this Δk: left out as moduli of an unstable C, or never computed there. */
  not_counted: string;
}

/** Units of the coverage table. */
export const COVERAGE_UNITS: Record<string, string> = { dk: 'Å⁻¹', n: 'properties', inside: 'properties', percent: '%' };

/**
 * Coverage at every Δk of `method` (default MLP), per metal × lattice: of the properties with a
 * value at that Δk, the share inside their band |x(Δk) − x_ref| < f·MAD_max (the complement of
 * the Δk_T test of docs/method.md §4, so a value exactly on the bound is outside). The band uses
 * the same factor, reference (single Δk or anchor) and exclusion of unstable moduli as
 * {@link thresholdRows}; excluded and missing properties are named in `not_counted`. With `dk`,
 * only that Δk (an error when no curve of the method has it).
 */
export function coverageRows(sweep: SweepInput, options: CoverageOptions & { dk?: number } = {}): CoverageRow[] {
  const method = options.method ?? 'MLP';
  const rows = sweepRows(sweep);
  const th = thresholdRows(rows, options).filter((t) => t.method === method);
  if (th.length === 0) throw new Error(`coverage: no property curves of method ${method} (methods present: ${[...new Set(rows.map((r) => r.method))].join(', ')})`);
  const { kept, excluded } = analysedRows(rows, options.unstable);
  const band = new Map(th.map((t) => [JSON.stringify([t.metal, t.lattice, t.property]), t]));
  const groups = new Map<string, { metal: string; lattice: string; properties: string[]; dks: Set<number> }>();
  for (const t of th) {
    const k = JSON.stringify([t.metal, t.lattice]);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { metal: t.metal, lattice: t.lattice, properties: [], dks: new Set() }));
    g.properties.push(t.property);
  }
  const mine = kept.filter((r) => r.method === method);
  for (const r of mine) groups.get(JSON.stringify([r.metal, r.lattice]))!.dks.add(r.dk);
  if (options.dk !== undefined && ![...groups.values()].some((g) => g.dks.has(options.dk!))) {
    throw new Error(`coverage: no ${method} property has a value at Δk ${options.dk} Å⁻¹ (has ${[...new Set(mine.map((r) => r.dk))].sort((a, b) => a - b).join(', ')})`);
  }
  const out: CoverageRow[] = [];
  for (const g of groups.values()) {
    const dks = [...g.dks].sort((a, b) => a - b).filter((d) => options.dk === undefined || d === options.dk);
    for (const dk of dks) {
      const here = mine.filter((r) => r.metal === g.metal && r.lattice === g.lattice && r.dk === dk);
      const outside: string[] = [];
      for (const r of here) {
        const t = band.get(JSON.stringify([r.metal, r.lattice, r.property]))!;
        if (!insideBand(r.value, t.ref_value, t.bound)) outside.push(r.property);
      }
      const counted = new Set(here.map((r) => r.property));
      const notCounted = g.properties.filter((p) => !counted.has(p)).map((p) => {
        const ex = excluded.find((e) => e.method === method && e.metal === g.metal && e.lattice === g.lattice && e.property === p && e.dk === dk);
        return ex ? `${p} (${ex.reason})` : `${p} (no value)`;
      });
      out.push({
        metal: g.metal, lattice: g.lattice, method, dk, n: here.length, inside: here.length - outside.length,
        percent: (100 * (here.length - outside.length)) / here.length,
        outside: outside.join(', '), not_counted: notCounted.join('; '),
      });
    }
  }
  return out;
}

/** {@link coverageRows} as an arquero table, with units, factor, reference and exclusions in its metadata. */
export function coverage(sweep: SweepInput, options: CoverageOptions & { dk?: number } = {}): ColumnTable {
  return withMeta(from(coverageRows(sweep, options)), {
    kind: 'coverage',
    units: { ...COVERAGE_UNITS },
    notes: {
      method: options.method ?? 'MLP', factor: options.factor ?? 0.5, reference: options.reference ?? 'auto',
      reference_text: describeReference(options.reference ?? 'auto'), unstable: options.unstable ?? 'exclude',
      band: '|x(Δk) − x_ref| < factor · MAD_max',
    },
  });
}
