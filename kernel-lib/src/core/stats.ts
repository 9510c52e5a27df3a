/** Descriptive statistics used by the convergence criteria (docs/method.md §4). */

/**
 * Mean absolute deviation about the mean, (1/N) Σ |xᵢ − x̄|, in the unit of the values.
 * Empty input or a non-finite value is an error.
 */
export function mad(values: ArrayLike<number>): number {
  return madOf(values, 0, values.length);
}

/** {@link mad} of values[start … end − 1]. */
export function madOf(values: ArrayLike<number>, start: number, end: number): number {
  const n = end - start;
  if (n <= 0) throw new Error('mad: no values');
  let sum = 0;
  for (let i = start; i < end; i++) {
    const x = values[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      throw new Error(`mad: value ${i - start} is ${x}, expected a finite number`);
    }
    sum += x;
  }
  const mean = sum / n;
  let dev = 0;
  for (let i = start; i < end; i++) dev += Math.abs(values[i] - mean);
  return dev / n;
}

/** Arithmetic mean; empty input is an error. */
export function mean(values: readonly number[]): number {
  if (values.length === 0) throw new Error('mean: no values');
  let s = 0;
  for (const x of values) s += x;
  return s / values.length;
}
