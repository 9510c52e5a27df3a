/**
 * From calculations to the tidy property sweep (METHOD §3, §9): EOS (V₀, E₀, B₀, B₀′, E_coh),
 * elastic constants and moduli, vacancy and self-interstitial formation energies, per
 * (metal, lattice, method, Δk).
 */
import { from, type ColumnTable } from 'arquero';
import { cohesiveEnergy, fitEos, type EosForm } from './eos.js';
import { elasticSweep, moduli, type Voigt } from './elastic.js';
import { interstitialFormationEnergy, vacancyFormationEnergy } from './defects.js';
import { withMeta } from './meta.js';
import { SWEEP_UNITS, type SweepRow } from './sweep.js';

/** What a calculation is for. */
export type CalculationKind = 'eos' | 'elastic' | 'vacancy' | 'oh' | 'td' | 'bulk' | 'atom';

/** One single point (or relaxed end point), tagged for {@link computeProperties}. */
export interface Calculation {
  metal: string;
  lattice: string;
  /** "DFT" or "MLP". */
  method: string;
  /** k-point spacing Δk, Å⁻¹ (for MLP: the Δk of its training data). */
  dk: number;
  kind: CalculationKind;
  natoms: number;
  /** Cell volume, Å³ (whole cell). */
  volume: number;
  /** Total energy of the cell, eV (free energy). */
  energy: number;
  /** Elastic only: Voigt strain (engineering shear) applied to the relaxed cell. */
  strain?: Voigt;
  /** Elastic only: Voigt stress in GPa, tension positive. */
  stress?: Voigt;
  id?: string;
}

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
  E_vac: 'eV', E_Oh: 'eV', E_Td: 'eV',
};

const KINDS: readonly CalculationKind[] = ['eos', 'elastic', 'vacancy', 'oh', 'td', 'bulk', 'atom'];

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
 * calculations (rows or arquero table). Per (metal, lattice, method, Δk): `eos` points → V₀,
 * E₀, B₀, B₀′ (and E_coh when an `atom` calculation of the metal exists at that method and Δk);
 * `elastic` → the independent Cᵢⱼ and Hill B, G, E, ν; `vacancy`/`oh`/`td` with the `bulk` cell
 * of N = n ± 1 atoms → E_vac, E_Oh, E_Td. Errors name the group. An elastic tensor that is not
 * positive definite is kept and listed in the table metadata (`notes.unstable`).
 */
export function computeProperties(calculations: readonly Calculation[] | ColumnTable, options: ComputePropertiesOptions = {}): ColumnTable {
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
