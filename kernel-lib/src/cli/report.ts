/**
 * `deltak report`: every table as CSV, every chart as SVG (vega in Node, no browser) and one
 * self-contained HTML report that opens offline, for a dataset (a manifest or a folder, openDataset).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { from as fromRows, toCSV, type ColumnTable } from 'arquero';
import { madSummary, describeReference } from '../core/convergence.js';
import { checkUnstableOption, type ExcludedPoint } from '../core/stability.js';
import { BUDGET_RULE, type ErrorBudgetRow, type ErrorBudgetVerdictRow } from '../core/errorbudget.js';
import { errorBudgetChart } from '../charts/budget.js';
import { tableMeta } from '../core/meta.js';
import { sweepRows } from '../core/sweep.js';
import { type SemRow, type SemThresholdRow } from '../core/sem.js';
import { semBootstrap, recommendationSensitivity } from '../core/bootstrap.js';
import { comparisonSummary, semGroupOf, type ComparisonSummaryRow } from '../core/comparison.js';
import { recommendDk, type CostStructure } from '../core/recommend.js';
import { kpointTable } from '../core/tables.js';
import { sweepChart, type VegaLiteSpec } from '../charts/sweep.js';
import { semChart, comparisonChart, parityChart, rmseChart, type ParityPoint, type RmseChartRow } from '../charts/figures.js';
import type { ParityRow } from '../io/deepmd/dptest.js';
import type { ThresholdRow } from '../core/convergence.js';
import { openDataset } from '../io/dataset.js';
import { readWritten, stageFor, discardStage, swapIn, type WrittenManifest } from '../io/written.js';
import { isFolder, listFolder } from '../io/files.js';

export const REPORT_HELP = `usage: deltak report <manifest.json | folder> --out <folder> [--factor 0.5] [--resamples 1000] [--seed 1]
                     [--baseline <Δk>] [--unstable exclude|include] [--models <name>]

Reads the dataset with openDataset: a manifest (a .json file, or a folder holding manifest.json;
its keys and their meaning: kernel-lib/manifest.schema.json), or a folder of calculations without
one (frames tagged kind are property calculations, frames tagged config the SEM test set):
  { "name": "…",
    "properties": ["properties.csv", …],          tidy sweeps: metal,lattice,property,unit,method,dk,value
    "calculations": ["dft/", …],                  single points tagged kind, metal, lattice: properties computed
    "sem_frames": ["sem/", {"path": "raw", "pattern": "{structure}/dk{dk}/{config}.extxyz"}, …],
                                                  the DFT test set (tags metal, lattice, structure, config)
    "cells": [{"name": "Al fcc 2x2x2", "cell": [[…],[…],[…]], "natoms": 8}],   training structures (Å)
    "dp_test": [{"prefix": "dptest/dk0.18/test", "dk": 0.18, "dataset": "test"}, …],   dp test -d output
    "factor": 0.5 }
Paths are relative to the manifest. Writes into --out: CSV tables (thresholds, Table 1, SEMs
with bootstrap intervals, comparison, coverage, error budget, Table S1), SVG charts (Fig. 3 per
property, Fig. 4 per SEM, Fig. 5, Fig. 2a parity and Fig. 2b/c RMSE, error budget) and
report.html (self-contained: inline SVG, no scripts, opens offline).
--baseline: the Δk (Å⁻¹) the k-point saving is counted against (default: the finest training Δk).
--unstable: moduli of a C that is not positive definite are left out of MAD, bands and
thresholds ("exclude", default) or kept ("include").
--models: where the manifest offers more than one set of models (its "models" block), the one
whose MLP properties and dp test output are reported, e.g. "lattice" (default: the manifest's own).`;

interface Section {
  title: string;
  html: string;
}

function option(args: string[], name: string): string | null {
  const i = args.indexOf(name);
  if (i < 0) return null;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`);
  return v;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function htmlTable(t: ColumnTable, caption: string): string {
  const cols = t.columnNames();
  const fmt = (x: unknown): string => (x === null || x === undefined ? '—' : typeof x === 'number' && !Number.isInteger(x) ? String(Number(x.toPrecision(6))) : String(x));
  const body = (t.objects() as Record<string, unknown>[]).map((r) => `<tr>${cols.map((c) => `<td>${esc(fmt(r[c]))}</td>`).join('')}</tr>`).join('');
  return `<table><caption>${esc(caption)}</caption><thead><tr>${cols.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>${body}</tbody></table>`;
}

/** Render a vega-lite v5 spec to SVG text with vega in Node (no browser, no canvas). */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const vl = await import('vega-lite');
  const vega = await import('vega');
  // vega-lite's dataflow optimizer reports when it stops after its fixed number of passes; that
  // note is about compile effort, not the chart, so it is dropped and every other warning kept
  const base = vega.logger(vega.Warn);
  const logger = Object.assign(Object.create(base) as typeof base, {
    warn: (...args: readonly unknown[]) => (String(args[0]).startsWith('Maximum optimization runs') ? logger : base.warn(...args)),
  });
  const compiled = vl.compile(spec as unknown as Parameters<typeof vl.compile>[0], { logger }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

/** The writer named in the manifest of a report folder. */
const REPORT_WRITER = 'deltak report';

/**
 * What an earlier report left in `outDir` (its manifest), or null for a new or empty folder. A
 * folder without a manifest holding report.html and only .csv/.svg/.json/.html files is taken as
 * an earlier report; a folder holding other files is an error: a report never removes them.
 */
function earlierReport(outDir: string): WrittenManifest | null {
  const m = readWritten(outDir);
  if (m) {
    if (m.writer !== REPORT_WRITER) throw new Error(`--out ${outDir} holds what ${m.writer} wrote; give an empty or new folder`);
    return m;
  }
  if (!isFolder(outDir)) return null;
  const names = listFolder(outDir).map((e) => (e.isFile() ? e.name : `${e.name}/`));
  if (names.length === 0) return null;
  if (names.includes('report.html') && names.every((n) => /^[^/]+\.(csv|svg|json|html)$/.test(n))) return { writer: REPORT_WRITER, entries: names };
  throw new Error(`--out ${outDir} holds files deltak report did not write (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}); give an empty or new folder`);
}

/**
 * Run `deltak report`; returns a summary of what was written. The report is written into a fresh
 * folder beside --out and swapped in only when complete: a failed run leaves an earlier report
 * whole, and the files of an earlier report are replaced, never left beside the new ones.
 */
export async function runReport(args: string[]): Promise<string> {
  const staged: { dir: string | null } = { dir: null };
  try {
    return await writeReport(args, staged);
  } catch (e) {
    if (staged.dir) discardStage(staged.dir);
    throw e;
  }
}

async function writeReport(args: string[], staged: { dir: string | null }): Promise<string> {
  const input = args.find((a, i) => !a.startsWith('--') && (i === 0 || !args[i - 1].startsWith('--')));
  const outDir = option(args, '--out');
  if (!input) throw new Error('give a manifest.json or a dataset folder');
  if (!outDir) throw new Error('give --out <folder>');
  if (!existsSync(input)) throw new Error(`no manifest or folder at ${input}`);
  const models = option(args, '--models');
  const ds = await openDataset(input, models === null ? {} : { models });
  const factor = Number(option(args, '--factor') ?? ds.factor);
  const resamples = Number(option(args, '--resamples') ?? 1000);
  const seed = Number(option(args, '--seed') ?? 1);
  const baseline = option(args, '--baseline');
  const baselineDk = baseline === null ? undefined : Number(baseline);
  if (baselineDk !== undefined && !(baselineDk > 0)) throw new Error(`--baseline must be a Δk > 0 in Å⁻¹, got ${baseline}`);
  const unstable = checkUnstableOption(option(args, '--unstable') ?? 'exclude');
  const analysis = ds.analyse({ factor, unstable, ...(baselineDk !== undefined ? { baselineDk } : {}) });
  const earlier = earlierReport(outDir);
  const stage = stageFor(outDir);
  staged.dir = stage;
  const written: string[] = [];
  const sections: Section[] = [];
  const missing: string[] = [];
  const save = (name: string, text: string): void => {
    writeFileSync(join(stage, name), text);
    written.push(name);
  };
  const saveTable = (name: string, t: ColumnTable): void => save(name, toCSV(t));

  // Properties: thresholds, Table 1, Fig. 3 per property
  let propThresholds: ThresholdRow[] | null = null;
  if (ds.sweep) {
    const sweep = sweepRows(ds.sweep);
    const th = analysis.thresholds!;
    propThresholds = th.objects() as ThresholdRow[];
    const excluded = (tableMeta(th)?.notes?.excluded ?? []) as ExcludedPoint[];
    const refText = `reference: ${describeReference(analysis.reference)}`;
    const exText = excluded.length
      ? `; left out of MAD, bands and thresholds (--unstable include keeps them): ${excluded.map((e) => `${e.method} ${e.property} at ${e.dk}`).join(', ')} (${[...new Set(excluded.map((e) => e.reason))].join('; ')})`
      : unstable === 'include' ? '; moduli of an unstable C kept (--unstable include)' : '';
    saveTable('thresholds.csv', th);
    const table1 = madSummary(sweep, { reference: analysis.reference, unstable });
    saveTable('table1_mad_summary.csv', table1);
    if (excluded.length) save('excluded.csv', toCSV(fromRows(excluded as unknown as Record<string, unknown>[])));
    let figs = '';
    for (const property of [...new Set(sweep.map((r) => r.property))]) {
      const svg = await renderSvg(sweepChart(sweep.filter((r) => r.property === property), propThresholds.filter((t) => t.property === property), { excluded: excluded.filter((e) => e.property === property) }));
      const name = `fig3_${property.replace(/[^\w.-]+/g, '_')}.svg`;
      save(name, svg);
      figs += `<figure>${svg}<figcaption>${esc(property)} against Δk; outlined: Δk_T at factor ${factor}; ${esc(refText)}${excluded.some((e) => e.property === property) ? '; grey crosses: left out, C not positive definite' : ''}</figcaption></figure>`;
    }
    sections.push({ title: 'Property thresholds (Fig. 3, Table 1)', html: htmlTable(th, `Δk_T (Å⁻¹) at factor ${factor}; values in each row's unit; ${refText}${exText}`) + htmlTable(table1, `Table 1: value at the reference Δk ± MAD over all Δk; ${refText}`) + figs });
  } else missing.push('no complete property curve: no property thresholds, Table 1 or Fig. 3');

  // SEMs: Fig. 4 with bootstrap intervals, recommendation
  let semTh: SemThresholdRow[] | null = null;
  if (ds.sem && ds.semFrames && analysis.semThresholds) {
    const sem = ds.sem;
    const st = analysis.semThresholds;
    semTh = st.objects() as SemThresholdRow[];
    const boot = semBootstrap(ds.semFrames, { factor, resamples, seed });
    saveTable('sem.csv', sem);
    saveTable('sem_thresholds.csv', st);
    saveTable('sem_bootstrap.csv', boot.sem);
    saveTable('sem_threshold_bootstrap.csv', boot.thresholds);
    let figs = '';
    for (const s of [...new Set((sem.objects() as SemRow[]).map((r) => r.sem))]) {
      const svg = await renderSvg(semChart(boot.sem.objects() as never[], semTh as never[], s));
      save(`fig4_${s}.svg`, svg);
      figs += `<figure>${svg}<figcaption>${esc(s)} against Δk with ${Math.round(100 * 0.95)} % bootstrap intervals (${resamples} resamples, seed ${seed}); outlined: Δk_T^SEM</figcaption></figure>`;
    }
    const structures: CostStructure[] = ds.cells.map((c) => ({ name: c.name, cell: c.cell, natoms: c.natoms }));
    const rec = analysis.recommendation ?? recommendDk(st, { structures });
    const sens = recommendationSensitivity(sem, { structures });
    save('recommendation.json', JSON.stringify({ ...rec, sensitivity: sens.map((s) => ({ factor: s.factor, dk: s.recommendation.dk })) }, null, 2));
    const sensText = sens.map((s) => `factor ${s.factor}: ${s.recommendation.dk ?? 'none'} Å⁻¹`).join('; ');
    const cost = rec.cost ? ` Training structures need ${rec.cost.fullRecommended} k-points instead of ${rec.cost.fullBaseline} at the baseline ${rec.cost.baselineDk} Å⁻¹ (${rec.cost.fullSaving.toFixed(1)}× fewer, full grids; ${(rec.cost.fullFinest / rec.cost.fullRecommended).toFixed(1)}× against the finest sampled ${rec.cost.finestDk} Å⁻¹). Baseline: ${rec.cost.baselineReason}.` : '';
    const cov = analysis.recommendedCoverage;
    const covText = cov ? cov.map((c) => `${c.metal} ${c.lattice}: ${c.inside} of ${c.n} ${c.method} properties inside their band at ${c.dk} Å⁻¹ (${c.percent.toFixed(1)} %${c.outside ? `; outside: ${c.outside}` : ''})`).join('. ') : '';
    sections.push({ title: 'SEMs of the DFT test set (Fig. 4) and the recommendation', html: `<p><strong>${esc(rec.reason)}</strong>${esc(cost)}</p>${covText ? `<p>Coverage at the recommended Δk: ${esc(covText)}.</p>` : ''}<p>By criterion factor: ${esc(sensText)}.</p>` + htmlTable(st, `Δk_T^SEM (Å⁻¹) at factor ${factor}`) + htmlTable(boot.thresholds, 'bootstrap intervals of Δk_T^SEM (— = never reached)') + figs });
  } else missing.push('no SEM test set ("sem_frames"): no SEMs, Fig. 4 or recommendation');

  if (analysis.unpaired.length) {
    missing.push(`MLP thresholds without a SEM group in the test set, not compared: ${analysis.unpaired.map((p) => `${p.metal} ${p.lattice} ${p.property} (${semGroupOf(p.property) ?? 'no SEM group'})`).join(', ')}`);
  }
  if (analysis.comparison) {
    const cmp = analysis.comparison;
    const summary = comparisonSummary(cmp);
    saveTable('comparison.csv', cmp);
    saveTable('comparison_summary.csv', summary);
    const svg = await renderSvg(comparisonChart(summary.objects() as ComparisonSummaryRow[]));
    save('fig5_comparison.svg', svg);
    sections.push({ title: 'Do the SEMs predict the MLP thresholds? (Fig. 5)', html: htmlTable(summary, 'share of pairs (%)') + `<figure>${svg}</figure>` + htmlTable(cmp, 'every pair') });
  } else missing.push('the comparison (Fig. 5) needs MLP property thresholds and SEM thresholds');
  if (analysis.coverage) {
    saveTable('coverage.csv', analysis.coverage);
    sections.push({ title: 'Coverage: MLP properties inside their band', html: htmlTable(analysis.coverage, `share of MLP properties with |x(Δk) − x_ref| < ${factor} · MAD_max, per Δk (%); ${describeReference(analysis.reference)}`) });
  }

  // Error budget: label noise of the test set beside the model error
  if (analysis.errorBudget) {
    const eb = analysis.errorBudget;
    const verdicts = (tableMeta(eb)?.notes?.verdicts ?? []) as ErrorBudgetVerdictRow[];
    const notCompared = (tableMeta(eb)?.notes?.not_compared ?? []) as string[];
    saveTable('error_budget.csv', eb);
    const svg = await renderSvg(errorBudgetChart(eb.objects() as ErrorBudgetRow[]));
    save('fig_error_budget.svg', svg);
    const list = `<ul>${verdicts.map((v) => `<li>${v.dk} Å⁻¹: ${esc(v.text)}</li>`).join('')}</ul>`;
    sections.push({ title: 'Error budget: label noise against model error', html: list + `<p>Rule: ${esc(BUDGET_RULE)}.${notCompared.length ? ` Not compared: ${esc(notCompared.join('; '))}.` : ''}</p>` + htmlTable(eb, 'label noise (SEM of the test set against the reference) and model error (dp test RMSE on the test set) per Δk; energy and virial per atom eV/atom, forces eV/Å') + `<figure>${svg}</figure>` });
  } else missing.push('the error budget needs the SEM test set and dp test output on it');

  // MLP fidelity: Fig. 2a (parity) and Fig. 2b/c (RMSE against Δk)
  if (ds.dpTest.length) {
    const inputs = ds.dpTest;
    const rmse = ds.rmse!;
    saveTable('fig2_rmse.csv', rmse);
    const points: ParityPoint[] = [];
    const names: Record<string, string> = { energy_per_atom: 'energy', force: 'force', virial_per_atom: 'virial' };
    for (const input of inputs) {
      for (const r of (Array.isArray(input.table) ? input.table : (input.table as ColumnTable).objects()) as ParityRow[]) {
        if (r.data !== null && names[r.quantity]) points.push({ dk: input.dk, quantity: names[r.quantity], dft: r.data, mlp: r.pred });
      }
    }
    let figs = '';
    for (const q of ['energy', 'force', 'virial'].filter((q) => points.some((p) => p.quantity === q))) {
      const svg = await renderSvg(parityChart(points, q));
      save(`fig2a_parity_${q}.svg`, svg);
      figs += `<figure>${svg}<figcaption>Fig. 2a: MLP against DFT, ${q}, every model and dataset</figcaption></figure>`;
    }
    const svg = await renderSvg(rmseChart((rmse.objects() as (RmseChartRow & { rmse: number | null })[]).filter((r): r is RmseChartRow => r.rmse !== null)));
    save('fig2bc_rmse.svg', svg);
    figs += `<figure>${svg}<figcaption>Fig. 2b/c: RMSE against the Δk of the training data</figcaption></figure>`;
    sections.push({ title: 'MLP fidelity per Δk (Fig. 2)', html: htmlTable(rmse, 'RMSE per Δk and dataset (energy and virial per atom: eV/atom; force components: eV/Å)') + figs });
  } else missing.push('no dp test output ("dp_test"): no Fig. 2');

  if (ds.cells.length) {
    const dks = [0.09, 0.12, 0.18, 0.24, 0.3, 0.36, 0.66, 0.96];
    const kt = kpointTable(ds.cells, dks);
    saveTable('table_s1_kpoints.csv', kt);
    sections.push({ title: 'Δk ↔ mesh ↔ KPPRA (Table S1)', html: htmlTable(kt, 'Γ-centred meshes, full grids') });
  }
  const title = ds.name;
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:13px}td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}
th{background:#f3f3f3}caption{text-align:left;font-style:italic;padding:4px 0}figure{margin:1em 0}svg{max-width:100%;height:auto}</style></head>
<body><h1>${esc(title)}</h1><p>Made by deltak from ${esc(ds.source)}; criterion factor ${factor}; Δk in Å⁻¹.${ds.models ? ` MLP properties and dp test output of the "${esc(ds.models.used)}" models (offered: ${ds.models.offered.map(esc).join(', ')}; --models chooses).` : ''}</p>
${missing.length ? `<p>Not in this report: ${missing.map(esc).join('; ')}.</p>` : ''}
${sections.map((s) => `<section><h2>${esc(s.title)}</h2>${s.html}</section>`).join('\n')}
</body></html>`;
  save('report.html', html);
  swapIn(outDir, stage, REPORT_WRITER, written, earlier);
  staged.dir = null;
  return `deltak report: wrote ${written.length} files to ${outDir}: ${written.join(', ')}${missing.length ? `\nnot included: ${missing.join('; ')}` : ''}`;
}
