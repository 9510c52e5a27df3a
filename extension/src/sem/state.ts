/**
 * State of the SEM view (docs/method.md §5, the paper's Fig. 4): SEMs of a DFT test set against Δk,
 * per group (metal × lattice × structure type), with the thresholds Δk_T^SEM of the payload.
 */
import type { SemPayload } from 'deltak/payloads';
import { panelOf, semData, semOrder, type SemDatum } from 'deltak/charts';
import { DELTAK_VERSION, formatDk } from 'deltak/charts';
import { checkArray, checkNumber, checkNumberOrNull, checkObject, checkSem, checkString } from '../common/validate.js';
import { UNKNOWN_SOURCE, type ExportContext } from '../common/context.js';

/** The value of the group selector that keeps every group. */
export const ALL = '*';
export { semOrder, type SemDatum } from 'deltak/charts';

/** A validated SEM payload and what it offers. */
export interface SemModel {
  payload: SemPayload;
  /** "metal lattice" groups in order of appearance. */
  groups: string[];
  sems: string[];
  structures: string[];
}

/** The user's choice: a "metal lattice" group or {@link ALL}, and the structure types picked in the legend. */
export interface SemState {
  group: string;
  /** Structure types picked in the chart's legend (the others faded), in the payload's order; [] = none picked. */
  legend: string[];
}

const uniq = <T>(xs: Iterable<T>): T[] => [...new Set(xs)];

/** The "metal lattice" label of a row. */
export const groupOf = panelOf;

/** Validate an untrusted payload of `application/vnd.deltak.sem.v1+json`. */
export function semModel(data: unknown): SemModel {
  const p = checkObject(data, 'SEM payload');
  if (p.version !== 1) throw new Error(`SEM payload: expected version 1, got ${JSON.stringify(p.version)}`);
  const rows = checkArray(p.sems, 'SEM payload field "sems"');
  if (rows.length === 0) throw new Error('SEM payload field "sems": expected at least one row');
  const seen = new Set<string>();
  rows.forEach((x, i) => {
    const r = checkObject(x, `SEM payload sems[${i}]`);
    for (const k of ['metal', 'lattice', 'structure']) checkString(r[k], `SEM payload sems[${i}].${k}`);
    checkSem(r.sem, `SEM payload sems[${i}].sem`);
    checkNumber(r.ref_dk, `SEM payload sems[${i}].ref_dk`);
    const dk = checkNumber(r.dk, `SEM payload sems[${i}].dk`);
    if (dk <= 0) throw new Error(`SEM payload sems[${i}].dk: expected Δk > 0 Å⁻¹, got ${dk}`);
    checkNumber(r.value, `SEM payload sems[${i}].value`);
    checkNumber(r.n_configs, `SEM payload sems[${i}].n_configs`);
    const key = JSON.stringify([r.metal, r.lattice, r.structure, r.sem, r.dk]);
    if (seen.has(key)) throw new Error(`SEM payload sems[${i}]: a second row for ${key}`);
    seen.add(key);
  });
  const options = checkObject(p.options, 'SEM payload field "options"');
  checkNumber(options.factor, 'SEM payload options.factor');
  checkNumber(options.reference_dk, 'SEM payload options.reference_dk');
  checkArray(p.thresholds, 'SEM payload field "thresholds"').forEach((x, i) => {
    const t = checkObject(x, `SEM payload thresholds[${i}]`);
    for (const k of ['metal', 'lattice', 'structure']) checkString(t[k], `SEM payload thresholds[${i}].${k}`);
    checkSem(t.sem, `SEM payload thresholds[${i}].sem`);
    for (const k of ['ref_dk', 'mad', 'factor', 'bound']) checkNumber(t[k], `SEM payload thresholds[${i}].${k}`);
    checkNumberOrNull(t.threshold_dk, `SEM payload thresholds[${i}].threshold_dk`);
  });
  const units = checkObject(p.units, 'SEM payload field "units"');
  const payload = data as SemPayload;
  const sems = uniq(payload.sems.map((r) => r.sem)).sort(semOrder);
  for (const s of sems) checkString(units[s], `SEM payload units["${s}"] (unit of ${s})`);
  return { payload, groups: uniq(payload.sems.map(groupOf)), sems, structures: uniq(payload.sems.map((r) => r.structure)) };
}

/** The chart's data: the selected series and their thresholds (at the threshold's value). */
export function semChartData(m: SemModel, s: Pick<SemState, 'group'>): SemDatum[] {
  const sel = (r: { metal: string; lattice: string }): boolean => s.group === ALL || groupOf(r) === s.group;
  return semData(m.payload.sems.filter(sel), m.payload.thresholds.filter(sel), m.payload.units);
}

/** The thresholds of the selection. */
export function semTableRows(m: SemModel, s: Pick<SemState, 'group'>): SemPayload['thresholds'] {
  return m.payload.thresholds.filter((t) => s.group === ALL || groupOf(t) === s.group);
}

/** `picked` as structure types of the payload, in its order (anything else is dropped: untrusted). */
export function legendOf(m: SemModel, picked: unknown): string[] {
  return Array.isArray(picked) ? m.structures.filter((s) => picked.includes(s)) : [];
}

/**
 * The state the view opens with: the payload's group (else every group) and legend picks, then
 * those saved in the notebook when they are this payload's (saved state is untrusted).
 */
export function initialSemState(m: SemModel, saved?: unknown): SemState {
  const ok = (g: unknown): g is string => typeof g === 'string' && (g === ALL || m.groups.includes(g));
  const fromPayload = m.payload.view?.group;
  let group = ok(fromPayload) ? fromPayload : ALL;
  let legend = legendOf(m, m.payload.view?.legend);
  const s = typeof saved === 'object' && saved !== null ? (saved as Record<string, unknown>) : {};
  if (ok(s.group)) group = s.group;
  if (Array.isArray(s.legend)) legend = legendOf(m, s.legend);
  return { group, legend };
}

/** The `dk.showSem(sem, { … })` call that opens the view in `state` (`sem` names the SEM table). */
export function semCode(m: SemModel, state: SemState, sem = 'sem'): string {
  const opts = [`factor: ${m.payload.options.factor}`];
  if (state.group !== ALL) opts.push(`group: ${JSON.stringify(state.group)}`);
  if (state.legend.length) opts.push(`legend: ${JSON.stringify(state.legend)}`);
  if (m.payload.source) opts.push(`source: ${JSON.stringify(m.payload.source)}`);
  return `dk.showSem(${sem}, { ${opts.join(', ')} });`;
}

/** The context of the SEM view's exports in its state. */
export function semExportContext(m: SemModel, state: SemState, version = DELTAK_VERSION): ExportContext {
  const units: Record<string, string> = { dk: 'Å⁻¹', ref_dk: 'Å⁻¹', threshold_dk: 'Å⁻¹' };
  for (const s of m.sems) units[s] = m.payload.units[s] ?? '';
  const shown = [state.group === ALL ? '' : state.group, state.legend.length ? `legend: ${state.legend.join(', ')}` : ''].filter(Boolean).join('; ');
  return {
    title: `SEMs of the test set against Δk (Å⁻¹) with thresholds Δk_T^SEM at f = ${m.payload.options.factor}`,
    factor: m.payload.options.factor,
    reference: `Δk ${formatDk(m.payload.options.reference_dk)} Å⁻¹ (x(ref) = 0)`,
    source: m.payload.source ?? UNKNOWN_SOURCE,
    version,
    ...(shown ? { selection: shown } : {}),
    units,
  };
}
