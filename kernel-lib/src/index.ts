/**
 * deltak: how coarse may the DFT k-point sampling Δk be for machine-learning-potential training
 * data. The public API, every name listed once and grouped as the README groups them; anything
 * not listed here is internal. The pure analyses come from `./core` (also `deltak/core`, for the
 * browser); readers need Node; display needs the tslab kernel. Units: Δk Å⁻¹, energies eV,
 * forces eV/Å, stresses and moduli GPa, volumes Å³/atom (docs/method.md).
 */

// Readers (Node): every configuration reader returns the one frames table (Å, eV, eV/Å, virial eV, stress GPa)
export {
  readFolder, folderReport, selectFrames, FOLDER_FORMATS,
  type ReadFolderOptions, type FolderFormat, type FolderReport, type FolderDpTest, type MissingDk, type TagsFunction,
} from './io/folder.js';
export {
  openDataset, isDataset, isAnalysis,
  type Dataset, type DatasetAnalysis, type DatasetIncomplete, type AnalyseOptions,
} from './io/dataset.js';
export { example, examples } from './io/examples.js';
export { validateManifest, manifestSchema, type Manifest, type ManifestFrames } from './io/manifest.js';
export { readOutcar, type ReadOutcarOptions } from './io/vasp/outcar.js';
export type { VaspSettings } from './io/vasp/vaspframes.js';
export { readVasprun, type ReadVasprunOptions } from './io/vasp/vasprun.js';
export { readVaspRuns, type ReadVaspRunsOptions } from './io/vasp/vasptree.js';
export { readExtxyz, type ReadExtxyzOptions } from './io/extxyz.js';
export { readDeepmd, writeDeepmd, findDeepmdSystems, type ReadDeepmdOptions, type WriteDeepmdOptions } from './io/deepmd/deepmd.js';
export { readDpdataJson, readDpgenAutotest, type AutotestKind, type AutotestRow, type ReadDpgenAutotestOptions } from './io/deepmd/dpgen.js';
export { readDpTest, type ParityRow } from './io/deepmd/dptest.js';
export { readPoscar, type Poscar } from './io/vasp/poscar.js';
export { readIncar } from './io/vasp/incar.js';
export { readTable, type ReadTableOptions } from './io/table.js';
export { readNpy, writeNpy, type NpyArray, type NpyData, type WriteNpyOptions } from './io/deepmd/npy.js';
export {
  framesTable, concatFrames, FRAMES_UNITS, FRAMES_COLUMNS, FRAMES_CONVENTIONS,
  type Frame, type AtomArray, type FramesTableOptions,
} from './io/frames.js';
export type { DkOptions } from './io/dk.js';
export type { Truncated } from './io/errors.js';
export { ReadError, type ReadErrorWhere } from './io/errors.js';

// Properties: EOS, elastic constants, defect energies → the tidy property sweep (docs/method.md §3)
export {
  computeProperties, propertiesFromAutotest, PROPERTY_UNITS,
  type Calculation, type CalculationKind, type ComputePropertiesOptions, type AutotestResultRow,
  fitEos, eosEnergy, cohesiveEnergy, type EosFit, type EosForm, type EosParams, type FitEosOptions,
  elasticConstants, elasticSweep, moduli,
  type Voigt, type Deformation, type ElasticResult, type ElasticSweepResult, type ElasticSymmetry, type Moduli,
  vacancyFormationEnergy, interstitialFormationEnergy, type CellEnergy,
  EV_PER_A3_IN_GPA, KBAR_IN_GPA, KBAR_IN_EV_PER_A3,
  type UnstableOption,
} from './core/index.js';

// Convergence: sweeps, MAD, thresholds Δk_T, coverage (docs/method.md §4, §10)
export {
  sweepRows, completeCurves, SWEEP_UNITS, type SweepRow, type SweepInput, type CompleteCurves,
  mad, mean,
  thresholds, madSummary, DFT_REFERENCE_DK, THRESHOLD_UNITS,
  type ThresholdOptions, type ThresholdRow, type ReferenceOption, type ReferenceAnchor, type MadSummaryOptions, type MadSummaryRow,
  coverage, COVERAGE_UNITS, type CoverageOptions, type CoverageRow,
  tableMeta, type TableMeta,
} from './core/index.js';

// SEMs and comparison: test-set error metrics, their thresholds, the recommendation (docs/method.md §5–§8, §10)
export {
  semTable, semThresholds, SEM_NAMES, SEM_UNITS,
  type SemName, type SemFrame, type SemTableOptions, type SemRow, type SemThresholdRow,
  semBootstrap, recommendationSensitivity, type BootstrapOptions, type BootstrapResult,
  compareThresholds, splitBySemGroup, comparisonSummary, semGroupOf,
  type Outcome, type ComparisonRow, type ComparisonSummaryRow,
  recommendDk, type Recommendation, type RecommendOptions, type CostStructure, type KpointCost,
  parity, type ParityInput, type ParityPair, type RmseRow,
  errorBudget, BUDGET_QUANTITIES, BUDGET_RULE, BUDGET_VERDICT_TEXT, ERROR_BUDGET_UNITS,
  type BudgetQuantity, type BudgetVerdict, type ErrorBudgetOptions, type ErrorBudgetRow, type ErrorBudgetVerdictRow, type ErrorBudgetResult,
} from './core/index.js';

// k-points: Δk ↔ mesh, KPPRA, irreducible k-points (docs/method.md §2)
export {
  kpointGrid, kppra, dkInterval, reciprocalCell, cellVolume, type Cell, type Mesh, type KpointGrid, type DkInterval,
  kpointTable, type NamedCell,
  irreducibleKpoints, type Rotation,
} from './core/index.js';
export { crystalSymmetry, irreducibleCounter, type Crystal } from './symmetry/moyo.js';

// Charts: vega-lite v5 specs as plain JSON, every axis with its unit
export { sweepChart, type VegaLiteSpec } from './charts/sweep.js';
export { semChart, comparisonChart, parityChart, rmseChart, type ParityPoint, type RmseChartRow } from './charts/figures.js';
export { errorBudgetChart } from './charts/budget.js';

// Display in a notebook (tslab kernel): one MIME bundle per call (deltak's widget, a vega-lite v5 fallback, text;
// showMarkdown: an answer in words, Markdown with its text/plain twin)
export { show, showTable, showSweep, showThresholds, showSem, showComparison, showErrorBudget, showChart, showMarkdown } from './display/index.js';
export { sendBundle, newDisplay, setDisplayWriter, type DisplayWriter, type UpdatableDisplay } from './display/kernel.js';
export type { MimeBundle } from './display/bundle.js';
