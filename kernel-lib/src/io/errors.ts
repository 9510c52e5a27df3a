/** Errors of the file readers: every one names the file and the line, frame or array. */

/** Where in a file a problem is. */
export interface ReadErrorWhere {
  /** 1-based line number. */
  line?: number;
  /** 0-based frame (configuration) index. */
  frame?: number;
  /** Array or key name, e.g. "set.000/coord.npy". */
  array?: string;
}

/** A file that cannot be read as asked; the message starts with `file:line` or `file (frame …)`. */
export class ReadError extends Error {
  readonly file: string;
  readonly line?: number;
  readonly frame?: number;
  readonly array?: string;
  constructor(file: string, where: ReadErrorWhere, message: string) {
    const parts: string[] = [];
    if (where.array !== undefined) parts.push(where.array);
    if (where.frame !== undefined) parts.push(`frame ${where.frame}`);
    const loc = where.line !== undefined ? `${file}:${where.line}` : file;
    super(`${loc}${parts.length ? ` (${parts.join(', ')})` : ''}: ${message}`);
    this.name = 'ReadError';
    this.file = file;
    this.line = where.line;
    this.frame = where.frame;
    this.array = where.array;
  }
}

/**
 * What a reader does with a file that ends inside a record (a job cut, killed or still
 * writing): 'error' (the default) refuses it, naming the line; 'drop' keeps the whole records
 * before it and lists the unfinished one in the notes (`skipped_steps` or `skipped_frames`).
 * Offered where dropping the last record leaves a meaningful file (VASP runs, trajectories).
 */
export type Truncated = 'error' | 'drop';

/** The reason recorded in the notes for a record dropped with `truncated: 'drop'`. */
export const UNFINISHED = 'unfinished at the end of the file';

/**
 * The error for a file that ends inside a record: `what` says where it ends; `kept` (when the
 * reader offers `truncated: 'drop'`) says what that option would keep.
 */
export function truncatedError(path: string, where: ReadErrorWhere, what: string, kept?: string): ReadError {
  return new ReadError(path, where, kept === undefined ? what : `${what} (pass { truncated: "drop" } to keep ${kept})`);
}

/**
 * The 1-based number of the last line of `text` when it has no line end and is not blank, else 0.
 * A text file ends with a line end; without one the file may have been cut inside its last line,
 * even inside a number that still reads as one (−54546.21 cut to −5.454).
 */
export function unterminatedLine(text: string): number {
  const nl = text.lastIndexOf('\n');
  if (text.slice(nl + 1).trim() === '') return 0;
  let n = 1;
  for (let k = text.indexOf('\n'); k >= 0; k = text.indexOf('\n', k + 1)) n++;
  return n;
}

/** The error for a last line (number `line`) without its line end; `what` names the format. */
export function noLineEndError(path: string, line: number, what: string): ReadError {
  return new ReadError(path, { line }, `the last line has no line end: the file may be cut inside it, even inside a number (truncated ${what}?); a complete file ends with a newline`);
}

/** Refuse a text whose last line has no line end (see {@link unterminatedLine}); `what` names the format. */
export function requireLineEnd(path: string, text: string, what: string): void {
  const line = unterminatedLine(text);
  if (line > 0) throw noLineEndError(path, line, what);
}
