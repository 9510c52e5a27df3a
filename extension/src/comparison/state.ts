/**
 * State of the comparison view (docs/method.md §6–7, the paper's Fig. 5): shares of exact, conservative
 * and mismatched SEM thresholds per metal and per SEM, and the recommended Δk.
 */
import type { ComparisonOutcome, ComparisonPair, ComparisonPayload } from 'deltak/payloads';
import { checkArray, checkNumber, checkNumberOrNull, checkObject, checkString } from '../common/validate.js';

/** The outcomes in drawing order. */
export const OUTCOMES: readonly ComparisonOutcome[] = ['exact', 'conservative', 'mismatch'];

/** The outcome of a pair from its two thresholds (null = +∞), docs/method.md §6. */
export function outcomeOf(semDk: number | null, mlpDk: number | null): ComparisonOutcome {
  const s = semDk ?? Infinity, m = mlpDk ?? Infinity;
  return s === m ? 'exact' : s < m ? 'conservative' : 'mismatch';
}

/**
 * Validate an untrusted payload of `application/vnd.deltak.comparison.v1+json`; a pair whose
 * outcome contradicts its thresholds is an error naming the pair.
 */
export function comparisonModel(data: unknown): ComparisonPayload {
  const p = checkObject(data, 'comparison payload');
  if (p.version !== 1) throw new Error(`comparison payload: expected version 1, got ${JSON.stringify(p.version)}`);
  const pairs = checkArray(p.pairs, 'comparison payload field "pairs"');
  pairs.forEach((x, i) => {
    const r = checkObject(x, `comparison payload pairs[${i}]`);
    for (const k of ['metal', 'lattice', 'property', 'structure', 'sem']) checkString(r[k], `comparison payload pairs[${i}].${k}`);
    const m = checkNumberOrNull(r.mlp_threshold_dk, `comparison payload pairs[${i}].mlp_threshold_dk`);
    const s = checkNumberOrNull(r.sem_threshold_dk, `comparison payload pairs[${i}].sem_threshold_dk`);
    if (!OUTCOMES.includes(r.outcome as ComparisonOutcome)) {
      throw new Error(`comparison payload pairs[${i}].outcome: expected one of ${OUTCOMES.join(', ')}, got ${JSON.stringify(r.outcome)}`);
    }
    if (outcomeOf(s, m) !== r.outcome) {
      throw new Error(`comparison payload pairs[${i}]: outcome "${String(r.outcome)}" contradicts Δk_T^SEM ${s ?? 'none'} and Δk_T^MLP ${m ?? 'none'} Å⁻¹ (expected "${outcomeOf(s, m)}")`);
    }
  });
  const rec = checkObject(p.recommendation, 'comparison payload field "recommendation"');
  checkNumberOrNull(rec.dk, 'comparison payload recommendation.dk');
  checkNumberOrNull(rec.threshold_dk, 'comparison payload recommendation.threshold_dk');
  if (rec.finest_dk !== undefined) checkNumber(rec.finest_dk, 'comparison payload recommendation.finest_dk');
  if (rec.rule !== 'below-min' && rec.rule !== 'below-mode') {
    throw new Error(`comparison payload recommendation.rule: expected "below-min" or "below-mode", got ${JSON.stringify(rec.rule)}`);
  }
  checkArray(rec.sems, 'comparison payload recommendation.sems').forEach((s, i) => checkString(s, `comparison payload recommendation.sems[${i}]`));
  if (rec.kpoints !== undefined) {
    const k = checkObject(rec.kpoints, 'comparison payload recommendation.kpoints');
    checkNumber(k.recommended, 'comparison payload recommendation.kpoints.recommended');
    checkNumber(k.finest, 'comparison payload recommendation.kpoints.finest');
    if (k.baseline !== undefined) checkNumber(k.baseline, 'comparison payload recommendation.kpoints.baseline');
  }
  if (rec.baseline_dk !== undefined) checkNumber(rec.baseline_dk, 'comparison payload recommendation.baseline_dk');
  if (rec.baseline_reason !== undefined) checkString(rec.baseline_reason, 'comparison payload recommendation.baseline_reason');
  if (p.coverage !== undefined) {
    checkArray(p.coverage, 'comparison payload field "coverage"').forEach((x, i) => {
      const c = checkObject(x, `comparison payload coverage[${i}]`);
      for (const k of ['metal', 'lattice', 'method', 'outside', 'not_counted']) checkString(c[k], `comparison payload coverage[${i}].${k}`);
      for (const k of ['dk', 'n', 'inside', 'percent']) checkNumber(c[k], `comparison payload coverage[${i}].${k}`);
    });
  }
  checkObject(p.units, 'comparison payload field "units"');
  return data as ComparisonPayload;
}

/** One bar segment: the share (%) of one outcome within one group. */
export interface ShareRow {
  by: 'metal' | 'SEM';
  group: string;
  outcome: ComparisonOutcome;
  count: number;
  /** Of the group's pairs, %. */
  percent: number;
  total: number;
}

/** Shares of each outcome per metal and per SEM (every outcome listed, zero counts included). */
export function shares(pairs: readonly ComparisonPair[]): ShareRow[] {
  const out: ShareRow[] = [];
  for (const by of ['metal', 'SEM'] as const) {
    const key = (p: ComparisonPair): string => (by === 'metal' ? p.metal : p.sem);
    const groups = [...new Set(pairs.map(key))];
    for (const g of groups) {
      const inGroup = pairs.filter((p) => key(p) === g);
      for (const o of OUTCOMES) {
        const count = inGroup.filter((p) => p.outcome === o).length;
        out.push({ by, group: g, outcome: o, count, total: inGroup.length, percent: (100 * count) / inGroup.length });
      }
    }
  }
  return out;
}

/** The recommendation as a sentence (Δk in Å⁻¹), with the k-point saving when known. */
export function recommendationText(p: ComparisonPayload): string {
  const r = p.recommendation;
  const rule = r.rule === 'below-min' ? 'the largest sampled Δk below the smallest' : 'the largest sampled Δk below the most frequent';
  const over = r.sems.length ? ` of ${r.sems.join(', ')}` : '';
  if (r.dk === null) {
    return `No recommendation: no sampled Δk lies below the SEM thresholds${over}; use the finest Δk${r.finest_dk === undefined ? '' : `, ${r.finest_dk} Å⁻¹`}.`;
  }
  let s = `Recommended Δk for training data: ${r.dk} Å⁻¹ (${rule} SEM threshold${over}, ${r.threshold_dk === null ? 'none reached' : `${r.threshold_dk} Å⁻¹`}).`;
  if (r.kpoints && r.kpoints.baseline !== undefined && r.baseline_dk !== undefined) {
    const ratio = r.kpoints.baseline / r.kpoints.recommended;
    s += ` k-points: ${r.kpoints.recommended} at ${r.dk} Å⁻¹ against ${r.kpoints.baseline} at the baseline ${r.baseline_dk} Å⁻¹, ${Number(ratio.toPrecision(3))}× fewer`;
    s += r.finest_dk !== undefined && r.finest_dk !== r.baseline_dk ? ` (${Number((r.kpoints.finest / r.kpoints.recommended).toPrecision(3))}× against the finest sampled ${r.finest_dk} Å⁻¹).` : '.';
    if (r.baseline_reason) s += ` Baseline: ${r.baseline_reason}.`;
  } else if (r.kpoints) {
    const ratio = r.kpoints.finest / r.kpoints.recommended;
    const finest = r.finest_dk === undefined ? 'the finest Δk' : `${r.finest_dk} Å⁻¹`;
    s += ` k-points: ${r.kpoints.recommended} at ${r.dk} Å⁻¹ against ${r.kpoints.finest} at ${finest}, ${Number(ratio.toPrecision(3))}× fewer.`;
  }
  return s;
}

/** The coverage at the recommended Δk, one sentence per metal × lattice ("" without coverage). */
export function coverageText(p: ComparisonPayload): string {
  return (p.coverage ?? [])
    .map((c) => `Coverage, ${c.metal} ${c.lattice}: ${c.inside} of ${c.n} ${c.method} properties inside their band at ${c.dk} Å⁻¹ (${Number(c.percent.toFixed(1))} %)${c.outside ? `; outside: ${c.outside}` : ''}${c.not_counted ? `; not counted: ${c.not_counted}` : ''}.`)
    .join(' ');
}
