/** Plain-text tables for the text/plain part of a MIME bundle. */

/** Options of {@link formatTable}. */
export interface FormatTableOptions {
  /** Columns to show, in order; default: the keys of the first row. */
  columns?: readonly string[];
  /** Show at most this many rows; the rest are counted in a closing line. Default 60. */
  maxRows?: number;
  /** Significant digits for numbers; default 6. */
  digits?: number;
}

function cell(x: unknown, digits: number): string {
  if (x === null || x === undefined) return '—';
  if (typeof x === 'number') {
    if (!Number.isFinite(x)) return String(x);
    if (Number.isInteger(x)) return String(x);
    return String(Number(x.toPrecision(digits)));
  }
  return String(x);
}

/** Rows as an aligned text table (numbers right-aligned); truncation is stated, never silent. */
export function formatTable(rows: readonly Record<string, unknown>[], options: FormatTableOptions = {}): string {
  const columns = options.columns ?? (rows.length ? Object.keys(rows[0]) : []);
  const maxRows = options.maxRows ?? 60;
  const digits = options.digits ?? 6;
  const shown = rows.slice(0, maxRows);
  const body = shown.map((r) => columns.map((c) => cell(r[c], digits)));
  const numeric = columns.map((c) => shown.some((r) => typeof r[c] === 'number'));
  const widths = columns.map((c, j) => Math.max(c.length, ...body.map((b) => b[j].length)));
  const line = (cells: readonly string[]): string =>
    cells.map((s, j) => (numeric[j] ? s.padStart(widths[j]) : s.padEnd(widths[j]))).join('  ').trimEnd();
  const out = [line(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
  if (rows.length > shown.length) out.push(`… ${rows.length - shown.length} more rows (${rows.length} in all)`);
  return out.join('\n');
}
