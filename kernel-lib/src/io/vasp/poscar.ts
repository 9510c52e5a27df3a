/** VASP POSCAR/CONTCAR (VASP 5 format with the species line; VASP 4 with the `species` option). */
import { ReadError, unterminatedLine } from '../errors.js';
import { looksBinary } from '../bytes.js';
import { readFileBytes } from '../files.js';
import { cellVolumeProblem } from '../frames.js';
import { isElement } from '../elements.js';

/** A structure read from a POSCAR. */
export interface Poscar {
  comment: string;
  /** Cell rows a₁ a₂ a₃ (Å), scale applied, flattened. */
  cell: Float64Array;
  /** Species of every atom. */
  symbols: string[];
  /** Cartesian positions (Å), flattened. */
  positions: Float64Array;
}

/**
 * Read a POSCAR (lengths Å; a negative scale is the target volume in Å³). VASP 4 files have no
 * species line: give `species` (one per count). Errors name the file and line.
 */
export function readPoscar(path: string, species?: readonly string[]): Poscar {
  const buf = readFileBytes(path, 'a POSCAR');
  if (buf.length === 0) throw new ReadError(path, { line: 1 }, 'empty file, expected a POSCAR');
  if (looksBinary(buf)) throw new ReadError(path, { line: 1 }, 'binary data where a POSCAR was expected');
  const text = buf.toString('utf8');
  const lines = text.split('\n');
  const cut = unterminatedLine(text); // a last line without its line end may be cut inside a number
  const nums = (i: number, n: number): number[] => {
    if (i >= lines.length) throw new ReadError(path, { line: i + 1 }, 'file ends early (truncated POSCAR)');
    if (cut === i + 1) throw new ReadError(path, { line: i + 1 }, 'the file ends inside this line (no line end): it may be cut inside a number (truncated POSCAR?)');
    const w = lines[i].trim().split(/\s+/).slice(0, n).map(Number);
    if (w.length < n || w.some((x) => !Number.isFinite(x))) throw new ReadError(path, { line: i + 1 }, `expected ${n} numbers, got ${JSON.stringify(lines[i].trim())}`);
    return w;
  };
  // the scale line: one universal factor (negative: the cell volume in Å³), or three factors,
  // one per Cartesian axis (VASP ≥ 5.4)
  const sw = (lines[1] ?? '').trim().split(/\s+/).filter((x) => x !== '' && !/^[#!]/.test(x));
  const three = sw.length >= 3 && sw.slice(0, 3).every((x) => Number.isFinite(Number(x)));
  const scales = three ? nums(1, 3) : nums(1, 1);
  if (three && scales.some((x) => !(x > 0))) throw new ReadError(path, { line: 2 }, `three scale factors must all be positive, got ${scales.join(' ')}`);
  const raw = [...nums(2, 3), ...nums(3, 3), ...nums(4, 3)];
  const det = Math.abs(raw[0] * (raw[4] * raw[8] - raw[5] * raw[7]) - raw[1] * (raw[3] * raw[8] - raw[5] * raw[6]) + raw[2] * (raw[3] * raw[7] - raw[4] * raw[6]));
  const scale = scales[0];
  const f = scale < 0 ? Math.cbrt(-scale / det) : scale;
  const cell = Float64Array.from(raw, (x, k) => (three ? x * scales[k % 3] : x * f));
  const bad = cellVolumeProblem(cell);
  if (bad) throw new ReadError(path, { line: 3 }, bad);
  let li = 5;
  let names: string[];
  const w5 = (lines[5] ?? '').trim().split(/\s+/);
  if (w5.length > 0 && Number.isNaN(Number(w5[0]))) {
    names = w5.map((s) => s.split(/[_/.]/)[0]);
    li = 6;
  } else if (species) names = [...species];
  else throw new ReadError(path, { line: 6 }, 'VASP 4 POSCAR without a species line: pass the species');
  names.forEach((s) => {
    if (!isElement(s)) throw new ReadError(path, { line: li }, `unknown element ${JSON.stringify(s)}`);
  });
  const countText = (lines[li] ?? '').trim();
  const counts = countText === '' ? [] : countText.split(/\s+/).map(Number);
  if (counts.length !== names.length || counts.some((c) => !Number.isInteger(c) || c < 0)) {
    throw new ReadError(path, { line: li + 1 }, `${counts.length} counts for ${names.length} species`);
  }
  li++;
  if (/^\s*s/i.test(lines[li] ?? '')) li++;
  const mode = (lines[li] ?? '').trim();
  if (mode === '') throw new ReadError(path, { line: li + 1 }, 'file ends before the coordinate mode (truncated POSCAR)');
  const cart = /^[ck]/i.test(mode);
  li++;
  const symbols: string[] = [];
  names.forEach((s, i) => {
    for (let k = 0; k < counts[i]; k++) symbols.push(s);
  });
  const positions = new Float64Array(3 * symbols.length);
  for (let a = 0; a < symbols.length; a++) {
    const p = nums(li + a, 3);
    for (let k = 0; k < 3; k++) {
      positions[3 * a + k] = cart ? p[k] * (three ? scales[k] : f) : p[0] * cell[k] + p[1] * cell[3 + k] + p[2] * cell[6 + k];
    }
  }
  return { comment: lines[0].trim(), cell, symbols, positions };
}
