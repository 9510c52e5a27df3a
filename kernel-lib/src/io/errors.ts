/** Errors of the file readers: every one names the file and the line, frame or array. */
import { openSync, readSync, closeSync, fstatSync } from 'node:fs';

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

/** Refuse a text whose last line has no line end (see {@link unterminatedLine}); `what` names the format. */
export function requireLineEnd(path: string, text: string, what: string): void {
  const line = unterminatedLine(text);
  if (line > 0) {
    throw new ReadError(path, { line }, `the last line has no line end: the file may be cut inside it, even inside a number (truncated ${what}?); a complete file ends with a newline`);
  }
}

/** True when the first bytes look like binary data rather than text (NUL or many control bytes). */
export function looksBinary(buf: Uint8Array): boolean {
  const n = Math.min(buf.length, 4096);
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const b = buf[i];
    if (b === 0) return true;
    if (b < 9 || (b > 13 && b < 32) || b === 127) bad++;
  }
  return n > 0 && bad / n > 0.05;
}

/**
 * Stream the lines of a text file in bounded memory. `onLine(text, start, end, lineNo)` gets the
 * chunk string and the line's [start, end) offsets (no substring is made unless the callback
 * makes one); return false to stop. Lines are decoded as latin1 (ASCII-safe and fast).
 */
export function forEachLine(
  path: string,
  onLine: (chunk: string, start: number, end: number, lineNo: number, offset: number) => boolean | void,
  chunkBytes = 1 << 24,
): { lines: number; bytes: number } {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.allocUnsafe(chunkBytes);
    let carry = '';
    let lineNo = 0;
    let pos = 0;
    let first = true;
    for (;;) {
      const got = readSync(fd, buf, 0, chunkBytes, pos);
      if (first) {
        first = false;
        if (got > 0 && looksBinary(buf.subarray(0, got))) {
          throw new ReadError(path, { line: 1 }, 'binary data where text was expected (not a text file?)');
        }
      }
      const textStart = pos - carry.length;
      pos += got;
      const text = carry + buf.toString('latin1', 0, got);
      const last = got === 0 ? text.length : text.lastIndexOf('\n') + 1;
      let s = 0;
      while (s < last) {
        let e = text.indexOf('\n', s);
        if (e < 0 || e >= last) e = last;
        lineNo++;
        let end = e;
        if (end > s && text.charCodeAt(end - 1) === 13) end--;
        if (onLine(text, s, end, lineNo, textStart + s) === false) return { lines: lineNo, bytes: size };
        s = e + 1;
      }
      carry = text.slice(last);
      if (got === 0) break;
    }
    return { lines: lineNo, bytes: size };
  } finally {
    closeSync(fd);
  }
}

/** 1-based line number of byte `offset` of a file (counts newlines; for error messages). */
export function lineAt(path: string, offset: number): number {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 22);
    let line = 1;
    for (let pos = 0; pos < offset; ) {
      const got = readSync(fd, buf, 0, Math.min(buf.length, offset - pos), pos);
      if (got === 0) break;
      for (let k = buf.indexOf(10, 0); k >= 0 && k < got; k = buf.indexOf(10, k + 1)) line++;
      pos += got;
    }
    return line;
  } finally {
    closeSync(fd);
  }
}

/** Parse whitespace-separated numbers of text[start, end) into `out` from `at`; returns the count. */
export function parseNumbers(text: string, start: number, end: number, out: number[] | Float64Array, at = 0): number {
  let n = 0;
  let i = start;
  while (i < end) {
    let c = text.charCodeAt(i);
    while (i < end && (c === 32 || c === 9)) c = text.charCodeAt(++i);
    if (i >= end) break;
    const s = i;
    while (i < end && c !== 32 && c !== 9) c = text.charCodeAt(++i);
    out[at + n] = Number(text.slice(s, i));
    n++;
  }
  return n;
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/** A decimal number as written in a file: 123, -1.5, 1e-3, .5 (no sign of hex, binary, blanks, "Infinity"). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The value of `text` when it is a decimal number as written in a file, else NaN (never a guess such as " " → 0 or "0x1f" → 31). */
export function parseDecimal(text: string): number {
  return DECIMAL.test(text) ? Number(text) : NaN;
}

/** Whether bytes b[k, k + m.length) are the bytes of m. */
export function bytesAt(b: Uint8Array, k: number, m: Uint8Array): boolean {
  for (let q = 0; q < m.length; q++) if (b[k + q] !== m[q]) return false;
  return true;
}

/**
 * Parse whitespace-separated numbers of bytes b[start, end) into `out` from `at`; returns the count.
 * Plain decimals (≤ 15 digits) are m / 10^d, which is the correctly rounded value, as Number()
 * gives; anything else (exponents, more digits, "NaN", "****") goes through Number().
 */
export function parseNumbersBytes(b: Uint8Array, start: number, end: number, out: number[] | Float64Array, at = 0): number {
  let n = 0;
  let i = start;
  while (i < end) {
    let c = b[i];
    while (i < end && (c === 32 || (c >= 9 && c <= 13))) c = b[++i]; // space, tab, LF, VT, FF, CR
    if (i >= end) break;
    const s = i;
    let neg = false;
    if (c === 45) {
      neg = true;
      c = b[++i];
    } else if (c === 43) c = b[++i];
    let m = 0;
    let digits = 0;
    let dec = -1;
    let ok = true;
    while (i < end && c !== 32 && !(c >= 9 && c <= 13)) {
      if (c >= 48 && c <= 57) {
        m = m * 10 + (c - 48);
        digits++;
        if (dec >= 0) dec++;
      } else if (c === 46 && dec < 0) dec = 0;
      else ok = false;
      c = b[++i];
    }
    let v: number;
    if (ok && digits > 0 && digits <= 15) {
      v = dec > 0 ? m / POW10[dec] : m;
      if (neg) v = -v;
    } else {
      let str = '';
      for (let k = s; k < i; k++) str += String.fromCharCode(b[k]);
      v = Number(str);
    }
    out[at + n] = v;
    n++;
  }
  return n;
}
