/**
 * Plain-text tables for the text/plain part of a MIME bundle, in the project's one number format
 * (charts/format.ts): significant digits per column, counts whole, shares as percentages, Δk as
 * sampled; an empty cell is "—".
 */
import { TABLE_DIGITS, columnFormatter, formatDk, formatPercent } from '../charts/format.js';

/** Options of {@link formatTable}. */
export interface FormatTableOptions {
  /** Columns to show, in order; default: the keys of the first row. */
  columns?: readonly string[];
  /** Show at most this many rows; the rest are counted in a closing line. Default 60. */
  maxRows?: number;
  /** Significant digits for numbers; default TABLE_DIGITS (4), as every table of deltak. */
  digits?: number;
  /**
   * Unit by column (a table's metadata units): "%" columns are shares shown as percentages,
   * "Å⁻¹" columns Δk as sampled. Without a unit, columns named `percent` or `…_percent` are
   * shares, and columns named `dk` or `…_dk` (not `n_…`) or whose name states Å⁻¹ are Δk.
   */
  units?: Readonly<Record<string, string>>;
}

const EMPTY = '—';

/** Whether column `c` holds Δk (Å⁻¹): by its unit, else by its name. */
const isDkColumn = (c: string, unit: string | undefined): boolean =>
  unit === 'Å⁻¹' || (unit === undefined && ((/(^|_)dk$/i.test(c) && !/^n_/i.test(c)) || c.includes('Å⁻¹')));

/** Whether column `c` holds shares in percent: by its unit, else by its name. */
const isPercentColumn = (c: string, unit: string | undefined): boolean => unit === '%' || (unit === undefined && /(^|_)percent$/i.test(c));

/** The formatter of one column's cells: by its unit or name, else significant digits per column. */
function columnCells(c: string, values: readonly unknown[], digits: number, unit: string | undefined): (x: unknown) => string {
  const numbers = values.filter((x): x is number => typeof x === 'number');
  const asNumber = isPercentColumn(c, unit) ? formatPercent : isDkColumn(c, unit) ? formatDk : columnFormatter(numbers, digits);
  return (x) => (x === null || x === undefined ? EMPTY : typeof x === 'number' ? asNumber(x) : String(x));
}

/** Rows as an aligned text table (numbers right-aligned); truncation is stated, never silent. */
export function formatTable(rows: readonly Record<string, unknown>[], options: FormatTableOptions = {}): string {
  const columns = options.columns ?? (rows.length ? Object.keys(rows[0]) : []);
  const maxRows = options.maxRows ?? 60;
  const digits = options.digits ?? TABLE_DIGITS;
  const shown = rows.slice(0, maxRows);
  const cells = columns.map((c) => columnCells(c, shown.map((r) => r[c]), digits, options.units?.[c]));
  const body = shown.map((r) => columns.map((c, j) => cells[j](r[c])));
  const numeric = columns.map((c) => shown.some((r) => typeof r[c] === 'number'));
  const widths = columns.map((c, j) => Math.max(c.length, ...body.map((b) => b[j].length)));
  const line = (cs: readonly string[]): string =>
    cs.map((s, j) => (numeric[j] ? s.padStart(widths[j]) : s.padEnd(widths[j]))).join('  ').trimEnd();
  const out = [line(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
  if (rows.length > shown.length) out.push(`… ${rows.length - shown.length} more rows (${rows.length} in all)`);
  return out.join('\n');
}
