"""Reference values from pymatgen for deltak's property code (differential test).

Reads JSON on stdin:
  {"eos": [{"volumes": [...], "energies": [...], "form": "birch-murnaghan"|"vinet"|"murnaghan"}],
   "moduli": [{"C": 6x6 GPa}],
   "extxyz_eos": "path/to/folder/of/extxyz",   (optional: real EOS single points)
   "ssr_of": [{"volumes", "energies", "form", "params": {"v0", "e0", "b0_ev_a3", "b0p"}}]}
Writes JSON on stdout with pymatgen's fits (V0 Å³/atom, E0 eV/atom, B0 GPa, B0') and moduli
(GPa), and, for extxyz_eos, the per-Δk volumes and energies per atom as ASE reads them.

Each fit also carries what the tests derive their tolerances from ("conditioning"): the sum of
squared residuals of pymatgen's fit, the diagonal of (JᵀJ)⁻¹ and the column norms of J, the
Jacobian of pymatgen's own model at its fitted parameters (central differences), in the order
V0, E0, B0 (GPa), B0'; the sum of |residuals|; the largest |energy|; and the number of points.
Each set of moduli carries the 2-norm condition number of C and the Frobenius norm of C⁻¹.
"ssr_of" gives the sum of squared residuals of pymatgen's model at the given parameters (B0 in
eV/Å³, so that no unit constant enters), for the check that deltak's fit is no worse.
"""
import glob
import json
import os
import sys

import numpy as np
from ase.io import read
from pymatgen.analysis.elasticity.elastic import ElasticTensor
from pymatgen.analysis.eos import EOS
from pymatgen.core.units import FloatWithUnit

NAMES = {"birch-murnaghan": "birch_murnaghan", "vinet": "vinet", "murnaghan": "murnaghan"}
# pymatgen's eV/Å³ → GPa factor (its own constants)
GPA = float(FloatWithUnit(1.0, "eV ang^-3").to("GPa"))


def model(form):
    """pymatgen's E(V) of `form` as a function of (volumes, (V0, E0, B0 [eV/Å³], B0'))."""
    m = EOS(eos_name=NAMES[form]).model([1.0], [0.0])
    return lambda v, q: m._func(np.asarray(v, dtype=float), (q[1], q[2], q[3], q[0]))


def conditioning(form, volumes, energies, q):
    """What the tolerance of a fitted parameter is derived from, at parameters q = (V0, E0,
    B0 [GPa], B0'): see the module docstring."""
    f = model(form)
    v = np.asarray(volumes, dtype=float)
    e = np.asarray(energies, dtype=float)
    scale = np.array([1.0, 1.0, 1.0 / GPA, 1.0])
    r = e - f(v, np.asarray(q) * scale)
    J = np.empty((len(v), 4))
    for j in range(4):
        h = 1e-6 * max(abs(q[j]), 1e-3)
        qp, qm = np.array(q, dtype=float), np.array(q, dtype=float)
        qp[j] += h
        qm[j] -= h
        J[:, j] = (f(v, qp * scale) - f(v, qm * scale)) / (2 * h)
    d = np.linalg.norm(J, axis=0)
    # (JᵀJ)⁻¹ through the column-scaled J, whose normal matrix is well conditioned
    Js = J / d
    inv = np.linalg.inv(Js.T @ Js) / np.outer(d, d)
    return {"ssr": float(r @ r), "jtj_inv_diag": np.diag(inv).tolist(), "col_norms": d.tolist(),
            "abs_res_sum": float(np.abs(r).sum()), "e_max": float(np.abs(e).max()), "n": int(len(v))}


def fit(volumes, energies, form):
    f = EOS(eos_name=NAMES[form]).fit(volumes, energies)
    out = {"v0": float(f.v0), "e0": float(f.e0), "b0": float(f.b0_GPa), "b0p": float(f.b1)}
    out["conditioning"] = conditioning(form, volumes, energies, [out["v0"], out["e0"], out["b0"], out["b0p"]])
    return out


def ssr_of(e):
    """Sum of squared residuals of pymatgen's model of e["form"] at e["params"] (B0 in eV/Å³)."""
    p = e["params"]
    r = np.asarray(e["energies"], dtype=float) - model(e["form"])(e["volumes"], (p["v0"], p["e0"], p["b0_ev_a3"], p["b0p"]))
    return float(r @ r)


def main():
    req = json.load(sys.stdin)
    out = {"gpa": GPA, "eos": [], "moduli": [], "extxyz_eos": {}, "ssr_of": [ssr_of(e) for e in req.get("ssr_of", [])]}
    for e in req.get("eos", []):
        out["eos"].append(fit(e["volumes"], e["energies"], e["form"]))
    for m in req.get("moduli", []):
        t = ElasticTensor.from_voigt(np.array(m["C"]))
        out["moduli"].append({
            "kVoigt": t.k_voigt, "kReuss": t.k_reuss, "kHill": t.k_vrh,
            "gVoigt": t.g_voigt, "gReuss": t.g_reuss, "gHill": t.g_vrh,
            "youngs": t.y_mod / 1e9, "poisson": t.homogeneous_poisson,
            "cond": float(np.linalg.cond(t.voigt)), "s_fro": float(np.linalg.norm(np.linalg.inv(t.voigt))),
        })
    folder = req.get("extxyz_eos")
    if folder:
        groups = {}
        for path in sorted(glob.glob(os.path.join(folder, "*.extxyz"))):
            atoms = read(path)
            dk = float(atoms.info["dk"])
            n = len(atoms)
            g = groups.setdefault(dk, {"volumes": [], "energies": []})
            g["volumes"].append(atoms.get_volume() / n)
            g["energies"].append(atoms.get_potential_energy(force_consistent=True) / n)
        for dk, g in groups.items():
            try:
                g["fit"] = fit(g["volumes"], g["energies"], "birch-murnaghan")
            except Exception as e:  # pymatgen refuses curves whose parabola minimum is outside
                g["fit"] = None
                g["error"] = f"{type(e).__name__}: {e}"

        out["extxyz_eos"] = {str(k): v for k, v in groups.items()}
    json.dump(out, sys.stdout)


main()
