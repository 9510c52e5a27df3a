/** The datasets bundled with deltak, by name, found from the package's own location. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Bundled datasets: name → manifest path inside the repository's data/ folder. */
const EXAMPLES: Record<string, { manifest: string; about: string }> = {
  al: { manifest: 'al/manifest.json', about: 'the reference dataset: Al fcc GPAW DFT over 8 Δk (EOS, elastic, defects, SEM test set) and DeePMD-kit MLPs at 7 Δk' },
  'al-fcc': { manifest: 'al-fcc/manifest.json', about: 'the bundled GPAW sweep of Al fcc: EOS on one k-mesh per Δk and the vacancy, at 8 Δk' },
};

/** The names {@link example} knows, with one line each. */
export function examples(): Record<string, string> {
  return Object.fromEntries(Object.entries(EXAMPLES).map(([k, v]) => [k, v.about]));
}

/**
 * The data/ folder: $DELTAK_DATA when set, else ../../data from this module (kernel-lib/dist/io
 * or kernel-lib/src/io → the repository's data/), whatever the working directory.
 */
export function dataFolder(): string {
  if (process.env.DELTAK_DATA) return process.env.DELTAK_DATA;
  return fileURLToPath(new URL('../../../data/', import.meta.url));
}

/**
 * The manifest path of a bundled dataset ("al", "al-fcc"), for openDataset or `deltak report`.
 * An unknown name, or data that is not on this machine, is an error saying where it looked.
 */
export function example(name: string): string {
  const e = EXAMPLES[name];
  if (!e) throw new Error(`example ${JSON.stringify(name)}: unknown; bundled: ${Object.keys(EXAMPLES).map((k) => `"${k}"`).join(', ')}`);
  const p = join(dataFolder(), e.manifest);
  if (!existsSync(p)) throw new Error(`example ${JSON.stringify(name)}: ${p} not found (deltak looks in the repository's data/ folder beside kernel-lib; set DELTAK_DATA to another data/ folder)`);
  return p;
}
