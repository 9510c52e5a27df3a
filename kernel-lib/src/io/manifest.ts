/**
 * The dataset manifest: its JSON Schema (kernel-lib/manifest.schema.json, the one definition)
 * and a validator for the part of JSON Schema that file uses, with errors naming the key.
 */
import { readFileSync } from 'node:fs';
import type { NamedCell } from '../core/tables.js';

/** A file or folder of frames in a manifest: a path, or a path with a pattern and fixed tags. */
export type ManifestFrames = string | { path: string; pattern?: string | string[]; tags?: Record<string, string | number | boolean> };

/** A dataset manifest (see kernel-lib/manifest.schema.json); paths relative to the manifest. */
export interface Manifest {
  name?: string;
  /** Tidy property sweeps (CSV/TSV/JSON). */
  properties?: string[];
  /** Single points tagged kind, metal, lattice: properties are computed from them. */
  calculations?: ManifestFrames[];
  /** The DFT test set: single points tagged metal, lattice, structure, config. */
  sem_frames?: ManifestFrames[];
  /** Training structures (Å) for the k-point cost. */
  cells?: NamedCell[];
  /** `dp test -d` output: prefix, Δk of the model's training data (Å⁻¹), dataset (train or test). */
  dp_test?: { prefix: string; dk: number; dataset: string }[];
  /** What the producer of the data knows is not there yet, one sentence each. */
  incomplete?: string[];
  /** Criterion factor (default 0.5). */
  factor?: number;
  /** Δk of the DFT sweep (Å⁻¹): curves missing one are incomplete. */
  dks?: number[];
  /** Δk of the MLP training data (Å⁻¹). */
  train_dks?: number[];
  metal?: string;
  units?: Record<string, string>;
  config?: string;
  tables?: Record<string, string>;
  models?: ManifestModels;
  lattices?: Record<string, unknown>;
}

/** One set of models in a manifest's `models.alternatives`: what replaces the manifest's own keys when it is chosen. */
export interface ManifestModelSet {
  properties?: unknown;
  dp_test?: unknown;
  sem_frames?: unknown;
  cells?: unknown;
}

/** A manifest's `models` block: the models its properties come from, and the others it offers. */
export interface ManifestModels {
  properties_from?: unknown;
  alternatives?: Record<string, ManifestModelSet>;
  [key: string]: unknown;
}

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  oneOf?: Schema[];
  $ref?: string;
  $defs?: Record<string, Schema>;
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  exclusiveMinimum?: number;
  description?: string;
};

let cached: Schema | null = null;

/** The manifest's JSON Schema (read from the package's manifest.schema.json). */
export function manifestSchema(): Record<string, unknown> {
  if (!cached) cached = JSON.parse(readFileSync(new URL('../../manifest.schema.json', import.meta.url), 'utf8')) as Schema;
  return cached as Record<string, unknown>;
}

const typeOf = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v;

const show = (v: unknown): string => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? s.slice(0, 57) + '…' : s;
};

/** Problems of `v` against `s` at `key` (empty when valid). */
function check(v: unknown, s: Schema, key: string, root: Schema): string[] {
  if (s.$ref) {
    const name = s.$ref.replace(/^#\/\$defs\//, '');
    const def = root.$defs?.[name];
    if (!def) throw new Error(`manifest schema: unknown $ref ${s.$ref}`);
    return check(v, def, key, root);
  }
  if (s.oneOf) {
    const results = s.oneOf.map((o) => check(v, o, key, root));
    if (results.some((r) => r.length === 0)) return [];
    // the alternative of the right type explains best
    const sameType = s.oneOf.findIndex((o) => o.type && [o.type].flat().some((t) => t === typeOf(v) || (t === 'number' && typeOf(v) === 'integer')));
    return sameType >= 0 ? results[sameType] : [`${key}: expected ${s.oneOf.map((o) => [o.type ?? 'value'].flat().join(' or ')).join(' or ')}, got ${show(v)}`];
  }
  if (s.type) {
    const want = [s.type].flat();
    const t = typeOf(v);
    if (!want.some((w) => w === t || (w === 'number' && t === 'integer'))) return [`${key}: expected ${want.join(' or ')}, got ${show(v)}`];
  }
  const out: string[] = [];
  if (typeof v === 'number') {
    if (s.exclusiveMinimum !== undefined && !(v > s.exclusiveMinimum)) out.push(`${key}: must be greater than ${s.exclusiveMinimum}, got ${v}`);
    if (s.minimum !== undefined && !(v >= s.minimum)) out.push(`${key}: must be at least ${s.minimum}, got ${v}`);
    if (!Number.isFinite(v)) out.push(`${key}: must be a finite number`);
  }
  if (Array.isArray(v)) {
    if (s.minItems !== undefined && v.length < s.minItems) out.push(`${key}: needs at least ${s.minItems} items, has ${v.length}`);
    if (s.maxItems !== undefined && v.length > s.maxItems) out.push(`${key}: takes at most ${s.maxItems} items, has ${v.length}`);
    if (s.items) v.forEach((x, i) => out.push(...check(x, s.items!, `${key}[${i}]`, root)));
  } else if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    for (const r of s.required ?? []) if (!(r in o)) out.push(`${key}: missing key "${r}"`);
    for (const [k, x] of Object.entries(o)) {
      const sub = s.properties?.[k];
      const name = key ? `${key}.${k}` : k;
      if (sub) out.push(...check(x, sub, name, root));
      else if (s.additionalProperties === false) {
        const known = Object.keys(s.properties ?? {});
        out.push(`${name}: unknown key (known: ${known.join(', ')})`);
      } else if (typeof s.additionalProperties === 'object') out.push(...check(x, s.additionalProperties, name, root));
    }
  }
  return out;
}

/**
 * Check a manifest against the schema; returns it typed. Every problem is listed in one error,
 * each naming its key (e.g. `dp_test[3].dk: must be greater than 0, got -1`).
 */
export function validateManifest(m: unknown, where = 'manifest'): Manifest {
  const schema = manifestSchema() as Schema;
  const problems = check(m, schema, '', schema).map((p) => (p.startsWith(':') ? `(top level)${p}` : p));
  if (problems.length) throw new Error(`${where}: ${problems.length === 1 ? problems[0] : `${problems.length} problems:\n  ${problems.join('\n  ')}`}`);
  return m as Manifest;
}
