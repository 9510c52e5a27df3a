/**
 * Path patterns: the one pattern language of deltak's readers (docs/method.md §2 for Δk).
 *
 * A pattern is matched against a path with "/" separators:
 * - `{name}` captures one or more characters within a path segment as the tag `name`;
 *   `{dk}` captures a decimal number (Δk in Å⁻¹), e.g. "0.18" or "1.5e-1";
 * - `*` matches any characters within one segment (none too);
 * - `**` matches any characters across segments; `**​/` matches zero or more whole folders;
 * - everything else matches itself.
 *
 * Patterns are compiled to a small instruction list and run as a Pike VM: one pass over the path
 * with at most one thread per instruction, so matching costs O(path length × pattern length)
 * whatever the pattern (no backtracking).
 */

type Op =
  | { op: 'char'; c: string }
  | { op: 'seg' } // any character but '/'
  | { op: 'any' } // any character
  | { op: 'digit' }
  | { op: 'set'; chars: string }
  | { op: 'split'; x: number; y: number } // x first
  | { op: 'jmp'; to: number }
  | { op: 'save'; slot: number }
  | { op: 'boundary' } // not preceded by a letter or digit
  | { op: 'match' };

/** A compiled path pattern. */
export interface PathPattern {
  /** The pattern text as given. */
  readonly source: string;
  /** Tag names captured, in order of first appearance (`dk` included when present). */
  readonly names: readonly string[];
  /**
   * The tags of `path` (`dk` as a number in Å⁻¹, others as text), or null when the pattern does
   * not match the whole path. A tag captured twice with two different values is an error.
   */
  match(path: string): Record<string, string | number> | null;
}

interface Program {
  ops: Op[];
  /** Capture slot pairs by occurrence: [name, start slot]. */
  captures: [string, number][];
}

const ALNUM = /[A-Za-z0-9]/;

function compile(pattern: string, prefix: 'none' | 'lazy' | 'greedy'): Program {
  const ops: Op[] = [];
  const captures: [string, number][] = [];
  const star = (what: Op, greedy: boolean): void => {
    // L: split body, out; body: what; jmp L; out:
    const l = ops.length;
    ops.push({ op: 'split', x: 0, y: 0 });
    ops.push(what);
    ops.push({ op: 'jmp', to: l });
    const out = ops.length;
    ops[l] = greedy ? { op: 'split', x: l + 1, y: out } : { op: 'split', x: out, y: l + 1 };
  };
  const plus = (what: Op): void => {
    ops.push(what);
    star(what, true);
  };
  if (prefix !== 'none') {
    star({ op: 'any' }, prefix === 'greedy');
    if (ALNUM.test(pattern[0] ?? '')) ops.push({ op: 'boundary' });
  }
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === '{') {
      const end = pattern.indexOf('}', i);
      if (end < 0) throw new Error(`pattern ${JSON.stringify(pattern)}: "{" at position ${i} is not closed by "}"`);
      const name = pattern.slice(i + 1, end);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        throw new Error(`pattern ${JSON.stringify(pattern)}: {${name}} is not a tag name (letters, digits and _, not starting with a digit)`);
      }
      const slot = 2 * captures.length;
      captures.push([name, slot]);
      ops.push({ op: 'save', slot });
      if (name === 'dk') {
        // [0-9]* '.'? [0-9]+ ([eE] [+-]? [0-9]+)?
        star({ op: 'digit' }, true);
        const s = ops.length;
        ops.push({ op: 'split', x: s + 1, y: s + 2 });
        ops.push({ op: 'char', c: '.' });
        plus({ op: 'digit' });
        const e = ops.length;
        ops.push({ op: 'split', x: 0, y: 0 });
        ops.push({ op: 'set', chars: 'eE' });
        const sign = ops.length;
        ops.push({ op: 'split', x: sign + 1, y: sign + 2 });
        ops.push({ op: 'set', chars: '+-' });
        plus({ op: 'digit' });
        ops[e] = { op: 'split', x: e + 1, y: ops.length };
      } else {
        plus({ op: 'seg' });
      }
      ops.push({ op: 'save', slot: slot + 1 });
      i = end + 1;
    } else if (c === '}') {
      throw new Error(`pattern ${JSON.stringify(pattern)}: "}" at position ${i} without "{"`);
    } else if (c === '*' && pattern[i + 1] === '*') {
      if (pattern[i + 2] === '/') {
        // zero or more folders: ( any* '/' )?
        const s = ops.length;
        ops.push({ op: 'split', x: 0, y: 0 });
        star({ op: 'any' }, true);
        ops.push({ op: 'char', c: '/' });
        ops[s] = { op: 'split', x: s + 1, y: ops.length };
        i += 3;
      } else {
        star({ op: 'any' }, true);
        i += 2;
      }
    } else if (c === '*') {
      star({ op: 'seg' }, true);
      i += 1;
    } else {
      ops.push({ op: 'char', c: c === '\\' ? '/' : c });
      i += 1;
    }
  }
  if (prefix !== 'none') star({ op: 'any' }, true);
  ops.push({ op: 'match' });
  return { ops, captures };
}

/** Run the program over the whole of `text`; the capture slots of the best match, or null. */
function run(prog: Program, text: string): Int32Array | null {
  const { ops } = prog;
  const nslots = 2 * prog.captures.length;
  let clist: { pc: number; caps: Int32Array }[] = [];
  let nlist: { pc: number; caps: Int32Array }[] = [];
  const mark = new Int32Array(ops.length).fill(-1);
  let generation = 0;
  // add a thread at pc, following jumps, splits, saves and assertions (depth-first: priority order)
  const add = (list: { pc: number; caps: Int32Array }[], pc0: number, caps0: Int32Array, pos: number): void => {
    const stack: [number, Int32Array][] = [[pc0, caps0]];
    while (stack.length) {
      const [pc, caps] = stack.pop()!;
      if (mark[pc] === generation) continue;
      mark[pc] = generation;
      const o = ops[pc];
      if (o.op === 'jmp') stack.push([o.to, caps]);
      else if (o.op === 'split') {
        stack.push([o.y, caps]);
        stack.push([o.x, caps]);
      } else if (o.op === 'save') {
        const c = caps.slice();
        c[o.slot] = pos;
        stack.push([pc + 1, c]);
      } else if (o.op === 'boundary') {
        if (pos === 0 || !ALNUM.test(text[pos - 1])) stack.push([pc + 1, caps]);
      } else list.push({ pc, caps });
    }
  };
  generation++;
  add(clist, 0, new Int32Array(nslots).fill(-1), 0);
  for (let pos = 0; pos <= text.length; pos++) {
    const ch = pos < text.length ? (text[pos] === '\\' ? '/' : text[pos]) : '';
    generation++;
    nlist = [];
    for (const t of clist) {
      const o = ops[t.pc];
      if (o.op === 'match') {
        if (pos === text.length) return t.caps;
        continue;
      }
      if (pos === text.length) continue;
      let ok = false;
      if (o.op === 'char') ok = ch === o.c;
      else if (o.op === 'seg') ok = ch !== '/';
      else if (o.op === 'any') ok = true;
      else if (o.op === 'digit') ok = ch >= '0' && ch <= '9';
      else if (o.op === 'set') ok = o.chars.includes(ch);
      if (ok) add(nlist, t.pc + 1, t.caps, pos + 1);
    }
    clist = nlist;
    if (clist.length === 0) return null;
  }
  return null;
}

function tagsOf(prog: Program, pattern: string, path: string, caps: Int32Array): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [name, slot] of prog.captures) {
    const raw = path.slice(caps[slot], caps[slot + 1]);
    const v: string | number = name === 'dk' ? Number(raw) : raw;
    if (name === 'dk' && !(Number.isFinite(v) && (v as number) > 0)) {
      throw new Error(`${path}: pattern ${JSON.stringify(pattern)} reads Δk = ${raw}, expected a positive number of Å⁻¹`);
    }
    if (name in out && out[name] !== v) {
      throw new Error(`${path}: pattern ${JSON.stringify(pattern)} reads tag "${name}" twice, as ${JSON.stringify(out[name])} and ${JSON.stringify(v)}`);
    }
    out[name] = v;
  }
  return out;
}

/**
 * Compile a path pattern (see the module comment) that must match a whole path, e.g.
 * "{metal}/{lattice}/{structure}/dk{dk}/{config}.extxyz" against a path relative to the folder read.
 */
export function compilePattern(pattern: string): PathPattern {
  if (typeof pattern !== 'string' || pattern.length === 0) throw new Error('pattern must be a non-empty string');
  const prog = compile(pattern, 'none');
  const names = [...new Set(prog.captures.map(([n]) => n))];
  return {
    source: pattern,
    names,
    match(path: string) {
      const caps = run(prog, path);
      return caps ? tagsOf(prog, pattern, path, caps) : null;
    },
  };
}

/**
 * Search `path` for `pattern` anywhere in it (not the whole path); a pattern that starts with a
 * letter or digit matches only where no letter or digit precedes it ("k{dk}" does not match
 * inside "bulk2"). Returns the tags of the first and of the last place it matches (they differ
 * when the pattern is found twice with other values), or null when it is not found.
 */
export function searchPattern(path: string, pattern: string): { first: Record<string, string | number>; last: Record<string, string | number> } | null {
  if (typeof pattern !== 'string' || pattern.length === 0) throw new Error('pattern must be a non-empty string');
  const lazy = compile(pattern, 'lazy');
  const first = run(lazy, path);
  if (!first) return null;
  const greedy = compile(pattern, 'greedy');
  const last = run(greedy, path)!;
  return { first: tagsOf(lazy, pattern, path, first), last: tagsOf(greedy, pattern, path, last) };
}
