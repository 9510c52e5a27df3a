/**
 * The byte-level line streamer and number parsers every text reader uses: lines longer than the
 * buffer, CRLF, a last line without its line end, numbers read as Number() and parseDecimal read
 * them; and the streamed readers on lines that cross buffer boundaries.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { forEachLineBytes, forEachLine, numberAt, decimalAt, parseDecimal } from '../src/io/bytes.js';
import { readTable, readExtxyz } from '../src/index.js';
import { tempDir } from './io-helpers.js';

/** Lines of `text` as a reader should see them: split at LF, a CR before the LF dropped. */
function expectedLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

test('forEachLineBytes and forEachLine: lines longer than the buffer, CRLF, an unterminated last line', () => {
  const { dir, cleanup } = tempDir('bytes');
  try {
    const long = 'x'.repeat(1000);
    const cases: [string, number][] = [
      ['a\nbb\n\nccc\n', 0],
      [`short\n${long}\nend\n`, 0],
      [`${long}${long}\r\n${long}\n`, 0],
      ['a\r\nb\r\nlast', 3],
      [`one\n${long}`, 2],
      ['trailing blanks\n   ', 0],
      ['', 0],
    ];
    for (const [text, unterminated] of cases) {
      const p = join(dir, 'f.txt');
      writeFileSync(p, text, 'latin1');
      for (const chunk of [64, 100, 4096]) {
        const got: string[] = [];
        const r = forEachLineBytes(p, (b, s, e) => {
          got.push(b.toString('latin1', s, e));
        }, { chunkBytes: chunk });
        const want = expectedLines(text);
        assert.deepEqual(got, want, `forEachLineBytes, chunk ${chunk}: ${JSON.stringify(text.slice(0, 30))}`);
        assert.equal(r.unterminated, unterminated, `unterminated line of ${JSON.stringify(text.slice(0, 30))}`);
        const got2: string[] = [];
        const offsets: number[] = [];
        forEachLine(p, (t, s, e, _n, offset) => {
          got2.push(t.slice(s, e));
          offsets.push(offset);
        }, chunk);
        assert.deepEqual(got2, want, `forEachLine, chunk ${chunk}`);
        // each line's file offset is where it starts
        let at = 0;
        const starts = text.split('\n').slice(0, want.length).map((l) => {
          const o = at;
          at += l.length + 1;
          return o;
        });
        assert.deepEqual(offsets, starts, `forEachLine offsets, chunk ${chunk}`);
      }
    }
  } finally {
    cleanup();
  }
});

test('numberAt reads as Number() does, decimalAt as parseDecimal does', () => {
  const words = ['0', '-0', '12', '-1.5', '+2.25', '.5', '5.', '1e-3', '2.5E+10', '123456789012345', '1234567890123456789', '0.1000000000000000055511151231257827',
    'NaN', 'Infinity', '-Infinity', '0x1f', '1,5', '****', '-', '.', '1.2.3', '3.x9', '1e400', '-1e400', '1d-3', '07'];
  for (const w of words) {
    const b = Buffer.from(` ${w} `, 'latin1');
    assert.ok(Object.is(numberAt(b, 1, 1 + w.length), Number(w)), `numberAt(${w})`);
    assert.ok(Object.is(decimalAt(b, 1, 1 + w.length), parseDecimal(w)), `decimalAt(${w})`);
  }
});

test('streamed readers: a CSV with quoted fields across lines, CRLF, a lone CR and a BOM; an extxyz whose comment line is longer than the buffer', () => {
  const { dir, cleanup } = tempDir('bytes-readers');
  try {
    const csv = join(dir, 't.csv');
    writeFileSync(csv, '\uFEFFname,note,x\r\na,"one, two",1\r\nb,"line\nbreak ""q""",2\rc,plain,3\n');
    const rows = readTable(csv, { layout: 'none' }).objects() as Record<string, unknown>[];
    assert.deepEqual(rows, [
      { name: 'a', note: 'one, two', x: 1 },
      { name: 'b', note: 'line\nbreak "q"', x: 2 },
      { name: 'c', note: 'plain', x: 3 },
    ]);
    const xyz = join(dir, 'long.xyz');
    const label = 'y'.repeat(3 << 20); // longer than the 1 MiB buffer
    writeFileSync(xyz, `1\nLattice="4 0 0 0 4 0 0 0 4" Properties=species:S:1:pos:R:3:forces:R:3 energy=-3.5 label=${label} pbc="T T T"\nAl 0 0 0 0.1 0.2 0.3\n`);
    const t = readExtxyz(xyz);
    assert.equal(t.numRows(), 1);
    assert.equal((t.get('tags', 0) as Record<string, unknown>).label, label);
    assert.deepEqual(Array.from(t.get('forces', 0) as Float64Array), [0.1, 0.2, 0.3]);
    assert.equal(t.get('energy', 0), -3.5);
  } finally {
    cleanup();
  }
});
