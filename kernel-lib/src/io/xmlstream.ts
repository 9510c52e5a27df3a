/**
 * A small streaming (SAX-style) XML tokenizer over a file read in chunks: open/close/text events,
 * bounded memory whatever the file size, and whole subtrees skipped without tokenizing them.
 */
import { openSync, readSync, closeSync } from 'node:fs';

/** Handler of the events of {@link streamXml}. */
export interface XmlHandler {
  /** An element opens; `attrs` is the raw attribute text. Return a tag name to skip its whole subtree. */
  open(name: string, attrs: string): string | void;
  /** An element closes (also called right after `open` for `<x/>`). */
  close(name: string): void;
  /** Text inside the current element: text[start, end). */
  text(text: string, start: number, end: number): void;
  /** Elements delivered whole to {@link XmlHandler.raw} (no events inside), e.g. small leaf blocks. */
  rawTags?: ReadonlySet<string>;
  /** A whole `rawTags` element: its attributes and its inner markup text[start, end). */
  raw?(name: string, attrs: string, text: string, start: number, end: number): void;
}

/** Value of attribute `key` in raw attribute text, or null. */
export function attr(attrs: string, key: string): string | null {
  const i = attrs.indexOf(`${key}="`);
  if (i < 0) return null;
  if (i > 0 && /[\w-]/.test(attrs[i - 1])) {
    const m = new RegExp(`(?:^|\\s)${key}="([^"]*)"`).exec(attrs);
    return m ? m[1] : null;
  }
  const j = attrs.indexOf('"', i + key.length + 2);
  return j < 0 ? null : attrs.slice(i + key.length + 2, j);
}

/**
 * Stream `path` through `h`. Returns the number of bytes read and whether the document ended
 * cleanly (every opened element closed). Malformed markup throws with the byte offset.
 */
export function streamXml(path: string, h: XmlHandler, chunkBytes = 1 << 16): { bytes: number; depth: number } {
  const fd = openSync(path, 'r');
  const buf = Buffer.allocUnsafe(chunkBytes);
  let carry = '';
  let base = 0; // file offset of text[0]
  let filePos = 0;
  let depth = 0;
  let skip: string | null = null;
  try {
    for (;;) {
      const got = readSync(fd, buf, 0, chunkBytes, filePos);
      filePos += got;
      const eof = got === 0;
      const text = carry + buf.toString('latin1', 0, got);
      let i = 0;
      const n = text.length;
      for (;;) {
        if (skip !== null) {
          const j = text.indexOf(skip, i);
          if (j < 0) {
            i = Math.max(i, n - skip.length);
            break;
          }
          i = j + skip.length;
          depth--;
          h.close(skip.slice(2, -1));
          skip = null;
          continue;
        }
        const lt = text.indexOf('<', i);
        if (lt < 0) {
          if (i < n) h.text(text, i, n);
          i = n;
          break;
        }
        if (lt > i) h.text(text, i, lt);
        i = lt;
        const c1 = text.charCodeAt(lt + 1);
        if (c1 === 33 /* ! */ || c1 === 63 /* ? */) {
          const endMark = text.startsWith('<!--', lt) ? '-->' : text.startsWith('<![CDATA[', lt) ? ']]>' : '>';
          const j = text.indexOf(endMark, lt + 2);
          if (j < 0) break;
          if (endMark === ']]>') h.text(text, lt + 9, j);
          i = j + endMark.length;
          continue;
        }
        const gt = text.indexOf('>', lt + 1);
        if (gt < 0) break;
        if (c1 === 47 /* / */) {
          const name = text.slice(lt + 2, gt).trim();
          depth--;
          if (depth < 0) throw new Error(`unexpected </${name}> at byte ${base + lt}`);
          h.close(name);
        } else {
          let e = lt + 1;
          while (e < gt) {
            const c = text.charCodeAt(e);
            if (c === 32 || c === 9 || c === 10 || c === 13 || c === 47) break;
            e++;
          }
          const name = text.slice(lt + 1, e);
          if (name.length === 0) throw new Error(`malformed tag at byte ${base + lt}`);
          const selfClose = text.charCodeAt(gt - 1) === 47;
          const attrs = text.slice(e, selfClose ? gt - 1 : gt);
          if (!selfClose && h.rawTags && h.rawTags.has(name)) {
            const endTag = `</${name}>`;
            const j = text.indexOf(endTag, gt + 1);
            if (j < 0) {
              if (eof) throw Object.assign(new Error(`file ends inside <${name}> at byte ${base + lt}`), { truncated: true });
              break; // read more, then parse this element again
            }
            h.raw!(name, attrs, text, gt + 1, j);
            i = j + endTag.length;
            continue;
          }
          depth++;
          const s = h.open(name, attrs);
          if (selfClose) {
            depth--;
            h.close(name);
          } else if (s) skip = `</${name}>`;
        }
        i = gt + 1;
      }
      carry = text.slice(i);
      base += i;
      if (eof) {
        if (carry.trim().length > 0 && skip === null) {
          throw Object.assign(new Error(`file ends inside markup at byte ${base}: ${JSON.stringify(carry.slice(0, 40))}`), { truncated: true });
        }
        return { bytes: filePos, depth: skip !== null ? depth : depth };
      }
    }
  } finally {
    closeSync(fd);
  }
}
