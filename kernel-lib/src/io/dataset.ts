/**
 * A dataset: what a manifest or a folder holds, read once (property sweep, SEM test set,
 * `dp test` output, training cells), and every analysis of docs/method.md §4–§7 in one call.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ColumnTable } from 'arquero';
import { withMeta } from '../core/meta.js';
import { completeCurves, sweepRows, sweepTable, SWEEP_UNITS, type SweepRow } from '../core/sweep.js';
import { computeProperties, propertiesFromAutotest } from '../core/properties.js';
import { CALCULATION_KINDS } from '../core/records.js';
import { semTable, semThresholds } from '../core/sem.js';
import { thresholds, type ReferenceOption, type ThresholdRow } from '../core/convergence.js';
import { compareThresholds, splitBySemGroup } from '../core/comparison.js';
import { recommendDk, type Recommendation } from '../core/recommend.js';
import { parity, type ParityInput } from '../core/parity.js';
import { errorBudget } from '../core/errorbudget.js';
import { coverage, coverageRows, type CoverageRow } from '../core/coverage.js';
import type { UnstableOption } from '../core/stability.js';
import type { NamedCell } from '../core/tables.js';
import { concatFrames } from './frames.js';
import { readTable } from './table.js';
import { readDpTest } from './deepmd/dptest.js';
import { readFolder, folderReport, semGroups, selectFrames, type MissingDk } from './folder.js';
import { validateManifest, type Manifest, type ManifestFrames, type ManifestModels, type ManifestModelSet } from './manifest.js';

/** What a dataset could not use, named (nothing is left out silently). */
export interface DatasetIncomplete {
  /** Property curves missing some Δk of their method (left out of the analyses). */
  curves: string[];
  /** Test-set configurations missing some Δk of the test set (left out of the SEMs). */
  configurations: MissingDk[];
  /** Anything else: frames of no role, dp test output without Δk, … */
  notes: string[];
}

/** Options of {@link Dataset.analyse}. */
export interface AnalyseOptions {
  /** Criterion factor f (default: the manifest's, else 0.5). */
  factor?: number;
  /** Reference Δk rule of the property thresholds (default "auto"); a number also sets the SEM reference (Å⁻¹). */
  reference?: ReferenceOption;
  /** Δk (Å⁻¹) the k-point saving is counted against (default: the finest training Δk, see recommendDk). */
  baselineDk?: number;
  /** Moduli of a C that is not positive definite: "exclude" (default) or "include" (docs/method.md §10). */
  unstable?: UnstableOption;
}

/** Every analysis of a dataset (tables as the core functions return them; null where the data is missing). */
export interface DatasetAnalysis {
  readonly kind: 'deltak-analysis';
  readonly name: string;
  readonly factor: number;
  readonly reference: ReferenceOption;
  /** Moduli of an unstable C left out ("exclude", default) or kept ("include"). */
  readonly unstable: UnstableOption;
  /** The complete property curves analysed (rows of the sweep). */
  readonly sweep: SweepRow[] | null;
  /** Property thresholds Δk_T (thresholds()). */
  readonly thresholds: ColumnTable | null;
  /** The SEM table the SEM thresholds come from. */
  readonly sem: ColumnTable | null;
  /** SEM thresholds Δk_T^SEM (semThresholds()). */
  readonly semThresholds: ColumnTable | null;
  /** MLP property thresholds against the SEM thresholds of their group (compareThresholds()). */
  readonly comparison: ColumnTable | null;
  /** MLP property thresholds whose SEM group is not in the test set. */
  readonly unpaired: ThresholdRow[];
  /** The recommended Δk for training data (recommendDk() with the dataset's cells). */
  readonly recommendation: Recommendation | null;
  /** Label noise of the test set beside the `dp test` error of each model, with a verdict per Δk (errorBudget(); docs/method.md §10). */
  readonly errorBudget: ColumnTable | null;
  /** Share of MLP properties inside their band at every MLP Δk (coverage()). */
  readonly coverage: ColumnTable | null;
  /** The coverage at the recommended Δk, per metal × lattice. */
  readonly recommendedCoverage: CoverageRow[] | null;
  /** What could not be computed, and why. */
  readonly notes: string[];
}

/** A dataset opened by {@link openDataset}. */
export interface Dataset {
  readonly kind: 'deltak-dataset';
  readonly name: string;
  /** The manifest or folder read. */
  readonly source: string;
  /** Every frame read (test set and property calculations), one frames table, or null. */
  readonly frames: ColumnTable | null;
  /** The property sweep of the complete curves (metal, lattice, property, unit, method, dk Å⁻¹, value). */
  readonly sweep: ColumnTable | null;
  /** The frames of the SEM test set (complete configurations only). */
  readonly semFrames: ColumnTable | null;
  /** The SEM table (semTable() of semFrames). */
  readonly sem: ColumnTable | null;
  /** `dp test` outputs with the Δk of the model's training data and the dataset tested. */
  readonly dpTest: ParityInput[];
  /** RMSE per Δk and dataset from the dp test output (parity()), or null. */
  readonly rmse: ColumnTable | null;
  /** Training structures (Å) for the k-point cost. */
  readonly cells: NamedCell[];
  /**
   * The models behind the MLP properties and `dp test` output, where the manifest names them:
   * `used` (e.g. "metal": one model per Δk on every lattice) and every choice `offered`
   * (open another with `openDataset(source, { models })`); null without a manifest `models` block.
   */
  readonly models: { used: string; offered: string[] } | null;
  /** Criterion factor of the manifest (default 0.5). */
  readonly factor: number;
  /** What is there: one line per part read. */
  readonly contents: string[];
  readonly incomplete: DatasetIncomplete;
  /** Thresholds, SEM thresholds, comparison and recommendation in one call. */
  analyse(options?: AnalyseOptions): DatasetAnalysis;
}

const KINDS: ReadonlySet<string> = new Set(CALCULATION_KINDS);

function readEntry(base: string, e: ManifestFrames, key: string): ColumnTable {
  const entry = typeof e === 'string' ? { path: e } : e;
  const p = resolve(base, entry.path);
  if (!existsSync(p)) throw new Error(`manifest: ${key} entry ${entry.path} does not exist (${p})`);
  const tags = entry.tags;
  return readFolder(p, { pattern: entry.pattern, tags: tags ? () => tags : undefined });
}

const rowTags = (t: ColumnTable): Record<string, unknown>[] => Array.from({ length: t.numRows() }, (_, i) => (t.get('tags', i) ?? {}) as Record<string, unknown>);

/** Frames of the test set (tagged config, not set=train) and of property calculations (tagged kind). */
function roles(frames: ColumnTable): { sem: ColumnTable | null; calc: ColumnTable | null; other: string[] } {
  const tags = Array.from({ length: frames.numRows() }, (_, i) => (frames.get('tags', i) ?? {}) as Record<string, unknown>);
  const isCalc = tags.map((t) => KINDS.has(String(t.kind)));
  const isSem = tags.map((t, i) => !isCalc[i] && t.config !== undefined && t.config !== null && t.set !== 'train');
  const other = new Map<string, number>();
  tags.forEach((t, i) => {
    if (isCalc[i] || isSem[i]) return;
    const why = t.set === 'train' ? 'training-set frames (set=train)' : 'frames with neither a kind tag (property calculation) nor a config tag (test set)';
    other.set(why, (other.get(why) ?? 0) + 1);
  });
  const pick = (mask: boolean[]): ColumnTable | null => {
    if (!mask.some(Boolean)) return null;
    if (mask.every(Boolean)) return frames;
    return selectFrames(frames, mask);
  };
  return { sem: pick(isSem), calc: pick(isCalc), other: [...other].map(([why, n]) => `${n} ${why}: not used`) };
}

/** Keep the test-set configurations present at every Δk of their group; the others are returned. */
function completeConfigurations(frames: ColumnTable): { frames: ColumnTable; missing: MissingDk[] } {
  const { missing } = semGroups(frames);
  if (missing.length === 0) return { frames, missing };
  const drop = new Set(missing.map((m) => `${m.group}\u0000${m.config}`));
  const tags = rowTags(frames);
  const keep = tags.map((t) => !drop.has(`${[t.metal, t.lattice, t.structure].map((x) => (x === undefined || x === null ? '?' : String(x))).join(' ')}\u0000${String(t.config)}`));
  return { frames: selectFrames(frames, keep), missing };
}

interface Parts {
  name: string;
  source: string;
  sweepRows: SweepRow[];
  semFrames: ColumnTable | null;
  calcFrames: ColumnTable | null;
  dpTest: ParityInput[];
  cells: NamedCell[];
  factor: number;
  dks: Record<string, number[]>;
  contents: string[];
  notes: string[];
  /** The manifest's `incomplete`: what its producer knows is not there yet. */
  declared: string[];
  models: { used: string; offered: string[] } | null;
}

/** Options of {@link openDataset}. */
export interface OpenDatasetOptions {
  /** Folder the paths of a manifest object are relative to (default: the working folder). */
  base?: string;
  /**
   * Which models give the MLP properties and the `dp test` output, where the manifest's `models`
   * block offers a choice: its `properties_from` (the default) or a key of its `alternatives`,
   * e.g. "lattice" for the reference data's per-lattice models beside the metal-wide ones. An
   * alternative may name its own test set and training cells (`sem_frames`, `cells`: of the lattices its models were trained and tested on).
   */
  models?: string;
}

/** The manifest with the properties and dp test output of the chosen models (see {@link OpenDatasetOptions.models}). */
function withModels(m: Manifest, models: string | undefined, where: string): Manifest {
  if (models === undefined) return m;
  const block: ManifestModels = m.models ?? {};
  if (block.properties_from === models) return m;
  const alt = block.alternatives?.[models];
  const offered = modelsOf(m)?.offered ?? [];
  if (!alt) throw new Error(`${where}: no models "${models}" (the manifest offers ${offered.length ? offered.map((x) => `"${x}"`).join(', ') : 'no choice of models'})`);
  const own = Object.fromEntries((['sem_frames', 'cells'] as const).filter((k) => alt[k] !== undefined).map((k) => [k, alt[k]]));
  const chosen = validateManifest({ properties: alt.properties, dp_test: alt.dp_test, ...own }, `${where} models.alternatives.${models}`);
  return {
    ...m, name: `${m.name ?? where} (${models} models)`, properties: chosen.properties, dp_test: chosen.dp_test,
    ...(chosen.sem_frames === undefined ? {} : { sem_frames: chosen.sem_frames }), ...(chosen.cells === undefined ? {} : { cells: chosen.cells }),
    models: swapped(block, models, m),
  };
}

function fromManifest(m: Manifest, base: string, source: string): Parts {
  const contents: string[] = [];
  const notes: string[] = [];
  const rows: SweepRow[] = [];
  for (const f of m.properties ?? []) {
    const p = resolve(base, f);
    if (!existsSync(p)) throw new Error(`manifest: properties file ${f} does not exist (${p})`);
    const r = sweepRows(readTable(p));
    rows.push(...r);
    contents.push(`${f}: ${r.length} property values`);
  }
  let calcFrames: ColumnTable | null = null;
  if (m.calculations?.length) {
    calcFrames = concatFrames(m.calculations.map((e, i) => readEntry(base, e, `calculations[${i}]`)));
    const r = sweepRows(computeProperties(calcFrames));
    rows.push(...r);
    contents.push(`calculations: ${calcFrames.numRows()} single points → ${r.length} property values`);
  }
  let semFrames: ColumnTable | null = null;
  if (m.sem_frames?.length) {
    semFrames = concatFrames(m.sem_frames.map((e, i) => readEntry(base, e, `sem_frames[${i}]`)));
    contents.push(`sem_frames: ${semFrames.numRows()} single points of the test set`);
  }
  const dpTest: ParityInput[] = (m.dp_test ?? []).map((d) => ({ dk: d.dk, dataset: d.dataset, table: readDpTest(resolve(base, d.prefix)) }));
  if (dpTest.length) contents.push(`dp_test: ${dpTest.length} outputs of \`dp test\``);
  const dks: Record<string, number[]> = {};
  if (m.dks) dks.DFT = m.dks;
  if (m.train_dks) dks.MLP = m.train_dks;
  return { name: m.name ?? source, source, sweepRows: rows, semFrames, calcFrames, dpTest, cells: m.cells ?? [], factor: m.factor ?? 0.5, dks, contents, notes, declared: m.incomplete ?? [], models: modelsOf(m) };
}

/** The models block after choosing `models`: the manifest's own choice becomes an alternative. */
function swapped(block: ManifestModels, models: string, m: Manifest): ManifestModels {
  const alternatives: Record<string, ManifestModelSet> = { ...(block.alternatives ?? {}) };
  delete alternatives[models];
  if (typeof block.properties_from === 'string') alternatives[block.properties_from] = { properties: m.properties, dp_test: m.dp_test, sem_frames: m.sem_frames, cells: m.cells };
  return { ...block, properties_from: models, alternatives };
}

/** The `models` block of a manifest as {@link Dataset.models}. */
function modelsOf(m: Manifest): { used: string; offered: string[] } | null {
  const block = m.models;
  if (!block || typeof block.properties_from !== 'string') return null;
  const used = block.properties_from;
  return { used, offered: [...new Set([used, ...Object.keys(block.alternatives ?? {})])] };
}

function fromFolder(dir: string): Parts {
  const frames = readFolder(dir);
  const report = folderReport(frames)!;
  const contents = report.read.map((r) => `${r.format}: ${r.items} ${r.format === 'deepmd' || r.format === 'dpgen-autotest' ? 'folders' : 'files'}, ${r.rows} ${r.format === 'dp-test' || r.format === 'dpgen-autotest' ? 'rows' : 'frames'}`);
  const notes = report.ignored.map((g) => `${g.count} not read (${g.reason}), e.g. ${g.examples.slice(0, 2).join(', ')}`);
  const { sem, calc, other } = roles(frames);
  notes.push(...other);
  const rows: SweepRow[] = [];
  if (calc) rows.push(...sweepRows(computeProperties(calc)));
  if (report.autotest) rows.push(...sweepRows(propertiesFromAutotest(report.autotest)));
  const dpTest: ParityInput[] = [];
  for (const d of report.dpTest) {
    if (d.dk === null || d.dataset === null) notes.push(`dp test output ${d.prefix}: no ${d.dk === null ? 'Δk' : 'dataset'} (give a pattern such as "dk{dk}/{dataset}_*.e.out", or a manifest)`);
    else dpTest.push({ dk: d.dk, dataset: d.dataset, table: d.table });
  }
  return { name: dir, source: dir, sweepRows: rows, semFrames: sem, calcFrames: calc, dpTest, cells: [], factor: 0.5, dks: {}, contents, notes, declared: [], models: null };
}

/**
 * Open a dataset: a manifest (path to a .json file, a folder holding manifest.json, or the
 * manifest object itself, its paths relative to `options.base`, default the working folder), or
 * a folder of calculations without a manifest, read with readFolder (frames tagged `kind` are
 * property calculations, frames tagged `config` — except `set=train` — the SEM test set).
 * Property curves missing a Δk of their method and test-set configurations missing a Δk of
 * their group are left out of the analyses and listed in `incomplete`.
 */
export function openDataset(source: string | Manifest, options: OpenDatasetOptions = {}): Dataset {
  let parts: Parts;
  if (typeof source === 'string') {
    if (!existsSync(source)) throw new Error(`openDataset: ${source} does not exist`);
    const isDir = statSync(source).isDirectory();
    const manifestPath = isDir ? join(source, 'manifest.json') : source;
    if (isDir && !existsSync(manifestPath) && options.models !== undefined) {
      throw new Error(`openDataset: ${source} has no manifest.json, so it names no models to choose (models: "${options.models}")`);
    }
    if (isDir && !existsSync(manifestPath)) parts = fromFolder(source);
    else {
      let json: unknown;
      try {
        json = JSON.parse(readFileSync(manifestPath, 'utf8'));
      } catch (e) {
        throw new Error(`${manifestPath}: not valid JSON (${(e as Error).message})`);
      }
      parts = fromManifest(withModels(validateManifest(json, manifestPath), options.models, manifestPath), dirname(resolve(manifestPath)), manifestPath);
    }
  } else {
    parts = fromManifest(withModels(validateManifest(source), options.models, 'manifest object'), resolve(options.base ?? '.'), 'manifest object');
  }
  return makeDataset(parts);
}

function makeDataset(p: Parts): Dataset {
  const curves = completeCurves(p.sweepRows, p.dks);
  const sweep = curves.rows.length ? withMeta(sweepTable(curves.rows), { kind: 'sweep', units: { ...SWEEP_UNITS }, notes: { incomplete: curves.incomplete } }) : null;
  let semFrames: ColumnTable | null = null;
  let missing: MissingDk[] = [];
  if (p.semFrames) {
    const c = completeConfigurations(p.semFrames);
    semFrames = c.frames.numRows() ? c.frames : null;
    missing = c.missing;
  }
  const sem = semFrames ? semTable(semFrames) : null;
  const rmse = p.dpTest.length ? parity(p.dpTest) : null;
  const frames = p.semFrames && p.calcFrames ? concatFrames([p.semFrames, p.calcFrames]) : p.semFrames ?? p.calcFrames;
  const incomplete: DatasetIncomplete = { curves: curves.incomplete, configurations: missing, notes: [...p.declared, ...p.notes] };
  const ds: Dataset = {
    kind: 'deltak-dataset',
    name: p.name,
    source: p.source,
    frames,
    sweep,
    semFrames,
    sem,
    dpTest: p.dpTest,
    rmse,
    cells: p.cells,
    models: p.models,
    factor: p.factor,
    contents: p.contents,
    incomplete,
    analyse(options: AnalyseOptions = {}): DatasetAnalysis {
      const factor = options.factor ?? p.factor;
      const reference = options.reference ?? 'auto';
      // what the data's producer says is not there yet comes first: every result below is without it
      const notes: string[] = p.declared.map((d) => `not in the data yet: ${d}`);
      const unstable = options.unstable ?? 'exclude';
      const th = sweep ? thresholds(sweep, { factor, reference, unstable }) : null;
      if (!th) notes.push('no complete property curve: no property thresholds');
      const semT = semFrames && typeof reference === 'number' ? semTable(semFrames, { reference }) : sem;
      const semTh = semT ? semThresholds(semT, { factor }) : null;
      if (!semTh) notes.push('no SEM test set: no SEM thresholds and no recommendation');
      let comparison: ColumnTable | null = null;
      let unpaired: ThresholdRow[] = [];
      if (th && semTh) {
        const split = splitBySemGroup(th, semTh);
        unpaired = split.unpaired;
        if (split.paired.length) comparison = compareThresholds(split.paired, semTh);
        else if (!(th.objects() as ThresholdRow[]).some((r) => r.method === 'MLP')) notes.push('no MLP property curves: no comparison of SEM and MLP thresholds');
        else notes.push('no MLP property has its SEM group in the test set: no comparison');
      }
      let recommendation: Recommendation | null = null;
      if (semTh) {
        const have = new Set((semTh.objects() as { sem: string }[]).map((r) => r.sem));
        // the models' training Δk: the manifest's train_dks, else the Δk of the dp test outputs
        const trainingDks = p.dks.MLP ?? [...new Set(p.dpTest.map((d) => d.dk))];
        if (have.has('F-RMSE') && have.has('V-RMSE')) {
          recommendation = recommendDk(semTh, {
            structures: p.cells,
            ...(trainingDks.length ? { trainingDks } : {}),
            ...(options.baselineDk !== undefined ? { baselineDk: options.baselineDk } : {}),
          });
        }
        else notes.push(`the recommendation needs F-RMSE and V-RMSE thresholds; the test set gives ${[...have].join(', ')}`);
      }
      const budget = semFrames && rmse ? errorBudget(semFrames, rmse, typeof reference === 'number' ? { reference } : {}) : null;
      if (!budget) notes.push(`no error budget: it needs the SEM test set and \`dp test\` output on it (${semFrames ? 'no dp test output' : rmse ? 'no test set' : 'neither is here'})`);
      const hasMlp = (sweep?.objects() as SweepRow[] | undefined)?.some((r) => r.method === 'MLP') ?? false;
      const cov = sweep && hasMlp ? coverage(sweep, { factor, reference, unstable }) : null;
      if (sweep && !cov) notes.push('no MLP property curves: no coverage');
      let recommendedCoverage: CoverageRow[] | null = null;
      const recDk = recommendation?.dk ?? null;
      if (cov && recDk !== null) {
        if ((cov.objects() as CoverageRow[]).some((c) => c.dk === recDk)) recommendedCoverage = coverageRows(sweep!, { factor, reference, unstable, dk: recDk });
        else notes.push(`no MLP property at the recommended Δk ${recDk} Å⁻¹: no coverage there`);
      }
      return {
        kind: 'deltak-analysis', name: p.name, factor, reference, unstable, sweep: sweep ? sweepRows(sweep) : null, thresholds: th, sem: semT, semThresholds: semTh, comparison, unpaired, recommendation,
        errorBudget: budget, coverage: cov, recommendedCoverage, notes,
      };
    },
  };
  return ds;
}

/** True for a dataset from {@link openDataset}. */
export function isDataset(x: unknown): x is Dataset {
  return typeof x === 'object' && x !== null && (x as Dataset).kind === 'deltak-dataset';
}

/** True for the result of `dataset.analyse()`. */
export function isAnalysis(x: unknown): x is DatasetAnalysis {
  return typeof x === 'object' && x !== null && (x as DatasetAnalysis).kind === 'deltak-analysis';
}
