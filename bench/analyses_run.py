"""pandas/numpy peers of deltak's analyses, timed in their own process (used by analyses.bench.ts).

Usage: analyses_run.py TASK DIR RESULT WARM
  TASK: thresholds | madSummary | semTable; DIR: the input folder written by analyses.bench.ts;
  RESULT: where to write a sample of the output (JSON) for the bench to compare with deltak's;
  WARM: how many more calls to time after the first.

The same formulas as deltak (docs/method.md §4, §5), written as a pandas/numpy user would, with
the same defaults: reference "auto" (DFT 0.09 Å⁻¹ when present, else the finest Δk), factor 0.5,
moduli (B, G, E, nu) of a stiffness C that is not positive definite left out, the same input
checks (missing or empty text, non-finite or non-positive numbers, duplicate rows, two units in
one property; for SEMs a configuration missing at a Δk, other species or positions, a missing
virial). Group keys are factorised once (pandas), the arithmetic is vectorised (numpy).
Limits of these peers, not of deltak: lattices of cubic symmetry only; every configuration of a
SEM group has the same number of atoms.

Prints JSON: seconds (wall time of the first call), warm_seconds (least of the WARM later calls),
cpu_seconds (user + system CPU time of the first call), warm_cpu_seconds (least of the later calls),
peak_rss_mb (the peak resident memory during the first call: the peak is reset to the current value
just before it, through /proc/self/clear_refs), base_rss_mb (resident memory just before it),
rows (input rows or frames).
"""
import json
import os
import resource
import sys
import time

import numpy as np
import pandas as pd

DFT_REFERENCE_DK = 0.09
TIE_RTOL = 1e-12
FACTOR = 0.5
MODULI = ["B", "G", "E", "nu"]
CUBIC = {"fcc", "bcc", "sc", "cubic", "diamond"}
TEXT = ["metal", "lattice", "property", "unit", "method"]
GROUP = ["metal", "lattice", "property"]
CURVE = GROUP + ["method"]
SEM_NAMES = ["AEAD", "E-RMSE", "F-RMSE", "V-RMSE"]


def status_mb(key):
    """VmRSS (resident now) or VmHWM (its peak) of this process, MB."""
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith(key)) / 1024.0


def reset_peak():
    """Make the peak resident memory the current value (Linux)."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def cpu_s():
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


# ---------------------------------------------------------------- inputs


def load_sweep(d):
    """The sweep as a user's DataFrame: text columns as pandas strings, dk and value float64."""
    names = json.load(open(os.path.join(d, "names.json")))
    cols = {}
    for c in TEXT:
        codes = np.fromfile(os.path.join(d, c + ".i32"), dtype="<i4")
        cols[c] = np.array(names[c], dtype=object)[codes]
    for c in ("dk", "value"):
        cols[c] = np.fromfile(os.path.join(d, c + ".f64"), dtype="<f8")
    return pd.DataFrame(cols)


def load_frames(d):
    """Single points as numpy arrays: (F, N, 3) positions and forces, (F, 9) virials, str ids and tags."""
    names = json.load(open(os.path.join(d, "names.json")))
    n = names["natoms"]
    f64 = lambda c: np.fromfile(os.path.join(d, c + ".f64"), dtype="<f8")
    i32 = lambda c: np.fromfile(os.path.join(d, c + ".i32"), dtype="<i4")
    group = i32("group")
    config = i32("config")
    tags = names["groups"]
    nf = len(group)
    return {
        "id": np.array([f"c{c}" for c in range(config.max() + 1)])[config],
        "dk": f64("dk"),
        "metal": np.array([g["metal"] for g in tags])[group],
        "lattice": np.array([g["lattice"] for g in tags])[group],
        "structure": np.array([g["structure"] for g in tags])[group],
        "species": np.full((nf, n), names["species"]),
        "positions": f64("positions").reshape(nf, n, 3),
        "forces": f64("forces").reshape(nf, n, 3),
        "virial": f64("virial").reshape(nf, 9),
        "energy": f64("energy"),
    }


# ---------------------------------------------------------------- docs/method.md §4


def validate_sweep(df):
    for c in TEXT + ["dk", "value"]:
        if c not in df.columns:
            raise ValueError(f'sweep: column "{c}" is missing')
    for c in TEXT:
        s = df[c]
        if not pd.api.types.is_string_dtype(s) or s.isna().any() or (s == "").any():
            raise ValueError(f'sweep: column "{c}" must be text in every row')
    dk = df["dk"].to_numpy(dtype=float)
    value = df["value"].to_numpy(dtype=float)
    if not (np.isfinite(dk).all() and np.isfinite(value).all()):
        raise ValueError("sweep: dk and value must be finite numbers")
    if not (dk > 0).all():
        raise ValueError("sweep: dk must be > 0")
    if df.duplicated(CURVE + ["dk"]).any():
        raise ValueError("sweep: duplicate rows")
    if (df.groupby(GROUP, sort=False)["unit"].nunique() > 1).any():
        raise ValueError("sweep: two units within one property")


def unstable_moduli(df):
    """Boolean mask of the rows that are moduli of a C (rebuilt from C11, C12, C44) that is not positive definite."""
    el = df[df["property"].isin(["C11", "C12", "C44"])]
    keys = ["metal", "lattice", "method", "dk"]
    c = el.set_index(keys + ["property"])["value"].unstack("property")
    lat = c.index.get_level_values("lattice")
    if not lat.isin(list(CUBIC)).all():
        raise ValueError("this peer knows cubic lattices only")
    full = c.reindex(columns=["C11", "C12", "C44"]).dropna()
    a, b, d = (full[k].to_numpy() for k in ("C11", "C12", "C44"))
    C = np.zeros((len(full), 6, 6))
    for i in range(3):
        for j in range(3):
            C[:, i, j] = a if i == j else b
        C[:, 3 + i, 3 + i] = d
    stable = np.linalg.eigvalsh(C)[:, 0] > 0
    bad = full.index[~stable]
    is_mod = df["property"].isin(MODULI).to_numpy()
    out = np.zeros(len(df), dtype=bool)
    if len(bad):
        idx = pd.MultiIndex.from_frame(df.loc[is_mod, keys])
        out[np.flatnonzero(is_mod)[idx.isin(bad)]] = True
    return out


def method_rank(methods):
    """DFT first, then the others in code-point order."""
    u = sorted(set(methods), key=lambda m: (m.upper() != "DFT", m))
    return {m: i for i, m in enumerate(u)}


def curve_stats(df, factor=FACTOR):
    """Per curve (metal, lattice, property, method), in deltak's order: reference, MAD, MAD_max, Δk_T."""
    validate_sweep(df)
    excluded = unstable_moduli(df)
    cid_all = df.groupby(CURVE, sort=False).ngroup().to_numpy()
    n_excl = np.bincount(cid_all[excluded], minlength=cid_all.max() + 1)
    kept = ~excluded
    cid = cid_all[kept]
    d = df["dk"].to_numpy()[kept]
    v = df["value"].to_numpy()[kept]
    o = np.lexsort((d, cid))
    cs, ds, vs = cid[o], d[o], v[o]
    starts = np.flatnonzero(np.r_[True, cs[1:] != cs[:-1]])
    n_dk = np.diff(np.r_[starts, len(cs)])
    if (n_dk < 2).any():
        raise ValueError("a curve has a single Δk")
    first = np.flatnonzero(kept)[o[starts]]  # a row of each curve, for its text columns
    text = {c: df[c].to_numpy()[first] for c in TEXT}
    mean = np.add.reduceat(vs, starts) / n_dk
    mad = np.add.reduceat(np.abs(vs - np.repeat(mean, n_dk)), starts) / n_dk
    # the group (metal, lattice, property) of each curve, numbered by its first kept row
    gid_rows = df.loc[kept, GROUP].groupby(GROUP, sort=False).ngroup().to_numpy()
    gid = gid_rows[o[starts]]
    mad_max = pd.Series(mad).groupby(gid).transform("max").to_numpy()
    is_dft = np.char.upper(text["method"].astype(str)) == "DFT"
    has_ref = np.add.reduceat((ds == DFT_REFERENCE_DK).astype(np.int64), starts) > 0
    ref_dk = np.where(is_dft & has_ref, DFT_REFERENCE_DK, ds[starts])
    at_ref = ds == np.repeat(ref_dk, n_dk)
    ref_value = np.empty(len(starts))
    ref_value[np.repeat(np.arange(len(starts)), n_dk)[at_ref]] = vs[at_ref]
    bound = factor * mad_max
    rb = np.repeat(bound, n_dk)
    hit = (ds > np.repeat(ref_dk, n_dk)) & (np.abs(vs - np.repeat(ref_value, n_dk)) >= rb * (1 - TIE_RTOL)) & (rb > 0)
    t = np.minimum.reduceat(np.where(hit, ds, np.inf), starts)
    first_hit = np.where(hit, np.arange(len(ds)), len(ds))
    k = np.minimum.reduceat(first_hit, starts)
    t_value = np.where(np.isfinite(t), vs[np.minimum(k, len(ds) - 1)], np.nan)
    # order: group by first appearance, then DFT first, then the other methods alphabetically
    rank = method_rank(text["method"])
    order = np.lexsort((np.array([rank[m] for m in text["method"]]), gid))
    cols = {
        **{c: text[c] for c in TEXT}, "n_dk": n_dk, "ref_dk": ref_dk, "ref_value": ref_value,
        "n_excluded": n_excl[cs[starts]], "mad": mad, "mad_max": mad_max, "bound": bound,
        "threshold_dk": t, "threshold_value": t_value, "gid": gid,
    }
    return {c: x[order] for c, x in cols.items()}


def thresholds(df, factor=FACTOR):
    """The thresholds table of docs/method.md §4: one row per curve."""
    s = curve_stats(df, factor)
    ref_rule = [f"Δk {x!r}" for x in s["ref_dk"].tolist()]
    t = s["threshold_dk"]
    return pd.DataFrame({
        "metal": s["metal"], "lattice": s["lattice"], "property": s["property"], "unit": s["unit"], "method": s["method"],
        "n_dk": s["n_dk"], "ref_dk": s["ref_dk"], "ref_value": s["ref_value"], "ref_rule": ref_rule, "n_excluded": s["n_excluded"],
        "mad": s["mad"], "mad_max": s["mad_max"], "factor": factor, "bound": s["bound"],
        "threshold_dk": np.where(np.isfinite(t), t, np.nan), "threshold_value": s["threshold_value"],
    })


def plus_minus(v, m):
    digits = max(0, min(10, 2 - int(np.floor(np.log10(m))))) if m > 0 else 3
    return f"{v:.{digits}f} ± {m:.{digits}f}"


def mad_summary(df):
    """The paper's Table 1 layout: per (metal, lattice, property), per method value at the reference ± MAD."""
    s = curve_stats(df)
    gid = s["gid"]
    groups, first = np.unique(gid, return_index=True)
    order = np.argsort(first, kind="stable")
    groups, first = groups[order], first[order]
    pos = np.empty(gid.max() + 1, dtype=np.int64)
    pos[groups] = np.arange(len(groups))
    out = {c: s[c][first] for c in ["metal", "lattice", "property", "unit"]}
    rank = method_rank(s["method"])
    for m in sorted(rank, key=rank.get):
        sel = s["method"] == m
        where = pos[gid[sel]]
        for col, src in (("ref_dk", "ref_dk"), ("value", "ref_value"), ("mad", "mad")):
            a = np.full(len(groups), np.nan)
            a[where] = s[src][sel]
            out[f"{m}_{col}"] = a
        txt = np.full(len(groups), None, dtype=object)
        txt[where] = [plus_minus(v, x) for v, x in zip(s["ref_value"][sel].tolist(), s["mad"][sel].tolist())]
        out[m] = txt
    return pd.DataFrame(out)


# ---------------------------------------------------------------- docs/method.md §5


def sem_table(fr, tol=1e-6):
    """SEMs per group (metal, lattice, structure) and Δk against the group's reference Δk."""
    for k in ("energy", "dk"):
        if not np.isfinite(fr[k]).all():
            raise ValueError(f"{k} not finite")
    if not (fr["dk"] > 0).all():
        raise ValueError("dk must be > 0")
    if not (np.isfinite(fr["forces"]).all() and np.isfinite(fr["virial"]).all()):
        raise ValueError("forces and virials must be finite")
    tags = pd.DataFrame({"metal": fr["metal"], "lattice": fr["lattice"], "structure": fr["structure"]})
    gid = tags.groupby(["metal", "lattice", "structure"], sort=False).ngroup().to_numpy()
    ids, cid = np.unique(fr["id"], return_inverse=True)
    dk = fr["dk"]
    o = np.lexsort((cid, dk, gid))
    if ((np.diff(gid[o]) == 0) & (np.diff(dk[o]) == 0) & (np.diff(cid[o]) == 0)).any():
        raise ValueError("a configuration appears twice at one Δk")
    natoms = fr["species"].shape[1]
    rows = []
    gs = gid[o]
    bounds = np.flatnonzero(np.r_[True, gs[1:] != gs[:-1], True])
    for a, b in zip(bounds[:-1], bounds[1:]):
        idx = o[a:b]
        dks, start = np.unique(dk[idx], return_index=True)
        if len(dks) < 2:
            raise ValueError("a group has a single Δk")
        ref_dk = DFT_REFERENCE_DK if DFT_REFERENCE_DK in dks else dks[0]
        r = list(dks).index(ref_dk)
        m = np.diff(np.r_[start, len(idx)])
        if not (m == m[r]).all():
            raise ValueError("a configuration is missing at some Δk")
        blocks = idx.reshape(len(dks), m[r])  # (Δk, configuration), configurations sorted by id at every Δk
        if not (cid[blocks] == cid[blocks[r]]).all():
            raise ValueError("a configuration is missing at some Δk")
        ref = blocks[r]
        if not (fr["species"][blocks] == fr["species"][ref]).all():
            raise ValueError("other species than at the reference")
        if not (np.abs(fr["positions"][blocks] - fr["positions"][ref]) <= tol).all():
            raise ValueError("an atom moved")
        de = fr["energy"][blocks] / natoms - fr["energy"][ref] / natoms
        sum_f2 = ((fr["forces"][blocks] - fr["forces"][ref]) ** 2).sum(axis=(2, 3))
        sum_v2 = (((fr["virial"][blocks] - fr["virial"][ref]) / natoms) ** 2).sum(axis=2)
        M = m[r]
        vals = {
            "AEAD": de.sum(axis=1) / M,
            "E-RMSE": np.sqrt((de * de).sum(axis=1) / M),
            "F-RMSE": np.sqrt(sum_f2.sum(axis=1) / (3 * natoms * M)),
            "V-RMSE": np.sqrt(sum_v2.sum(axis=1) / (9 * M)),
        }
        g = idx[0]
        for k, d in enumerate(dks.tolist()):
            for s in SEM_NAMES:
                rows.append((fr["metal"][g], fr["lattice"][g], fr["structure"][g], s, ref_dk, d, vals[s][k], M))
    return pd.DataFrame(rows, columns=["metal", "lattice", "structure", "sem", "ref_dk", "dk", "value", "n_configs"])


# ---------------------------------------------------------------- runner


def pick(df, n=40):
    """Rows spread over the table (the same indices as deltak's side), as JSON-ready dicts."""
    rows = len(df)
    idx = sorted({int(i * (rows - 1) / (n - 1) + 0.5) for i in range(n)}) if rows > n else list(range(rows))
    out = []
    for i in idx:
        rec = {}
        for c, v in df.iloc[i].items():
            if isinstance(v, (np.floating, float)):
                v = None if np.isnan(v) else float(v)
            elif isinstance(v, np.integer):
                v = int(v)
            rec[c] = v
        out.append(rec)
    return {"rows": rows, "columns": list(df.columns), "sample": out}


def main():
    task, d, result, warm = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    if task == "semTable":
        inp = load_frames(d)
        fn = sem_table
        n = len(inp["dk"])
    else:
        inp = load_sweep(d)
        fn = thresholds if task == "thresholds" else mad_summary
        n = len(inp)
    reset_peak()
    base = status_mb("VmRSS:")
    c = cpu_s()
    t = time.perf_counter()
    out = fn(inp)
    dt = time.perf_counter() - t
    dc = cpu_s() - c
    peak = status_mb("VmHWM:")
    best = best_cpu = float("inf")
    for _ in range(warm):
        c = cpu_s()
        t = time.perf_counter()
        fn(inp)
        best = min(best, time.perf_counter() - t)
        best_cpu = min(best_cpu, cpu_s() - c)
    sample = pick(out, 10**9 if task == "semTable" else 40)
    if task == "thresholds":
        sample["null_thresholds"] = int(out["threshold_dk"].isna().sum())
        sample["excluded"] = int(out["n_excluded"].sum())
    with open(result, "w") as f:
        json.dump(sample, f)
    print(json.dumps({"seconds": dt, "warm_seconds": best if warm else None, "cpu_seconds": dc, "warm_cpu_seconds": best_cpu if warm else None, "peak_rss_mb": peak, "base_rss_mb": base, "rows": n}))


if __name__ == "__main__":
    main()
