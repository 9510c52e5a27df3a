/**
 * Byte-level scanning of text files, shared by every text reader: lines streamed from one reused
 * buffer (no whole-file string, linear time whatever the line lengths), numbers parsed from the
 * bytes, and the checks that tell text from binary data.
 */
import { readSync, closeSync } from 'node:fs';
import { ReadError } from './errors.js';
import { openFile } from './files.js';

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

/** What {@link forEachLineBytes} read. */
export interface LinesRead {
  /** Lines handed to the callback. */
  lines: number;
  /** Size of the file in bytes. */
  bytes: number;
  /**
   * The 1-based number of the last line when it has no line end and is not blank, else 0: a
   * text file ends with a line end, and without one it may have been cut inside its last line,
   * even inside a number that still reads as one (−54546.21 cut to −5.454).
   */
  unterminated: number;
}

/** Options of {@link forEachLineBytes}. */
export interface LineStreamOptions {
  /** What the file should be, for the errors ("an extended XYZ file"). */
  what?: string;
  /** Size of the reused buffer (default 1 MiB); it doubles only for a line longer than it. */
  chunkBytes?: number;
  /** Skip a UTF-8 byte-order mark at the start of the file. */
  bom?: boolean;
}

/**
 * Stream the lines of a text file from one reused buffer. `onLine(b, start, end, lineNo, offset, ended)`
 * gets the line as bytes b[start, end) (line end and a CR before it excluded; valid during the
 * call only), its 1-based number, the file offset of its first byte, and whether a line end
 * follows it (false only for a last line without one); return false to stop.
 * A line longer than the buffer grows it by doubling and is searched once: linear time. Binary
 * data and file-system errors are ReadErrors naming the file.
 */
export function forEachLineBytes(
  path: string,
  onLine: (b: Buffer, start: number, end: number, lineNo: number, offset: number, ended: boolean) => boolean | void,
  options: LineStreamOptions = {},
): LinesRead {
  const { fd, size } = openFile(path, options.what ?? 'a text file');
  try {
    let buf = Buffer.allocUnsafe(Math.max(64, options.chunkBytes ?? 1 << 20));
    let filled = 0; // bytes of buf holding data
    let base = 0; // file offset of buf[0]
    let scanned = 0; // bytes of buf already searched for a line end
    let lineNo = 0;
    let first = true;
    let unterminated = 0;
    for (;;) {
      const got = readSync(fd, buf, filled, buf.length - filled, base + filled);
      let s = 0;
      if (first) {
        first = false;
        if (got > 0 && looksBinary(buf.subarray(0, got))) {
          throw new ReadError(path, { line: 1 }, `binary data where text was expected${options.what ? ` (${options.what})` : ''}: not a text file?`);
        }
        if (options.bom && got >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) s = scanned = 3;
      }
      filled += got;
      const eof = got === 0;
      const v = filled < buf.length ? buf.subarray(0, filled) : buf;
      for (;;) {
        const nl = v.indexOf(10, scanned);
        if (nl < 0) break;
        lineNo++;
        const end = nl > s && v[nl - 1] === 13 ? nl - 1 : nl;
        if (onLine(v, s, end, lineNo, base + s, true) === false) return { lines: lineNo, bytes: size, unterminated: 0 };
        s = scanned = nl + 1;
      }
      if (eof) {
        if (s < filled) {
          lineNo++;
          let blank = true;
          for (let k = s; k < filled && blank; k++) blank = v[k] <= 32;
          if (!blank) unterminated = lineNo;
          const end = v[filled - 1] === 13 ? filled - 1 : filled;
          if (onLine(v, s, end, lineNo, base + s, false) === false) return { lines: lineNo, bytes: size, unterminated };
        }
        return { lines: lineNo, bytes: size, unterminated };
      }
      // keep the unfinished line: move it to the front, or grow the buffer when it fills it
      if (s === 0 && filled === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, filled);
        buf = bigger;
      } else if (s > 0) {
        buf.copy(buf, 0, s, filled);
        filled -= s;
        base += s;
        scanned = filled;
      } else scanned = filled;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Stream the lines of a text file as latin1 strings (ASCII-safe and fast): `onLine(text, start,
 * end, lineNo, offset)` gets a string and the line's [start, end) offsets in it (no substring is
 * made unless the callback makes one) and the file offset of the line; return false to stop.
 * The complete lines of each buffer are decoded once, together: linear time whatever the line lengths.
 */
export function forEachLine(
  path: string,
  onLine: (chunk: string, start: number, end: number, lineNo: number, offset: number) => boolean | void,
  chunkBytes = 1 << 24,
): { lines: number; bytes: number } {
  const { fd, size } = openFile(path, 'a text file');
  try {
    let buf = Buffer.allocUnsafe(Math.max(64, chunkBytes));
    let filled = 0;
    let base = 0; // file offset of buf[0]
    let scanned = 0; // bytes of buf already searched for a line end
    let lineNo = 0;
    let first = true;
    for (;;) {
      const got = readSync(fd, buf, filled, buf.length - filled, base + filled);
      if (first) {
        first = false;
        if (got > 0 && looksBinary(buf.subarray(0, got))) {
          throw new ReadError(path, { line: 1 }, 'binary data where text was expected (not a text file?)');
        }
      }
      filled += got;
      const eof = got === 0;
      const v = filled < buf.length ? buf.subarray(0, filled) : buf;
      // the complete lines: up to the last line end (all of it at the end of the file)
      let last = filled;
      if (!eof) {
        const nl = v.subarray(scanned).lastIndexOf(10); // only the part not searched before
        last = nl < 0 ? 0 : scanned + nl + 1;
      }
      if (last > 0) {
        const text = v.toString('latin1', 0, last);
        let s = 0;
        while (s < last) {
          let e = text.indexOf('\n', s);
          if (e < 0) e = last;
          lineNo++;
          const end = e > s && text.charCodeAt(e - 1) === 13 ? e - 1 : e;
          if (onLine(text, s, end, lineNo, base + s) === false) return { lines: lineNo, bytes: size };
          s = e + 1;
        }
      }
      if (eof) return { lines: lineNo, bytes: size };
      if (last === 0 && filled === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, filled);
        buf = bigger;
      } else if (last > 0) {
        buf.copy(buf, 0, last, filled);
        filled -= last;
        base += last;
      }
      scanned = filled;
    }
  } finally {
    closeSync(fd);
  }
}

/** 1-based line number of byte `offset` of a file (counts newlines; for error messages). */
export function lineAt(path: string, offset: number): number {
  const { fd } = openFile(path, 'a text file');
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
 * The number written in bytes b[s, e) (one word, no blanks). Plain decimals (≤ 15 digits) are
 * m / 10^d, which is the correctly rounded value, as Number() gives; anything else (exponents,
 * more digits, "NaN", "****") goes through Number() of the text, as written.
 */
export function numberAt(b: Uint8Array, s: number, e: number): number {
  let i = s;
  let c = b[i];
  let neg = false;
  if (c === 45) {
    neg = true;
    c = b[++i];
  } else if (c === 43) c = b[++i];
  let m = 0;
  let digits = 0;
  let dec = -1;
  let ok = true;
  while (i < e) {
    if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      digits++;
      if (dec >= 0) dec++;
    } else if (c === 46 && dec < 0) dec = 0;
    else {
      ok = false;
      break;
    }
    c = b[++i];
  }
  if (ok && digits > 0 && digits <= 15) {
    const v = dec > 0 ? m / POW10[dec] : m;
    return neg ? -v : v;
  }
  let str = '';
  for (let k = s; k < e; k++) str += String.fromCharCode(b[k]);
  return Number(str);
}

/**
 * The decimal number written in bytes b[s, e) (one word), as {@link parseDecimal} reads text: NaN
 * for anything that is not a decimal number as written in a file (" ", "0x1f", "Infinity").
 */
export function decimalAt(b: Uint8Array, s: number, e: number): number {
  let i = s;
  if (i < e && (b[i] === 45 || b[i] === 43)) i++;
  let digits = 0;
  let dot = false;
  for (; i < e; i++) {
    const c = b[i];
    if (c >= 48 && c <= 57) digits++;
    else if (c === 46 && !dot) dot = true;
    else break;
  }
  if (digits === 0) return NaN;
  if (i < e) {
    if (b[i] !== 101 && b[i] !== 69) return NaN; // e E
    i++;
    if (i < e && (b[i] === 45 || b[i] === 43)) i++;
    const d = i;
    while (i < e && b[i] >= 48 && b[i] <= 57) i++;
    if (i === d || i < e) return NaN;
  }
  return numberAt(b, s, e);
}

/**
 * Parse whitespace-separated numbers of bytes b[start, end) into `out` from `at`; returns the count.
 * Each word is read by {@link numberAt}.
 */
export function parseNumbersBytes(b: Uint8Array, start: number, end: number, out: number[] | Float64Array, at = 0): number {
  let n = 0;
  let i = start;
  while (i < end) {
    let c = b[i];
    while (i < end && (c === 32 || (c >= 9 && c <= 13))) c = b[++i]; // space, tab, LF, VT, FF, CR
    if (i >= end) break;
    const s = i;
    while (i < end && c !== 32 && !(c >= 9 && c <= 13)) c = b[++i];
    out[at + n] = numberAt(b, s, i);
    n++;
  }
  return n;
}
