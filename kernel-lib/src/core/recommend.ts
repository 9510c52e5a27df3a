/**
 * The a-priori recommendation of docs/method.md §7: from the SEM thresholds of a small DFT test set,
 * the largest sampled Δk strictly below the minimum (or the mode) of {Δk_T^SEM}, and what it
 * saves in k-points for the user's training structures.
 */
import type { ColumnTable } from 'arquero';
import { tableMeta } from './meta.js';
import { asDk } from './comparison.js';
import { kpointGrid, type Cell } from './kpoints.js';
import type { SemName, SemThresholdRow } from './sem.js';

/** A training structure for the cost estimate: cell rows in Å, number of atoms. */
export interface CostStructure {
  name?: string;
  cell: Cell;
  natoms: number;
  /** Irreducible k-point count at a given mesh, when the caller knows the symmetry. */
  irreducible?: (mesh: [number, number, number]) => number;
}

/** Options of {@link recommendDk}. */
export interface RecommendOptions {
  /** SEMs that count; default ["F-RMSE", "V-RMSE"]. */
  sems?: readonly SemName[];
  /** "min" (most conservative, default) or "mode" (below the most frequent Δk_T^SEM). */
  rule?: 'min' | 'mode';
  /** The sampled Δk values (Å⁻¹); default: those the SEM thresholds were computed on. */
  dks?: readonly number[];
  /** Training structures for the k-point cost (full grids; irreducible when given). */
  structures?: readonly CostStructure[];
  /** The Δk (Å⁻¹) the saving is counted against, chosen by the user; default: see `trainingDks`. */
  baselineDk?: number;
  /**
   * The Δk (Å⁻¹) of the training data the MLPs were trained at. The default baseline is the
   * finest of them (the training data one would otherwise compute), not a finer DFT-only
   * reference of the test set; without them the baseline falls back to the finest sampled Δk,
   * and the cost says so.
   */
  trainingDks?: readonly number[];
}

/** k-point cost at the recommended Δk against a stated baseline Δk (and the finest sampled Δk). */
export interface KpointCost {
  /** The Δk (Å⁻¹) the saving is counted against. */
  baselineDk: number;
  /** Why that baseline: chosen by the user, the finest training Δk, or the fallback. */
  baselineReason: string;
  /** Σ N₁N₂N₃ over the structures at the baseline Δk. */
  fullBaseline: number;
  /** The finest sampled Δk (Å⁻¹), for comparison. */
  finestDk: number;
  /** Σ N₁N₂N₃ over the structures at the finest and the recommended Δk. */
  fullFinest: number;
  fullRecommended: number;
  /** fullBaseline / fullRecommended: how many times fewer k-points than at the baseline. */
  fullSaving: number;
  irreducibleBaseline: number | null;
  irreducibleFinest: number | null;
  irreducibleRecommended: number | null;
  /** irreducibleBaseline / irreducibleRecommended, or null without symmetry. */
  irreducibleSaving: number | null;
}

/**
 * The baseline Δk (Å⁻¹) of the k-point saving and why: `baselineDk` when given (chosen by the
 * user), else the finest of `trainingDks`, else the finest sampled Δk (stated as a fallback).
 */
export function savingBaseline(options: Pick<RecommendOptions, 'baselineDk' | 'trainingDks'>, finestSampledDk: number): { dk: number; reason: string } {
  if (options.baselineDk !== undefined) {
    if (typeof options.baselineDk !== 'number' || !(options.baselineDk > 0)) throw new Error(`recommendDk: baselineDk must be a Δk > 0 in Å⁻¹, got ${JSON.stringify(options.baselineDk)}`);
    return { dk: options.baselineDk, reason: `baseline Δk ${options.baselineDk} Å⁻¹, chosen by the user` };
  }
  if (options.trainingDks !== undefined) {
    const t = [...options.trainingDks];
    if (t.length === 0 || !t.every((d) => typeof d === 'number' && d > 0)) throw new Error(`recommendDk: trainingDks must be Δk values > 0 in Å⁻¹, got ${JSON.stringify(options.trainingDks)}`);
    const dk = Math.min(...t);
    return { dk, reason: `baseline Δk ${dk} Å⁻¹, the finest Δk of the training data (what the training data would otherwise be computed at; a finer Δk seen only in DFT references would overstate the saving)` };
  }
  return { dk: finestSampledDk, reason: `baseline Δk ${finestSampledDk} Å⁻¹, the finest sampled Δk of the test set: no training Δk was given (pass trainingDks or baselineDk; a DFT-only reference overstates the saving)` };
}

/** Result of {@link recommendDk}. */
export interface Recommendation {
  /** Recommended Δk, Å⁻¹, or null when no sampled Δk lies below the bound. */
  dk: number | null;
  /** The minimum (or mode) of Δk_T^SEM over groups and chosen SEMs, Å⁻¹; null (+∞) when none is reached. */
  bound: number | null;
  rule: 'min' | 'mode';
  sems: SemName[];
  /** The group and SEM that set the bound (rule "min"). */
  limitedBy: string | null;
  /** One sentence. */
  reason: string;
  cost: KpointCost | null;
}

const fmt = (x: number): string => (Number.isFinite(x) ? `${x} Å⁻¹` : 'never reached');

/**
 * Recommend Δk for training data from SEM thresholds (rows or table of `semThresholds`).
 * Rule "min": the largest sampled Δk strictly below min Δk_T^SEM over groups and the chosen SEMs
 * (null thresholds count as +∞); rule "mode": strictly below the most frequent Δk_T^SEM (ties:
 * the smaller). With `structures`, the k-point cost against a stated baseline Δk
 * ({@link savingBaseline}: the user's `baselineDk`, else the finest of `trainingDks`, else the
 * finest sampled Δk) and against the finest sampled Δk.
 */
export function recommendDk(semThresholds: ColumnTable | readonly SemThresholdRow[], options: RecommendOptions = {}): Recommendation {
  const sems = [...(options.sems ?? (['F-RMSE', 'V-RMSE'] as SemName[]))];
  const rule = options.rule ?? 'min';
  const table = Array.isArray(semThresholds) ? null : (semThresholds as ColumnTable);
  const rows = (table ? table.objects() : semThresholds) as SemThresholdRow[];
  const dks = [...(options.dks ?? ((table && (tableMeta(table)?.notes?.dks as number[] | undefined)) || []))].sort((a, b) => a - b);
  if (dks.length === 0) throw new Error('recommendDk: the sampled Δk values are unknown: pass options.dks');
  const sel = rows.filter((r) => sems.includes(r.sem));
  // the minimum over the chosen SEMs (docs/method.md §7) needs every one of them
  const missing = sems.filter((m) => !rows.some((r) => r.sem === m));
  if (missing.length > 0) {
    throw new Error(`recommendDk: no SEM thresholds for ${missing.join(', ')} (the table has ${[...new Set(rows.map((r) => r.sem))].join(', ') || 'none'}); pass options.sems to choose others`);
  }
  const label = (r: SemThresholdRow): string => `${[r.metal, r.lattice, r.structure].filter((x) => x !== undefined).join(' ')} ${r.sem}`;
  let bound: number;
  let limitedBy: string | null = null;
  if (rule === 'min') {
    const best = sel.reduce((a, b) => (asDk(b.threshold_dk as number | null) < asDk(a.threshold_dk as number | null) ? b : a));
    bound = asDk(best.threshold_dk as number | null);
    limitedBy = Number.isFinite(bound) ? label(best) : null;
  } else if (rule === 'mode') {
    const counts = new Map<number, number>();
    for (const r of sel) counts.set(asDk(r.threshold_dk as number | null), (counts.get(asDk(r.threshold_dk as number | null)) ?? 0) + 1);
    bound = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0];
  } else {
    throw new Error(`recommendDk: rule must be "min" or "mode", got ${String(rule)}`);
  }
  const below = dks.filter((d) => d < bound);
  const dk = below.length ? below[below.length - 1] : null;
  const what = rule === 'min' ? 'minimum' : 'most frequent';
  const reason =
    dk === null
      ? `No sampled Δk lies below the ${what} SEM threshold (${fmt(bound)}${limitedBy ? `, ${limitedBy}` : ''}): sample finer Δk.`
      : `Δk = ${dk} Å⁻¹ is the largest sampled spacing strictly below the ${what} ${sems.join('/')} threshold ${fmt(bound)}${limitedBy ? ` (set by ${limitedBy})` : ''} over ${sel.length} group thresholds.`;
  let cost: KpointCost | null = null;
  const baseline = savingBaseline(options, dks[0]);
  if (dk !== null && options.structures && options.structures.length) {
    const finestDk = dks[0];
    let fullFinest = 0, fullRecommended = 0, fullBaseline = 0, irrF = 0, irrR = 0, irrB = 0;
    let haveIrr = true;
    for (const s of options.structures) {
      const gf = kpointGrid(s.cell, finestDk), gr = kpointGrid(s.cell, dk), gb = kpointGrid(s.cell, baseline.dk);
      fullFinest += gf.nKpoints;
      fullRecommended += gr.nKpoints;
      fullBaseline += gb.nKpoints;
      if (s.irreducible) {
        irrF += s.irreducible(gf.mesh);
        irrR += s.irreducible(gr.mesh);
        irrB += s.irreducible(gb.mesh);
      } else haveIrr = false;
    }
    cost = {
      baselineDk: baseline.dk, baselineReason: baseline.reason, fullBaseline,
      finestDk, fullFinest, fullRecommended, fullSaving: fullBaseline / fullRecommended,
      irreducibleBaseline: haveIrr ? irrB : null, irreducibleFinest: haveIrr ? irrF : null, irreducibleRecommended: haveIrr ? irrR : null,
      irreducibleSaving: haveIrr ? irrB / irrR : null,
    };
  }
  return { dk, bound: Number.isFinite(bound) ? bound : null, rule, sems, limitedBy, reason, cost };
}
