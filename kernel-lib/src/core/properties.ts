/**
 * From calculations to the tidy property sweep (docs/method.md §3, §9): EOS (V₀, E₀, B₀, B₀′, E_coh),
 * elastic constants and moduli, vacancy and self-interstitial formation energies, per
 * (metal, lattice, method, Δk).
 */
import { from, type ColumnTable } from 'arquero';
import { cohesiveEnergy, fitEos, type EosForm } from './eos.js';
import { asymmetryProblem, elasticSweep, independentConstants, latticeSymmetry, moduli, symmetrize, type Voigt } from './elastic.js';
import { interstitialFormationEnergy, vacancyFormationEnergy } from './defects.js';
import { withMeta } from './meta.js';
import { isFramesTable, calculationsFromFrames } from './fromframes.js';
import { CALCULATION_KINDS, type Calculation, type CalculationKind } from './records.js';
import { SWEEP_UNITS, type SweepRow } from './sweep.js';

export type { Calculation, CalculationKind } from './records.js';

/** Options of {@link computeProperties}. */
export interface ComputePropertiesOptions {
  /** EOS form; default "birch-murnaghan". */
  eosForm?: EosForm;
}

/** Units of the properties deltak computes. */
export const PROPERTY_UNITS: Record<string, string> = {
  V0: 'Å³/atom', E0: 'eV/atom', B0: 'GPa', B0p: '1', E_coh: 'eV/atom',
  C11: 'GPa', C12: 'GPa', C13: 'GPa', C33: 'GPa', C44: 'GPa', C66: 'GPa',
  B: 'GPa', G: 'GPa', E: 'GPa', nu: '1',
  E_vac: 'eV', E_Oh: 'eV', E_Td: 'eV', E_int: 'eV',
};

const KINDS: readonly CalculationKind[] = CALCULATION_KINDS;

function isTable(x: unknown): x is ColumnTable {
  return typeof x === 'object' && x !== null && typeof (x as ColumnTable).objects === 'function';
}

function validate(raw: readonly Record<string, unknown>[]): Calculation[] {
  return raw.map((r, i) => {
    const where = `calculation ${i}${r.id ? ` (${String(r.id)})` : ''}`;
    for (const c of ['metal', 'lattice', 'method', 'kind'] as const) {
      if (typeof r[c] !== 'string' || r[c] === '') throw new Error(`${where}: column "${c}" must be text`);
    }
    if (!KINDS.includes(r.kind as CalculationKind)) throw new Error(`${where}: kind "${String(r.kind)}", expected one of ${KINDS.join(', ')}`);
    for (const c of ['dk', 'natoms', 'volume', 'energy'] as const) {
      if (typeof r[c] !== 'number' || !Number.isFinite(r[c] as number)) throw new Error(`${where}: ${c} is ${String(r[c])}, expected a finite number`);
    }
    if (r.kind === 'elastic' && (!Array.isArray(r.strain) || !Array.isArray(r.stress))) {
      throw new Error(`${where}: an elastic calculation needs strain and stress (Voigt, GPa)`);
    }
    return r as unknown as Calculation;
  });
}

/**
 * The property sweep (rows: metal, lattice, property, unit, method, dk, value) from tagged
 * calculations (rows or arquero table), or from a frames table whose frames carry the tags
 * metal, lattice and kind (and strain on elastic frames; method defaults to DFT). Per (metal, lattice, method, Δk): `eos` points → V₀,
 * E₀, B₀, B₀′ (and E_coh when an `atom` calculation of the metal exists at that method and Δk);
 * `elastic` → the independent Cᵢⱼ and Hill B, G, E, ν; `vacancy`/`oh`/`td` with the `bulk` cell
 * of N = n ± 1 atoms → E_vac, E_Oh, E_Td. Errors name the group. An elastic tensor that is not
 * positive definite is kept and listed in the table metadata (`notes.unstable`).
 */
export function computeProperties(calculations: readonly Calculation[] | ColumnTable, options: ComputePropertiesOptions = {}): ColumnTable {
  if (isFramesTable(calculations)) return computeProperties(calculationsFromFrames(calculations), options);
  const raw = isTable(calculations) ? (calculations.objects() as Record<string, unknown>[]) : (calculations as unknown as Record<string, unknown>[]);
  const calcs = validate(raw);
  const groups = new Map<string, Calculation[]>();
  for (const c of calcs) {
    const k = JSON.stringify([c.metal, c.lattice, c.method, c.dk]);
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k)!.push(c);
  }
  const rows: SweepRow[] = [];
  const unstable: string[] = [];
  for (const cs of groups.values()) {
    const { metal, lattice, method, dk } = cs[0];
    const where = `${metal} ${lattice} ${method} Δk = ${dk} Å⁻¹`;
    const push = (property: string, value: number): void => {
      const unit = PROPERTY_UNITS[property] ?? (/^C\d\d$/.test(property) ? 'GPa' : undefined);
      if (unit === undefined) throw new Error(`${where}: no unit known for property ${property}`);
      rows.push({ metal, lattice, property, unit, method, dk, value });
    };
    const wrap = <T>(f: () => T): T => {
      try {
        return f();
      } catch (e) {
        throw new Error(`${where}: ${(e as Error).message}`);
      }
    };
    const eos = cs.filter((c) => c.kind === 'eos');
    if (eos.length) {
      const fit = wrap(() => fitEos(eos.map((c) => c.volume / c.natoms), eos.map((c) => c.energy / c.natoms), { form: options.eosForm }));
      push('V0', fit.v0);
      push('E0', fit.e0);
      push('B0', fit.b0);
      push('B0p', fit.b0p);
      const atoms = calcs.filter((c) => c.kind === 'atom' && c.metal === metal && c.method === method && c.dk === dk);
      if (atoms.length > 1) throw new Error(`${where}: ${atoms.length} isolated-atom calculations, expected one`);
      if (atoms.length === 1) push('E_coh', cohesiveEnergy(fit.e0, atoms[0].energy / atoms[0].natoms));
    }
    const el = cs.filter((c) => c.kind === 'elastic');
    if (el.length) {
      const r = wrap(() => elasticSweep(el.map((c) => ({ strain: c.strain!, stress: c.stress! })), { lattice }));
      for (const [name, v] of Object.entries(r.constants)) {
        push(name, v);
      }
      const m = moduli(r.C);
      if (!m.stable) unstable.push(where);
      if (m.kHill !== null && m.gHill !== null) {
        push('B', m.kHill);
        push('G', m.gHill);
        push('E', m.youngs!);
        push('nu', m.poisson!);
      } else {
        throw new Error(`${where}: the elastic tensor is singular, no Reuss/Hill moduli`);
      }
    }
    const bulks = cs.filter((c) => c.kind === 'bulk');
    const defects: [CalculationKind, string, number][] = [['vacancy', 'E_vac', -1], ['oh', 'E_Oh', +1], ['td', 'E_Td', +1]];
    for (const [kind, property, delta] of defects) {
      const ds = cs.filter((c) => c.kind === kind);
      if (ds.length === 0) continue;
      if (ds.length > 1) throw new Error(`${where}: ${ds.length} ${kind} calculations, expected one (the relaxed end point)`);
      const d = ds[0];
      const bulk = bulks.filter((b) => b.natoms === d.natoms - delta);
      if (bulk.length !== 1) {
        throw new Error(`${where}: ${kind} cell of ${d.natoms} atoms needs exactly one bulk cell of ${d.natoms - delta} atoms at the same Δk, found ${bulk.length}`);
      }
      const f = delta < 0 ? vacancyFormationEnergy : interstitialFormationEnergy;
      push(property, wrap(() => f({ energy: d.energy, natoms: d.natoms, dk }, { energy: bulk[0].energy, natoms: bulk[0].natoms, dk })));
    }
  }
  return withMeta(from(rows), {
    kind: 'sweep',
    units: { ...SWEEP_UNITS },
    notes: { eosForm: options.eosForm ?? 'birch-murnaghan', unstable },
  });
}

/**
 * Defect formation energies for a whole sweep: the vacancy, Oₕ and T_d calculations with their
 * bulk cells (kinds vacancy, oh, td, bulk) → E_vac, E_Oh, E_Td (eV) per (metal, lattice,
 * method, Δk). Other kinds are ignored here; see {@link computeProperties} for all properties.
 */
export function defectSweep(calculations: readonly Calculation[] | ColumnTable): ColumnTable {
  const raw = isTable(calculations) ? (calculations.objects() as Record<string, unknown>[]) : (calculations as unknown as Record<string, unknown>[]);
  const defects = raw.filter((c) => ['vacancy', 'oh', 'td', 'bulk'].includes(String(c.kind)));
  if (!defects.some((c) => c.kind !== 'bulk')) throw new Error('defectSweep: no vacancy, oh or td calculations');
  return computeProperties(defects as unknown as Calculation[]);
}

/** One row of a dpgen autotest results table (what readDpgenAutotest returns). */
export interface AutotestResultRow {
  /** relaxation, eos, elastic, vacancy or interstitial. */
  kind: string;
  /** Property name: V0, E0, E(V), C11…C66, BV, GV, EV, uV, E_vac, E_int. */
  property: string;
  value: number;
  /** Volume per atom (Å³/atom) of an E(V) point, else null. */
  volume: number | null;
  /** Task or structure the value belongs to (vacancy/interstitial task), else null. */
  structure: string | null;
  /** "DFT" for VASP tasks, "MLP" for DeePMD, else the interaction type, or null when unknown. */
  method: string | null;
  metal: string | null;
  lattice: string | null;
  /** Δk, Å⁻¹, or null when not established. */
  dk: number | null;
  source: string;
}

/**
 * The property sweep from dpgen autotest results: E(V) points → V₀, E₀, B₀, B₀′ (EOS fit);
 * the 6 × 6 elastic tensor → the lattice's independent Cᵢⱼ and Hill B, G, E, ν; vacancy
 * tasks → E_vac; interstitial tasks → E_int (one row per task, `structure` = task). Rows
 * without metal, lattice, method or Δk are errors naming their file (give them when reading).
 */
export function propertiesFromAutotest(results: ColumnTable | readonly AutotestResultRow[], options: ComputePropertiesOptions = {}): ColumnTable {
  const rows = (isTable(results) ? results.objects() : results) as AutotestResultRow[];
  const out: SweepRow[] = [];
  const groups = new Map<string, AutotestResultRow[]>();
  for (const r of rows) {
    if (r.kind === 'relaxation') continue;
    for (const k of ['metal', 'lattice', 'method', 'dk'] as const) {
      if (r[k] === null || r[k] === undefined) throw new Error(`${r.source}: the ${k} is not known (pass it to readDpgenAutotest)`);
    }
    const key = JSON.stringify([r.metal, r.lattice, r.method, r.dk, r.kind, r.source]);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(r);
  }
  for (const g of groups.values()) {
    const { metal, lattice, method, dk, kind, source } = g[0] as Required<AutotestResultRow> & { metal: string; lattice: string; method: string; dk: number };
    const push = (property: string, unit: string, value: number, structure?: string): void => {
      out.push({ metal, lattice, property, unit, method, dk, value, ...(structure ? { structure } : {}), source });
    };
    try {
      if (kind === 'eos') {
        const pts = g.filter((r) => r.property === 'E(V)');
        const fit = fitEos(pts.map((r) => r.volume as number), pts.map((r) => r.value), { form: options.eosForm });
        push('V0', PROPERTY_UNITS.V0, fit.v0);
        push('E0', PROPERTY_UNITS.E0, fit.e0);
        push('B0', PROPERTY_UNITS.B0, fit.b0);
        push('B0p', PROPERTY_UNITS.B0p, fit.b0p);
      } else if (kind === 'elastic') {
        const C = Array.from({ length: 6 }, (_, i) => Array.from({ length: 6 }, (_, j) => {
          const r = g.find((x) => x.property === `C${i + 1}${j + 1}`);
          if (!r) throw new Error(`elastic tensor has no C${i + 1}${j + 1}`);
          return r.value;
        }));
        // symmetrized below only when C is symmetric up to its fit's noise: a corrupted entry is an error, not averaged in
        const asym = asymmetryProblem(C);
        if (asym) throw new Error(`elastic tensor: ${asym}`);
        const sym = symmetrize(C);
        for (const [name, v] of Object.entries(independentConstants(sym, latticeSymmetry(lattice)))) push(name, 'GPa', v);
        const m = moduli(sym);
        if (m.kHill === null || m.gHill === null) throw new Error('the elastic tensor is singular');
        push('B', 'GPa', m.kHill);
        push('G', 'GPa', m.gHill);
        push('E', 'GPa', m.youngs!);
        push('nu', '1', m.poisson!);
      } else if (kind === 'vacancy') {
        for (const r of g) push('E_vac', 'eV', r.value, r.structure ?? undefined);
      } else if (kind === 'interstitial') {
        for (const r of g) push('E_int', 'eV', r.value, r.structure ?? undefined);
      } else {
        throw new Error(`autotest result of kind ${JSON.stringify(kind)}: no property is computed from it (eos, elastic, vacancy, interstitial are)`);
      }
    } catch (e) {
      throw new Error(`${source}: ${(e as Error).message}`);
    }
  }
  return withMeta(from(out), { kind: 'sweep', units: { ...SWEEP_UNITS }, notes: { from: 'dpgen autotest' } });
}
