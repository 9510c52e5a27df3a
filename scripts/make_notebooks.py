# Writes the notebooks in notebooks/ (without outputs): 01-quickstart, 02-paper-figures,
# 03-choose-dk-for-a-new-material, 04-workshop and 04-workshop-solutions.
# Run with .venv/bin/python scripts/make_notebooks.py; then execute them (scripts/reproduce.sh,
# or test/run_notebook.py) to store their outputs.
#
# A code cell may carry metadata "deltak_export": names for its rich outputs, in order; the
# reproduction (scripts/reproduce.sh) writes each figure and table under that name.
import sys
from pathlib import Path

import nbformat as nbf

ROOT = Path(__file__).resolve().parents[1]
NB = ROOT / "notebooks"


def md(text):
    return nbf.v4.new_markdown_cell(text.strip("\n"))


def code(text, export=None):
    c = nbf.v4.new_code_cell(text.strip("\n"))
    if export:
        c.metadata["deltak_export"] = export
    return c


def write(name, cells):
    nb = nbf.v4.new_notebook()
    nb.cells = cells
    nb.metadata = {
        "kernelspec": {"display_name": "TypeScript", "language": "typescript", "name": "tslab"},
        "language_info": {"name": "typescript", "file_extension": ".ts", "mimetype": "text/typescript", "version": "5.0.4"},
    }
    nbf.write(nb, NB / f"{name}.ipynb")
    print(f"wrote notebooks/{name}.ipynb ({len(cells)} cells)")


IMPORTS = """import * as fs from "fs";
import * as path from "path";
import * as aq from "arquero";
import * as dk from "deltak";"""

# Reads every extxyz file of a folder of single points into one frames table.
READ_FOLDER = """/** Every .extxyz file of a folder, read into one frames table (one row per single point). */
function readFolder(folder: string) {
  const files = fs.readdirSync(folder).filter((f: string) => f.endsWith(".extxyz")).sort();
  if (files.length === 0) throw new Error(`no .extxyz files in ${folder}`);
  return dk.concatFrames(files.map((f: string) => dk.readExtxyz(path.join(folder, f))));
}"""

# The Al FCC EOS on one k-mesh per Δk: raw/eos points on the mesh of the unscaled cell plus the
# points recomputed on that mesh (raw/eos_fixedmesh).
ONE_MESH = """const RAW = "../data/al-fcc/raw";
const eosAll = readFolder(`${RAW}/eos`);
const eosFixed = readFolder(`${RAW}/eos_fixedmesh`);
const bulk = readFolder(`${RAW}/bulk`);
const vacancy = readFolder(`${RAW}/vacancy`);
// the mesh of the unscaled cell (volume_scale 1) at each Δk
const refMesh = new Map<number, string>();
for (const r of eosAll.objects() as any[]) if (r.tags.volume_scale === 1) refMesh.set(r.dk, r.kmesh);
const onRefMesh = aq.escape((r: any) => r.kmesh === refMesh.get(r.dk));
const eosOneMesh = dk.concatFrames([eosAll.filter(onRefMesh), eosFixed]);"""

AL_DATA = """// The reference dataset (fcc, bcc, hcp with MLPs) is written by data/pipeline/build.py into
// data/al; DELTAK_AL_DATA points elsewhere (e.g. a smoke-test output) for a dry run.
const AL = process.env.DELTAK_AL_DATA ?? "../data/al";
interface LatticeEntry { files: Record<string, string[]>; status: Record<string, any> }
interface Manifest { name?: string; properties?: string[]; sem_frames?: string[]; dp_test?: { prefix: string; dk: number; dataset: string }[]; lattices?: Record<string, LatticeEntry>; dks?: number[]; train_dks?: number[] }
const manifest: Manifest | null = fs.existsSync(path.join(AL, "manifest.json"))
  ? JSON.parse(fs.readFileSync(path.join(AL, "manifest.json"), "utf8")) : null;
// Number of .extxyz files in each Δk folder (dk0.09, dk0.12, …) of data/al/dft/<lattice>/<stage>.
function countFiles(lattice: string, stage: string): string {
  const dir = path.join(AL, "dft", lattice, stage);
  if (!fs.existsSync(dir)) return "—";
  return fs.readdirSync(dir).filter((d: string) => d.startsWith("dk")).sort()
    .map((d: string) => `${d.slice(2)}:${fs.readdirSync(path.join(dir, d)).filter((f: string) => f.endsWith(".extxyz")).length}`).join(" ") || "—";
}
const lattices: string[] = manifest?.lattices ? Object.keys(manifest.lattices)
  : fs.existsSync(path.join(AL, "dft")) ? fs.readdirSync(path.join(AL, "dft")).sort() : [];
const status = aq.from(lattices.map((lattice: string) => {
  const st = manifest?.lattices?.[lattice]?.status ?? {};
  const files = manifest?.lattices?.[lattice]?.files ?? {};
  return {
    lattice,
    "EOS files per Δk": countFiles(lattice, "eos"),
    "elastic files per Δk": countFiles(lattice, "elastic"),
    "defect files per Δk": countFiles(lattice, "defects"),
    "SEM files per Δk": countFiles(lattice, "sem"),
    "DFT Δk complete": (st.dft_dks_complete ?? []).join(" ") || "—",
    "SEM configs complete": st.sem?.complete_configs ?? 0,
    "models": (files.models ?? []).length,
    "dp test sets": (files.dptest_test ?? []).length,
    "MLP Δk": (st.mlp_dks ?? []).join(" ") || "—",
  };
}));
/**
 * The reference dataset's property rows whose curve is complete: every Δk the manifest lists
 * for its method (dks for DFT, train_dks for MLP). Returns them and the names of the others.
 */
function completeCurves(rows: dk.SweepRow[]): { rows: dk.SweepRow[]; partial: string[] } {
  const want = (method: string): number[] => (method === "MLP" ? manifest?.train_dks : manifest?.dks) ?? [];
  const key = (r: dk.SweepRow) => `${r.lattice} ${r.property} ${r.method}`;
  const seen = new Map<string, Set<number>>();
  for (const r of rows) seen.set(key(r), (seen.get(key(r)) ?? new Set<number>()).add(r.dk));
  const ok = (r: dk.SweepRow) => want(r.method).length > 1 && want(r.method).every((d: number) => seen.get(key(r))!.has(d));
  const partial = [...seen.keys()].filter((k: string) => !ok(rows.find((r: dk.SweepRow) => key(r) === k)!))
    .map((k: string) => `${k} (Δk ${[...seen.get(k)!].sort((x: number, y: number) => x - y).join(", ")})`);
  return { rows: rows.filter(ok), partial };
}
const propFiles = (manifest?.properties ?? []).map((f: string) => path.join(AL, f)).filter((f: string) => fs.existsSync(f));
const alRows: dk.SweepRow[] = propFiles.flatMap((f: string) => dk.sweepRows(aq.fromCSV(fs.readFileSync(f, "utf8"))));
const alComplete = completeCurves(alRows);
console.log(manifest ? `${AL}/manifest.json: ${manifest.name}` : `${AL}: no manifest.json yet (the pipeline writes it at its last stage)`);
console.log(`property curves complete over every Δk: ${[...new Set(alComplete.rows.map((r: dk.SweepRow) => `${r.lattice} ${r.property} ${r.method}`))].join(", ") || "none yet"}`);
console.log(`incomplete so far: ${alComplete.partial.join("; ") || "none"}`);
if (lattices.length) dk.showTable(status, { caption: "what the reference dataset holds now (Δk:files; — = nothing yet)" });
else console.log("no reference dataset on this machine: only the bundled data/al-fcc is used below");"""

# SEM test set: the manifest's SEM sets when the pipeline has written them, otherwise the
# bundled Al FCC single points (EOS volumes + bulk supercell = pristine, vacancy supercell).
SEM_SET = """let semFrames: dk.SemFrame[];
let semSource: string;
if (manifest?.sem_frames?.length) {
  const files = manifest.sem_frames.map((f: string) => path.join(AL, f));
  semFrames = dk.semFramesFromFrames(dk.concatFrames(files.map((f: string) => dk.readExtxyz(f))));
  semSource = `the SEM test set of ${AL} (${files.length} files)`;
} else {
  const RAW = "../data/al-fcc/raw";
  const sp = dk.concatFrames([readFolder(`${RAW}/eos`), readFolder(`${RAW}/bulk`), readFolder(`${RAW}/vacancy`)]);
  semFrames = (sp.objects() as any[]).map((r: any) => ({
    id: r.tags.kind === "eos" ? `eos-v${r.tags.volume_scale}` : `${r.tags.kind}-2x2x2`,
    dk: r.dk, species: r.symbols, positions: r.positions, energy: r.energy, forces: r.forces, virial: r.virial,
    metal: r.tags.metal, lattice: r.tags.lattice, structure: r.tags.kind === "vacancy" ? "vacancy" : "pristine",
  }));
  semSource = "the bundled Al FCC single points (7 EOS volumes and the 8-atom bulk cell as 'pristine', the 7-atom vacancy cell as 'vacancy')";
}
console.log(`SEM test set: ${semSource}; ${semFrames.length} single points`);"""

PAPER_CELLS = """const a = 4.04; // Å, the fixed FCC lattice constant of the bundled data
const prim = [[0, a / 2, a / 2], [a / 2, 0, a / 2], [a / 2, a / 2, 0]];
const sup = prim.map((v: number[]) => v.map((x: number) => 2 * x));"""


# ----------------------------------------------------------------------------- 01
def quickstart():
    return [
        md("""
# deltak quickstart: from raw single points to a threshold Δk

**What this teaches.** DFT results depend on the k-point spacing Δk (Å⁻¹): the coarser the
Brillouin-zone sampling, the cheaper the calculation and the noisier the result. In ten cells we
take real GPAW single points for FCC aluminium at eight Δk (0.09 … 0.96 Å⁻¹), compute the
equation of state (V₀, E₀, B₀, B₀′) and the vacancy formation energy *ourselves* with deltak, see
how they move with Δk, and find the **threshold Δk_T**: the smallest Δk at which a property
leaves the band `x(Δk_min) ± f·MAD_max` (f = ½), eqn (1) of Bayerl *et al.*, Digital Discovery
2022, 1, 61. The data are in `data/al-fcc/raw/` (how they were made: `data/README.md`).
"""),
        md("**1.** Import deltak, arquero (the dataframe library of deltak's tables) and Node's file functions."),
        code(IMPORTS + "\n\n" + READ_FOLDER),
        md("""
**2.** Read the single points: one extended-XYZ file per calculation, with its Δk, k-mesh and
tags (`kind` = eos, bulk or vacancy; `volume_scale` for the EOS). Each folder becomes one frames
table; here is how many single points each holds per Δk.
"""),
        code(ONE_MESH + """
const count = (t: ReturnType<typeof readFolder>, name: string) =>
  t.groupby("dk").count({ as: name });
const counts = count(eosAll, "eos").join_full(count(eosFixed, "eos_fixedmesh"), "dk")
  .join_full(count(bulk, "bulk"), "dk").join_full(count(vacancy, "vacancy"), "dk").orderby("dk");
dk.showTable(counts, { caption: "single points per Δk (Å⁻¹) in data/al-fcc/raw/<folder>" });""", ["single-points"]),
        md("""
**3.** One k-mesh per EOS. With a fixed Δk each volume gets its own mesh (as VASP's KSPACING
does); at a = 4.04 Å the compressed cells cross a mesh boundary at Δk = 0.09, 0.18 and 0.30, and
the resulting step in E(V) of up to 13 meV/atom bends the fit (B₀ would read 225 GPa at 0.18 and
365 GPa at 0.30). So we keep the EOS points on the mesh of the unscaled cell and take the others
from `eos_fixedmesh/`, where they were recomputed on that mesh. These are the points replaced:
"""),
        code("""const replaced = eosAll.filter(aq.escape((r: any) => r.kmesh !== refMesh.get(r.dk)))
  .derive({ volume_scale: aq.escape((r: any) => r.tags.volume_scale), reference_mesh: aq.escape((r: any) => refMesh.get(r.dk)) })
  .select("dk", "volume_scale", "kmesh", "reference_mesh");
dk.showTable(replaced, { caption: "EOS points whose own mesh differs from the unscaled cell's (dk: Å⁻¹)" });""", ["replaced-eos-points"]),
        md("""
**4.** Compute the properties. `calculationsFromFrames` turns the tagged frames into
calculations; `computeProperties` fits the 3rd-order Birch–Murnaghan EOS per Δk and forms
E_vac = E(7) − 7/8·E_bulk(8) from the supercells: the tidy property sweep (one row per property
and Δk, with its unit).
"""),
        code("""const calculations = dk.calculationsFromFrames(dk.concatFrames([eosOneMesh, bulk, vacancy]));
const sweep = dk.computeProperties(calculations);
dk.showTable(sweep.orderby("property", "dk"), { limit: 80 });""", ["property-sweep"]),
        md("""
**5.** Show the sweep. With deltak's JupyterLab extension this is an interactive widget (pick the
property, drag the factor); without it JupyterLab draws the same chart with its built-in
vega-lite renderer. Outlined points are the thresholds Δk_T, the band is x(Δk_min) ± f·MAD_max.
"""),
        code("""dk.showSweep(sweep, { factor: 0.5 });""", ["fig-sweep"]),
        md("""
**6.** The thresholds. Per property: `ref_dk` (0.09 Å⁻¹ for DFT), `mad` (mean absolute deviation
over all Δk), `mad_max` (largest MAD over methods; only DFT here), `bound` = factor·MAD_max and
`threshold_dk`, the first Δk whose deviation from the reference reaches the bound (— = never).
"""),
        code("""const th = dk.thresholds(sweep, { factor: 0.5 });
dk.showThresholds(th);
dk.showTable(th);""", ["fig-thresholds", "thresholds"]),
        md("""
**7.** The paper's Table 1 layout: value at the reference Δk ± MAD over all Δk, and over the Δk
below 0.66 Å⁻¹ only (the near-Γ-only grids dominate the MAD).
"""),
        code("""dk.showTable(dk.madSummary(sweep), { caption: "value at Δk = 0.09 Å⁻¹ ± MAD over all Δk (unit per row)" });
dk.showTable(dk.madSummary(sweep, { dkBelow: 0.66 }), { caption: "value at Δk = 0.09 Å⁻¹ ± MAD over Δk < 0.66 Å⁻¹" });""",
             ["table1-all-dk", "table1-dk-below-0.66"]),
        md("""
**8.** What a Δk costs. `kpointTable` gives the Γ-centred mesh and k-points per reciprocal atom
(KPPRA) of the primitive cell and of the 8-atom supercell; beside it, the irreducible k-points
GPAW used and the CPU seconds of the supercell single point, read from the files. The saving of a
Δk is the ratio of k-points against the finest one; the DFT cost follows the irreducible count
(symmetry-reduced), which saves less than the full grid suggests.
"""),
        code(PAPER_CELLS + """
const dks: number[] = sweep.dedupe("dk").orderby("dk").array("dk") as number[];
const kt = dk.kpointTable([{ name: "primitive", cell: prim, natoms: 1 }, { name: "2x2x2", cell: sup, natoms: 8 }], dks);
const bulkRows = bulk.objects() as any[];
const fromFile = aq.from(bulkRows.map((r: any) => ({ dk: r.dk, irreducible: r.nkpts, cpu_seconds: r.tags.cpu_seconds })));
const finest = kt.filter(aq.escape((r: any) => r.cell === "2x2x2" && r.dk === dks[0])).get("n_kpoints", 0) as number;
const finestIrr = fromFile.filter(aq.escape((r: any) => r.dk === dks[0])).get("irreducible", 0) as number;
const cost = kt.filter((r: any) => r.cell === "2x2x2").join_left(fromFile, "dk")
  .derive({ saving: aq.escape((r: any) => finest / r.n_kpoints), irreducible_saving: aq.escape((r: any) => finestIrr / r.irreducible) });
dk.showTable(kt.filter((r: any) => r.cell === "primitive"), { caption: "primitive cell (a = 4.04 Å): dk Å⁻¹, full Γ-centred grid" });
dk.showTable(cost, { caption: "2×2×2 supercell: full grid, GPAW's irreducible k-points, CPU s of the bulk single point; saving = k-points at the finest Δk / at this Δk (full grid, and irreducible)" });""",
             ["table-s1-primitive", "kpoint-cost-supercell"]),
        md("""
**9.** The same steps on the reference dataset `data/al`, made by the project's pipeline: its
Al FCC single points add strained cells (elastic constants C11, C12, C44 and the moduli) and
interstitials to the EOS and vacancy. Every file carries its tags (kind, strain, volume), so
`calculationsFromFrames` sorts them and `computeProperties` does the rest.
"""),
        code("""const REF = "../data/al/dft/fcc";
const refFiles: string[] = [];
for (const stage of ["eos", "elastic", "defects"]) {
  if (!fs.existsSync(path.join(REF, stage))) continue;
  for (const d of fs.readdirSync(path.join(REF, stage)).sort()) refFiles.push(path.join(REF, stage, d));
}
if (refFiles.length) {
  const refSweep = dk.computeProperties(dk.calculationsFromFrames(dk.concatFrames(refFiles.map((d: string) => readFolder(d)))));
  dk.showSweep(refSweep, { factor: 0.5 });
  dk.showTable(dk.thresholds(refSweep, { factor: 0.5 }).select("property", "unit", "ref_value", "mad_max", "bound", "threshold_dk"),
    { caption: "data/al, Al FCC DFT: Δk_T of every property at f = 0.5 (ref_value, mad_max, bound in the property's unit; Δk in Å⁻¹)" });
} else {
  console.log("data/al has no Al FCC single points on this machine");
}""", ["fig-data-al-sweep", "data-al-thresholds"]),
        md("""
**What to try next.**
- Change `factor` in step 6 to 0.25 or 1.0: which thresholds move, and why?
- Pass `reference: 0.12` to `dk.thresholds` to measure deviations from a coarser reference.
- Use `eosAll` instead of `eosOneMesh` in step 4 and watch B₀ jump at 0.18 and 0.30 Å⁻¹.
- `02-paper-figures` puts these numbers beside the paper's; `03-choose-dk-for-a-new-material`
  recommends a Δk for training data from a small test set; `04-workshop` has exercises.
- Look at C44 in step 9: the 1-atom cell's shear constant falls apart at coarse Δk. Which
  threshold does it get, and does the MLP trained at that Δk share the problem (`02-paper-figures`)?
"""),
    ]


# ----------------------------------------------------------------------------- 02
def paper_figures():
    return [
        md("""
# The paper's figures and tables, regenerated from real data

**What this teaches.** How each result of Bayerl *et al.* (Digital Discovery 2022, 1, 61) is made
with deltak: Table S1 (Δk ↔ k-mesh), Fig. 3 / S2 (properties against Δk with their thresholds),
Table 1 (value ± MAD), Fig. 4 / S3 (the SEMs of a DFT test set), Fig. 5 (do the SEMs predict the
MLP thresholds?) and Fig. 2 (MLP parity and RMSE per Δk). Each is shown beside the numbers the
paper states, where it states them, and the differences are discussed.

**The data.** Two real datasets, both scaled down from the paper (see `data/README.md`). The
bundled `data/al-fcc` is a GPAW sweep of FCC aluminium, DFT only (EOS and vacancy): it gives
Table S1, the DFT half of Fig. 3 / S2 and Table 1. The reference dataset `data/al`, made by
`data/pipeline/build.py`, adds for Al FCC the elastic constants and interstitials, a DFT test set
for the SEMs (Fig. 4), and one DeePMD-kit model per Δk with its `dp test` output and MLP
properties (Fig. 2, the MLP half of Fig. 3, Fig. 5). The cells read what `data/al` holds when
they run, use what is complete and say what is not. The MLPs are small models trained on 18
single points per Δk: read their numbers as a demonstration of the method, not as converged
potentials.
"""),
        code(IMPORTS + "\n\n" + READ_FOLDER),
        md("## The reference dataset: what is there"),
        code(AL_DATA, ["data-al-status"]),
        md("""
## Table S1: Δk ↔ k-point mesh

The paper's worked check ([docs/method.md](../docs/method.md) §2): the Cu FCC conventional cell (a ≈ 3.63 Å, 4 atoms) at
Δk = 0.18 Å⁻¹ gives a 10×10×10 grid, 4000 KPPRA. Then the cells of the bundled Al data.
"""),
        code(PAPER_CELLS + """
const acu = 3.63;
const cuCheck = dk.kpointTable([{ name: "Cu fcc conventional (a = 3.63 Å)", cell: [[acu, 0, 0], [0, acu, 0], [0, 0, acu]], natoms: 4 }], [0.18])
  .derive({ paper_mesh: () => "10×10×10", paper_kppra: () => 4000 });
dk.showTable(cuCheck, { caption: "deltak against the paper's worked example (dk Å⁻¹)" });
const dks = [0.09, 0.12, 0.18, 0.24, 0.3, 0.36, 0.66, 0.96];
const tableS1 = dk.kpointTable([{ name: "Al fcc primitive", cell: prim, natoms: 1 }, { name: "Al fcc 2x2x2", cell: sup, natoms: 8 }], dks);
dk.showTable(tableS1, { caption: "Table S1 for the bundled cells: dk Å⁻¹, full Γ-centred grids" });""",
             ["table-s1-cu-check", "table-s1"]),
        md("""
## Fig. 3 / S2: properties against Δk (DFT, Al FCC)

The properties are computed from the raw single points exactly as in `01-quickstart` (EOS on the
mesh of the unscaled cell at each Δk, vacancy in the 8-atom supercell).
"""),
        code(ONE_MESH + """
const sweep = dk.computeProperties(dk.calculationsFromFrames(dk.concatFrames([eosOneMesh, bulk, vacancy])));
const th = dk.thresholds(sweep, { factor: 0.5 });
dk.showSweep(sweep, { factor: 0.5 });
dk.showTable(th);""", ["fig3-al-fcc-dft", "fig3-thresholds"]),
        md("""
The paper's Fig. 3 shows the DFT E_vac of FCC-Al falling from 0.641 eV at 0.09 Å⁻¹ to 0.265 eV at
0.24 Å⁻¹. The bundled GPAW E_vac does the same kind of thing — stable at 0.09–0.12 Å⁻¹, then
jumping around, with its deepest dip at 0.30 Å⁻¹ — but by less (next table). The setups differ:
the paper's VASP PAW with more semicore states at 524 eV and its own supercell, against a
3-electron GPAW setup at 300 eV and an 8-atom cell here, so the sizes of the k-point errors
differ too. The pattern — a band of stability near the reference, then erratic drift — is what to
compare, not the decimals.
"""),
        md("""
### The same figure from the reference dataset, where its curves are complete

`data/al` computes its EOS with every volume on the mesh of the unscaled cell, like the one-mesh
EOS above (with a looser SCF density criterion), so where both exist they should agree closely;
the curves it has at every Δk are shown with their thresholds, the others are listed above as
incomplete.
"""),
        code("""if (alComplete.rows.length) {
  dk.showSweep(alComplete.rows, { factor: 0.5 });
  const both = aq.from(alComplete.rows.filter((r: dk.SweepRow) => r.lattice === "fcc" && r.method === "DFT"))
    .select("property", "dk", "value").rename({ value: "data_al" })
    .join(sweep.select("property", "dk", "value").rename({ value: "data_al_fcc" }), [["property", "dk"], ["property", "dk"]])
    .derive({ difference: aq.escape((r: any) => r.data_al - r.data_al_fcc) }).orderby("property", "dk");
  dk.showTable(both, { caption: "fcc DFT properties: reference dataset against the bundled one-mesh values (unit per property as above; dk Å⁻¹)", limit: 80 });
} else {
  console.log("no property curve of the reference dataset is complete over its Δk yet");
}""", ["fig3-data-al", "data-al-vs-al-fcc"]),
        md("""
## Table 1: vacancy energy at Δk_min ± MAD, beside the paper's FCC-Al numbers
"""),
        code("""// the five numbers of the paper's Table 1 for one E_vac curve (eV; Δk in Å⁻¹)
interface Curve { dk: number[]; value: number[] }
const madOf = (xs: number[]) => { const m = xs.reduce((s, x) => s + x, 0) / xs.length; return xs.reduce((s, x) => s + Math.abs(x - m), 0) / xs.length; };
function table1Numbers(c: Curve): (number | null)[] {
  if (!c.value.length) return [null, null, null, null, null];
  const devs = c.value.map((x: number) => x - c.value[0]);
  let iMax = 0;
  devs.forEach((d: number, i: number) => { if (c.dk[i] < 0.66 && Math.abs(d) > Math.abs(devs[iMax])) iMax = i; });
  return [c.value[0], madOf(c.value), madOf(c.value.filter((_: number, i: number) => c.dk[i] < 0.66)), devs[iMax], c.dk[iMax]];
}
const curveOf = (rows: { dk: number; value: number }[]): Curve => {
  const r = [...rows].sort((x, y) => x.dk - y.dk);
  return { dk: r.map((x) => x.dk), value: r.map((x) => x.value) };
};
const bundledEvac = curveOf(sweep.filter((r: any) => r.property === "E_vac").objects() as any[]);
const refEvac = (method: string) => curveOf(alComplete.rows.filter((r: dk.SweepRow) => r.lattice === "fcc" && r.property === "E_vac" && r.method === method));
const cols = { bundled_DFT: table1Numbers(bundledEvac), data_al_DFT: table1Numbers(refEvac("DFT")), data_al_MLP: table1Numbers(refEvac("MLP")) };
const quantities = ["E_vac at Δk_min (eV)", "MAD over all Δk ≤ 0.96 (eV)", "MAD over Δk < 0.66 (eV)", "largest deviation below 0.66 (eV)", "Δk of that deviation (Å⁻¹)"];
const paper = { DFT: [0.641, 0.519, 0.206, -0.376, 0.24], MLP: [0.671, 0.174, 0.024, 0.045, 0.24] };
const table1 = aq.from(quantities.map((quantity: string, i: number) => ({
  quantity, paper_DFT: paper.DFT[i], paper_MLP: paper.MLP[i],
  bundled_DFT: cols.bundled_DFT[i], data_al_DFT: cols.data_al_DFT[i], data_al_MLP: cols.data_al_MLP[i],
})));
dk.showTable(table1, { caption: "FCC-Al vacancy formation energy: the paper (VASP, docs/method.md §4), the bundled GPAW data and the reference dataset (GPAW DFT, DeePMD-kit MLP; Δk_min = 0.09 for DFT, 0.12 for the MLP); — = curve not complete" });
dk.showTable(dk.madSummary(sweep), { caption: "Table 1 layout for every bundled property: value at 0.09 Å⁻¹ ± MAD over all Δk" });
if (alComplete.rows.length) dk.showTable(dk.madSummary(alComplete.rows), { caption: "Table 1 layout for the reference dataset's complete curves" });""",
             ["table1-paper-vs-data", "table1", "table1-data-al"]),
        md("""
Our DFT E_vac at 0.09 Å⁻¹ (0.735 eV, the same in both datasets: the reference dataset recomputes
the bundled cell) lies 0.09 eV above the paper's DFT value, and its MAD (0.142 eV over all Δk,
0.093 eV below 0.66 Å⁻¹) is well under the paper's 0.519 / 0.206 eV. The largest deviation below
0.66 Å⁻¹ has the paper's sign but about half its size (−0.21 eV, at 0.30 instead of 0.24 Å⁻¹). Part
of the difference is physics: this vacancy sits in an 8-atom cell, the paper's in a larger
supercell.

The MLP column shows the paper's main point on real data, where it holds: below 0.66 Å⁻¹ the
MLP's E_vac varies less with Δk than the DFT it learned from, MAD 0.060 eV against DFT's
0.093 eV (paper: 0.024 against 0.206 eV); its largest deviation there is +0.13 eV, at 0.36 Å⁻¹
(paper: +0.045 eV). Over all Δk it does not hold here (0.161 against 0.142 eV; paper: 0.174 against
0.519 eV): the models trained on the two coarsest sets are poor (training-set energy RMSE 0.12
and 0.25 eV/atom, Fig. 2 below) and give 0.48 and 1.29 eV. Where the training data are fine
enough, the MLP's own value is close to DFT: 0.79 eV at 0.12 Å⁻¹ and 0.81 eV at 0.18 Å⁻¹ against
DFT's 0.72 and 0.81 eV. These are small models trained on 18 single points for 10 000 steps:
read the MLP numbers as a demonstration of the method, not as a potential for aluminium.
"""),
        md("""
## Fig. 4 / S3: the SEMs of a DFT test set

AEAD, E-RMSE, F-RMSE and V-RMSE against Δk, per structure group, referenced to Δk_min
([docs/method.md](../docs/method.md) §5). The paper's test set has 3600 configurations; the cell below uses the reference
dataset's SEM set when its manifest lists one, otherwise the bundled single points, which are a
much smaller set (and their forces vanish by symmetry, so F-RMSE is zero there and carries no
information).
"""),
        code(SEM_SET + """
const sem = dk.semTable(semFrames);
const semTh = dk.semThresholds(sem, { factor: 0.5 });
dk.showSem(sem, { factor: 0.5, chartSem: "E-RMSE" });
// Fig. S3: the other three SEMs
for (const s of ["AEAD", "F-RMSE", "V-RMSE"]) dk.showChart(dk.semChart(sem.objects() as any[], semTh.objects() as any[], s));
dk.showTable(semTh);
const lowest = (name: string): string => {
  const ts = (semTh.objects() as any[]).filter((r: any) => r.sem === name && r.threshold_dk !== null).map((r: any) => r.threshold_dk as number);
  return ts.length ? `${Math.min(...ts)} Å⁻¹` : "never reached";
};
console.log(`on this set: smallest Δk_T^SEM of V-RMSE ${lowest("V-RMSE")}, of E-RMSE ${lowest("E-RMSE")}, of F-RMSE ${lowest("F-RMSE")} (paper: V-RMSE 0.24 Å⁻¹ in Al, Cu and Mg; E-RMSE always above 0.36 Å⁻¹; F-RMSE 0.30 Å⁻¹ in Al and Cu)`);""", ["fig4-e-rmse", "figs3a-aead", "figs3c-f-rmse", "figs3d-v-rmse", "sem-thresholds"]),
        md("""
The paper finds E-RMSE thresholds always above 0.36 Å⁻¹ and V-RMSE thresholds as small as
0.24 Å⁻¹ ({Δk_T^SEM}min = 0.24 Å⁻¹ for V-RMSE in all three metals), hence its recommended
0.18 Å⁻¹; F-RMSE gives 0.30 Å⁻¹ in Al and Cu. The last line above puts the smallest thresholds
of this run's test set beside them. On the reference dataset's Al FCC test set (GPAW, one
scale-and-perturb configuration per structure group, four in all) V-RMSE leaves its band at
0.24 Å⁻¹ as in the paper, so the recommendation is the paper's 0.18 Å⁻¹; E-RMSE and F-RMSE leave
theirs one step earlier than the paper's (0.30 and 0.24 Å⁻¹ against above 0.36 and 0.30 Å⁻¹), so
here F-RMSE is as strict as V-RMSE. Four configurations stand in for the paper's 3600, so these
are single draws:
`03-choose-dk-for-a-new-material` shows how uncertain such thresholds are.
"""),
        md("""
## Fig. 5: do the SEMs predict the MLP thresholds?

This needs property thresholds of MLPs trained at each Δk. The cell uses the reference dataset's
`properties.csv` when it has complete MLP curves; otherwise it says what is missing.
"""),
        code("""const alSweep = alComplete.rows;
const hasMlp = alSweep.some((r: dk.SweepRow) => r.method === "MLP");
if (hasMlp && manifest?.sem_frames?.length) {
  const alTh = dk.thresholds(alSweep, { factor: 0.5 });
  dk.showSweep(alSweep, { factor: 0.5 });
  // a property is compared only when the test set has its structure group
  const { paired, unpaired } = dk.splitBySemGroup(alTh, semTh);
  if (unpaired.length) console.log(`not compared (no ${[...new Set(unpaired.map((p) => (dk.semGroupOf(p.property) ?? "SEM group")))].join("/")} configurations in the test set yet): ${unpaired.map((p) => p.property).join(", ")}`);
  const cmp = dk.compareThresholds(paired, semTh);
  dk.showComparison(cmp, dk.recommendDk(semTh));
  dk.showTable(dk.comparisonSummary(cmp));
} else {
  console.log(`Fig. 5 waits for data: ${hasMlp ? "" : "no complete MLP property curve in the reference dataset yet; "}${manifest?.sem_frames?.length ? "" : "no SEM test set in its manifest yet"}.`);
  console.log("The paper: F-RMSE and V-RMSE have the lowest % mismatch; Δk = 0.18 Å⁻¹ lies below Δk_T^MLP for 100 % of its MLP properties.");
}""", ["fig3-mlp", "fig5", "fig5-summary"]),
        md("""
How to read it: for each MLP property and each SEM, *exact* means the SEM's threshold is the
MLP property's, *conservative* that the SEM leaves its band at a finer Δk than the property does
(safe: data at the SEM's recommendation are good enough for that property), *mismatch* that the
SEM would allow a coarser Δk than the property tolerates. The paper found F-RMSE and V-RMSE with
the fewest mismatches, which is why they drive the recommendation; the summary above gives these
shares for this dataset. Two caveats make it a demonstration rather than a replication:
the test set has one configuration per group, and the MLPs are small and trained on 18 single
points, so their own thresholds are partly set by training noise. Properties whose structure group is not
yet in the test set are listed above the table instead of being compared.
"""),
        md("""
## Fig. 2: MLP fidelity per Δk (parity, RMSE on training and test sets)

From the `dp test -d` output of the model trained at each Δk ([docs/method.md](../docs/method.md) §8), when the reference
dataset has it.
"""),
        code("""// the manifest's dp_test entries: the prefix of each `dp test -d` output (one per system
// size), the Δk of the model's training data and the dataset tested (train or test)
const prefixes = (manifest?.dp_test ?? []).map((d) => ({ ...d, prefix: path.join(AL, d.prefix) }));
if (prefixes.length) {
  const inputs = prefixes.map((p) => ({ dk: p.dk, dataset: p.dataset, table: dk.readDpTest(p.prefix) }));
  const rmse = dk.parity(inputs);
  const points = inputs.flatMap((i) => (i.table.objects() as any[])
    .filter((r: any) => r.quantity === "energy_per_atom" && r.data !== null)
    .map((r: any) => ({ dk: i.dk, quantity: "energy", dft: r.data as number, mlp: r.pred as number })));
  dk.showChart(dk.parityChart(points, "energy"));
  dk.showChart(dk.rmseChart((rmse.objects() as any[]).filter((r: any) => r.rmse !== null)));
  dk.showTable(rmse);
} else {
  console.log("Fig. 2 waits for data: no dp test output in the reference dataset yet (models are trained after its DFT stages).");
  console.log("The paper: RMSE rises with Δk, similarly on training and test sets (no overtraining).");
}""", ["fig2a-parity", "fig2bc-rmse", "fig2-rmse"]),
        md("""
The paper sees the RMSE rise with Δk, alike on training and test sets. Here the force RMSE on the
training set stays at 0.02–0.03 eV/Å from 0.12 to 0.36 Å⁻¹ and rises to 0.05 and 0.06 eV/Å at 0.66
and 0.96 Å⁻¹; the energy RMSE, 0.013–0.027 eV/atom up to 0.36 Å⁻¹, jumps to 0.12 and 0.25 eV/atom
there: the same shape. On the test set the force RMSE is higher (0.05–0.08 eV/Å, 0.10 and
0.13 eV/Å at the two coarsest Δk): the models are small and trained for 10 000 steps on 18 single
points, where the paper trained large models on 11 400 MD frames per Δk. The test set here is one
configuration per structure group, so its RMSEs rest on a handful of numbers.
"""),
        md("""
**What to try next.**
- Re-run this notebook when `data/al` grows (more lattices, longer training): the cells read what it holds.
- `npm run reproduce` writes every figure above as SVG and PNG and every table as CSV to `out/`,
  and `npx deltak report data/manifest.json --out out/report` makes an offline HTML report.
- Try `dk.madSummary(sweep, { dkBelow: 0.66 })` for the paper's second MAD column.
"""),
    ]


# ----------------------------------------------------------------------------- 03
def choose_dk():
    return [
        md("""
# Choosing Δk for a new material ([docs/method.md](../docs/method.md) §7)

**What this teaches.** The a-priori procedure of the paper, step by step: from a folder of DFT
single points of a small test set at several Δk, compute the statistical error metrics (SEMs),
find where each leaves its band of stability (Δk_T^SEM), recommend the largest sampled Δk below
the smallest of them, and say what it saves. Beyond the paper, a bootstrap over the
configurations shows how sure each threshold is, and the recommendation is checked at other
criterion factors.
"""),
        code(IMPORTS + "\n\n" + READ_FOLDER),
        md("""
**1. The test set.** The same configurations, computed at every Δk. If the reference dataset
(`data/al`) has written its SEM test set (scale-and-perturb structures: pristine, vacancy, Oₕ, T_d)
it is used; otherwise the smallest real set at hand: the bundled Al FCC single points — seven EOS
volumes of the primitive cell and the 8-atom bulk cell (group *pristine*) and the 7-atom vacancy
cell (group *vacancy*, one configuration) at eight Δk. The cell prints which one this run used.
"""),
        code("""const AL = process.env.DELTAK_AL_DATA ?? "../data/al";
interface Manifest { sem_frames?: string[]; cells?: dk.NamedCell[] }
const manifest: Manifest | null = fs.existsSync(path.join(AL, "manifest.json"))
  ? JSON.parse(fs.readFileSync(path.join(AL, "manifest.json"), "utf8")) : null;
""" + SEM_SET + """
const perGroup = aq.from(semFrames.map((f: dk.SemFrame) => ({ structure: String(f.structure), dk: f.dk, natoms: f.species.length })))
  .groupby("structure", "dk").rollup({ configurations: aq.op.count(), atoms: aq.op.sum("natoms") }).orderby("structure", "dk");
dk.showTable(perGroup, { caption: "single points per group and Δk (Å⁻¹)" });""", ["test-set"]),
        md("""
**2. The SEMs.** Per group and Δk, against the finest Δk (the reference): AEAD (signed mean
energy-per-atom difference), E-RMSE (eV/atom), F-RMSE (eV/Å) and V-RMSE (virial per atom, eV).
Configurations are matched by id, with identical species and positions at every Δk, or deltak
stops with an error naming the configuration.
"""),
        code("""const sem = dk.semTable(semFrames);
dk.showSem(sem, { factor: 0.5, chartSem: "V-RMSE" });
dk.showTable(sem.filter((r: any) => r.sem === "V-RMSE" || r.sem === "E-RMSE").orderby("structure", "sem", "dk"), { limit: 80 });""",
             ["fig-sem-v-rmse", "sem"]),
        md("""
**3. The SEM thresholds.** Each SEM series is treated like a property with x(ref) = 0: Δk_T^SEM
is the first Δk where the SEM reaches ½ · MAD of its own series. A null threshold means the SEM
never reaches its bound (F-RMSE is identically zero when the forces vanish by symmetry).
"""),
        code("""const semTh = dk.semThresholds(sem, { factor: 0.5 });
dk.showTable(semTh);""", ["sem-thresholds"]),
        md("""
**4. How sure are they?** A bootstrap over the configurations of each group (the same draw at
every Δk, 1000 resamples, seed 1): a 95 % interval for every SEM value and for every Δk_T^SEM
(`lo_dk` … `hi_dk`), and `p_same`, the share of resamples that give the same threshold. A group
with a single configuration has no spread to resample: its interval collapses to the value.
"""),
        code("""const boot = dk.semBootstrap(semFrames, { resamples: 1000, seed: 1, factor: 0.5 });
dk.showTable(boot.thresholds, { caption: "Δk_T^SEM (Å⁻¹) with 95 % bootstrap intervals (— = never reached)" });
dk.showChart(dk.semChart(boot.sem.objects() as any[], semTh.objects() as any[], "V-RMSE"));""",
             ["sem-threshold-bootstrap", "fig-sem-bootstrap-v-rmse"]),
        md("""
**5. The recommendation.** The largest sampled Δk strictly below the smallest Δk_T^SEM of F-RMSE
and V-RMSE over all groups (the paper's most conservative rule), and its k-point cost for the
training structures against the finest Δk: the primitive cell and the 2×2×2 supercells (full
grids, and the irreducible k-points GPAW reported for them).
"""),
        code(PAPER_CELLS + """
const RAWQ = "../data/al-fcc/raw";
const irr = new Map<string, number>();
for (const r of dk.concatFrames([readFolder(`${RAWQ}/eos`), readFolder(`${RAWQ}/bulk`)]).objects() as any[]) {
  if (r.tags.kind === "bulk" || r.tags.volume_scale === 1) irr.set(`${r.natoms}:${r.kmesh}`, r.nkpts);
}
const irreducibleOf = (natoms: number) => (mesh: [number, number, number]): number => {
  const n = irr.get(`${natoms}:${mesh.join("x")}`);
  if (n === undefined) throw new Error(`no single point with ${natoms} atoms on mesh ${mesh.join("x")} in the bundled data`);
  return n;
};
const trainingCells: dk.CostStructure[] = [
  { name: "Al fcc primitive", cell: prim, natoms: 1, irreducible: irreducibleOf(1) },
  { name: "Al fcc 2x2x2", cell: sup, natoms: 8, irreducible: irreducibleOf(8) },
];
const rec = dk.recommendDk(semTh, { structures: trainingCells });
console.log(rec.reason);
if (rec.cost) console.log(`k-points of the training structures: ${rec.cost.fullRecommended} instead of ${rec.cost.fullFinest} at ${rec.cost.finestDk} Å⁻¹ — ${rec.cost.fullSaving.toFixed(1)}× fewer (full grids), ${rec.cost.irreducibleSaving?.toFixed(1)}× fewer irreducible k-points.`);""",
             ["recommendation"]),
        md("""
**6. Is the choice robust?** The recommendation at criterion factors 0.25, 0.5 and 0.75, the
alternative "below the mode" rule, and the recommendation of every bootstrap interval's lower end
(the most pessimistic threshold the resamples allow).
"""),
        code("""const sens = dk.recommendationSensitivity(sem, { structures: trainingCells });
const mode = dk.recommendDk(semTh, { rule: "mode", structures: trainingCells });
const pessimistic = dk.recommendDk(
  (boot.thresholds.objects() as any[]).map((r: any) => ({ ...r, threshold_dk: r.lo_dk })), { structures: trainingCells, dks: sem.dedupe("dk").array("dk") as number[] });
const robust = aq.from([
  ...sens.map((s) => ({ case: `factor ${s.factor}, rule min`, dk: s.recommendation.dk, saving: s.recommendation.cost?.fullSaving ?? null })),
  { case: "factor 0.5, rule mode", dk: mode.dk, saving: mode.cost?.fullSaving ?? null },
  { case: "factor 0.5, lower ends of the bootstrap intervals", dk: pessimistic.dk, saving: pessimistic.cost?.fullSaving ?? null },
]);
dk.showTable(robust, { caption: "recommended Δk (Å⁻¹) and k-point saving (full grids) against the finest Δk" });
if (!Number.isFinite(mode.bound)) console.log("The most frequent Δk_T^SEM here is 'never reached' (a SEM that stays flat, like an F-RMSE of zero when the forces vanish by symmetry), so the mode rule points at the coarsest Δk: on this set it is not a safe rule, and the minimum rule is the one to use.");""",
             ["recommendation-sensitivity"]),
        md("""
**What to try next.**
- The paper recommends 0.18 Å⁻¹ from V-RMSE thresholds of 0.24 Å⁻¹ in Al, Cu and Mg: compare
  with step 5.
- Pass `sems: ["E-RMSE", "V-RMSE"]` to `dk.recommendDk` and see which group limits the choice.
- With your own material: put one extxyz per single point in a folder (tags metal, lattice,
  structure, config and dk), replace step 1 with `dk.semFramesFromFrames(readFolder(folder))`,
  and give your training cells to `structures`.
- A small test set gives wide intervals: add configurations until `p_same` of the limiting
  threshold is close to 1.
"""),
    ]


# ----------------------------------------------------------------------------- 04
def workshop(solutions: bool):
    def ex(task, starter, solution, export=None):
        return code(solution if solutions else starter, export)

    title = "solutions" if solutions else "exercises"
    cells = [
        md(f"""
# deltak workshop ({title})

**What this teaches.** In about two hours: load DFT single points, inspect how properties move
with the k-point spacing Δk, change the convergence criterion, and argue a choice of Δk for
training data of a machine-learning potential. Work in pairs; each exercise has a cell that
already runs — change it as asked. {"This is the solutions notebook: every exercise is done and discussed." if solutions else "The solutions are in `04-workshop-solutions.ipynb`; try first."}

Data: real GPAW single points of FCC aluminium at eight Δk in `data/al-fcc/raw/` (see
`data/README.md`). Reference: Bayerl *et al.*, Digital Discovery 2022, 1, 61.
"""),
        code(IMPORTS + "\n\n" + READ_FOLDER),
        md("""
## Exercise 1 — load (15 min)

Read the vacancy and bulk supercells (`raw/vacancy`, `raw/bulk`) and list, per Δk, the k-mesh,
the irreducible k-points and the energy. *Question:* how much does the bulk energy per atom
change between 0.09 and 0.96 Å⁻¹?
"""),
        ex(1, """const RAW = "../data/al-fcc/raw";
const bulk = readFolder(`${RAW}/bulk`);
// TODO: read the vacancy folder the same way, and show the columns dk, kmesh, nkpts, energy_per_atom of both
dk.showTable(bulk.select("dk", "kmesh", "nkpts", "energy_per_atom"));""",
           """const RAW = "../data/al-fcc/raw";
const bulk = readFolder(`${RAW}/bulk`);
const vacancy = readFolder(`${RAW}/vacancy`);
dk.showTable(bulk.select("dk", "kmesh", "nkpts", "energy_per_atom"), { caption: "bulk 2×2×2 (8 atoms)" });
dk.showTable(vacancy.select("dk", "kmesh", "nkpts", "energy_per_atom"), { caption: "vacancy (7 atoms)" });
const epa = bulk.orderby("dk").array("energy_per_atom") as number[];
console.log(`bulk energy per atom: ${(1000 * (epa[epa.length - 1] - epa[0])).toFixed(1)} meV/atom from the finest to the coarsest Δk`);""",
           ["ex1-bulk"] if not solutions else ["ex1-bulk", "ex1-vacancy"]),
        md("""
## Exercise 2 — inspect (25 min)

Compute the properties (EOS on one mesh per Δk, vacancy energy) and show the sweep. *Questions:*
which property moves most, relative to its value at 0.09 Å⁻¹? At which Δk does E_vac first
deviate by more than 10 meV?
"""),
        code(ONE_MESH.replace('const bulk = readFolder(`${RAW}/bulk`);\nconst vacancy = readFolder(`${RAW}/vacancy`);\n', '').replace('const RAW = "../data/al-fcc/raw";\n', '') + """
const vac = readFolder(`${RAW}/vacancy`);
const sweep = dk.computeProperties(dk.calculationsFromFrames(dk.concatFrames([eosOneMesh, bulk, vac])));
dk.showSweep(sweep);""", ["ex2-sweep"]),
        ex(2, """// TODO: for each property, the largest |x(Δk) − x(0.09)| / |x(0.09)|; and the first Δk where E_vac deviates by > 0.010 eV
const evac = sweep.filter((r: any) => r.property === "E_vac").orderby("dk");
dk.showTable(evac);""",
           """const rows = sweep.objects() as any[];
const props = [...new Set(rows.map((r: any) => r.property as string))];
const largest = aq.from(props.map((p: string) => {
  const c = rows.filter((r: any) => r.property === p).sort((x: any, y: any) => x.dk - y.dk);
  const devs = c.map((r: any) => Math.abs(r.value - c[0].value) / Math.abs(c[0].value));
  const i = devs.indexOf(Math.max(...devs));
  return { property: p, largest_relative_deviation: devs[i], at_dk: c[i].dk };
}));
dk.showTable(largest, { caption: "largest |x(Δk) − x(0.09)| / |x(0.09)| per property (dk Å⁻¹)" });
const ev = rows.filter((r: any) => r.property === "E_vac").sort((x: any, y: any) => x.dk - y.dk);
const first = ev.find((r: any) => Math.abs(r.value - ev[0].value) > 0.010);
const most = (largest.objects() as any[]).sort((x: any, y: any) => y.largest_relative_deviation - x.largest_relative_deviation)[0];
console.log(`E_vac first deviates by more than 10 meV at Δk = ${first ? first.dk : "none"} Å⁻¹.`);
console.log(`${most.property} moves most in relative terms (${(100 * most.largest_relative_deviation).toFixed(1)} % at ${most.at_dk} Å⁻¹): derivatives of E(V) converge more slowly than E itself.`);""",
           ["ex2-evac"] if not solutions else ["ex2-largest"]),
        md("""
## Exercise 3 — change the criterion (25 min)

The threshold criterion is |x(Δk) − x(Δk_min)| ≥ f · MAD_max with f = ½. Compute the
thresholds for f = 0.25, 0.5 and 1, and with the reference moved to 0.12 Å⁻¹. *Questions:*
which thresholds move? Why does a larger f never give a smaller Δk_T?
"""),
        ex(3, """const th = dk.thresholds(sweep, { factor: 0.5 });
// TODO: the same for factor 0.25 and 1, and for reference 0.12; put threshold_dk side by side
dk.showThresholds(th);""",
           """const col = (t: ReturnType<typeof dk.thresholds>, name: string) => t.select("property", "threshold_dk").rename({ threshold_dk: name });
const side = col(dk.thresholds(sweep, { factor: 0.25 }), "f=0.25")
  .join(col(dk.thresholds(sweep, { factor: 0.5 }), "f=0.5"), "property")
  .join(col(dk.thresholds(sweep, { factor: 1 }), "f=1"), "property")
  .join(col(dk.thresholds(sweep, { factor: 0.5, reference: 0.12 }), "f=0.5, ref 0.12"), "property");
dk.showTable(side, { caption: "Δk_T (Å⁻¹) by criterion; — = stable over the whole sweep" });
console.log("A larger f widens the band, so the first Δk outside it can only come later (or never): Δk_T is monotone in f.");""",
           ["ex3-thresholds"]),
        md("""
## Exercise 4 — the mesh boundary (15 min)

Use *all* EOS points, each on its own mesh (`eosAll`), instead of `eosOneMesh`. *Question:* what
happens to B₀ at 0.18 and 0.30 Å⁻¹, and why would this mislead a convergence study?
"""),
        ex(4, """// TODO: compute the sweep from eosAll (plus bulk and vac) and compare B0 with the one-mesh sweep
const b0 = sweep.filter((r: any) => r.property === "B0").select("dk", "value");
dk.showTable(b0);""",
           """const sweepAll = dk.computeProperties(dk.calculationsFromFrames(dk.concatFrames([eosAll, bulk, vac])));
const b0 = sweep.filter((r: any) => r.property === "B0").select("dk", "value").rename({ value: "B0 one mesh" })
  .join(sweepAll.filter((r: any) => r.property === "B0").select("dk", "value").rename({ value: "B0 own meshes" }), "dk");
dk.showTable(b0, { caption: "B0 (GPa) with one mesh per Δk and with each volume on its own mesh (dk Å⁻¹)" });
console.log("At 0.18 and 0.30 the compressed cells jump to a finer mesh: E(V) gets a step that the fit reads as curvature, so B0 looks unconverged where the energies themselves are not.");""",
           ["ex4-b0"]),
        md("""
## Exercise 5 — argue a choice of Δk (40 min)

You must choose Δk for the training data of a new MLP of aluminium. Compute the SEMs of the
single points (groups *pristine*: the EOS volumes and the bulk cell; *vacancy*), the SEM
thresholds and the recommendation, with its cost. *Discuss:* is the recommended Δk below every
DFT property threshold from Exercise 3? What would you tell a colleague who wants 0.30 Å⁻¹?
"""),
        code("""const semFrames: dk.SemFrame[] = (dk.concatFrames([eosAll, bulk, vac]).objects() as any[]).map((r: any) => ({
  id: r.tags.kind === "eos" ? `eos-v${r.tags.volume_scale}` : `${r.tags.kind}-2x2x2`,
  dk: r.dk, species: r.symbols, positions: r.positions, energy: r.energy, forces: r.forces, virial: r.virial,
  metal: r.tags.metal, lattice: r.tags.lattice, structure: r.tags.kind === "vacancy" ? "vacancy" : "pristine",
}));
const sem = dk.semTable(semFrames);
dk.showSem(sem, { chartSem: "V-RMSE" });""", ["ex5-sem"]),
        ex(5, """const semTh = dk.semThresholds(sem);
// TODO: recommend a Δk with dk.recommendDk(semTh, { structures: [...] }) for the 8-atom 2×2×2 cell
// (cell rows: 2 × the primitive FCC vectors, a = 4.04 Å) and compare with the property thresholds
dk.showTable(semTh);""",
           """const semTh = dk.semThresholds(sem);
""" + PAPER_CELLS + """
const rec = dk.recommendDk(semTh, { structures: [{ name: "Al fcc 2x2x2", cell: sup, natoms: 8 }] });
dk.showTable(semTh);
console.log(rec.reason);
console.log(`cost: ${rec.cost?.fullRecommended} k-points instead of ${rec.cost?.fullFinest} (${rec.cost?.fullSaving.toFixed(1)}× fewer)`);
const propTh = (dk.thresholds(sweep).objects() as any[]).filter((r: any) => r.threshold_dk !== null);
const below = propTh.every((r: any) => rec.dk !== null && rec.dk < r.threshold_dk);
console.log(`${rec.dk} Å⁻¹ is ${below ? "below every" : "not below every"} DFT property threshold (${propTh.map((r: any) => `${r.property} ${r.threshold_dk}`).join(", ")}).`);
if (!below) console.log("That is expected: DFT properties computed directly at a coarse Δk drift early; the paper's claim is that an MLP trained on such data is more stable than DFT itself (its thresholds lie higher), which only MLP thresholds can confirm.");
console.log("0.30 Å⁻¹ lies above the V-RMSE threshold of the pristine group: the virials (and so the stresses the MLP learns) already deviate by half their MAD there; the saving over the recommended Δk is small against the risk.");""",
           ["ex5-sem-thresholds"]),
        md("""
**What to try next.**
- Re-do Exercise 5 with `{ rule: "mode" }` and with `sems: ["E-RMSE"]`: how much does the answer
  depend on the rule?
- `03-choose-dk-for-a-new-material` adds bootstrap intervals to the SEM thresholds: how sure is
  the recommendation with so few configurations?
- When the reference dataset in `data/al` has MLPs, compare your recommendation with the MLP
  property thresholds (`02-paper-figures`, Fig. 5).
"""),
    ]
    return cells


if __name__ == "__main__":
    only = set(sys.argv[1:])
    books = {
        "01-quickstart": quickstart,
        "02-paper-figures": paper_figures,
        "03-choose-dk-for-a-new-material": choose_dk,
        "04-workshop": lambda: workshop(False),
        "04-workshop-solutions": lambda: workshop(True),
    }
    for name, make in books.items():
        if not only or name in only:
            write(name, make())
