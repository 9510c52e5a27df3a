/** Paths as a notebook shows them: relative to its folder, so stored outputs name no checkout. */
import { parse, relative, resolve, sep } from 'node:path';

/**
 * `path` relative to `from` (default the working directory: the notebook's folder in a tslab
 * kernel), with "/" separators, when the two share a folder below the file-system root
 * ("../data/al/manifest.json"); otherwise `path` as given (a temporary folder, another disk).
 */
export function shownPath(path: string, from: string = process.cwd()): string {
  const abs = resolve(path);
  const base = resolve(from);
  const top = (p: string): string => p.slice(parse(p).root.length).split(sep)[0];
  if (parse(abs).root !== parse(base).root || top(abs) !== top(base)) return path;
  const rel = relative(base, abs);
  return rel === '' ? '.' : rel.split(sep).join('/');
}
