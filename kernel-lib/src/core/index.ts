/**
 * `deltak/core`: the pure analyses (no Node APIs; they run in the browser too). Every public
 * name listed once, grouped as the README groups them; the main entry (`deltak`) takes its core
 * names from here. Units: Δk Å⁻¹, energies eV (per atom where named), forces eV/Å, stresses and
 * moduli GPa, volumes Å³/atom (docs/method.md).
 */

// Properties: EOS, elastic constants, defect energies, the tidy sweep (docs/method.md §3)
export {
  computeProperties, propertiesFromAutotest, PROPERTY_UNITS,
  type Calculation, type CalculationKind, type ComputePropertiesOptions, type AutotestResultRow,
} from './properties.js';
export { fitEos, eosEnergy, cohesiveEnergy, type EosFit, type EosForm, type EosParams, type FitEosOptions } from './eos.js';
export {
  elasticConstants, elasticSweep, moduli,
  type Voigt, type Deformation, type ElasticResult, type ElasticSweepResult, type ElasticSymmetry, type Moduli,
} from './elastic.js';
export { vacancyFormationEnergy, interstitialFormationEnergy, type CellEnergy } from './defects.js';
export { EV_PER_A3_IN_GPA, KBAR_IN_GPA, KBAR_IN_EV_PER_A3 } from './units.js';
export type { UnstableOption } from './stability.js';

// Convergence: sweeps, MAD, thresholds Δk_T, coverage (docs/method.md §4, §10)
export { sweepRows, completeCurves, SWEEP_UNITS, type SweepRow, type SweepInput, type CompleteCurves } from './sweep.js';
export { mad, mean } from './stats.js';
export {
  thresholds, madSummary, DFT_REFERENCE_DK, THRESHOLD_UNITS,
  type ThresholdOptions, type ThresholdRow, type ReferenceOption, type ReferenceAnchor, type MadSummaryOptions, type MadSummaryRow,
} from './convergence.js';
export { coverage, COVERAGE_UNITS, type CoverageOptions, type CoverageRow } from './coverage.js';
export { tableMeta, type TableMeta } from './meta.js';

// SEMs and comparison: test-set error metrics, their thresholds, the recommendation (docs/method.md §5–§8, §10)
export {
  semTable, semThresholds, SEM_NAMES, SEM_UNITS,
  type SemName, type SemFrame, type SemTableOptions, type SemRow, type SemThresholdRow,
} from './sem.js';
export { semBootstrap, recommendationSensitivity, type BootstrapOptions, type BootstrapResult } from './bootstrap.js';
export {
  compareThresholds, splitBySemGroup, comparisonSummary, semGroupOf, outcome,
  type Outcome, type ComparisonRow, type ComparisonSummaryRow,
} from './comparison.js';
export { recommendDk, type Recommendation, type RecommendOptions, type CostStructure, type KpointCost } from './recommend.js';
export { parity, type ParityInput, type ParityPair, type RmseRow } from './parity.js';
export {
  errorBudget, BUDGET_QUANTITIES, BUDGET_RULE, BUDGET_VERDICT_TEXT, ERROR_BUDGET_UNITS,
  type BudgetQuantity, type BudgetVerdict, type ErrorBudgetOptions, type ErrorBudgetRow, type ErrorBudgetVerdictRow, type ErrorBudgetResult,
} from './errorbudget.js';

// k-points: Δk ↔ mesh, KPPRA, irreducible k-points (docs/method.md §2)
export { kpointGrid, kppra, dkInterval, reciprocalCell, cellVolume, type Cell, type Mesh, type KpointGrid, type DkInterval } from './kpoints.js';
export { kpointTable, type NamedCell } from './tables.js';
export { irreducibleKpoints, type Rotation } from './irreducible.js';

// Rows forms of the analyses, for code that works on plain rows (the JupyterLab extension's
// widgets recompute thresholds, coverage and the budget in the browser); notebooks use the tables above
export { thresholdRows, analysedRows, methodOrder } from './convergence.js';
export { coverageRows } from './coverage.js';
export { errorBudgetRows } from './errorbudget.js';
