/**
 * CSV / TSV / JSON property tables with a column mapping, so a spreadsheet with its own headers
 * loads into the tidy sweep layout of docs/method.md §9 (metal, lattice, property, unit, method, dk, value).
 */
import { extname } from 'node:path';
import { from, type ColumnTable } from 'arquero';
import { withMeta } from '../core/meta.js';
import { sweepRows, SWEEP_UNITS, SWEEP_TEXT_COLUMNS } from '../core/sweep.js';
import { ReadError, noLineEndError } from './errors.js';
import { looksBinary, parseDecimal, forEachLineBytes } from './bytes.js';
import { fileSize, readFileBytes } from './files.js';
import { dkFromPattern } from './dk.js';

/** Bytes of the longest text V8 makes into one string (2²⁹ − 24 characters). */
const MAX_STRING_BYTES = 2 ** 29 - 24;

/** Options of {@link readTable}. */
export interface ReadTableOptions {
  /** Target column → header in the file, e.g. { dk: "KSPACING (1/A)", value: "Evac" }. */
  columns?: Record<string, string>;
  /** Target columns set to one value for every row, e.g. { metal: "Al", unit: "eV" }. */
  constants?: Record<string, string | number>;
  /** "sweep": validate as the docs/method.md §9 sweep (default when the columns are there); "none": as is. */
  layout?: 'sweep' | 'none' | 'auto';
  /** Field delimiter (default: tab for .tsv, else detected among , ; and tab). */
  delimiter?: string;
  /** Format (default from the extension: .json → json, else delimited text). */
  format?: 'csv' | 'json';
  /** Read Δk from this column's text with a `{dk}` pattern (e.g. { column: "run", pattern: "dk{dk}" }). */
  dkFrom?: { column: string; pattern: string };
  /**
   * Columns (names after `columns` renames them) whose cells stay text even when they read as
   * numbers, e.g. ["config"]. The sweep's text columns (metal, lattice, property, unit, method)
   * and every column whose name ends in "unit" are text already.
   */
  text?: readonly string[];
}

/**
 * The records of a delimited text file, streamed: `onRecord(cells, line)` gets each record's cells
 * (unquoted, trimmed unless quoted) and the line it starts on; blank lines are skipped. The first
 * record is the header. `firstLine` picks the delimiter from the file's first line. A quoted
 * field may hold delimiters and line ends ("" is a quote).
 */
function readDelimited(path: string, firstLine: (line: string) => string, onRecord: (cells: string[], line: number) => void): void {
  let delim = -1;
  let cells: string[] = [];
  let cell = '';
  let q = false;
  let quotedCell = false;
  let startLine = 1;
  let extra = 0; // lines ended by a lone CR (counted as lines, as a line end)
  const endRecord = (line: number): void => {
    cells.push(quotedCell ? cell : cell.trim());
    if (!(cells.length === 1 && cells[0] === '')) onRecord(cells, startLine);
    cells = [];
    cell = '';
    quotedCell = false;
    startLine = line + 1;
  };
  forEachLineBytes(path, (b, s, e, lineNo, _offset, ended) => {
    const text = b.toString('utf8', s, e);
    if (delim < 0) delim = firstLine(text).charCodeAt(0);
    if (!ended && text.trim() !== '') throw noLineEndError(path, lineNo, 'table');
    const line = lineNo + extra;
    if (!q && cells.length === 0 && cell === '') startLine = line;
    const n = text.length;
    let from = 0; // start of the part of text not yet added to cell
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (q) {
        if (c === 34) {
          cell += text.slice(from, i);
          if (text.charCodeAt(i + 1) === 34) {
            cell += '"';
            i++;
          } else q = false;
          from = i + 1;
        }
        continue;
      }
      if (c === 34 && (cell + text.slice(from, i)).trim() === '') {
        q = true;
        quotedCell = true;
        cell = '';
        from = i + 1;
      } else if (c === delim) {
        cell += text.slice(from, i);
        cells.push(quotedCell ? cell : cell.trim());
        cell = '';
        quotedCell = false;
        from = i + 1;
      } else if (c === 13) {
        // a lone CR ends a line (old Mac line ends)
        cell += text.slice(from, i);
        extra++;
        endRecord(lineNo + extra - 1);
        from = i + 1;
      }
    }
    cell += text.slice(from);
    if (q) cell += '\n';
    else if (ended) endRecord(lineNo + extra);
  }, { what: 'a CSV/TSV table', bom: true });
  if (q) throw new ReadError(path, { line: startLine }, 'unterminated quoted field (truncated file?)');
  if (cell !== '' || cells.length > 0) {
    cells.push(quotedCell ? cell : cell.trim());
    onRecord(cells, startLine);
  }
}

/**
 * A cell's value: empty → null, a decimal number → number, anything else (" ", "0x1f",
 * "0b1010", "1,5") stays the text as written, never guessed into a number.
 */
function convert(v: string): string | number | null {
  if (v === '') return null;
  const x = parseDecimal(v);
  return Number.isNaN(x) ? v : x;
}

/**
 * A number column (one whose cells read as decimal numbers) must hold nothing else: a cell of
 * text among numbers ("3.x9", "NaN") or a number that overflows (1e400 → ∞) is a damaged or
 * mistyped value, refused with its line rather than turning the whole column into text.
 */
function checkNumberColumns(path: string, names: readonly string[], numeric: readonly boolean[], rows: readonly Record<string, unknown>[], lines: readonly number[]): void {
  names.forEach((name, k) => {
    if (!numeric[k]) return;
    let firstText = -1;
    let numbers = 0;
    for (let i = 0; i < rows.length; i++) {
      const v = rows[i][name];
      if (typeof v === 'number') {
        if (!Number.isFinite(v)) throw new ReadError(path, { line: lines[i] }, `column ${JSON.stringify(name)}: the number is not finite (${v}); expected a finite decimal number`);
        numbers++;
      } else if (typeof v === 'string' && firstText < 0) firstText = i;
    }
    if (numbers > 0 && firstText >= 0) {
      throw new ReadError(path, { line: lines[firstText] }, `column ${JSON.stringify(name)} holds decimal numbers and the text ${JSON.stringify(rows[firstText][name])}: expected a decimal number (or an empty cell); list the column in the text option to read it as text`);
    }
  });
}

/** Whether a column (its name after renaming) holds text whatever its cells look like. */
function isTextColumn(name: string, extra: readonly string[]): boolean {
  return (SWEEP_TEXT_COLUMNS as readonly string[]).includes(name) || /unit$/i.test(name) || extra.includes(name);
}

/**
 * Read a CSV, TSV or JSON table (array of row objects, or an object of column arrays) and map
 * its columns: `columns` renames (target ← header), `constants` fills columns with one value.
 * With the sweep columns present (or layout "sweep"), rows are validated as docs/method.md §9's sweep
 * (finite dk in Å⁻¹ and value, one unit per property, no duplicates). Errors name file and line.
 */
export function readTable(path: string, options: ReadTableOptions = {}): ColumnTable {
  const size = fileSize(path, 'a table');
  if (size === 0) throw new ReadError(path, { line: 1 }, 'empty file, expected a table');
  const ext = extname(path).toLowerCase();
  const format = options.format ?? (ext === '.json' ? 'json' : 'csv');
  let header: string[];
  let records: { values: Record<string, unknown>; line: number }[];
  if (format === 'json') {
    // JSON is parsed whole: one string, at most V8's longest (512 MiB)
    if (size > MAX_STRING_BYTES) throw new ReadError(path, {}, `a JSON table of ${(size / 2 ** 20).toFixed(0)} MiB: JSON tables are read whole, up to 512 MiB; write larger tables as CSV or TSV (streamed)`);
    const buf = readFileBytes(path, 'a table');
    if (looksBinary(buf)) throw new ReadError(path, { line: 1 }, 'binary data where a CSV/TSV/JSON table was expected');
    const text = buf.toString('utf8').replace(/^\uFEFF/, '');
    let j: unknown;
    try {
      j = JSON.parse(text);
    } catch (e) {
      const m = /position (\d+)/.exec((e as Error).message);
      throw new ReadError(path, { line: m ? text.slice(0, Number(m[1])).split('\n').length : undefined }, `invalid JSON: ${(e as Error).message}`);
    }
    if (Array.isArray(j)) {
      records = j.map((r, i) => {
        if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new ReadError(path, { frame: i }, 'expected an array of row objects');
        return { values: r as Record<string, unknown>, line: i };
      });
      // every row has the same keys (a row that lost one is not read as null there)
      header = records.length ? Object.keys(records[0].values) : [];
      for (const r of records) {
        const keys = Object.keys(r.values);
        const missing = header.filter((h) => !(h in r.values));
        const extra = keys.filter((k) => !header.includes(k));
        if (missing.length || extra.length) {
          throw new ReadError(path, { frame: r.line }, `row ${r.line} has ${missing.length ? `no ${missing.map((h) => JSON.stringify(h)).join(', ')}` : ''}${missing.length && extra.length ? ' and ' : ''}${extra.length ? `the keys ${extra.map((h) => JSON.stringify(h)).join(', ')} row 0 has not` : ''}: every row of a table has the same columns`);
        }
      }
    } else if (typeof j === 'object' && j !== null) {
      const cols = j as Record<string, unknown>;
      header = Object.keys(cols);
      const lens = header.map((h) => (Array.isArray(cols[h]) ? (cols[h] as unknown[]).length : -1));
      if (lens.some((l) => l < 0 || l !== lens[0])) throw new ReadError(path, {}, `an object of columns must hold arrays of one length; got ${header.map((h, i) => `${h}: ${lens[i]}`).join(', ')}`);
      records = Array.from({ length: lens[0] ?? 0 }, (_, i) => ({ values: Object.fromEntries(header.map((h) => [h, (cols[h] as unknown[])[i]])), line: i }));
    } else throw new ReadError(path, {}, 'expected an array of rows or an object of columns');
  } else {
    let delim = options.delimiter ?? (ext === '.tsv' || ext === '.tab' ? '\t' : '');
    const firstLine = (first: string): string => {
      if (!delim) {
        const counts = [',', ';', '\t'].map((d) => [d, first.split(d).length] as const).sort((a, b) => b[1] - a[1]);
        if (counts[0][1] < 2) throw new ReadError(path, { line: 1 }, `no delimiter (",", ";" or tab) in the first line ${JSON.stringify(first.slice(0, 60))}: not a table with a header (give the delimiter option for a one-column table)`);
        delim = counts[0][0];
      }
      return delim;
    };
    let head: string[] | null = null;
    records = [];
    readDelimited(path, firstLine, (cells, line) => {
      if (head === null) {
        head = cells;
        // a header names its columns: no number, no blank (but in the first column, where pandas writes its index)
        head.forEach((h, i) => {
          if (h === '' && i > 0) throw new ReadError(path, { line: 1 }, `column ${i + 1} of the header line is blank: a table's first line names its columns`);
          if (!Number.isNaN(parseDecimal(h))) throw new ReadError(path, { line: 1 }, `the header line holds the number ${h} (column ${i + 1}): a table's first line names its columns`);
        });
        const dup = head.find((h, i) => head!.indexOf(h) !== i);
        if (dup !== undefined) throw new ReadError(path, { line: 1 }, `header ${JSON.stringify(dup)} appears twice`);
        return;
      }
      const hd: string[] = head;
      if (cells.length !== hd.length) throw new ReadError(path, { line }, `${cells.length} fields, the header has ${hd.length}`);
      const values: Record<string, unknown> = {};
      for (let i = 0; i < hd.length; i++) values[hd[i]] = cells[i];
      records.push({ values, line });
    });
    if (head === null) throw new ReadError(path, { line: 1 }, 'empty table: no header line');
    header = head;
  }
  const map = options.columns ?? {};
  for (const [target, src] of Object.entries(map)) {
    if (!header.includes(src)) throw new ReadError(path, { line: format === 'csv' ? 1 : undefined }, `no column ${JSON.stringify(src)} (mapped to ${target}); the file has ${header.map((h) => JSON.stringify(h)).join(', ')}`);
  }
  const renamed = new Map(Object.entries(map).map(([t, s]) => [s, t]));
  const target = header.map((h) => renamed.get(h) ?? (Object.keys(map).includes(h) ? `${h}_orig` : h));
  // text cells become numbers only outside the text columns (a unit "1" stays "1")
  const text_ = options.text ?? [];
  const numeric = target.map((t) => format === 'csv' && !isTextColumn(t, text_));
  const rows = records.map((r) => {
    const o: Record<string, unknown> = {};
    header.forEach((h, k) => {
      const v = r.values[h] ?? null;
      o[target[k]] = typeof v === 'string' ? (numeric[k] ? convert(v) : v === '' ? null : v) : v;
    });
    for (const [k, v] of Object.entries(options.constants ?? {})) {
      if (k in o) throw new ReadError(path, format === 'csv' ? { line: 1 } : {}, `constants.${k} would overwrite the column ${JSON.stringify(k)} the table already has; rename that column (columns option) or drop the constant`);
      o[k] = v;
    }
    if (options.dkFrom) {
      const v = o[options.dkFrom.column];
      const dk = v === null || v === undefined ? null : dkFromPattern(String(v), options.dkFrom.pattern);
      if (dk === null) throw new ReadError(path, format === 'csv' ? { line: r.line } : { frame: r.line }, `Δk cannot be established: pattern ${JSON.stringify(options.dkFrom.pattern)} does not match ${options.dkFrom.column}=${JSON.stringify(v)}`);
      o.dk = dk;
    }
    return o;
  });
  if (format === 'csv') checkNumberColumns(path, target, numeric, rows, records.map((r) => r.line));
  const sweepCols = ['metal', 'lattice', 'property', 'unit', 'method', 'dk', 'value'];
  const layout = options.layout ?? 'auto';
  const isSweep = layout === 'sweep' || (layout === 'auto' && rows.length > 0 && sweepCols.every((c) => c in rows[0]));
  if (isSweep) {
    try {
      sweepRows(rows as never);
    } catch (e) {
      // the row named last is the offending one ("sweep rows 0 and 2 are duplicates", "row 3 …")
      const m = /rows? (?:\d+ and )?(\d+)/.exec((e as Error).message);
      const rec = m ? records[Number(m[1])] : undefined;
      throw new ReadError(path, rec && format === 'csv' ? { line: rec.line } : {}, (e as Error).message);
    }
  }
  return withMeta(from(rows), {
    kind: isSweep ? 'sweep' : 'table',
    units: isSweep ? { ...SWEEP_UNITS } : {},
    notes: { reader: 'readTable', file: path, columns: map, constants: options.constants ?? {} },
  });
}
