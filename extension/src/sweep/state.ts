/**
 * State of the Δk-sweep widget, without any DOM: what the user chose (property, metal, lattice,
 * visible methods, criterion factor, reference Δk), the thresholds for that choice, computed
 * with deltak's core (`thresholdRows`), and the rows of the chart and of the table.
 */
import { analysedRows, methodOrder, sweepRows, thresholdRows, type ReferenceOption, type SweepRow, type ThresholdRow } from 'deltak/core';
import { sweepData, type SweepDatum } from 'deltak/charts';
import { DELTAK_VERSION, formatFactor } from 'deltak/charts';
import type { SweepPayload, SweepViewOptions } from 'deltak/payloads';
import { checkArray, checkObject, checkNumber } from '../common/validate.js';
import { toCsv } from '../common/csv.js';
import { UNKNOWN_SOURCE, type ExportContext } from '../common/context.js';

export { formatNumber } from 'deltak/charts';

/** The criterion-factor slider's range and step (dimensionless). */
export const FACTOR_MIN = 0.1;
export const FACTOR_MAX = 1.0;
export const FACTOR_STEP = 0.05;
/** The factor used when the payload has none. */
export const FACTOR_DEFAULT = 0.5;
/** The value of a metal/lattice selector that keeps every value. */
export const ALL = '*';

/** A reference-Δk choice: a rule, one Δk (Å⁻¹) for every curve, or the payload's own option. */
export type ReferenceChoice = 'auto' | 'min' | 'payload' | `dk:${number}`;

/** What the user has chosen. */
export interface SweepState {
  property: string;
  /** A metal, or {@link ALL}. */
  metal: string;
  /** A lattice, or {@link ALL}. */
  lattice: string;
  /** Methods drawn, in display order. */
  methods: string[];
  /** Criterion factor f (dimensionless), within [FACTOR_MIN, FACTOR_MAX]. */
  factor: number;
  reference: ReferenceChoice;
  /** Values far outside the band drawn at the edge of the range. */
  clip: boolean;
  /** Methods picked in the chart's legend (the others faded); [] = none picked. */
  legend: string[];
}

/** The choices the data offers, each list in display order. */
export interface SweepChoices {
  properties: string[];
  /** Unit of each property. */
  units: Map<string, string>;
  metals: string[];
  lattices: string[];
  methods: string[];
  /** Reference choices with their labels (Δk in Å⁻¹). */
  references: { value: ReferenceChoice; label: string }[];
}

/** A validated sweep payload with the choices it offers. */
export interface SweepModel {
  payload: SweepPayload;
  rows: SweepRow[];
  choices: SweepChoices;
}

const uniq = <T>(xs: Iterable<T>): T[] => [...new Set(xs)];

/**
 * Validate an untrusted payload of `application/vnd.deltak.sweep.v1+json`; errors say which
 * field is wrong and what was expected.
 */
export function sweepModel(data: unknown): SweepModel {
  const p = checkObject(data, 'sweep payload');
  if (p.version !== 1) throw new Error(`sweep payload: expected version 1, got ${JSON.stringify(p.version)}`);
  if (p.kind !== 'sweep' && p.kind !== 'thresholds') {
    throw new Error(`sweep payload: expected kind "sweep" or "thresholds", got ${JSON.stringify(p.kind)}`);
  }
  const rows = sweepRows(checkArray(p.sweep, 'sweep payload field "sweep"') as SweepRow[]);
  const options = checkObject(p.options, 'sweep payload field "options"');
  checkNumber(options.factor, 'sweep payload field "options.factor"');
  checkArray(p.thresholds, 'sweep payload field "thresholds"');
  const payload = data as SweepPayload;
  const units = new Map<string, string>();
  for (const r of rows) if (!units.has(r.property)) units.set(r.property, r.unit);
  const dksByCurve = new Map<string, Set<number>>();
  for (const r of rows) {
    const k = JSON.stringify([r.metal, r.lattice, r.property, r.method]);
    let s = dksByCurve.get(k);
    if (!s) dksByCurve.set(k, (s = new Set()));
    s.add(r.dk);
  }
  // A single Δk can be the reference of every curve only if every curve has it.
  const common = uniq(rows.map((r) => r.dk))
    .filter((dk) => [...dksByCurve.values()].every((s) => s.has(dk)))
    .sort((a, b) => a - b);
  const references: SweepChoices['references'] = [
    { value: 'auto', label: 'auto (DFT 0.09 Å⁻¹ if present, others their smallest Δk)' },
    { value: 'min', label: 'smallest Δk of each curve' },
  ];
  if (typeof payload.options.reference === 'object') {
    references.push({ value: 'payload', label: `as computed: ${JSON.stringify(payload.options.reference)}` });
  }
  // a reference Δk offers a threshold only when some curve has a coarser Δk to search
  const coarser = (dk: number): boolean => [...dksByCurve.values()].some((s) => [...s].some((x) => x > dk));
  for (const dk of common.filter(coarser)) references.push({ value: `dk:${dk}`, label: `${dk} Å⁻¹ for every curve` });
  return {
    payload,
    rows,
    choices: {
      properties: uniq(rows.map((r) => r.property)),
      units,
      metals: uniq(rows.map((r) => r.metal)),
      lattices: uniq(rows.map((r) => r.lattice)),
      methods: uniq(rows.map((r) => r.method)).sort(methodOrder),
      references,
    },
  };
}

/** Clamp and round a factor to the slider's grid (a payload value off the grid is kept exactly). */
export function clampFactor(f: number): number {
  if (!Number.isFinite(f)) return FACTOR_DEFAULT;
  return Math.min(FACTOR_MAX, Math.max(FACTOR_MIN, f));
}

/** The reference choice that reproduces the payload's own `reference` option. */
export function referenceChoiceOf(reference: ReferenceOption, choices: SweepChoices): ReferenceChoice {
  if (reference === 'auto' || reference === 'min') return reference;
  if (typeof reference === 'number') {
    const c = `dk:${reference}` as ReferenceChoice;
    if (choices.references.some((r) => r.value === c)) return c;
    throw new Error(`sweep payload: reference Δk ${reference} Å⁻¹ is not in every curve`);
  }
  return 'payload';
}

/**
 * The state a payload opens with: the payload's view options (else its first property, every
 * metal, lattice and method, no clipping), then the state saved in the notebook when there is
 * one. Saved state is untrusted: a field that is not valid for this payload (a property no longer
 * in the data, a factor off the slider) is left at the payload's value.
 */
export function initialState(model: SweepModel, saved?: unknown): SweepState {
  const v: SweepViewOptions = model.payload.view ?? {};
  let state: SweepState = {
    property: model.choices.properties[0],
    metal: ALL,
    lattice: ALL,
    methods: [...model.choices.methods],
    factor: clampFactor(model.payload.options.factor ?? FACTOR_DEFAULT),
    reference: referenceChoiceOf(model.payload.options.reference ?? 'auto', model.choices),
    clip: false,
    legend: [],
  };
  const apply = (change: Record<string, unknown>): void => {
    for (const [k, x] of Object.entries(change)) {
      if (x === undefined) continue;
      try {
        state = update(model, state, { [k]: x } as Partial<SweepState>);
      } catch {
        // not valid for this payload: keep what the payload says
      }
    }
  };
  apply({ property: v.property, metal: v.metal, lattice: v.lattice, methods: v.methods, clip: v.clip, legend: v.legend });
  if (typeof saved === 'object' && saved !== null && !Array.isArray(saved)) {
    const s = saved as Record<string, unknown>;
    apply({
      property: s.property, metal: s.metal, lattice: s.lattice, methods: s.methods, clip: s.clip, legend: s.legend,
      factor: s.factor, reference: s.reference,
    });
  }
  return state;
}

/** The state as saved in the notebook (plain JSON; {@link initialState} reads it back). */
export function savedState(state: SweepState): Record<string, unknown> {
  return { ...state, methods: [...state.methods], legend: [...state.legend] };
}

/** A value as TypeScript source (JSON is valid TypeScript for strings, numbers, arrays, objects). */
const src = (x: unknown): string => JSON.stringify(x);

/**
 * The `dk.showSweep(sweep, { … })` call that opens the widget in `state`: factor and reference
 * always, the view options (property, metal, lattice, methods, clip, legend) where they differ
 * from what the widget opens on by default. `sweep` names the data shown (rows or table).
 */
export function sweepCode(model: SweepModel, state: SweepState, sweep = 'sweep'): string {
  const o = model.payload.options;
  const opts: string[] = [`factor: ${state.factor}`, `reference: ${src(referenceOption(state.reference, model.payload))}`];
  if (o.unstable !== undefined && o.unstable !== 'exclude') opts.push(`unstable: ${src(o.unstable)}`);
  if (state.property !== model.choices.properties[0]) opts.push(`property: ${src(state.property)}`);
  if (state.metal !== ALL) opts.push(`metal: ${src(state.metal)}`);
  if (state.lattice !== ALL) opts.push(`lattice: ${src(state.lattice)}`);
  if (state.methods.length !== model.choices.methods.length) opts.push(`methods: ${src(state.methods)}`);
  if (state.clip) opts.push('clip: true');
  if (state.legend.length) opts.push(`legend: ${src(state.legend)}`);
  if (model.payload.source) opts.push(`source: ${src(model.payload.source)}`);
  return `dk.showSweep(${sweep}, { ${opts.join(', ')} });`;
}

/** The `reference` option of deltak's core for a choice. */
export function referenceOption(choice: ReferenceChoice, payload: SweepPayload): ReferenceOption {
  if (choice === 'auto' || choice === 'min') return choice;
  if (choice === 'payload') return payload.options.reference;
  return Number(choice.slice(3));
}

/** A change of state; invalid values are errors naming the field. */
export function update(model: SweepModel, state: SweepState, change: Partial<SweepState>): SweepState {
  const next = { ...state, ...change };
  const c = model.choices;
  if (!c.properties.includes(next.property)) throw new Error(`unknown property ${JSON.stringify(next.property)}`);
  if (next.metal !== ALL && !c.metals.includes(next.metal)) throw new Error(`unknown metal ${JSON.stringify(next.metal)}`);
  if (next.lattice !== ALL && !c.lattices.includes(next.lattice)) throw new Error(`unknown lattice ${JSON.stringify(next.lattice)}`);
  if (!Array.isArray(next.methods)) throw new Error('methods must be a list of methods');
  for (const m of next.methods) if (!c.methods.includes(m)) throw new Error(`unknown method ${JSON.stringify(m)}`);
  next.methods = c.methods.filter((m) => next.methods.includes(m));
  if (!Array.isArray(next.legend)) throw new Error('legend must be a list of methods');
  for (const m of next.legend) if (!c.methods.includes(m)) throw new Error(`unknown method ${JSON.stringify(m)} in the legend`);
  next.legend = c.methods.filter((m) => next.legend.includes(m));
  if (typeof next.clip !== 'boolean') throw new Error(`clip must be true or false, got ${JSON.stringify(next.clip)}`);
  if (typeof next.factor !== 'number') throw new Error(`factor must be a number, got ${JSON.stringify(next.factor)}`);
  if (!(next.factor >= FACTOR_MIN && next.factor <= FACTOR_MAX)) {
    throw new Error(`factor must be within [${FACTOR_MIN}, ${FACTOR_MAX}], got ${next.factor}`);
  }
  if (!c.references.some((r) => r.value === next.reference)) throw new Error(`unknown reference choice ${next.reference}`);
  return next;
}

/**
 * Thresholds of the whole sweep at the state's factor and reference, by deltak's core; the
 * last result is cached (moving a selector does not recompute).
 */
export class ThresholdCache {
  private key = '';
  private value: ThresholdRow[] = [];
  constructor(private readonly model: SweepModel) {}
  /** The thresholds for `state` (Δk in Å⁻¹, values in the property's unit). */
  get(state: Pick<SweepState, 'factor' | 'reference'>): ThresholdRow[] {
    const key = `${state.factor}|${state.reference}`;
    if (key !== this.key) {
      this.value = thresholdRows(this.model.rows, {
        factor: state.factor,
        reference: referenceOption(state.reference, this.model.payload),
        unstable: this.model.payload.options.unstable ?? 'exclude',
      });
      this.key = key;
    }
    return this.value;
  }
}

/** Whether a row (of the sweep or the thresholds) is in the state's selection. */
export function selected(state: SweepState, r: { property: string; metal: string; lattice: string; method: string }): boolean {
  return (
    r.property === state.property &&
    (state.metal === ALL || r.metal === state.metal) &&
    (state.lattice === ALL || r.lattice === state.lattice) &&
    state.methods.includes(r.method)
  );
}

/** The metals and lattices of the facet grid (rows × columns) for a state. */
export function facets(model: SweepModel, state: SweepState): { metals: string[]; lattices: string[] } {
  const present = model.rows.filter((r) => r.property === state.property);
  return {
    metals: model.choices.metals.filter((m) => (state.metal === ALL || m === state.metal) && present.some((r) => r.metal === m)),
    lattices: model.choices.lattices.filter((l) => (state.lattice === ALL || l === state.lattice) && present.some((r) => r.lattice === l)),
  };
}

/** One datum of the chart (deltak's sweep figure). */
export type ChartDatum = SweepDatum;

/**
 * The chart's data for a state: the selected curves (with their deviation from the reference),
 * their bands, references and Δk_T points; `clip` (default: the state's): outliers drawn at the edge of the range.
 */
export function chartData(model: SweepModel, state: SweepState, th: readonly ThresholdRow[], clip = state.clip): ChartDatum[] {
  const { excluded } = analysedRows(model.rows, model.payload.options.unstable ?? 'exclude');
  return sweepData(model.rows.filter((r) => selected(state, r)), th.filter((t) => selected(state, t)), { excluded, clip });
}

/** The table's rows for a state: the thresholds of the selection, in core order. */
export function tableRows(state: SweepState, th: readonly ThresholdRow[]): ThresholdRow[] {
  return th.filter((t) => selected(state, t));
}

/** Columns of the thresholds table: key, header, unit ("u" = the property's unit). */
export const TABLE_COLUMNS: readonly { key: keyof ThresholdRow; header: string; unit: string }[] = [
  { key: 'metal', header: 'metal', unit: '' },
  { key: 'lattice', header: 'lattice', unit: '' },
  { key: 'method', header: 'method', unit: '' },
  { key: 'ref_dk', header: 'ref Δk', unit: 'Å⁻¹' },
  { key: 'ref_value', header: 'x_ref', unit: 'u' },
  { key: 'mad', header: 'MAD', unit: 'u' },
  { key: 'mad_max', header: 'MAD_max', unit: 'u' },
  { key: 'bound', header: 'f·MAD_max', unit: 'u' },
  { key: 'threshold_dk', header: 'Δk_T', unit: 'Å⁻¹' },
];

/** Columns of the thresholds CSV: the core's fields, Δk columns with their unit. */
const CSV_COLUMNS: readonly (keyof ThresholdRow)[] = ['metal', 'lattice', 'property', 'unit', 'method', 'n_dk', 'ref_dk', 'ref_value', 'mad', 'mad_max', 'factor', 'bound', 'threshold_dk', 'threshold_value'];

/**
 * The thresholds as CSV, full precision, with the unit of every column in its header (`unit`
 * column for values); an empty threshold means the curve never reaches the bound.
 */
export function thresholdsCsv(rows: readonly ThresholdRow[]): string {
  const header = CSV_COLUMNS.map((c) => (c === 'ref_dk' || c === 'threshold_dk' ? `${c} (Å⁻¹)` : c));
  return toCsv(header, rows.map((r) => CSV_COLUMNS.map((c) => r[c])));
}

/** The reference of a state in words, as the widget's selector names it (Δk in Å⁻¹). */
export function referenceLabel(model: SweepModel, state: Pick<SweepState, 'reference'>): string {
  return model.choices.references.find((r) => r.value === state.reference)?.label ?? state.reference;
}

/** The context of the sweep view's exports in its state. */
export function exportContext(model: SweepModel, state: SweepState, version = DELTAK_VERSION): ExportContext {
  const unit = model.choices.units.get(state.property) ?? '';
  const shown = [
    state.metal === ALL ? '' : state.metal,
    state.lattice === ALL ? '' : state.lattice,
    state.methods.length === model.choices.methods.length ? '' : `methods ${state.methods.join(', ') || 'none'}`,
    state.legend.length ? `legend: ${state.legend.join(', ')}` : '',
    state.clip ? 'outliers clipped' : '',
  ].filter(Boolean).join('; ');
  return {
    title: `${state.property} (${unit}) against Δk (Å⁻¹) with thresholds Δk_T at ${formatFactor(state.factor)}`,
    factor: state.factor,
    reference: referenceLabel(model, state),
    source: model.payload.source ?? UNKNOWN_SOURCE,
    version,
    ...(shown ? { selection: shown } : {}),
    units: { dk: 'Å⁻¹', ref_dk: 'Å⁻¹', threshold_dk: 'Å⁻¹', [state.property]: unit, ref_value: unit, mad: unit, mad_max: unit, bound: unit, threshold_value: unit },
  };
}
