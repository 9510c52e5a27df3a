/** Shared helpers of the reader tests: where the fixtures are, temp folders, comparisons. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

/** The repository root (DELTAK_ROOT when set by scripts/test.sh). */
export const REPO_ROOT = process.env.DELTAK_ROOT ?? resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Third-party fixture files, beside the repository (never copied into it). */
export const FIXTURES = join(REPO_ROOT, '..', 'shared', 'fixtures');

/** Skip reason when the fixtures are absent (a user's own clone), else false. */
export const NO_FIXTURES: string | false = existsSync(FIXTURES)
  ? false
  : `fixtures not found at ${FIXTURES} (they live beside the repository in shared/fixtures); skipping`;

/** Path of a fixture file. */
export const fx = (p: string): string => join(FIXTURES, p);

/** A fresh temporary folder; removed by the returned cleanup. */
export function tempDir(tag: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `deltak-io-${tag}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Assert two number lists agree component by component within `tol` (absolute). */
export function assertClose(actual: ArrayLike<number> | null | undefined, expected: ArrayLike<number> | null | undefined, tol: number, what: string): void {
  assert.ok(actual, `${what}: missing in deltak's reading`);
  assert.ok(expected, `${what}: missing in the reference reading`);
  assert.equal(actual!.length, expected!.length, `${what}: length ${actual!.length} vs ${expected!.length}`);
  for (let i = 0; i < actual!.length; i++) {
    const d = Math.abs(actual![i] - expected![i]);
    if (!(d <= tol)) assert.fail(`${what}[${i}]: ${actual![i]} vs ${expected![i]} (|Δ| = ${d} > ${tol})`);
  }
}

/** Assert that `fn` throws an error whose message matches every pattern. */
export function assertThrowsWith(fn: () => unknown, ...patterns: RegExp[]): Error {
  let err: Error | null = null;
  try {
    fn();
  } catch (e) {
    err = e as Error;
  }
  assert.ok(err, `expected an error matching ${patterns.join(', ')}`);
  for (const p of patterns) assert.match(err!.message, p);
  return err!;
}
