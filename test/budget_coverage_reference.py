"""Independent numpy/pandas/ASE reference for deltak's error budget, coverage, anchored references,
unstable-tensor exclusion and k-point saving (docs/method.md §4, §7, §8), read from the files of a
dataset folder (data/al) without deltak.

usage: python budget_coverage_reference.py DATASET_DIR [MODELS]
(MODELS: a key of the manifest's models.alternatives, e.g. "lattice": its properties file and dp test
output instead of the manifest's own)
stdout JSON: {"stability": [...], "coverage": {"exclude": [...], "include": [...], "mean2": [...],
              "median_below_0.3": [...]}, "thresholds": {...}, "budget": [...], "saving": {...}}
"""
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from ase.io import read

TIE = 1e-12
MODULI = ["B", "G", "E", "nu"]


def stability(df):
    """(metal, lattice, method, dk) -> stable, from the cubic C's eigenvalues (numpy)."""
    out = {}
    cij = df[df.property.isin(["C11", "C12", "C44"])]
    for key, g in cij.groupby(["metal", "lattice", "method", "dk"]):
        c = dict(zip(g.property, g.value))
        a, b, d = c["C11"], c["C12"], c["C44"]
        C = np.zeros((6, 6))
        C[:3, :3] = b
        np.fill_diagonal(C[:3, :3], a)
        C[3, 3] = C[4, 4] = C[5, 5] = d
        out[key] = bool(np.linalg.eigvalsh(C).min() > 0)
    return out


def kept(df, unstable):
    if unstable == "include":
        return df
    st = stability(df)
    bad = df.apply(lambda r: r.property in MODULI and st.get((r.metal, r.lattice, r.method, r.dk)) is False, axis=1)
    out = df[~bad]
    # a curve that the exclusion leaves with a single Δk has no MAD: it is out as a whole
    n_out = bad.groupby([df.metal, df.lattice, df.property, df.method]).sum()
    n_left = out.groupby(["metal", "lattice", "property", "method"]).dk.count()
    single = {k for k, v in n_left.items() if v == 1 and n_out.get(k, 0) > 0}
    return out[~out.apply(lambda r: (r.metal, r.lattice, r.property, r.method) in single, axis=1)]


def reference(method, pts, rule):
    """pts: DataFrame of one curve sorted by dk -> (first dk of the anchor, x_ref)."""
    if rule == "auto":
        dk = 0.09 if method == "DFT" and (pts.dk == 0.09).any() else pts.dk.min()
        return dk, float(pts[pts.dk == dk].value.iloc[0])
    if rule == "mean2":
        sel = pts.nsmallest(2, "dk")
        return float(sel.dk.min()), float(sel.value.mean())
    if rule == "median_below_0.3":
        sel = pts[pts.dk < 0.3]
        return float(sel.dk.min()), float(np.median(sel.value.to_numpy()))
    raise ValueError(rule)


def bands(df, rule):
    """(metal, lattice, property, method) -> (ref_dk, x_ref, bound = 0.5 MAD_max, threshold)."""
    mads = df.groupby(["metal", "lattice", "property", "method"]).value.apply(lambda v: float(np.mean(np.abs(v - v.mean()))))
    mad_max = mads.groupby(level=[0, 1, 2]).max()
    out = {}
    for key, g in df.groupby(["metal", "lattice", "property", "method"]):
        g = g.sort_values("dk")
        ref_dk, x_ref = reference(key[3], g, rule)
        bound = 0.5 * mad_max[key[:3]]
        th = None
        if bound > 0:
            for dk, x in zip(g.dk, g.value):
                if dk > ref_dk and abs(x - x_ref) >= bound * (1 - TIE):
                    th = float(dk)
                    break
        out[key] = (ref_dk, x_ref, bound, th)
    return out


def coverage(df, rule, unstable):
    df = kept(df, unstable)
    b = bands(df, rule)
    rows = []
    mlp = df[df.method == "MLP"]
    for (metal, lattice, dk), g in mlp.groupby(["metal", "lattice", "dk"]):
        inside = [abs(r.value - b[(metal, lattice, r.property, "MLP")][1]) < b[(metal, lattice, r.property, "MLP")][2] * (1 - TIE) for r in g.itertuples()]
        outside = sorted(r.property for r, ok in zip(g.itertuples(), inside) if not ok)
        rows.append({"metal": metal, "lattice": lattice, "dk": float(dk), "n": len(g), "inside": int(sum(inside)), "percent": 100 * sum(inside) / len(g), "outside": outside})
    return rows


def budget(root, m, dp_test):
    frames = [a for f in m.get("sem_frames", []) for a in read(root / f, index=":")]
    by = {}
    for a in frames:
        by.setdefault(float(a.info["dk"]), {})[a.info["config"]] = a
    ref = by[0.09]
    noise = {}
    for dk, fs in by.items():
        de, dF, dV = [], [], []
        for cid, a in fs.items():
            r = ref[cid]
            n = len(a)
            de.append(a.get_potential_energy() / n - r.get_potential_energy() / n)
            dF.append((a.get_forces() - r.get_forces()).ravel())
            dV.append((np.asarray(a.info["virial"], float).ravel() - np.asarray(r.info["virial"], float).ravel()) / n)
        noise[dk] = {"energy_per_atom": float(np.sqrt(np.mean(np.square(de)))), "force": float(np.sqrt(np.mean(np.square(np.concatenate(dF))))), "virial_per_atom": float(np.sqrt(np.mean(np.square(np.concatenate(dV)))))}
    sq = {}
    for d in dp_test:
        if d["dataset"] != "test":
            continue
        p = str(root / d["prefix"])
        for q, suffix in (("energy_per_atom", ".e_peratom.out"), ("force", ".f.out"), ("virial_per_atom", ".v_peratom.out")):
            x = np.atleast_2d(np.loadtxt(p + suffix))
            k = x.shape[1] // 2
            s = sq.setdefault((float(d["dk"]), q), [0.0, 0])
            s[0] += float(np.sum((x[:, k:] - x[:, :k]) ** 2))
            s[1] += x[:, :k].size
    rows = []
    for (dk, q), (s, n) in sorted(sq.items()):
        rows.append({"dk": dk, "quantity": q, "label_noise": noise[dk][q], "model_rmse": float(np.sqrt(s / n))})
    verdicts = {}
    for dk in sorted({r["dk"] for r in rows}):
        here = [r for r in rows if r["dk"] == dk]
        if all(r["label_noise"] == 0 for r in here):
            verdicts[dk] = "no-label-noise"
        elif all(r["model_rmse"] < r["label_noise"] for r in here):
            verdicts[dk] = "learning"
        else:
            verdicts[dk] = "model-error-dominates"
    return rows, [{"dk": k, "verdict": v} for k, v in verdicts.items()]


def kpoints(cell, dk):
    B = 2 * np.pi * np.linalg.inv(np.asarray(cell, float)).T
    return int(np.prod([max(1, int(np.ceil(np.linalg.norm(b) / dk - 1e-9))) for b in B]))


def main():
    root = Path(sys.argv[1])
    m = json.loads((root / "manifest.json").read_text())
    models = sys.argv[2] if len(sys.argv) > 2 else None
    chosen = m if models in (None, m.get("models", {}).get("properties_from")) else m["models"]["alternatives"][models]
    df = pd.concat([pd.read_csv(root / f) for f in chosen["properties"]])
    st = stability(df)
    out = {
        "stability": [{"metal": k[0], "lattice": k[1], "method": k[2], "dk": float(k[3]), "stable": v} for k, v in st.items()],
        "coverage": {
            "exclude": coverage(df, "auto", "exclude"),
            "include": coverage(df, "auto", "include"),
            "mean2": coverage(df, "mean2", "exclude"),
            "median_below_0.3": coverage(df, "median_below_0.3", "exclude"),
        },
        "thresholds": {
            rule: [{"lattice": k[1], "property": k[2], "method": k[3], "ref_value": v[1], "bound": v[2], "threshold_dk": v[3]} for k, v in bands(kept(df, "exclude"), rule).items()]
            for rule in ("auto", "mean2", "median_below_0.3")
        },
    }
    out["budget"], out["verdicts"] = budget(root, {**m, **({"sem_frames": chosen["sem_frames"]} if "sem_frames" in chosen else {})}, chosen["dp_test"])
    a = 4.04
    prim = [[0, a / 2, a / 2], [a / 2, 0, a / 2], [a / 2, a / 2, 0]]
    sup = [[2 * x for x in v] for v in prim]
    tot = {dk: kpoints(prim, dk) + kpoints(sup, dk) for dk in (0.09, 0.12, 0.18)}
    out["saving"] = {"against_0.12": tot[0.12] / tot[0.18], "against_0.09": tot[0.09] / tot[0.18], "kpoints": {str(k): v for k, v in tot.items()}}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
