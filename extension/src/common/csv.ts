/**
 * CSV that spreadsheets and `pandas.read_csv` open as they are: UTF-8 with a byte-order mark
 * (Excel then reads Å⁻¹ in headers), a header line and the rows, no comment lines (the context
 * goes in the file name and a JSON file beside it), RFC 4180 quoting, and text cells that a
 * spreadsheet would run as a formula (starting with =, +, -, @, tab or CR) prefixed with `'`.
 */

/** The UTF-8 byte-order mark. */
export const BOM = '\uFEFF';

/** One CSV field: null/undefined are empty; numbers as they are; text neutralised and quoted when needed. */
export function csvField(x: unknown): string {
  if (x === null || x === undefined) return '';
  if (typeof x === 'number') return String(x);
  let s = String(x);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Rows as CSV: BOM, the header, then one line per row (CRLF line ends, as RFC 4180). */
export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return BOM + [header.map(csvField).join(','), ...rows.map((r) => r.map(csvField).join(','))].join('\r\n') + '\r\n';
}
