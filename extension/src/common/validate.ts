/** Checks of untrusted JSON payloads; every error names the field and what was expected. */
import { SEM_NAMES, type SemName } from 'deltak/core';

/** `x` as a plain object, or an error naming `what`. */
export function checkObject(x: unknown, what: string): Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) {
    throw new Error(`${what}: expected an object, got ${x === null ? 'null' : Array.isArray(x) ? 'an array' : typeof x}`);
  }
  return x as Record<string, unknown>;
}

/** `x` as an array, or an error naming `what`. */
export function checkArray(x: unknown, what: string): unknown[] {
  if (!Array.isArray(x)) throw new Error(`${what}: expected an array, got ${x === null ? 'null' : typeof x}`);
  return x;
}

/** `x` as a finite number, or an error naming `what`. */
export function checkNumber(x: unknown, what: string): number {
  if (typeof x !== 'number' || !Number.isFinite(x)) throw new Error(`${what}: expected a finite number, got ${JSON.stringify(x)}`);
  return x;
}

/** `x` as a finite number or null, or an error naming `what`. */
export function checkNumberOrNull(x: unknown, what: string): number | null {
  return x === null ? null : checkNumber(x, what);
}

/** `x` as a string, or an error naming `what`. */
export function checkString(x: unknown, what: string): string {
  if (typeof x !== 'string') throw new Error(`${what}: expected a string, got ${JSON.stringify(x)}`);
  return x;
}

/** `x` as one of the SEM names, or an error naming `what`. */
export function checkSem(x: unknown, what: string): SemName {
  if (!SEM_NAMES.includes(x as SemName)) throw new Error(`${what}: expected one of ${SEM_NAMES.join(', ')}, got ${JSON.stringify(x)}`);
  return x as SemName;
}
