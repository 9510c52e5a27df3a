/** CSV (RFC 4180 quoting) of rows, with an optional leading comment line. */

/** One CSV field: null/undefined are empty; fields with quotes, commas or newlines are quoted. */
export function csvField(x: unknown): string {
  const s = x === null || x === undefined ? '' : String(x);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Rows as CSV: `comment` (if any) as a `#` line, the header, then one line per row. */
export function toCsv(comment: string | null, header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const lines = [...(comment ? [`# ${comment}`] : []), header.map(csvField).join(','), ...rows.map((r) => r.map(csvField).join(','))];
  return lines.join('\n') + '\n';
}
