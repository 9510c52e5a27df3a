"""Reference values from pymatgen for deltak's property code (differential test).

Reads JSON on stdin:
  {"eos": [{"volumes": [...], "energies": [...], "form": "birch-murnaghan"|"vinet"|"murnaghan"}],
   "moduli": [{"C": 6x6 GPa}],
   "extxyz_eos": "path/to/folder/of/extxyz"}   (optional: real EOS single points)
Writes JSON on stdout with pymatgen's fits (V0 Å³/atom, E0 eV/atom, B0 GPa, B0') and moduli
(GPa), and, for extxyz_eos, the per-Δk volumes and energies per atom as ASE reads them.
"""
import glob
import json
import os
import sys

import numpy as np
from ase.io import read
from pymatgen.analysis.elasticity.elastic import ElasticTensor
from pymatgen.analysis.eos import EOS

NAMES = {"birch-murnaghan": "birch_murnaghan", "vinet": "vinet", "murnaghan": "murnaghan"}


def fit(volumes, energies, form):
    f = EOS(eos_name=NAMES[form]).fit(volumes, energies)
    return {"v0": f.v0, "e0": f.e0, "b0": f.b0_GPa, "b0p": f.b1}


def main():
    req = json.load(sys.stdin)
    out = {"eos": [], "moduli": [], "extxyz_eos": {}}
    for e in req.get("eos", []):
        out["eos"].append(fit(e["volumes"], e["energies"], e["form"]))
    for m in req.get("moduli", []):
        t = ElasticTensor.from_voigt(np.array(m["C"]))
        out["moduli"].append({
            "kVoigt": t.k_voigt, "kReuss": t.k_reuss, "kHill": t.k_vrh,
            "gVoigt": t.g_voigt, "gReuss": t.g_reuss, "gHill": t.g_vrh,
            "youngs": t.y_mod / 1e9, "poisson": t.homogeneous_poisson,
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
