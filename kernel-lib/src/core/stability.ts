/**
 * Mechanical stability of the elastic tensors behind a property sweep (docs/method.md §3, §4):
 * moduli (B, G, E, ν) derived from a stiffness C that is not positive definite describe no
 * stable crystal, so by default they are kept out of the MAD, the bands and the thresholds.
 * Stability is judged from the sweep itself: C is rebuilt from the independent Cᵢⱼ (GPa) of each
 * (metal, lattice, method, Δk) with the lattice's symmetry and tested by Cholesky.
 */
import { latticeSymmetry, stiffnessFromConstants, type ElasticSymmetry } from './elastic.js';
import { isPositiveDefinite } from './linalg.js';
import { PairNumbers, type SweepColumns, type SweepRow } from './sweep.js';

/** The moduli derived from C, excluded where C is not positive definite. */
export const MODULI: readonly string[] = ['B', 'G', 'E', 'nu'];

/** What to do with moduli from a C that is not positive definite: leave them out (default) or keep them. */
export type UnstableOption = 'exclude' | 'include';

/** Stability of the C of one (metal, lattice, method, Δk); Δk in Å⁻¹. */
export interface ElasticStability {
  metal: string;
  lattice: string;
  method: string;
  dk: number;
  /** true: C positive definite; false: not; null: the sweep lacks some Cᵢⱼ, stability unknown. */
  stable: boolean | null;
  /** Why (the Born criteria that fail, or the missing Cᵢⱼ); "" when stable. */
  reason: string;
}

/** A sweep value kept out of the analysis, with the reason. Δk in Å⁻¹, value in `unit`. */
export type ExcludedPoint = Pick<SweepRow, 'metal' | 'lattice' | 'property' | 'unit' | 'method' | 'dk' | 'value'> & {
  /** Why the value is left out (the Born criteria that fail). */
  reason: string;
};

const NEEDED: Record<ElasticSymmetry, string[]> = {
  cubic: ['C11', 'C12', 'C44'],
  hexagonal: ['C11', 'C12', 'C13', 'C33', 'C44', 'C66'],
  triclinic: Array.from({ length: 6 }, (_, i) => Array.from({ length: 6 - i }, (_, k) => `C${i + 1}${i + 1 + k}`)).flat(),
};

const g = (x: number): string => String(Number(x.toPrecision(4)));

/** The Born stability conditions that fail for a cubic or hexagonal C (GPa), as text. */
function failedBorn(c: Record<string, number>, symmetry: ElasticSymmetry): string[] {
  const out: string[] = [];
  if (symmetry === 'cubic') {
    if (!(c.C11 - c.C12 > 0)) out.push(`C11 − C12 = ${g(c.C11 - c.C12)} GPa ≤ 0`);
    if (!(c.C11 + 2 * c.C12 > 0)) out.push(`C11 + 2·C12 = ${g(c.C11 + 2 * c.C12)} GPa ≤ 0`);
    if (!(c.C44 > 0)) out.push(`C44 = ${g(c.C44)} GPa ≤ 0`);
  } else if (symmetry === 'hexagonal') {
    if (!(c.C11 - Math.abs(c.C12) > 0)) out.push(`C11 − |C12| = ${g(c.C11 - Math.abs(c.C12))} GPa ≤ 0`);
    if (!((c.C11 + c.C12) * c.C33 - 2 * c.C13 * c.C13 > 0)) out.push(`(C11 + C12)·C33 − 2·C13² = ${g((c.C11 + c.C12) * c.C33 - 2 * c.C13 * c.C13)} GPa² ≤ 0`);
    if (!(c.C44 > 0)) out.push(`C44 = ${g(c.C44)} GPa ≤ 0`);
    if (!(c.C66 > 0)) out.push(`C66 = ${g(c.C66)} GPa ≤ 0`);
  }
  return out;
}

/**
 * Stability of C for every (metal, lattice, method, Δk) of a sweep that has moduli (B, G, E, ν)
 * or Cᵢⱼ: C rebuilt from the lattice's independent Cᵢⱼ (cubic C11, C12, C44; hexagonal C11, C12,
 * C13, C33, C44, C66; otherwise all 21), positive definite or not. Missing Cᵢⱼ give
 * `stable: null` with the reason; a lattice name deltak does not know is an error.
 */
export function elasticStability(rows: readonly SweepRow[]): ElasticStability[] {
  const groups = new Map<string, { key: SweepRow; c: Record<string, number>; hasModuli: boolean }>();
  for (const r of rows) {
    const isC = /^C\d\d$/.test(r.property);
    if (!isC && !MODULI.includes(r.property)) continue;
    const k = JSON.stringify([r.metal, r.lattice, r.method, r.dk]);
    let e = groups.get(k);
    if (!e) groups.set(k, (e = { key: r, c: {}, hasModuli: false }));
    if (isC) e.c[r.property] = r.value;
    else e.hasModuli = true;
  }
  const out: ElasticStability[] = [];
  for (const { key, c } of groups.values()) {
    const { metal, lattice, method, dk } = key;
    out.push({ metal, lattice, method, dk, ...judge(c, latticeSymmetry(lattice)) });
  }
  return out;
}

/** Whether the C rebuilt from the independent Cᵢⱼ (GPa) `c` of a lattice of `symmetry` is positive definite, and why not. */
function judge(c: Record<string, number>, symmetry: ElasticSymmetry): { stable: boolean | null; reason: string } {
  const missing = NEEDED[symmetry].filter((n) => c[n] === undefined);
  if (missing.length > 0) return { stable: null, reason: `stability unknown: the sweep has no ${missing.join(', ')} here (${symmetry} C needs ${NEEDED[symmetry].join(', ')})` };
  const stable = isPositiveDefinite(stiffnessFromConstants(c, symmetry));
  const born = stable ? [] : failedBorn(c, symmetry);
  return { stable, reason: stable ? '' : `C is not positive definite${born.length ? ` (${born.join('; ')})` : ''}` };
}

/**
 * {@link unstableModuli} on a validated sweep held by column: the rows (ascending) that are
 * moduli from a C that is not positive definite, each with its reason. Every (metal, lattice,
 * method, Δk) with Cᵢⱼ or moduli needs a lattice deltak knows, as in {@link elasticStability}.
 */
export function unstableModuliRows(cols: SweepColumns): { rows: number[]; reasons: string[] } {
  const { curveCodes: codes, names, value, dk, byCurve, curveStart, nCurves } = cols;
  // per property: 1 a Cᵢⱼ, 2 a modulus, 0 another; the independent Cᵢⱼ present get a slot
  const kind = new Int8Array(names.property.length);
  const slot = new Int32Array(names.property.length).fill(-1);
  const slotName: string[] = [];
  names.property.forEach((p, k) => {
    if (/^C\d\d$/.test(p)) {
      kind[k] = 1;
      if (NEEDED.triclinic.includes(p)) slot[k] = slotName.push(p) - 1;
    } else if (MODULI.includes(p)) kind[k] = 2;
  });
  const out = { rows: [] as number[], reasons: [] as string[] };
  if (kind.every((k) => k === 0)) return out;
  // the (metal, lattice, method, Δk) of each row of a curve of Cᵢⱼ or moduli, numbered: through the
  // curve's (metal, lattice, method) and the Δk's value
  const ns = slotName.length;
  const ml = new PairNumbers(), mlm = new PairNumbers(), key = new PairNumbers();
  const dkCode = new Map<number, number>();
  const rowKey = new Int32Array(cols.length);
  const keyLattice: number[] = [], hasModuli: number[] = [], c: number[] = [];
  for (let cv = 0; cv < nCurves; cv++) {
    const p = codes.property[cv], k0 = kind[p];
    if (k0 === 0) continue;
    const t = mlm.code(ml.code(codes.metal[cv], codes.lattice[cv]), codes.method[cv]);
    const s = curveStart[cv], e = curveStart[cv + 1];
    for (let j = s; j < e; j++) {
      const r = byCurve[j], d = dk[r];
      let dc = dkCode.get(d);
      if (dc === undefined) dkCode.set(d, (dc = dkCode.size));
      const k = key.code(t, dc);
      if (k === keyLattice.length) {
        keyLattice.push(codes.lattice[cv]);
        hasModuli.push(0);
        for (let x = 0; x < ns; x++) c.push(NaN);
      }
      rowKey[r] = k;
      if (k0 === 2) hasModuli[k] = 1;
      else if (slot[p] >= 0) c[k * ns + slot[p]] = value[r];
    }
  }
  const symmetry = new Map<number, ElasticSymmetry>();
  const reason = new Array<string | undefined>(key.size);
  let nBad = 0;
  for (let k = 0; k < key.size; k++) {
    const l = keyLattice[k];
    let sym = symmetry.get(l);
    if (sym === undefined) symmetry.set(l, (sym = latticeSymmetry(names.lattice[l])));
    if (!hasModuli[k]) continue;
    const ck: Record<string, number> = {};
    for (let x = 0; x < ns; x++) if (!Number.isNaN(c[k * ns + x])) ck[slotName[x]] = c[k * ns + x];
    const v = judge(ck, sym);
    if (v.stable === false) {
      reason[k] = v.reason;
      nBad++;
    }
  }
  if (nBad === 0) return out;
  for (let cv = 0; cv < nCurves; cv++) {
    if (kind[codes.property[cv]] !== 2) continue;
    for (let j = curveStart[cv], e = curveStart[cv + 1]; j < e; j++) if (reason[rowKey[byCurve[j]]] !== undefined) out.rows.push(byCurve[j]);
  }
  out.rows.sort((a, b) => a - b);
  for (const r of out.rows) out.reasons.push(reason[rowKey[r]]!);
  return out;
}

/**
 * The moduli (B, G, E, ν) of a sweep that come from a C that is not positive definite
 * ({@link elasticStability}), each with its reason: the points `thresholds` leaves out by default.
 */
export function unstableModuli(rows: readonly SweepRow[]): ExcludedPoint[] {
  const bad = new Map<string, string>();
  for (const s of elasticStability(rows)) if (s.stable === false) bad.set(JSON.stringify([s.metal, s.lattice, s.method, s.dk]), s.reason);
  const out: ExcludedPoint[] = [];
  for (const r of rows) {
    if (!MODULI.includes(r.property)) continue;
    const reason = bad.get(JSON.stringify([r.metal, r.lattice, r.method, r.dk]));
    if (reason !== undefined) out.push({ metal: r.metal, lattice: r.lattice, property: r.property, unit: r.unit, method: r.method, dk: r.dk, value: r.value, reason });
  }
  return out;
}

/** Check an `unstable` option: "exclude" or "include"; anything else is an error. */
export function checkUnstableOption(x: unknown): UnstableOption {
  if (x === 'exclude' || x === 'include') return x;
  throw new Error(`unstable must be "exclude" (default) or "include", got ${JSON.stringify(x)}`);
}
