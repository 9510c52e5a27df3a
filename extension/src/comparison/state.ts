/**
 * State of the comparison view (docs/method.md §6–7, the paper's Fig. 5): shares of exact, conservative
 * and mismatched SEM thresholds per metal and per SEM, and the recommended Δk.
 */
import { outcome, type ComparisonRow, type Outcome } from 'deltak/core';
import { coverageSentence, OUTCOME_ORDER } from 'deltak/charts';
import type { ComparisonPayload } from 'deltak/payloads';
import { checkArray, checkNumber, checkNumberOrNull, checkObject, checkSem, checkString } from '../common/validate.js';

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
    for (const k of ['metal', 'lattice', 'property', 'structure']) checkString(r[k], `comparison payload pairs[${i}].${k}`);
    checkSem(r.sem, `comparison payload pairs[${i}].sem`);
    const m = checkNumberOrNull(r.mlp_dk, `comparison payload pairs[${i}].mlp_dk`);
    const s = checkNumberOrNull(r.sem_dk, `comparison payload pairs[${i}].sem_dk`);
    if (!OUTCOME_ORDER.includes(r.outcome as Outcome)) {
      throw new Error(`comparison payload pairs[${i}].outcome: expected one of ${OUTCOME_ORDER.join(', ')}, got ${JSON.stringify(r.outcome)}`);
    }
    if (outcome(s, m) !== r.outcome) {
      throw new Error(`comparison payload pairs[${i}]: outcome "${String(r.outcome)}" contradicts Δk_T^SEM ${s ?? 'none'} and Δk_T^MLP ${m ?? 'none'} Å⁻¹ (expected "${outcome(s, m)}")`);
    }
  });
  const rec = checkObject(p.recommendation, 'comparison payload field "recommendation"');
  checkNumberOrNull(rec.dk, 'comparison payload recommendation.dk');
  checkNumberOrNull(rec.bound, 'comparison payload recommendation.bound');
  if (rec.rule !== 'min' && rec.rule !== 'mode') {
    throw new Error(`comparison payload recommendation.rule: expected "min" or "mode", got ${JSON.stringify(rec.rule)}`);
  }
  checkArray(rec.sems, 'comparison payload recommendation.sems').forEach((s, i) => checkSem(s, `comparison payload recommendation.sems[${i}]`));
  if (rec.limitedBy !== null) checkString(rec.limitedBy, 'comparison payload recommendation.limitedBy');
  checkString(rec.reason, 'comparison payload recommendation.reason');
  if (rec.cost !== null) {
    const c = checkObject(rec.cost, 'comparison payload recommendation.cost');
    for (const k of ['baselineDk', 'fullBaseline', 'finestDk', 'fullFinest', 'fullRecommended', 'fullSaving']) checkNumber(c[k], `comparison payload recommendation.cost.${k}`);
    checkString(c.baselineReason, 'comparison payload recommendation.cost.baselineReason');
    for (const k of ['irreducibleBaseline', 'irreducibleFinest', 'irreducibleRecommended', 'irreducibleSaving']) checkNumberOrNull(c[k], `comparison payload recommendation.cost.${k}`);
  }
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
  outcome: Outcome;
  count: number;
  /** Of the group's pairs, %. */
  percent: number;
  total: number;
}

/** Shares of each outcome per metal and per SEM (every outcome listed, zero counts included). */
export function shares(pairs: readonly ComparisonRow[]): ShareRow[] {
  const out: ShareRow[] = [];
  for (const by of ['metal', 'SEM'] as const) {
    const key = (p: ComparisonRow): string => (by === 'metal' ? p.metal : p.sem);
    const groups = [...new Set(pairs.map(key))];
    for (const g of groups) {
      const inGroup = pairs.filter((p) => key(p) === g);
      for (const o of OUTCOME_ORDER) {
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
  const c = r.cost;
  const rule = r.rule === 'min' ? 'the largest sampled Δk below the smallest' : 'the largest sampled Δk below the most frequent';
  const over = r.sems.length ? ` of ${r.sems.join(', ')}` : '';
  if (r.dk === null) {
    return `No recommendation: no sampled Δk lies below the SEM thresholds${over}; use the finest Δk${c === null ? '' : `, ${c.finestDk} Å⁻¹`}.`;
  }
  let s = `Recommended Δk for training data: ${r.dk} Å⁻¹ (${rule} SEM threshold${over}, ${r.bound === null ? 'none reached' : `${r.bound} Å⁻¹`}).`;
  if (c !== null) {
    s += ` k-points: ${c.fullRecommended} at ${r.dk} Å⁻¹ against ${c.fullBaseline} at the baseline ${c.baselineDk} Å⁻¹, ${Number(c.fullSaving.toPrecision(3))}× fewer`;
    s += c.finestDk !== c.baselineDk ? ` (${Number((c.fullFinest / c.fullRecommended).toPrecision(3))}× against the finest sampled ${c.finestDk} Å⁻¹).` : '.';
    if (c.baselineReason) s += ` Baseline: ${c.baselineReason}.`;
  }
  return s;
}

/** The coverage at the recommended Δk, one sentence per metal × lattice ("" without coverage). */
export function coverageText(p: ComparisonPayload): string {
  return (p.coverage ?? []).map((c) => `Coverage, ${coverageSentence(c)}.`).join(' ');
}
