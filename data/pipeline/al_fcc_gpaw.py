#!/usr/bin/env python
"""Al FCC DFT Δk sweep with GPAW (scaled-down stand-in for the paper's VASP data).

For every Δk (Å⁻¹) in DKS this computes, with GPAW/PBE/plane waves:

* EOS: single points of the 1-atom primitive FCC cell at 7 volumes
  (V/V_ref = 0.97 ... 1.03, V_ref from a = 4.04 Å), fitted with ASE's
  3rd-order Birch–Murnaghan form (exact cubic least squares in V^(-2/3))
  -> V0 [Å³/atom], E0 [eV/atom], B0 [GPa];
* E_vac: 2x2x2 supercell of the primitive cell (8 atoms) and the same cell
  with one atom removed (7 atoms), both at a = 4.04 Å, vacancy positions
  relaxed at fixed cell (BFGS, fmax 0.05 eV/Å);
  E_f = E(N-1) - (N-1)/N * E_bulk(N).

k-points: Γ-centred Monkhorst–Pack, N_i = max(1, ceil(|b_i| / Δk)),
b_i = 2π (A⁻¹)ᵀ rows (docs/method.md §2), computed per structure (as VASP's
KSPACING does). Because the mesh then jumps inside the EOS volume range at
some Δk, a second EOS variant with the mesh fixed at the V_ref cell's mesh is
also computed (raw/eos_fixedmesh/). properties.csv takes the EOS on that one
mesh per Δk; properties_structuremesh.csv keeps the per-structure meshes (with
their artefacts, see data/README.md "k-mesh jumps").

Every single point is cached as one extxyz file under data/al-fcc/raw/, named
by a sha256 of (structure, mesh, Δk, settings, relaxation), so a re-run skips
finished points. Energies are free energies (docs/method.md §9).

Run:  .venv/bin/python data/pipeline/al_fcc_gpaw.py [--workers 2] [--dk 0.96 ...]
      .venv/bin/python data/pipeline/al_fcc_gpaw.py --timing   (Δk=0.09 prim + supercell)
"""
from __future__ import annotations

import os

# One BLAS/OpenMP thread per worker; Debian PAW setups (identical Al.PBE content
# to the gpaw-data wheel). Must be set before gpaw/numpy are imported.
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")
os.environ.setdefault("GPAW_SETUP_PATH", "/usr/share/gpaw-setups")

import argparse  # noqa: E402
import csv  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import multiprocessing as mp  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

DATA = Path(__file__).resolve().parents[1]          # .../data
OUT = DATA / "al-fcc"
RAW = OUT / "raw"
LOGS = DATA / "pipeline" / "logs"

METAL, LATTICE = "Al", "fcc"
A_REF = 4.04                     # Å, fixed literature PBE lattice constant
DKS = [0.09, 0.12, 0.18, 0.24, 0.30, 0.36, 0.66, 0.96]
VOLUME_SCALES = [0.97, 0.98, 0.99, 1.00, 1.01, 1.02, 1.03]
SUPERCELL = (2, 2, 2)
FMAX = 0.05                      # eV/Å, vacancy relaxation (fixed cell)
EV_A3_TO_GPA = 160.21766208

# Everything that changes the DFT numbers goes into the cache key.
SETTINGS = {
    "code": "gpaw",
    "mode": {"name": "pw", "ecut": 300.0},
    "xc": "PBE",
    "setups": "paw",
    "occupations": {"name": "methfessel-paxton", "width": 0.15, "order": 2},
    "convergence": {"energy": 1e-6, "density": 1e-6, "eigenstates": 1e-10},
    "symmetry": "default",
    "kpts": "gamma-centred MP, N_i = max(1, ceil(|b_i|/dk))",
}


# ----------------------------------------------------------------- k-points
def kmesh(cell, dk: float) -> tuple[int, int, int]:
    """docs/method.md §2: N_i = max(1, ceil(|b_i| / dk)), b_i = 2π (A⁻¹)ᵀ rows."""
    b = 2.0 * math.pi * np.linalg.inv(np.asarray(cell, float)).T
    # guard against 29.999999 -> 30 vs 30.0000001 -> 31 from float noise
    return tuple(max(1, math.ceil(round(np.linalg.norm(bi) / dk, 8))) for bi in b)


# --------------------------------------------------------------- structures
def primitive(scale_volume: float = 1.0):
    from ase.build import bulk
    a = A_REF * scale_volume ** (1.0 / 3.0)
    return bulk(METAL, LATTICE, a=a)      # 1-atom primitive FCC cell


def supercell(vacancy: bool):
    atoms = primitive().repeat(SUPERCELL)
    if vacancy:
        del atoms[0]
    return atoms


def jobs_for(dk: float) -> list[dict]:
    jobs = []
    for s in VOLUME_SCALES:
        jobs.append({"kind": "eos", "dk": dk, "volume_scale": s, "relax": False})
    # Second EOS variant: mesh fixed at the V_ref cell's mesh for all volumes.
    # Only points whose mesh differs from the per-structure one need a run.
    ref = kmesh(primitive(1.0).cell, dk)
    for s in VOLUME_SCALES:
        if kmesh(primitive(s).cell, dk) != ref:
            jobs.append({"kind": "eos", "dk": dk, "volume_scale": s, "relax": False,
                         "mesh_rule": "reference"})
    jobs.append({"kind": "bulk", "dk": dk, "volume_scale": 1.0, "relax": False})
    jobs.append({"kind": "vacancy", "dk": dk, "volume_scale": 1.0, "relax": True})
    return jobs


def build(job):
    if job["kind"] == "eos":
        return primitive(job["volume_scale"])
    return supercell(vacancy=job["kind"] == "vacancy")


def job_mesh(job, atoms) -> tuple[int, int, int]:
    """'structure' (docs/method.md §2, default): mesh from this cell; 'reference': from
    the V_ref primitive cell (fixed-mesh EOS variant)."""
    if job.get("mesh_rule", "structure") == "reference":
        return kmesh(primitive(1.0).cell, job["dk"])
    return kmesh(atoms.cell, job["dk"])


def cache_key(job, atoms) -> str:
    payload = {
        "numbers": atoms.numbers.tolist(),
        "positions": np.round(atoms.positions, 8).tolist(),
        "cell": np.round(atoms.cell.array, 8).tolist(),
        "pbc": atoms.pbc.tolist(),
        "dk": job["dk"],
        "mesh": list(job_mesh(job, atoms)),
        "relax": {"optimizer": "BFGS", "fmax": FMAX, "cell": "fixed"} if job["relax"] else None,
        "settings": SETTINGS,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def raw_path(job, key: str) -> Path:
    tag = f"_v{job['volume_scale']:.2f}" if job["kind"] == "eos" else ""
    folder = job["kind"] + ("_fixedmesh" if job.get("mesh_rule") == "reference" else "")
    return RAW / folder / f"dk{job['dk']:.2f}{tag}_{key[:12]}.extxyz"


# -------------------------------------------------------------- single point
def run_job(job) -> dict:
    """Compute one single point (or relaxation) and write its extxyz. Worker side."""
    from ase.calculators.singlepoint import SinglePointCalculator
    from ase.io import write
    from gpaw import GPAW, PW
    import gpaw

    atoms = build(job)
    key = cache_key(job, atoms)
    path = raw_path(job, key)
    if path.exists():
        return {"job": job, "path": str(path), "cached": True}
    mesh = job_mesh(job, atoms)
    (LOGS / "gpaw").mkdir(parents=True, exist_ok=True)
    txt = LOGS / "gpaw" / f"{path.stem}.txt"
    calc = GPAW(
        mode=PW(SETTINGS["mode"]["ecut"]),
        xc=SETTINGS["xc"],
        occupations=dict(SETTINGS["occupations"]),
        convergence=dict(SETTINGS["convergence"]),
        kpts={"size": mesh, "gamma": True},
        txt=str(txt),
    )
    atoms.calc = calc
    c0, w0 = time.process_time(), time.time()
    e_unrelaxed = None
    steps = 0
    if job["relax"]:
        from ase.optimize import BFGS
        e_unrelaxed = atoms.get_potential_energy(force_consistent=True)
        opt = BFGS(atoms, logfile=str(LOGS / "gpaw" / f"{path.stem}.bfgs.log"))
        opt.run(fmax=FMAX, steps=100)
        steps = opt.get_number_of_steps()
    free = atoms.get_potential_energy(force_consistent=True)
    e0 = atoms.get_potential_energy()          # GPAW's extrapolated (σ→0) energy
    forces = atoms.get_forces()
    stress = atoms.get_stress(voigt=False)     # ASE: eV/Å³, tension positive
    cpu, wall = time.process_time() - c0, time.time() - w0
    nibz = len(calc.get_ibz_k_points())
    vol = atoms.get_volume()

    out = atoms.copy()
    out.calc = SinglePointCalculator(out, energy=free, free_energy=free,
                                     forces=forces, stress=stress)
    info = {
        "metal": METAL, "lattice": LATTICE, "kind": job["kind"], "dk": job["dk"],
        "mesh": np.array(mesh, dtype=int), "n_kpoints": int(np.prod(mesh)),
        "n_irreducible": nibz, "volume_scale": job["volume_scale"],
        "mesh_rule": job.get("mesh_rule", "structure"),
        "a_ref": A_REF, "volume": vol,
        "energy_sigma0": e0,
        "virial": (-stress * vol).ravel(),  # DeePMD W = -sigma V, 9 comps, eV
        "relaxed": bool(job["relax"]), "relax_steps": steps,
        "cpu_seconds": round(cpu, 2), "wall_seconds": round(wall, 2),
        "ecut": SETTINGS["mode"]["ecut"], "xc": SETTINGS["xc"],
        "smearing": "methfessel-paxton order 2 width 0.15 eV",
        "gpaw_version": gpaw.__version__, "cache_key": key,
    }
    if e_unrelaxed is not None:
        info["energy_unrelaxed"] = e_unrelaxed
    out.info.update(info)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    write(str(tmp), out, format="extxyz")
    os.replace(tmp, path)
    return {"job": job, "path": str(path), "cached": False, "cpu": cpu, "wall": wall}


def _safe_run(job):
    try:
        return run_job(job)
    except Exception as exc:  # keep the pool alive; report and move on
        import traceback
        return {"job": job, "error": f"{exc!r}\n{traceback.format_exc()}"}


# ------------------------------------------------------------------- tables
SP_COLUMNS = ["metal", "lattice", "kind", "dk", "volume_scale", "mesh_rule", "n1", "n2", "n3",
              "n_kpoints", "n_irreducible", "natoms", "volume", "energy",
              "energy_sigma0", "relaxed", "relax_steps", "cpu_seconds",
              "wall_seconds", "file"]


def collect() -> list[dict]:
    from ase.io import read
    rows = []
    for f in sorted(RAW.glob("*/*.extxyz")):
        at = read(str(f), format="extxyz")
        i = at.info
        n1, n2, n3 = (int(x) for x in np.ravel(i["mesh"]))
        rows.append({
            "metal": i["metal"], "lattice": i["lattice"], "kind": i["kind"],
            "dk": float(i["dk"]), "volume_scale": float(i["volume_scale"]),
            "mesh_rule": str(i.get("mesh_rule", "structure")),
            "n1": n1, "n2": n2, "n3": n3, "n_kpoints": int(i["n_kpoints"]),
            "n_irreducible": int(i["n_irreducible"]), "natoms": len(at),
            "volume": float(at.get_volume()),
            "energy": float(at.get_potential_energy()),
            "energy_sigma0": float(i["energy_sigma0"]),
            "relaxed": bool(i["relaxed"]), "relax_steps": int(i["relax_steps"]),
            "cpu_seconds": float(i["cpu_seconds"]), "wall_seconds": float(i["wall_seconds"]),
            "file": str(f.relative_to(DATA)),
        })
    kind_order = {"eos": 0, "bulk": 1, "vacancy": 2}
    rows.sort(key=lambda r: (r["dk"], kind_order[r["kind"]], r["mesh_rule"] != "structure",
                             r["volume_scale"]))
    return rows


def fit_birch_murnaghan(v, e):
    """3rd-order Birch–Murnaghan E(V) fit, done exactly as a cubic least-squares
    polynomial in x = V^(-2/3) (docs/method.md §3; the ACWF procedure). Returns
    V0 [Å³], E0 [eV], B0 [eV/Å³], B0'. Deterministic, unlike an iterative fit."""
    v, e = np.asarray(v, float), np.asarray(e, float)
    p = np.polyfit(v ** (-2.0 / 3.0), e, 3)
    d1, d2, d3 = np.polyder(p, 1), np.polyder(p, 2), np.polyder(p, 3)
    x_mid = 0.5 * (v.max() ** (-2.0 / 3.0) + v.min() ** (-2.0 / 3.0))
    roots = [r.real for r in np.roots(d1) if abs(r.imag) < 1e-12 and r.real > 0
             and np.polyval(d2, r.real) > 0]
    if not roots:
        raise ValueError("EOS fit has no minimum")
    x0 = min(roots, key=lambda r: abs(r - x_mid))
    v0 = x0 ** -1.5
    b0 = 4.0 / 9.0 * x0 ** 3.5 * np.polyval(d2, x0)
    # B0' = -1 - V0 E_VVV / E_VV, chain rule through x(V) (E_x = 0 at the minimum)
    dxdv, d2xdv2 = -2.0 / 3.0 * v0 ** (-5.0 / 3.0), 10.0 / 9.0 * v0 ** (-8.0 / 3.0)
    e2v = np.polyval(d2, x0) * dxdv ** 2
    e3v = np.polyval(d3, x0) * dxdv ** 3 + 3.0 * np.polyval(d2, x0) * dxdv * d2xdv2
    b0p = -1.0 - v0 * e3v / e2v
    return v0, float(np.polyval(p, x0)), b0, b0p


def eos_points(rows, dk, mesh_rule):
    """EOS single points at dk: mesh per structure, or the V_ref mesh for all."""
    eos = [r for r in rows if r["kind"] == "eos" and math.isclose(r["dk"], dk)]
    if mesh_rule == "structure":
        return [r for r in eos if r["mesh_rule"] == "structure"]
    ref = kmesh(primitive(1.0).cell, dk)
    pick = {}
    for r in eos:
        if (r["n1"], r["n2"], r["n3"]) == ref:
            pick.setdefault(r["volume_scale"], r)
    return list(pick.values())


def properties(rows: list[dict], dks, mesh_rule="structure") -> list[dict]:
    """Only properties whose every input single point at that Δk is present."""
    props = []
    for dk in dks:
        eos = eos_points(rows, dk, mesh_rule)
        if sorted(r["volume_scale"] for r in eos) == sorted(VOLUME_SCALES):
            v = np.array([r["volume"] / r["natoms"] for r in eos])
            e = np.array([r["energy"] / r["natoms"] for r in eos])
            v0, e0, b0, _ = fit_birch_murnaghan(v, e)
            for name, unit, val in (("V0", "Å³/atom", v0), ("E0", "eV/atom", e0),
                                    ("B0", "GPa", b0 * EV_A3_TO_GPA)):
                props.append({"property": name, "unit": unit, "dk": dk, "value": val})
        bulk_ = [r for r in rows if r["kind"] == "bulk" and math.isclose(r["dk"], dk)]
        vac = [r for r in rows if r["kind"] == "vacancy" and math.isclose(r["dk"], dk)]
        if len(bulk_) == 1 and len(vac) == 1:
            n = bulk_[0]["natoms"]
            ef = vac[0]["energy"] - (n - 1) / n * bulk_[0]["energy"]
            props.append({"property": "E_vac", "unit": "eV", "dk": dk, "value": ef})
    order = {"V0": 0, "E0": 1, "B0": 2, "E_vac": 3}
    props.sort(key=lambda p: (order[p["property"]], p["dk"]))
    return [{"metal": METAL, "lattice": LATTICE, "property": p["property"],
             "unit": p["unit"], "method": "DFT", "dk": f"{p['dk']:g}",
             "value": f"{p['value']:.10g}"} for p in props]


def write_tables(dks):
    rows = collect()
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / "singlepoints.csv.tmp", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=SP_COLUMNS, lineterminator="\n")
        w.writeheader()
        for r in rows:
            r = dict(r)
            r["dk"] = f"{r['dk']:g}"
            r["volume_scale"] = f"{r['volume_scale']:.2f}"
            for k in ("volume", "energy", "energy_sigma0"):
                r[k] = f"{r[k]:.10g}"
            w.writerow(r)
    os.replace(OUT / "singlepoints.csv.tmp", OUT / "singlepoints.csv")
    for rule, name in (("reference", "properties.csv"),
                       ("structure", "properties_structuremesh.csv")):
        props = properties(rows, dks, rule)
        with open(OUT / (name + ".tmp"), "w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=["metal", "lattice", "property", "unit",
                                               "method", "dk", "value"], lineterminator="\n")
            w.writeheader()
            w.writerows(props)
        os.replace(OUT / (name + ".tmp"), OUT / name)
    # checksums of every data file, paths relative to al-fcc/ (sha256sum -c)
    files = sorted(OUT.glob("*.csv")) + sorted(RAW.glob("*/*.extxyz"))
    lines = [f"{hashlib.sha256(f.read_bytes()).hexdigest()}  {f.relative_to(OUT)}\n"
             for f in files]
    (OUT / "SHA256SUMS").write_text("".join(lines))
    return rows


# --------------------------------------------------------------------- main
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dk", type=float, nargs="*", default=None,
                    help="Δk values to compute (default: the full sweep)")
    ap.add_argument("--workers", type=int, default=2, help="parallel single points (max 2)")
    ap.add_argument("--timing", action="store_true",
                    help="only the Δk=0.09 primitive (V_ref) and bulk supercell points")
    ap.add_argument("--tables-only", action="store_true", help="rebuild CSVs from raw/")
    args = ap.parse_args(argv)
    dks = args.dk or DKS

    if args.tables_only:
        write_tables(DKS)
        return 0
    if args.timing:
        jobs = [{"kind": "eos", "dk": 0.09, "volume_scale": 1.0, "relax": False},
                {"kind": "bulk", "dk": 0.09, "volume_scale": 1.0, "relax": False}]
    else:
        # cheapest Δk first so complete Δk sets land early; within a Δk the
        # expensive supercells first so the pool's two slots balance.
        jobs = []
        for dk in sorted(dks, reverse=True):
            j = jobs_for(dk)
            jobs += [x for x in j if x["kind"] != "eos"] + [x for x in j if x["kind"] == "eos"]
    todo = [j for j in jobs if not raw_path(j, cache_key(j, build(j))).exists()]
    print(f"{len(jobs)} jobs, {len(jobs) - len(todo)} cached, {len(todo)} to run", flush=True)
    t0 = time.time()
    failed = 0
    workers = max(1, min(2, args.workers))
    ctx = mp.get_context("spawn")
    with ctx.Pool(workers, maxtasksperchild=1) as pool:
        for res in pool.imap_unordered(_safe_run, todo):
            j = res["job"]
            label = f"{j['kind']:8s} dk={j['dk']:.2f} vs={j['volume_scale']:.2f}"
            if "error" in res:
                failed += 1
                print(f"FAILED {label}: {res['error']}", flush=True)
                continue
            print(f"done {label} cpu={res.get('cpu', 0):8.1f}s wall={res.get('wall', 0):8.1f}s "
                  f"elapsed={time.time() - t0:8.1f}s -> {res['path']}", flush=True)
            write_tables(DKS)
    write_tables(DKS)
    print(f"finished in {time.time() - t0:.1f}s, {failed} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
