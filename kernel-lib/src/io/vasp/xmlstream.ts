/**
 * A small streaming (SAX-style) XML tokenizer over a file read into one reused byte buffer:
 * open/close/text events, bounded memory whatever the file size, and whole subtrees skipped
 * without tokenizing them. The markup is never decoded as a whole: text and raw elements are
 * handed over as byte ranges, tag names and attribute texts become (interned) latin1 strings.
 */
import { openSync, closeSync } from 'node:fs';
import { streamChunks, InternedText } from '../bytes.js';

/** Handler of the events of {@link streamXml}. */
export interface XmlHandler {
  /** An element opens; `attrs` is the raw attribute text. Return a tag name to skip its whole subtree. */
  open(name: string, attrs: string): string | void;
  /** An element closes (also called right after `open` for `<x/>`). */
  close(name: string): void;
  /** Text inside the current element: bytes b[start, end) (a long text may come in several pieces). */
  text(b: Buffer, start: number, end: number): void;
  /** Elements delivered whole to {@link XmlHandler.raw} (no events inside), e.g. small leaf blocks. */
  rawTags?: ReadonlySet<string>;
  /**
   * A whole `rawTags` element: its attributes and its inner markup, bytes b[start, end). The bytes
   * are valid during the call only (the buffer is reused).
   */
  raw?(name: string, attrs: string, b: Buffer, start: number, end: number): void;
}

/** Value of attribute `key` in raw attribute text, or null. */
export function attr(attrs: string, key: string): string | null {
  // fast path: key="…" at the start or after a space, as VASP writes it
  const i = attrs.indexOf(`${key}="`);
  if (i === 0 || (i > 0 && /\s/.test(attrs[i - 1]))) {
    const j = attrs.indexOf('"', i + key.length + 2);
    return j < 0 ? null : attrs.slice(i + key.length + 2, j);
  }
  // any XML spelling: spaces around "=", single or double quotes
  const m = new RegExp(`(?:^|\\s)${key}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`).exec(attrs);
  return m ? m[1] ?? m[2] : null;
}

const LT = 60; // <
const GT = 62; // >
const SLASH = 47; // /
const BANG = 33; // !
const QUESTION = 63; // ?
const COMMENT_OPEN = Buffer.from('<!--', 'latin1');
const CDATA_OPEN = Buffer.from('<![CDATA[', 'latin1');
const COMMENT_CLOSE = Buffer.from('-->', 'latin1');
const CDATA_CLOSE = Buffer.from(']]>', 'latin1');

const startsWithAt = (b: Buffer, needle: Buffer, j: number, n: number): boolean => {
  if (j + needle.length > n) return false;
  for (let k = 0; k < needle.length; k++) if (b[j + k] !== needle[k]) return false;
  return true;
};

/** First `c` in b[from, n): the next few bytes in JavaScript (markup is dense), then a native search. */
const findByte = (b: Buffer, c: number, from: number, n: number): number => {
  const stop = Math.min(n, from + 48);
  for (let k = from; k < stop; k++) if (b[k] === c) return k;
  return stop < n ? b.indexOf(c, stop) : -1;
};

/**
 * Stream `path` through `h`. Returns the number of bytes read and whether the document ended
 * cleanly (every opened element closed). Malformed markup throws with the byte offset.
 * `chunkBytes` is the initial buffer size; it doubles only for a raw element larger than it.
 */
export function streamXml(path: string, h: XmlHandler, chunkBytes = 1 << 20): { bytes: number; depth: number } {
  const fd = openSync(path, 'r');
  let depthAt = 0; // elements open
  let skipAt: Buffer | null = null; // the close tag of a skipped subtree
  let skipNameAt = '';
  const names = new InternedText();
  const open: string[] = []; // names of the elements open, outermost first: every close tag must close the innermost
  const closeTags = new Map<string, Buffer>();
  const openTags = new Map<string, Buffer>();
  const openTag = (name: string): Buffer => {
    let t = openTags.get(name);
    if (!t) {
      t = Buffer.from(`<${name}`, 'latin1');
      openTags.set(name, t);
    }
    return t;
  };
  const closeTag = (name: string): Buffer => {
    let t = closeTags.get(name);
    if (!t) {
      t = Buffer.from(`</${name}>`, 'latin1');
      closeTags.set(name, t);
    }
    return t;
  };
  const rawTags = h.rawTags;
  try {
    const bytes = streamChunks(fd, (v, _kept, base, eof) => {
      const n = v.length;
      // the state in locals while the chunk is read, stored back at its end
      let depth = depthAt;
      let skip = skipAt;
      let skipName = skipNameAt;
      let i = 0;
      for (;;) {
        if (skip !== null) {
          const j = v.indexOf(skip, i);
          if (j < 0) {
            i = Math.max(i, n - skip.length + 1);
            break;
          }
          i = j + skip.length;
          depth--;
          open.pop();
          h.close(skipName);
          skip = null;
          continue;
        }
        const lt = findByte(v, LT, i, n);
        if (lt < 0) {
          if (i < n) h.text(v, i, n);
          i = n;
          break;
        }
        if (lt > i) h.text(v, i, lt);
        i = lt;
        if (lt + 1 >= n) break;
        const c1 = v[lt + 1];
        if (c1 === BANG || c1 === QUESTION) {
          if (lt + 9 > n && !eof) break; // not enough bytes to tell a comment or CDATA
          const endMark = startsWithAt(v, COMMENT_OPEN, lt, n) ? COMMENT_CLOSE : startsWithAt(v, CDATA_OPEN, lt, n) ? CDATA_CLOSE : null;
          const j = endMark ? v.indexOf(endMark, lt + 2) : v.indexOf(GT, lt + 2);
          if (j < 0) break;
          if (endMark === CDATA_CLOSE) h.text(v, lt + 9, j);
          i = j + (endMark ? endMark.length : 1);
          continue;
        }
        const gt = findByte(v, GT, lt + 1, n);
        if (gt < 0) break;
        if (c1 === SLASH) {
          let s = lt + 2;
          let e = gt;
          while (s < e && v[s] <= 32) s++;
          while (e > s && v[e - 1] <= 32) e--;
          const name = names.get(v, s, e);
          depth--;
          if (depth < 0) throw new Error(`unexpected </${name}> at byte ${base + lt}`);
          const top = open.pop();
          if (top !== name) throw new Error(`</${name}> at byte ${base + lt} where <${top}> is open: malformed XML (a line lost or added?)`);
          h.close(name);
        } else {
          let e = lt + 1;
          while (e < gt) {
            const c = v[e];
            if (c === 32 || c === 9 || c === 10 || c === 13 || c === SLASH) break;
            e++;
          }
          if (e === lt + 1) throw new Error(`malformed tag at byte ${base + lt}`);
          const name = names.get(v, lt + 1, e);
          const selfClose = v[gt - 1] === SLASH;
          const attrs = names.get(v, e, selfClose ? Math.max(e, gt - 1) : gt);
          if (!selfClose && rawTags && rawTags.has(name)) {
            const endTag = closeTag(name);
            const j = v.indexOf(endTag, gt + 1);
            if (j < 0) {
              if (eof) throw Object.assign(new Error(`file ends inside <${name}> at byte ${base + lt}`), { truncated: true });
              break; // read more, then parse this element again
            }
            // a raw element never holds one of its own name: one there means its close tag was lost
            const ot = openTag(name);
            for (let q = v.indexOf(ot, gt + 1); q >= 0 && q < j; q = v.indexOf(ot, q + 1)) {
              const after = v[q + ot.length];
              if (after === GT || after === SLASH || after <= 32) throw new Error(`<${name}> at byte ${base + lt} holds another <${name}> (byte ${base + q}) before its </${name}>: malformed XML (a line lost?)`);
            }
            h.raw!(name, attrs, v, gt + 1, j);
            i = j + endTag.length;
            continue;
          }
          depth++;
          open.push(name);
          const s = h.open(name, attrs);
          if (selfClose) {
            depth--;
            open.pop();
            h.close(name);
          } else if (s) {
            skip = closeTag(name);
            skipName = name;
          }
        }
        i = gt + 1;
      }
      if (eof) {
        let k = i;
        while (k < n && v[k] <= 32) k++;
        if (k < n && skip === null) {
          throw Object.assign(new Error(`file ends inside markup at byte ${base + i}: ${JSON.stringify(v.toString('latin1', i, Math.min(n, i + 40)))}`), { truncated: true });
        }
      }
      depthAt = depth;
      skipAt = skip;
      skipNameAt = skipName;
      return i;
    }, { chunkBytes });
    return { bytes, depth: depthAt };
  } finally {
    closeSync(fd);
  }
}
