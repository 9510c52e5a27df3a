"""Independent numpy implementation of deltak's analyses (docs/method.md §4–§7), for differential tests.

stdin JSON: {"frames": [...SemFrame...], "sweep": [...SweepRow...], "factor": 0.5,
             "dks": [...], "sems_for_recommendation": ["F-RMSE", "V-RMSE"]}
stdout JSON: {"sem": [...], "sem_thresholds": [...], "thresholds": [...],
              "comparison": [...], "recommendation": {"dk": ..., "bound": ...}}
"""
import json
import sys
from collections import defaultdict

import numpy as np

INF = float("inf")


def threshold(dks, xs, ref_dk, bound):
    """Smallest dk above ref_dk with |x - x_ref| >= bound (1e-12 relative slack), else None."""
    dks = np.asarray(dks, dtype=float)
    xs = np.asarray(xs, dtype=float)
    if not bound > 0:
        return None
    x_ref = xs[dks == ref_dk][0]
    order = np.argsort(dks)
    for i in order:
        if dks[i] > ref_dk and abs(xs[i] - x_ref) >= bound * (1 - 1e-12):
            return float(dks[i])
    return None


def mad(xs):
    xs = np.asarray(xs, dtype=float)
    return float(np.mean(np.abs(xs - xs.mean())))


def sems(frames):
    groups = defaultdict(list)
    for f in frames:
        groups[(f["metal"], f["lattice"], f["structure"])].append(f)
    out = []
    for key, fs in groups.items():
        dks = sorted({f["dk"] for f in fs})
        ref_dk = 0.09 if 0.09 in dks else dks[0]
        ref = {f["id"]: f for f in fs if f["dk"] == ref_dk}
        ids = sorted(ref)
        for dk in dks:
            cur = {f["id"]: f for f in fs if f["dk"] == dk}
            n = np.array([len(ref[i]["species"]) for i in ids], dtype=float)
            e = np.array([cur[i]["energy"] for i in ids]) / n - np.array([ref[i]["energy"] for i in ids]) / n
            dF = np.concatenate([np.asarray(cur[i]["forces"]) - np.asarray(ref[i]["forces"]) for i in ids])
            dV = np.stack([(np.asarray(cur[i]["virial"]) - np.asarray(ref[i]["virial"])) / len(ref[i]["species"]) for i in ids])
            vals = {
                "AEAD": float(np.mean(e)),
                "E-RMSE": float(np.sqrt(np.mean(e ** 2))),
                "F-RMSE": float(np.sqrt(np.mean(dF ** 2))),
                "V-RMSE": float(np.sqrt(np.mean(dV ** 2))),
            }
            for s, v in vals.items():
                out.append({"metal": key[0], "lattice": key[1], "structure": key[2], "sem": s, "ref_dk": ref_dk, "dk": dk, "value": v})
    return out


def sem_thresholds(rows, factor):
    series = defaultdict(list)
    for r in rows:
        series[(r["metal"], r["lattice"], r["structure"], r["sem"], r["ref_dk"])].append(r)
    out = []
    for (m, l, st, s, ref_dk), rs in series.items():
        dks = [r["dk"] for r in rs]
        xs = [abs(r["value"]) if s == "AEAD" else r["value"] for r in rs]
        b = factor * mad(xs)
        out.append({"metal": m, "lattice": l, "structure": st, "sem": s, "mad": mad(xs), "threshold_dk": threshold(dks, xs, ref_dk, b)})
    return out


def prop_thresholds(sweep, factor):
    curves = defaultdict(list)
    for r in sweep:
        curves[(r["metal"], r["lattice"], r["property"], r["method"])].append(r)
    mads = {k: mad([r["value"] for r in v]) for k, v in curves.items()}
    out = []
    for k, rs in curves.items():
        madmax = max(v for kk, v in mads.items() if kk[:3] == k[:3])
        dks = [r["dk"] for r in rs]
        ref = 0.09 if (k[3] == "DFT" and 0.09 in dks) else min(dks)
        out.append({"metal": k[0], "lattice": k[1], "property": k[2], "method": k[3], "mad": mads[k], "mad_max": madmax,
                    "threshold_dk": threshold(dks, [r["value"] for r in rs], ref, factor * madmax)})
    return out


def structure_of(p):
    return {"E_vac": "vacancy", "E_Oh": "oh", "E_Td": "td"}.get(p, "pristine")


def compare(props, semth):
    out = []
    for p in props:
        if p["method"] != "MLP":
            continue
        for s in semth:
            if (s["metal"], s["lattice"], s["structure"]) != (p["metal"], p["lattice"], structure_of(p["property"])):
                continue
            a = INF if s["threshold_dk"] is None else s["threshold_dk"]
            b = INF if p["threshold_dk"] is None else p["threshold_dk"]
            o = "exact" if a == b else ("conservative" if a < b else "mismatch")
            out.append({"property": p["property"], "metal": p["metal"], "lattice": p["lattice"], "sem": s["sem"], "outcome": o})
    return out


def recommend(semth, sems, dks):
    xs = [INF if r["threshold_dk"] is None else r["threshold_dk"] for r in semth if r["sem"] in sems]
    bound = min(xs)
    below = [d for d in sorted(dks) if d < bound]
    return {"dk": below[-1] if below else None, "bound": None if bound == INF else bound}


def main():
    req = json.load(sys.stdin)
    f = req["factor"]
    s = sems(req["frames"])
    st = sem_thresholds(s, f)
    pt = prop_thresholds(req["sweep"], f)
    json.dump({"sem": s, "sem_thresholds": st, "thresholds": pt, "comparison": compare(pt, st),
               "recommendation": recommend(st, req["sems_for_recommendation"], req["dks"])}, sys.stdout)


main()
