/** A small seeded pseudo-random generator (mulberry32), so that bootstraps are reproducible. */

/** Uniform numbers in [0, 1) from a 32-bit `seed`; the same seed gives the same sequence. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The q-quantile (0 ≤ q ≤ 1) of sorted values, linear interpolation (numpy's default). */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error('quantile of no values');
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  if (lo === hi || !Number.isFinite(sorted[hi]) || !Number.isFinite(sorted[lo])) return sorted[h - lo < 0.5 ? lo : hi];
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}
