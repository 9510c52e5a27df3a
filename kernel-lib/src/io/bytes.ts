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

/** Options of {@link streamChunks}. */
export interface ChunkStreamOptions {
  /** File offset of the first byte to read (default 0). */
  start?: number;
  /** Size of the reused buffer in bytes (default 1 MiB); it doubles only when a call consumes nothing of a full buffer. */
  chunkBytes?: number;
}

/**
 * Drive a byte reader over an open file through one reused buffer. `onChunk(v, kept, base, eof)`
 * gets the bytes held, v (valid during the call only), of which the first `kept` were handed
 * over before (the part left unconsumed by the previous call), the file offset `base` of v[0],
 * and whether the file has ended (no more bytes will come). It returns how many bytes of v it
 * is done with; the rest is kept: moved to the front of the buffer, or, when nothing was
 * consumed and the buffer is full, the buffer doubles (an element or line larger than it is
 * read whole, in linear time). A negative return, or the call with eof, ends the stream.
 * Returns the number of bytes read (from `start`).
 */
export function streamChunks(fd: number, onChunk: (v: Buffer, kept: number, base: number, eof: boolean) => number, options: ChunkStreamOptions = {}): number {
  const start = options.start ?? 0;
  let buf = Buffer.allocUnsafe(Math.max(64, options.chunkBytes ?? 1 << 20));
  let filled = 0; // bytes of buf holding data
  let base = start; // file offset of buf[0]
  for (;;) {
    const kept = filled;
    const got = readSync(fd, buf, filled, buf.length - filled, base + filled);
    filled += got;
    const eof = got === 0;
    // a view that ends at the data: searches must not see stale bytes past it
    const used = onChunk(filled < buf.length ? buf.subarray(0, filled) : buf, kept, base, eof);
    if (eof || used < 0) return base + filled - start;
    if (used === 0 && filled === buf.length) {
      const bigger = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(bigger, 0, 0, filled);
      buf = bigger;
    } else if (used > 0) {
      buf.copy(buf, 0, used, filled);
      filled -= used;
      base += used;
    }
  }
}

/**
 * The typed-array search, V8's own builtin: for the many short searches of a line scanner it
 * costs less per call than Buffer's indexOf, whose JavaScript wrapper runs unoptimised for the
 * first thousands of calls.
 */
const indexOfByte = Uint8Array.prototype.indexOf;

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

/** A ReadError for a file whose first bytes are binary data. */
function binaryError(path: string, what: string | undefined): ReadError {
  return new ReadError(path, { line: 1 }, `binary data where text was expected${what ? ` (${what})` : ''}: not a text file?`);
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
  let lineNo = 0;
  let unterminated = 0;
  try {
    streamChunks(fd, (v, kept, base, eof) => {
      let s = 0;
      let scanned = kept; // bytes already searched for a line end
      if (base === 0 && kept === 0) {
        if (v.length > 0 && looksBinary(v)) throw binaryError(path, options.what);
        if (options.bom && v.length >= 3 && v[0] === 0xef && v[1] === 0xbb && v[2] === 0xbf) s = scanned = 3;
      }
      let n = lineNo;
      for (;;) {
        const nl = indexOfByte.call(v, 10, scanned);
        if (nl < 0) break;
        n++;
        const end = nl > s && v[nl - 1] === 13 ? nl - 1 : nl;
        if (onLine(v, s, end, n, base + s, true) === false) {
          lineNo = n;
          return -1;
        }
        s = scanned = nl + 1;
      }
      lineNo = n;
      if (eof && s < v.length) {
        const filled = v.length;
        lineNo++;
        let blank = true;
        for (let k = s; k < filled && blank; k++) blank = v[k] <= 32;
        if (!blank) unterminated = lineNo;
        const end = v[filled - 1] === 13 ? filled - 1 : filled;
        onLine(v, s, end, lineNo, base + s, false);
      }
      return s;
    }, { chunkBytes: options.chunkBytes });
  } finally {
    closeSync(fd);
  }
  return { lines: lineNo, bytes: size, unterminated };
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
  let lineNo = 0;
  try {
    streamChunks(fd, (v, kept, base, eof) => {
      if (base === 0 && kept === 0 && v.length > 0 && looksBinary(v)) {
        throw new ReadError(path, { line: 1 }, 'binary data where text was expected (not a text file?)');
      }
      // the complete lines: up to the last line end (all of it at the end of the file)
      let last = v.length;
      if (!eof) {
        const nl = v.subarray(kept).lastIndexOf(10); // only the part not searched before
        last = nl < 0 ? 0 : kept + nl + 1;
      }
      if (last > 0) {
        const text = v.toString('latin1', 0, last);
        let s = 0;
        while (s < last) {
          let e = text.indexOf('\n', s);
          if (e < 0) e = last;
          lineNo++;
          const end = e > s && text.charCodeAt(e - 1) === 13 ? e - 1 : e;
          if (onLine(text, s, end, lineNo, base + s) === false) return -1;
          s = e + 1;
        }
      }
      return last;
    }, { chunkBytes });
  } finally {
    closeSync(fd);
  }
  return { lines: lineNo, bytes: size };
}

/**
 * Latin1 strings of short byte ranges, interned: a file repeats the same few names and values
 * (tag names, attribute texts, info values) thousands of times, and each becomes one string,
 * not one per occurrence.
 */
export class InternedText {
  private readonly table = new Map<number, { bytes: Uint8Array; str: string }[]>();
  private count = 0;
  /** Ranges longer than `maxLength` bytes are decoded, not interned; at most `maxCount` strings are kept. */
  constructor(private readonly maxLength = 96, private readonly maxCount = 4096) {}
  /** The latin1 text of bytes b[s, e): the string kept for those bytes, or a new one. */
  get(b: Uint8Array, s: number, e: number): string {
    const len = e - s;
    if (len === 0) return '';
    if (len > this.maxLength) return latin1(b, s, e);
    let h = len;
    for (let k = s; k < e; k++) h = (h * 31 + b[k]) | 0; // exact below 2^53, so the same as Math.imul(h, 31) + b[k], without a call per byte
    const list = this.table.get(h);
    if (list) {
      for (let q = 0; q < list.length; q++) {
        const x = list[q].bytes;
        if (x.length !== len) continue;
        let k = 0;
        while (k < len && x[k] === b[s + k]) k++;
        if (k === len) return list[q].str;
      }
    }
    const str = latin1(b, s, e);
    if (this.count < this.maxCount) {
      const entry = { bytes: Uint8Array.from(b.subarray(s, e)), str };
      if (list) list.push(entry);
      else this.table.set(h, [entry]);
      this.count++;
    }
    return str;
  }
}

/** The latin1 text of bytes b[s, e). */
function latin1(b: Uint8Array, s: number, e: number): string {
  return Buffer.isBuffer(b) ? b.toString('latin1', s, e) : Buffer.from(b.buffer, b.byteOffset + s, e - s).toString('latin1');
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

/** 2^53: every integer below it is an exact double. */
const EXACT_INTEGERS = 9007199254740992;

/**
 * The number written in bytes b[s, e) (one word, no blanks), as Number() reads its text. A plain
 * decimal whose digits make an integer m < 2^53 is m / 10^d (d ≤ 22 digits after the point):
 * one operation on exact doubles, so the correctly rounded value, as Number() gives. Anything
 * else (an exponent, 17 significant digits, "NaN", "****") goes to {@link numberAfterAll}.
 * Kept small, so that the compiler inlines it into the loops that call it.
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
  while (i < e) {
    if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      digits++;
      if (dec >= 0) dec++;
    } else if (c === 46 && dec < 0) dec = 0;
    else break;
    c = b[++i];
  }
  if (i === e && digits > 0 && m < EXACT_INTEGERS && dec <= 22) {
    const v = dec > 0 ? m / POW10[dec] : m;
    return neg ? -v : v;
  }
  return numberAfterAll(b, s, e);
}

/**
 * {@link numberAt} of what is not a plain decimal. With an exponent, digits that make an integer
 * m < 2^53 and a power of ten p (from the point and the exponent) of at most 22 either way give
 * m · 10^p or m / 10^−p, correctly rounded (Clinger's fast path); the rest is Number() of the text.
 */
function numberAfterAll(b: Uint8Array, s: number, e: number): number {
  let i = s;
  let c = b[i];
  let neg = false;
  if (c === 45) {
    neg = true;
    c = b[++i];
  } else if (c === 43) c = b[++i];
  let m = 0;
  let digits = 0;
  let p = 0; // power of ten of the last digit
  let dot = false;
  while (i < e) {
    if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      digits++;
      if (dot) p--;
    } else if (c === 46 && !dot) dot = true;
    else break;
    c = b[++i];
  }
  if (i < e && digits > 0 && (c === 101 || c === 69)) {
    // e E: an exponent, with at least one digit
    c = b[++i];
    let eneg = false;
    if (i < e && c === 45) {
      eneg = true;
      c = b[++i];
    } else if (i < e && c === 43) c = b[++i];
    let x = 0;
    const x0 = i;
    while (i < e && c >= 48 && c <= 57) {
      if (x < 100000) x = x * 10 + (c - 48);
      c = b[++i];
    }
    if (i === x0) digits = 0; // "1e": not a number
    p += eneg ? -x : x;
  }
  if (i === e && digits > 0 && m < EXACT_INTEGERS && p >= -22 && p <= 22) {
    const v = p < 0 ? m / POW10[-p] : p > 0 ? m * POW10[p] : m;
    return neg ? -v : v;
  }
  if (i === e && digits > 0 && p >= -22 && p < 0 && m < 1e17) {
    // up to 17 significant digits over a power of ten (Python's and NumPy's shortest repr of a double)
    const v = quotientOf(b, s, e, -p);
    if (v === v) return neg ? -v : v;
  }
  return Number(Buffer.isBuffer(b) ? b.toString('latin1', s, e) : latin1(b, s, e));
}

/** 2^27 + 1: Veltkamp's splitting constant (a double times it splits into two 26-bit halves). */
const SPLITTER = 134217729;
/** A double's bits: the high word (sign, exponent, top of the mantissa) is BITS[HIGH]. */
const ONE = new Float64Array(1);
const BITS = new Uint32Array(ONE.buffer);
const HIGH = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

/**
 * M / 10^k correctly rounded, for the digits M (at most 17 significant ones, M ≥ 2^53) of the
 * decimal in bytes b[s, e) and 0 < k ≤ 22; NaN when it cannot tell (the value within 2^-30 of
 * half a unit in the last place from a tie, or next to a power of two): then Number() decides.
 * M is held exactly as mh + ml (its first digits times 10^8, plus its last 8), q = mh / 10^k is
 * corrected by the remainder M − q·10^k, computed exactly (Dekker's product), and the result is
 * kept only when its distance to M / 10^k is clearly below half a unit in its last place.
 */
function quotientOf(b: Uint8Array, s: number, e: number, k: number): number {
  // the significant digits: all but the last 8 in a1, the last 8 in a0
  let sig = 0;
  for (let i = s; i < e; i++) {
    const c = b[i];
    if (c === 101 || c === 69) break;
    if (c >= 48 && c <= 57 && (sig > 0 || c > 48)) sig++;
  }
  if (sig > 17) return NaN;
  let a1 = 0;
  let a0 = 0;
  let j = 0;
  for (let i = s; i < e; i++) {
    const c = b[i];
    if (c === 101 || c === 69) break;
    if (c < 48 || c > 57 || (j === 0 && c === 48)) continue;
    if (j < sig - 8) a1 = a1 * 10 + (c - 48);
    else a0 = a0 * 10 + (c - 48);
    j++;
  }
  const hi8 = a1 * 1e8; // exact: a1 < 10^9, and a1 · 5^8 < 2^53
  const mh = hi8 + a0;
  const ml = a0 - (mh - hi8); // exact (hi8 ≥ a0)
  const t = POW10[k];
  const q = mh / t;
  // q · t = ph + pl exactly
  let c = SPLITTER * q;
  const qh = c - (c - q);
  const ql = q - qh;
  c = SPLITTER * t;
  const th = c - (c - t);
  const tl = t - th;
  const ph = q * t;
  const pl = qh * th - ph + qh * tl + ql * th + ql * tl;
  const rem = mh - ph - pl + ml; // M − q·t (mh − ph is exact: ph is within an ulp of mh)
  const corr = rem / t;
  const x = q + corr;
  const off = q - x + corr; // M / 10^k − x
  ONE[0] = x;
  const high = BITS[HIGH];
  const exp = (high >>> 20) & 0x7ff;
  if (((high & 0xfffff) === 0 && BITS[1 - HIGH] === 0) || exp <= 54 || exp === 0x7ff) return NaN;
  BITS[HIGH] = (exp - 53) << 20; // half a unit in the last place of x: 2^(exp − 1076)
  BITS[1 - HIGH] = 0;
  const half = ONE[0];
  return (off < 0 ? -off : off) < half * (1 - 2 ** -30) ? x : NaN;
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
