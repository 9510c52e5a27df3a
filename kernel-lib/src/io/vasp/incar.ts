/** VASP INCAR: the calculation's settings as tag → value text. */
import { ReadError, unterminatedLine } from '../errors.js';
import { looksBinary } from '../bytes.js';
import { readFileBytes } from '../files.js';

/**
 * Read an INCAR into tag → value text (upper-case tags; comments after # or ! dropped;
 * several tags on one line separated by ;). KSPACING is in Å⁻¹.
 */
export function readIncar(path: string): Record<string, string> {
  const buf = readFileBytes(path, 'an INCAR');
  if (looksBinary(buf)) throw new ReadError(path, { line: 1 }, 'binary data where an INCAR was expected');
  const out: Record<string, string> = {};
  const lineOf: Record<string, number> = {};
  const text = buf.toString('utf8');
  const cut = unterminatedLine(text);
  if (cut > 0 && /=/.test(text.slice(text.lastIndexOf('\n') + 1).replace(/[#!].*$/, ''))) {
    throw new ReadError(path, { line: cut }, 'the last line sets a tag but has no line end: the file may be cut inside its value (truncated INCAR?)');
  }
  text.split('\n').forEach((line, i) => {
    for (const part of line.replace(/[#!].*$/, '').split(';')) {
      if (part.trim() === '') continue;
      const m = /^\s*([A-Za-z][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(part);
      if (!m) throw new ReadError(path, { line: i + 1 }, `expected TAG = value, got ${JSON.stringify(part.trim())}`);
      const tag = m[1].toUpperCase();
      if (tag in out) throw new ReadError(path, { line: i + 1 }, `${tag} is set twice (line ${lineOf[tag]}: ${out[tag]}, here: ${m[2]}); which one VASP uses is not for a reader to guess`);
      out[tag] = m[2];
      lineOf[tag] = i + 1;
    }
  });
  return out;
}
