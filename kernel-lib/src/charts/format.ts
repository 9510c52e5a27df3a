/**
 * One rule for numbers in tables, captions and tooltips: a column keeps one notation (plain
 * decimals, or exponents when its values are below 1e-3 or from 1e5 on), `digits` significant
 * digits; counts (a column of integers) whole; shares as percentages; Δk as sampled (its
 * shortest decimal).
 */
import type { CoverageRow } from '../core/coverage.js';

/** Significant digits of table values. */
export const TABLE_DIGITS = 4;

const needsExponent = (x: number): boolean => x !== 0 && Number.isFinite(x) && (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e5);

/** A number with `digits` significant digits, in exponent notation when `exponent`; null is "none". */
export function formatNumber(x: number | null, digits = TABLE_DIGITS, exponent = needsExponent(x ?? 0)): string {
  if (x === null) return 'none';
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  if (exponent) return x.toExponential(digits - 1).replace(/\.?0+e/, 'e');
  return String(Number(x.toPrecision(digits)));
}

/**
 * A formatter for every value of one column: exponents for all when any value needs them; a
 * column of integers (counts: k-points, frames, configurations) keeps every digit.
 */
export function columnFormatter(values: readonly (number | null)[], digits = TABLE_DIGITS): (x: number | null) => string {
  if (values.some((x) => x !== null) && values.every((x) => x === null || Number.isSafeInteger(x))) return (x) => (x === null ? 'none' : String(x));
  const exponent = values.some((x) => x !== null && needsExponent(x));
  return (x) => formatNumber(x, digits, exponent);
}

/** A share (0–100 %) as a percentage with one decimal, e.g. "28.6 %". */
export function formatPercent(percent: number): string {
  return `${percent.toFixed(1)} %`;
}

/** A Δk (Å⁻¹) as sampled: its shortest decimal (0.12, not 0.1200); null is "none". */
export function formatDk(dk: number | null): string {
  return dk === null ? 'none' : String(dk);
}

/** The criterion factor as a caption states it: "f = 0.5". */
export function formatFactor(f: number): string {
  return `f = ${String(Number(f.toPrecision(3)))}`;
}

/**
 * The coverage of one metal × lattice in words, as the recommendation states it: "Al fcc: 10 of
 * 14 MLP properties inside their band at 0.18 Å⁻¹ (71.4 %; outside: B0, …; not counted: …)".
 */
export function coverageSentence(c: CoverageRow): string {
  return `${c.metal} ${c.lattice}: ${c.inside} of ${c.n} ${c.method} properties inside their band at ${formatDk(c.dk)} Å⁻¹ (${formatPercent(c.percent)}${c.outside ? `; outside: ${c.outside}` : ''}${c.not_counted ? `; not counted: ${c.not_counted}` : ''})`;
}
