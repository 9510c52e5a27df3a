# Writes notebooks/01-quickstart.ipynb (without outputs); run with .venv/bin/python.
import nbformat as nbf
nb = nbf.v4.new_notebook()
md = nbf.v4.new_markdown_cell
code = nbf.v4.new_code_cell
nb.cells = [
md("""# deltak quickstart: from a Δk sweep to a threshold

**What this teaches.** DFT results depend on the k-point spacing Δk (Å⁻¹): the coarser the
Brillouin-zone sampling, the cheaper the calculation and the noisier the result. Here we take
real GPAW results for FCC aluminium at eight Δk values (0.09 … 0.96 Å⁻¹), see how the equation of
state and the vacancy formation energy move with Δk, and find the **threshold Δk_T**: the
smallest Δk at which a property leaves the band `x(Δk_min) ± f·MAD_max` (f = ½), as in
Bayerl *et al.*, Digital Discovery 2022, eqn (1).

The data come from `data/al-fcc/properties.csv` (see `data/README.md` for how they were made)."""),
md("**1.** Import deltak and arquero (the dataframe library deltak's tables are made of)."),
code("""import * as fs from "fs";
import * as aq from "arquero";
import * as dk from "deltak";"""),
md("**2.** Load the tidy sweep: one row per metal, lattice, property, unit, method, Δk and value."),
code("""const sweep = aq.fromCSV(fs.readFileSync("../data/al-fcc/properties.csv", "utf8"));
dk.showTable(sweep.orderby("property", "dk"));"""),
md("""**3.** Show the sweep. With deltak's JupyterLab extension this is an interactive widget;
without it JupyterLab draws the same chart with its built-in vega-lite renderer. The outlined
points are the thresholds Δk_T, the shaded band is x(Δk_min) ± f·MAD_max."""),
code("""dk.show(sweep);"""),
md("""**4.** Compute the thresholds. For each property: `ref_dk` is the reference Δk (0.09 Å⁻¹ for
DFT), `mad` the mean absolute deviation of the values over all Δk, `mad_max` the largest MAD
over methods (only DFT here), and `threshold_dk` the first Δk whose deviation from the reference
reaches `factor · mad_max`. A missing value (—) means the property never leaves the band."""),
code("""const th = dk.thresholds(sweep, { factor: 0.5 });
dk.showTable(th);"""),
md("""**5.** Show the thresholds as the sweep widget, opened on this analysis (factor and reference
travel with it, so the widget can recompute them)."""),
code("""dk.show(th);"""),
md("""**6.** The paper's Table 1 layout: value at the reference Δk ± MAD over all Δk, and over the
Δk below 0.66 Å⁻¹ only (the coarse Γ-point-like grids dominate the MAD)."""),
code("""dk.showTable(dk.madSummary(sweep));
dk.showTable(dk.madSummary(sweep, { dkBelow: 0.66 }));"""),
md("""**7.** What a Δk costs: the Γ-centred grid of the primitive FCC cell (a = 4.04 Å) and of the
8-atom 2×2×2 supercell used for the vacancy, for every Δk of the sweep (METHOD §2)."""),
code("""const a = 4.04;
const prim = [[0, a / 2, a / 2], [a / 2, 0, a / 2], [a / 2, a / 2, 0]];
const sup = prim.map((v) => v.map((x) => 2 * x));
const dks: number[] = sweep.dedupe("dk").orderby("dk").array("dk") as number[];
const grids = aq.from(dks.map((d) => ({
  dk: d,
  primitive_mesh: dk.kpointGrid(prim, d).mesh.join("x"),
  supercell_mesh: dk.kpointGrid(sup, d).mesh.join("x"),
  supercell_kpoints: dk.kpointGrid(sup, d).nKpoints,
  kppra: dk.kppra(sup, d, 8),
})));
dk.showTable(grids, { caption: "dk: Å⁻¹; meshes are Γ-centred N1xN2xN3; kppra = k-points × atoms" });"""),
md("""**What to try next.**
- Change `factor` in step 4 to 0.25 or 1.0: which thresholds move, and why?
- Use `reference: 0.12` to measure deviations from a coarser reference.
- Compare the vacancy energy's MAD with and without the coarsest grids (step 6), and read the
  paper's numbers for FCC-Al in `../shared`-free form: DFT MAD 0.519 eV over all Δk.
- Next notebooks add the MLP side: the same analysis for properties predicted by a
  machine-learning potential trained at each Δk."""),
]
nb.metadata = {
  "kernelspec": {"display_name": "TypeScript", "language": "typescript", "name": "tslab"},
  "language_info": {"name": "typescript", "file_extension": ".ts", "mimetype": "text/typescript", "version": "5.0.4"},
}
nbf.write(nb, "notebooks/01-quickstart.ipynb")
