/** Any arquero table as HTML + text, with the units from deltak's metadata as a caption. */
import type { ColumnTable } from 'arquero';
import { tableMeta } from '../core/meta.js';
import type { MimeBundle } from './bundle.js';
import { formatTable } from './text.js';

/** Options of {@link tableBundle}. */
export interface TableBundleOptions {
  /** Rows to show at most (the rest are counted, not dropped silently); default 60. */
  limit?: number;
  /**
   * Significant digits of the numbers of the HTML table; default 6 (what exports of the table read).
   * The text/plain twin keeps the project's number format (charts/format.ts) unless given.
   */
  digits?: number;
  /** Caption text; default: the table's kind and units from its metadata. */
  caption?: string;
}

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function fmt(x: unknown, digits: number): string {
  if (x === null || x === undefined) return '—';
  if (typeof x === 'number' && Number.isFinite(x) && !Number.isInteger(x)) return String(Number(x.toPrecision(digits)));
  return String(x);
}

/** Caption naming the table's kind and column units, from deltak's metadata (or ""). */
export function unitsCaption(table: ColumnTable): string {
  const meta = tableMeta(table);
  if (!meta) return '';
  const u = Object.entries(meta.units)
    .filter(([c]) => table.columnNames().includes(c))
    .map(([c, unit]) => `${c}: ${unit === 'from column unit' ? 'see unit column' : unit}`);
  return `${meta.kind}${u.length ? ' — units: ' + u.join('; ') : ''}`;
}

/** An HTML (escaped) and text rendering of `table`, at most `limit` rows, the rest counted. */
export function tableBundle(table: ColumnTable, options: TableBundleOptions = {}): MimeBundle {
  const limit = options.limit ?? 60;
  const digits = options.digits ?? 6;
  const rows = table.objects() as Record<string, unknown>[];
  const cols = table.columnNames();
  const caption = options.caption ?? unitsCaption(table);
  const shown = rows.slice(0, limit);
  const more = rows.length > shown.length ? `… ${rows.length - shown.length} more rows (${rows.length} in all)` : '';
  const html = [
    '<table class="deltak-table">',
    caption ? `<caption style="caption-side: bottom; text-align: left">${esc(caption)}</caption>` : '',
    '<thead><tr>' + cols.map((c) => `<th>${esc(c)}</th>`).join('') + '</tr></thead>',
    '<tbody>',
    ...shown.map((r) => '<tr>' + cols.map((c) => `<td>${esc(fmt(r[c], digits))}</td>`).join('') + '</tr>'),
    '</tbody></table>',
    more ? `<p>${esc(more)}</p>` : '',
  ].join('');
  const units = tableMeta(table)?.units;
  const text = formatTable(rows, { columns: cols, maxRows: limit, ...(options.digits !== undefined ? { digits } : {}), ...(units ? { units } : {}) }) + (caption ? `\n${caption}` : '');
  return { data: { 'text/html': html, 'text/plain': text }, metadata: {} };
}
