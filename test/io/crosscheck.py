"""Reference readings of the reader fixtures by dpdata and ASE, printed as JSON.

Usage: crosscheck.py FIXTURES_DIR [EXTRA_EXTXYZ ...]
Each entry: {"file", "tool", "fmt", "frames": [{"energy", "forces", "virial", "cell",
"positions", "symbols"}]} with energies in eV, forces eV/A, virials eV (W = -sigma V),
or {"error": "..."} when the tool refuses the file.

Usage: crosscheck.py --dp-test PREFIX [PREFIX ...]
The files of `dp test -d PREFIX` read with numpy.loadtxt: one entry per prefix,
{"prefix", "tool": "numpy", "fmt": "dp_test", "files": [{"suffix", "blocks": [{"header",
"values"}]}]}, one block per "# system: data_... pred_..." header, values row by row.
"""
import json
import os
import sys
import warnings

import numpy as np

warnings.filterwarnings("ignore")

import dpdata  # noqa: E402
from ase.io import read  # noqa: E402

EV_PER_A3_IN_GPA = 160.21766208


def lst(a):
    return None if a is None else np.asarray(a, dtype=float).ravel().tolist()


def from_dpdata(path, fmt, **kw):
    s = dpdata.LabeledSystem(path, fmt=fmt, **kw)
    names = s["atom_names"]
    symbols = [names[t] for t in s["atom_types"]]
    out = []
    for i in range(len(s)):
        out.append({
            "energy": float(s["energies"][i]),
            "forces": lst(s["forces"][i]) if "forces" in s.data else None,
            "virial": lst(s["virials"][i]) if "virials" in s.data else None,
            "cell": lst(s["cells"][i]),
            "positions": lst(s["coords"][i]),
            "symbols": symbols,
        })
    return out


def from_ase(path, fmt):
    out = []
    for a in read(path, index=":", format=fmt):
        calc = a.calc
        res = dict(calc.results) if calc is not None else {}
        # labels kept under REF_* keys (not as a calculator): read them from info/arrays
        for key in [k for k in a.info if k.endswith("energy")][:1]:
            res.setdefault("free_energy", a.info[key])
        for key in [k for k in a.arrays if k.endswith("forces")][:1]:
            res.setdefault("forces", a.arrays[key])
        for key in [k for k in a.info if k.endswith("stress")][:1]:
            st = np.asarray(a.info[key], dtype=float).ravel()
            if st.size == 6:
                from ase.stress import voigt_6_to_full_3x3_stress
                st = voigt_6_to_full_3x3_stress(st)
            res.setdefault("stress_full", st.reshape(3, 3))
        energy = res.get("free_energy", res.get("energy"))
        virial = None
        if "stress" in res:
            st = a.get_stress(voigt=False)
            virial = (-st * a.get_volume()).ravel().tolist()
        elif "stress_full" in res:
            virial = (-res["stress_full"] * a.get_volume()).ravel().tolist()
        out.append({
            "energy": None if energy is None else float(energy),
            "energy_sigma0": None if "energy" not in res else float(res["energy"]),
            "forces": lst(res["forces"]) if "forces" in res else None,
            "virial": virial,
            "cell": lst(a.cell.array),
            "positions": lst(a.positions),
            "symbols": a.get_chemical_symbols(),
        })
    return out


def run(entries, path, tool, fmt, fn, *args, **kw):
    try:
        frames = fn(*args, **kw)
        entries.append({"file": path, "tool": tool, "fmt": fmt, "frames": frames})
    except Exception as e:  # the tool refuses the file: record its message
        entries.append({"file": path, "tool": tool, "fmt": fmt, "error": f"{type(e).__name__}: {e}"})


DP_TEST_SUFFIXES = (".e.out", ".e_peratom.out", ".f.out", ".v.out", ".v_peratom.out")


def dp_test(prefix):
    files = []
    for suffix in DP_TEST_SUFFIXES:
        path = prefix + suffix
        if not os.path.exists(path):
            continue
        values = np.loadtxt(path, comments="#", ndmin=2)
        # where each system's rows start: the data lines before each header
        lines = [l.strip() for l in open(path, encoding="utf-8").read().splitlines()]
        blocks, rows = [], 0
        for l in lines:
            if l.startswith("#"):
                blocks.append({"header": l, "start": rows})
            elif l:
                if not blocks:
                    blocks.append({"header": None, "start": 0})
                rows += 1
        assert rows == values.shape[0], f"{path}: {rows} data lines but numpy.loadtxt read {values.shape[0]} rows"
        for k, b in enumerate(blocks):
            end = blocks[k + 1]["start"] if k + 1 < len(blocks) else rows
            b["values"] = values[b.pop("start"):end].tolist()
        files.append({"suffix": suffix, "blocks": blocks})
    return {"prefix": prefix, "tool": "numpy", "fmt": "dp_test", "files": files}


def main():
    if sys.argv[1] == "--dp-test":
        json.dump([dp_test(p) for p in sys.argv[2:]], sys.stdout)
        return
    root = sys.argv[1]
    entries = []
    v = root + "/vasp/"
    outcars = [
        "dpgen_Al2_sigma1_gamma/000000_OUTCAR",
        "dpgen_Al2_sigma1_gamma/000001_OUTCAR",
        "dpgen_Al2_sigma1_gamma/task.001.000001_OUTCAR",
        "dpgen_Li40_relax_kspacing/OUTCAR",
        "dpdata_Ti32_aimd_nwrite0/OUTCAR",
        "pyiron_outcar_samples/OUTCAR_1",
        "pyiron_outcar_samples/OUTCAR_2",
        "pyiron_outcar_samples/OUTCAR_3",
        "pyiron_outcar_samples/OUTCAR_5",
    ]
    for f in outcars:
        run(entries, v + f, "dpdata", "vasp/outcar", from_dpdata, v + f, "vasp/outcar")
        run(entries, v + f, "ase", "vasp-out", from_ase, v + f, "vasp-out")
    vaspruns = [
        "dpdata_Ti32_aimd_nwrite0/vasprun.xml",
        "custodian_Al1_r2scan_kspacing/vasprun.xml",
        "pyiron_vasprun_samples/vasprun_3.xml",
        "pyiron_vasprun_samples/vasprun_1.xml",
    ]
    for f in vaspruns:
        run(entries, v + f, "dpdata", "vasp/xml", from_dpdata, v + f, "vasp/xml")
        run(entries, v + f, "ase", "vasp-xml", from_ase, v + f, "vasp-xml")
    d = root + "/"
    for f, kw in [
        ("deepmd_npy/dpdata_Fe16_spin_npy", {}),
        ("deepmd_npy/deepmdkit_water_data_1_two_sets", {}),
        ("deepmd_raw/dpgen_Mg4_fcc_raw_and_npy", {"type_map": ["Mg"]}),
    ]:
        run(entries, d + f, "dpdata", "deepmd/npy", from_dpdata, d + f, "deepmd/npy", **kw)
    for f, kw in [
        ("deepmd_raw/dpdata_Fe16_spin_raw", {}),
        ("deepmd_raw/dpgen_Mg4_fcc_raw_and_npy", {"type_map": ["Mg"]}),
    ]:
        run(entries, d + f, "dpdata", "deepmd/raw", from_dpdata, d + f, "deepmd/raw", **kw)
    for f in ["extxyz/nequip_Cu_cubic_emt.xyz", "extxyz/wfl_LiCu_vasp_REF_keys_testing.xyz"] + sys.argv[2:]:
        p = f if f.startswith("/") else d + f
        run(entries, p, "ase", "extxyz", from_ase, p, "extxyz")
    json.dump(entries, sys.stdout)


if __name__ == "__main__":
    main()
