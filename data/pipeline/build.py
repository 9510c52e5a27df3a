#!/usr/bin/env python
"""deltak reference dataset: DFT and MLP over Δk for one metal (FCC, BCC, HCP).

Stages (``--stages``, default all, in this order):

  props     DFT single points for the properties at every Δk: EOS (primitive cell, mesh of
            the unscaled cell), elastic (strained primitive cell, mesh of the unstrained cell,
            symmetry-reduced strain set), bulk / vacancy / Oh / Td in the 2x2x2 supercell of
            the primitive or conventional cell (config defects.cell; defect ions relaxed at fixed cell, own mesh)
  train     DFT single points of the scale-and-perturb training structures at every training Δk
            (identical structures at every Δk)
  sem       DFT single points of the scale-and-perturb test set (pristine, vacancy, oh, td) at
            every Δk (identical structures at every Δk)
  models    DeePMD-kit npy systems, one model per training Δk (PyTorch backend), dp test -d on
            the training and test sets
  mlp       MLP properties at every training Δk with the DeePMD-kit ASE calculator, by the same
            procedures as DFT
  tables    extxyz sets, CSV tables, manifest.json, SHA256SUMS

Every DFT single point is one extxyz file named by a sha256 of (structure, Δk, mesh, relaxation
and calculator settings) under <out>/dft/: a stopped run resumes where it stopped.

  .venv/bin/python data/pipeline/build.py --config data/pipeline/configs/al.json \
      [--lattices fcc] [--stages props train] [--workers 2] [--max-sem N] [--max-train N]
  .venv/bin/python data/pipeline/build.py --smoke --out /tmp/x     (EMT, tiny training, < 3 min)
"""
from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")
os.environ.setdefault("GPAW_SETUP_PATH", "/usr/share/gpaw-setups")

import argparse  # noqa: E402
import copy  # noqa: E402
import csv  # noqa: E402
import fcntl  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import re  # noqa: E402
import shlex  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import zlib  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
EV_A3_TO_GPA = 160.21766208
STAGES = ["props", "train", "sem", "models", "mlp", "tables"]
GROUPS = ["pristine", "vacancy", "oh", "td"]
VOIGT = [(0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1)]
SYMMETRY = {"fcc": "cubic", "bcc": "cubic", "hcp": "hexagonal"}

# Interstitial sites. Cubic lattices: Cartesian, in units of the cubic lattice constant a,
# relative to the atom at the origin. HCP: fractional coordinates of ASE's hcp cell (atoms at
# (0,0,0) and (1/3,2/3,1/2)).
SITES = {
    "fcc": {"oh": ("cart", [0.5, 0.5, 0.5]), "td": ("cart", [0.25, 0.25, 0.25])},
    "bcc": {"oh": ("cart", [0.5, 0.5, 0.0]), "td": ("cart", [0.5, 0.25, 0.0])},
    "hcp": {"oh": ("frac", [2 / 3, 1 / 3, 0.25]), "td": ("frac", [0.0, 0.0, 0.375])},
}
# nearest-neighbour count expected at each site (checked when the structure is built)
SITE_NEIGHBOURS = {"fcc": {"oh": 6, "td": 4}, "bcc": {"oh": 2, "td": 4}, "hcp": {"oh": 6, "td": 4}}


# ----------------------------------------------------------------------------- config
def smoke_config(out: Path) -> dict:
    cfg = json.loads((HERE / "configs" / "al.json").read_text())
    cfg.update({
        "out": str(out),
        # near EMT's own Al minimum (V0 = 15.93 Å³/atom); FCC only unless --lattices names BCC too
        "lattices": {"fcc": {"a": 3.99}, "bcc": {"a": 3.12}},
        "dks": [0.30, 0.96],
        "train_dks": [0.30, 0.96],
        "calculator": {"name": "emt"},
    })
    cfg.pop("workers", None)  # as many tasks at once as cores
    cfg.pop("models", None)  # per-lattice models (--metal-models adds the metal-wide ones)
    cfg["eos"]["volume_scales"] = [0.97, 0.99, 1.00, 1.01, 1.03]
    cfg["elastic"]["normal"] = [0.01]
    cfg["elastic"]["shear"] = [0.03]
    cfg["sem"]["n_per_group"] = 2
    cfg["train"]["min_configs"] = 5
    cfg["train"].pop("n_configs", None)  # all 38 structures: EMT is free
    cfg["deepmd"].update({"numb_steps": 400, "start_lr": 0.005, "descriptor_neuron": [4, 8], "axis_neuron": 4,
                          "fitting_neuron": [16, 16], "sel": [90]})
    cfg["smoke"] = True
    return cfg


def load_config(args) -> dict:
    if args.smoke:
        cfg = smoke_config(Path(args.out or "/tmp/deltak-smoke").resolve())
    else:
        cfg = json.loads(Path(args.config).read_text())
        if args.out:
            cfg["out"] = args.out
    out = Path(cfg["out"])
    cfg["out_path"] = str(out if out.is_absolute() else (REPO / "data" / out))
    if args.smoke and not args.lattices:
        cfg["lattices"] = {"fcc": cfg["lattices"]["fcc"]}
    if args.lattices:
        unknown = set(args.lattices) - set(cfg["lattices"])
        if unknown:
            raise SystemExit(f"unknown lattice(s) {sorted(unknown)}; the config has {sorted(cfg['lattices'])}")
        cfg["lattices"] = {k: cfg["lattices"][k] for k in args.lattices}
    return cfg


# ----------------------------------------------------------------------------- k-points
def kmesh(cell, dk: float) -> tuple[int, int, int]:
    """docs/method.md §2: N_i = max(1, ceil(|b_i| / dk)), b_i = 2π (A⁻¹)ᵀ rows."""
    b = 2.0 * math.pi * np.linalg.inv(np.asarray(cell, float)).T
    return tuple(max(1, math.ceil(round(float(np.linalg.norm(bi)) / dk, 8))) for bi in b)


# ----------------------------------------------------------------------------- structures
def primitive(cfg, lattice: str, linear_scale: float = 1.0):
    from ase.build import bulk
    p = cfg["lattices"][lattice]
    if "structure" in p:  # a cell of the user's (plan.py): numbers, cell rows (Å), scaled_positions
        from ase import Atoms
        s = p["structure"]
        at = Atoms(numbers=s["numbers"], cell=s["cell"], scaled_positions=s["scaled_positions"], pbc=True)
    elif lattice == "hcp":
        at = bulk(cfg["metal"], "hcp", a=p["a"], c=p["c"])
    else:
        at = bulk(cfg["metal"], lattice, a=p["a"])
    if linear_scale != 1.0:
        at.set_cell(at.cell.array * linear_scale, scale_atoms=True)
    return at


def supercell_convention(cfg, lattice: str) -> str:
    """Which cell the defect, training and test supercells repeat: "primitive" (1 atom for FCC
    and BCC) or "conventional" (the cubic cell, 4 atoms FCC / 2 atoms BCC, as DP-GEN's
    init_bulk does). HCP's 2-atom hexagonal cell is both. Set per lattice in the config's
    defects.cell; a lattice without an entry uses the primitive cell."""
    conv = cfg["defects"].get("cell", {}).get(lattice, "primitive")
    if conv not in ("primitive", "conventional"):
        raise SystemExit(f"config defects.cell.{lattice}: expected 'primitive' or 'conventional', got {conv!r}")
    return conv


def supercell_base(cfg, lattice: str):
    """The cell that the defect supercells repeat (see supercell_convention)."""
    from ase.build import bulk
    if supercell_convention(cfg, lattice) == "conventional" and lattice in ("fcc", "bcc") \
            and "structure" not in cfg["lattices"][lattice]:
        return bulk(cfg["metal"], lattice, a=cfg["lattices"][lattice]["a"], cubic=True)
    return primitive(cfg, lattice)


def defect_cell(cfg, lattice: str, structure: str):
    """Supercell (defects.supercell, e.g. 2x2x2) of the primitive or conventional cell
    (supercell_convention): pristine, vacancy (atom 0 removed), oh, td."""
    from ase import Atom
    prim = supercell_base(cfg, lattice)
    sc = prim.repeat(tuple(cfg["defects"]["supercell"]))
    if structure == "pristine":
        return sc
    if structure == "vacancy":
        del sc[0]
        return sc
    own = cfg["lattices"][lattice].get("sites")  # the user's sites: fractional in the repeated cell
    if own is not None:
        if structure not in own:
            raise ValueError(f"lattice {lattice}: no {structure} site in the config's lattices.{lattice}.sites "
                             f"(has {sorted(own)})")
        how, x = "frac", own[structure]
    elif lattice in SITES:
        how, x = SITES[lattice][structure]
    else:
        raise ValueError(f"lattice {lattice}: no interstitial sites known; give lattices.{lattice}.sites "
                         f"{{\"{structure}\": [f1, f2, f3]}} (fractional coordinates of the repeated cell)")
    pos = np.array(x) * cfg["lattices"][lattice]["a"] if how == "cart" else np.array(x) @ prim.cell.array
    sc.append(Atom(cfg["metal"], pos))
    sc.wrap()
    d = sc.get_distances(len(sc) - 1, list(range(len(sc) - 1)), mic=True)
    dmin = d.min()
    n = int(np.sum(d < dmin * 1.02))
    want = SITE_NEIGHBOURS[lattice][structure] if own is None else n
    if n != want:
        raise RuntimeError(f"{lattice} {structure} site has {n} nearest neighbours at {dmin:.3f} Å, expected {want}")
    return sc


def groups_of(cfg):
    """The structure groups of the defect cells and the test set: all four (pristine, vacancy,
    oh, td) unless the config's defects.groups names fewer (plan.py)."""
    g = cfg["defects"].get("groups", GROUPS)
    bad = [x for x in g if x not in GROUPS]
    if bad or not g:
        raise SystemExit(f"config defects.groups: expected some of {GROUPS}, got {g}")
    return [x for x in GROUPS if x in g]


def _rng(cfg, *parts) -> np.random.Generator:
    s = "/".join(str(p) for p in (cfg["metal"],) + parts)
    return np.random.default_rng([int(cfg["perturb"]["seed"]), zlib.crc32(s.encode())])


def scale_perturb(cfg, atoms, linear_scale: float, rng: np.random.Generator):
    """Scale all lattice vectors, then perturb the cell by a random symmetric strain with
    components up to cell_fraction and move each ion by a random vector of length up to
    atom_distance (uniform in the ball), as DP-GEN's init_bulk scale-and-perturb does."""
    at = atoms.copy()
    at.set_cell(at.cell.array * linear_scale, scale_atoms=True)
    f = cfg["perturb"]["cell_fraction"]
    e = rng.uniform(-f, f, 6)
    m = np.array([[1 + e[0], e[5] / 2, e[4] / 2], [e[5] / 2, 1 + e[1], e[3] / 2], [e[4] / 2, e[3] / 2, 1 + e[2]]])
    at.set_cell(at.cell.array @ m, scale_atoms=True)
    d = cfg["perturb"]["atom_distance"]
    v = rng.normal(size=(len(at), 3))
    v /= np.linalg.norm(v, axis=1)[:, None]
    r = d * rng.uniform(0, 1, len(at)) ** (1 / 3)
    at.positions = at.positions + v * r[:, None]
    at.wrap()
    return at


def strain_matrix(voigt_index: int, magnitude: float) -> np.ndarray:
    """Symmetric strain tensor for Voigt component j (1..6) with engineering shear."""
    e = np.zeros((3, 3))
    i, k = VOIGT[voigt_index - 1]
    if i == k:
        e[i, i] = magnitude
    else:
        e[i, k] = e[k, i] = magnitude / 2
    return e


def strained(atoms, eps: np.ndarray):
    at = atoms.copy()
    at.set_cell(at.cell.array @ (np.eye(3) + eps), scale_atoms=True)
    return at


# ----------------------------------------------------------------------------- jobs
def elastic_strains(cfg, lattice):
    # symmetry-reduced strain set of the lattice; a crystal system the config has no set for
    # (a user's structure of lower symmetry, plan.py) gets all six Voigt components
    sym = cfg["lattices"][lattice].get("symmetry", SYMMETRY.get(lattice))
    comps = cfg["elastic"]["components"].get(sym, [1, 2, 3, 4, 5, 6])
    out = []
    for j in comps:
        mags = cfg["elastic"]["normal"] if j <= 3 else cfg["elastic"]["shear"]
        for m in mags:
            for sign in (+1, -1):
                out.append((j, sign * m))
    return out


def prerelaxed_defects(cfg, lattice):
    """Relaxed defect cells at the config's prerelax Δk (DFT cache), by kind; {} when none yet."""
    from ase.io import read
    pdk = cfg["defects"].get("prerelax_dk")
    out = {}
    if pdk is None:
        return out
    for j in property_jobs(cfg, lattice, [pdk], start=None):
        if j["stage"] == "defects" and j["relax"]:
            p = job_path(cfg, j, cache_key(cfg, j))
            if p.exists():
                out[j["tags"]["kind"]] = read(str(p), format="extxyz")
    return out


def property_jobs(cfg, lattice, dks, start="dft"):
    """Jobs (lattice, stage, label, dk, atoms, mesh, relax, tags) for EOS, elastic and defect
    single points. Defect relaxations at a Δk other than the config's `prerelax_dk` start from
    the ions relaxed at prerelax_dk (start="dft"; such jobs are left out until that relaxation
    exists); start=None relaxes every defect from the ideal site (used for prerelax_dk itself
    and for the MLP)."""
    jobs = []
    pdk = cfg["defects"].get("prerelax_dk")
    pre = prerelaxed_defects(cfg, lattice) if (start == "dft" and pdk is not None) else {}
    for dk in dks:
        ref = primitive(cfg, lattice)
        ref_mesh = kmesh(ref.cell, dk)
        for s in cfg["eos"]["volume_scales"]:
            at = primitive(cfg, lattice, s ** (1 / 3))
            mesh = ref_mesh if cfg["eos"]["mesh"] == "reference" else kmesh(at.cell, dk)
            jobs.append(dict(lattice=lattice, stage="eos", label=f"v{s:.3f}", dk=dk, atoms=at, mesh=mesh,
                             relax=False, tags={"kind": "eos", "volume_scale": s}))
        relax_el = cfg["elastic"]["relax_ions"][lattice]
        for j, m in elastic_strains(cfg, lattice):
            at = strained(ref, strain_matrix(j, m))
            strain = [0.0] * 6
            strain[j - 1] = m
            mesh = ref_mesh if cfg["elastic"]["mesh"] == "reference" else kmesh(at.cell, dk)
            jobs.append(dict(lattice=lattice, stage="elastic", label=f"e{j}{m:+.3f}", dk=dk, atoms=at, mesh=mesh,
                             relax=relax_el, tags={"kind": "elastic", "strain": np.array(strain)}))
        for st in groups_of(cfg):
            at = defect_cell(cfg, lattice, st)
            kind = "bulk" if st == "pristine" else st
            tags = {"kind": kind}
            if st != "pristine" and start == "dft" and pdk is not None and abs(dk - pdk) > 1e-9:
                if kind not in pre:
                    continue
                if len(pre[kind]) != len(at) or not np.allclose(pre[kind].cell.array, at.cell.array, atol=1e-8):
                    raise RuntimeError(f"{lattice} {kind}: prerelaxed cell at Δk {pdk} does not match the defect cell")
                at = at.copy()
                at.positions = pre[kind].positions
                tags["relax_start"] = f"ions relaxed at dk {pdk}"
            jobs.append(dict(lattice=lattice, stage="defects", label=kind, dk=dk, atoms=at, mesh=kmesh(at.cell, dk),
                             relax=st != "pristine", tags=tags))
    return jobs


def set_base_cell(cfg, lattice, st, _cache={}):
    """Starting cell of a training/test structure: the ideal pristine supercell, or the defect
    cell with its ions as relaxed by DFT at prerelax_dk (unrelaxed interstitials at the ideal
    site lie many eV above the relaxed ones and are no sensible sample of the defect). A plan
    made before any DFT (plan.py; config defects.start "ideal") starts from the ideal cells."""
    if st == "pristine" or cfg["defects"].get("start") == "ideal":
        return defect_cell(cfg, lattice, st)
    key = (cfg["out_path"], lattice)
    if key not in _cache or st not in _cache[key]:
        _cache[key] = prerelaxed_defects(cfg, lattice)
    pre = _cache[key]
    if st not in pre:
        raise RuntimeError(f"{lattice} {st}: the training and test sets start from the defect relaxed at Δk "
                           f"{cfg['defects'].get('prerelax_dk')}, which is not computed yet: run --stages props first")
    at = defect_cell(cfg, lattice, st)
    at.positions = pre[st].positions
    return at


def sem_structures(cfg, lattice):
    """The SEM test set: n_per_group configurations per structure type, index-major."""
    out = []
    scales = cfg["sem"]["scales"]
    for i in range(cfg["sem"]["n_per_group"]):
        for st in groups_of(cfg):
            base = set_base_cell(cfg, lattice, st)
            at = scale_perturb(cfg, base, scales[i % len(scales)], _rng(cfg, lattice, "sem", st, i))
            out.append((f"{cfg['metal']}-{lattice}-sem-{st}-{i:03d}", st, scales[i % len(scales)], at))
    return out


def train_structures(cfg, lattice):
    """Training structures in the order they are computed (any prefix is a balanced subset):
    rounds over the supercell scales of pristine, vacancy, oh, td, pristine, with the perturbed
    primitive cells after the first `primitive_after_rounds` rounds (default: after all)."""
    t = cfg["train"]
    supercells, count = [], {}
    for s in t["supercell_scales"]:
        for st in t["supercell_round"]:
            k = count[(s, st)] = count.get((s, st), -1) + 1
            base = set_base_cell(cfg, lattice, st)
            at = scale_perturb(cfg, base, s, _rng(cfg, lattice, "train", st, s, k))
            supercells.append((f"{cfg['metal']}-{lattice}-train-{st}-s{s:.2f}-{k}", st, s, at))
    primitives = []
    for s in t["primitive_scales"]:
        at = scale_perturb(cfg, primitive(cfg, lattice), s, _rng(cfg, lattice, "train", "primitive", s))
        primitives.append((f"{cfg['metal']}-{lattice}-train-primitive-s{s:.2f}", "primitive", s, at))
    # the cheap primitive cells (the volume range 0.88-1.12) come right after the first round of
    # supercells, so a short prefix already spans the volumes the EOS needs
    first = len(t["supercell_round"]) * t.get("primitive_after_rounds", len(t["supercell_scales"]))
    return supercells[:first] + primitives + supercells[first:]


def set_jobs(cfg, lattice, which, dks, limit=None, part=None):
    """Single points of the training or test set: the first `limit` configurations at every Δk
    in dks; `part` = (i, n) keeps every n-th of them from the i-th (one share of n processes)."""
    structs = sem_structures(cfg, lattice) if which == "sem" else train_structures(cfg, lattice)
    if limit is not None:
        structs = structs[:limit]
    if part is not None:
        structs = structs[part[0]::part[1]]
    jobs = []
    for cid, st, s, at in structs:
        for dk in dks:
            jobs.append(dict(lattice=lattice, stage=which, label=cid.split(f"{lattice}-{which}-")[1], dk=dk, atoms=at,
                             mesh=kmesh(at.cell, dk), relax=False,
                             tags={"config": cid, "structure": st, "set": "test" if which == "sem" else "train",
                                   "linear_scale": s}))
    return jobs


# ----------------------------------------------------------------------------- calculators
def calc_settings(cfg, stage=None) -> dict:
    """Calculator settings of a stage: the config's calculator, with the training set's own SCF
    convergence (`train_convergence`) for the training single points when the config has one."""
    c = dict(cfg["calculator"])
    if stage == "train" and c.get("train_convergence"):
        c["convergence"] = c["train_convergence"]
    c.pop("train_convergence", None)
    return c


def make_calc(cfg, mesh, txt, stage=None):
    c = calc_settings(cfg, stage)
    if c["name"] == "emt":
        from ase.calculators.emt import EMT
        return EMT()
    if c["name"] == "gpaw":
        from gpaw import GPAW, PW
        return GPAW(mode=PW(c["mode"]["ecut"]), xc=c["xc"], occupations=dict(c["occupations"]),
                    convergence=dict(c["convergence"]), kpts={"size": tuple(mesh), "gamma": True}, txt=str(txt))
    raise ValueError(f"unknown calculator {c['name']!r}")


def relax_settings(cfg):
    return {"optimizer": "BFGS", "fmax": cfg["defects"]["fmax"], "max_steps": cfg["defects"]["max_steps"], "cell": "fixed"}


def cache_key(cfg, job) -> str:
    at = job["atoms"]
    payload = {
        "numbers": at.numbers.tolist(),
        "positions": np.round(at.positions, 8).tolist(),
        "cell": np.round(at.cell.array, 8).tolist(),
        "pbc": at.pbc.tolist(),
        "dk": job["dk"],
        "mesh": list(job["mesh"]),
        "relax": relax_settings(cfg) if job["relax"] else None,
        "settings": calc_settings(cfg, job["stage"]),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def job_path(cfg, job, key) -> Path:
    return Path(cfg["out_path"]) / "dft" / job["lattice"] / job["stage"] / f"dk{job['dk']:.2f}" / f"{job['label']}_{key[:12]}.extxyz"


def relax_fixed_cell(atoms, cfg, logfile):
    from ase.optimize import BFGS
    opt = BFGS(atoms, logfile=logfile)
    converged = opt.run(fmax=cfg["defects"]["fmax"], steps=cfg["defects"]["max_steps"])
    return opt.get_number_of_steps(), bool(converged)


def result_atoms(atoms, calc_name, extra_info):
    """Copy with a single-point calculator (free energy, forces, stress) and info tags."""
    from ase.calculators.singlepoint import SinglePointCalculator
    try:
        free = atoms.get_potential_energy(force_consistent=True)
    except Exception:  # calculators without a free energy (EMT has one; DP may not)
        free = atoms.get_potential_energy()
    e0 = atoms.get_potential_energy()
    forces = atoms.get_forces()
    stress = atoms.get_stress(voigt=False)
    out = atoms.copy()
    out.calc = SinglePointCalculator(out, energy=free, free_energy=free, forces=forces, stress=stress)
    vol = atoms.get_volume()
    out.info.update(extra_info)
    out.info.update({"natoms": len(atoms), "volume": vol, "energy_sigma0": e0,
                     "virial": (-stress * vol).ravel()})
    return out


def run_job(cfg, job, path=None, logs=None) -> dict:
    """One DFT single point (or relaxation) into its cache file (job_path; `path` and `logs`
    put the result and the calculator's logs elsewhere, e.g. into a task folder)."""
    from ase.io import write
    key = cache_key(cfg, job)
    path = Path(path) if path is not None else job_path(cfg, job, key)
    if path.exists():
        return {"path": str(path), "cached": True}
    logs = Path(logs) if logs is not None else Path(cfg["out_path"]) / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    txt = logs / f"{job['lattice']}_{job['stage']}_{path.stem}.txt"
    atoms = job["atoms"].copy()
    calc = make_calc(cfg, job["mesh"], txt, job["stage"])
    atoms.calc = calc
    c0, w0 = time.process_time(), time.time()
    info = {}
    if job["relax"]:
        info["energy_unrelaxed"] = atoms.get_potential_energy()
        steps, conv = relax_fixed_cell(atoms, cfg, str(txt.with_suffix(".bfgs.log")))
        info.update(relax_steps=steps, relax_converged=conv)
    out = result_atoms(atoms, cfg["calculator"]["name"], {})
    cpu, wall = time.process_time() - c0, time.time() - w0
    if cfg["calculator"]["name"] == "gpaw":
        nibz = len(calc.get_ibz_k_points())
    else:  # a calculator without k-points (EMT): the count the mesh has, by spglib (GPAW's count on the bundled data)
        import spglib
        mapping, _ = spglib.get_ir_reciprocal_mesh(list(job["mesh"]), (job["atoms"].cell.array, job["atoms"].get_scaled_positions(),
                                                    job["atoms"].numbers), is_shift=[0, 0, 0], is_time_reversal=True, symprec=1e-5)
        nibz = int(len(np.unique(mapping)))
    if cfg["calculator"]["name"] == "gpaw":
        import gpaw
        code = f"gpaw {gpaw.__version__}"
    else:
        import ase
        code = f"ase-emt {ase.__version__}"
    out.info.update(job["tags"])
    out.info.update(info)
    out.info.update({
        "metal": cfg["metal"], "lattice": job["lattice"], "method": "DFT", "dk": job["dk"],
        "mesh": np.array(job["mesh"], dtype=int), "n_kpoints": int(np.prod(job["mesh"])),
        "n_irreducible": nibz, "relaxed": bool(job["relax"]), "stage": job["stage"],
        "cpu_seconds": round(cpu, 2), "wall_seconds": round(wall, 2), "code": code, "cache_key": key,
    })
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    write(str(tmp), out, format="extxyz")
    os.replace(tmp, path)
    return {"path": str(path), "cached": False, "cpu": cpu, "wall": wall}


TASK_CODE = ("build.py", "dispatch.py", "dp_batch.py")


def job_to_json(job) -> dict:
    """A job as JSON with the exact floats (Python's repr round-trips), so the task computes
    the same structure and cache key as the process that planned it."""
    at = job["atoms"]
    tags, arrays = {}, []
    for k, v in job["tags"].items():
        if isinstance(v, np.ndarray):
            tags[k] = v.tolist()
            arrays.append(k)
        else:
            tags[k] = v.item() if isinstance(v, np.generic) else v
    return {"lattice": job["lattice"], "stage": job["stage"], "label": job["label"], "dk": job["dk"],
            "mesh": [int(x) for x in job["mesh"]], "relax": bool(job["relax"]), "tags": tags, "array_tags": arrays,
            "atoms": {"numbers": at.numbers.tolist(), "positions": at.positions.tolist(), "cell": at.cell.array.tolist(),
                      "pbc": at.pbc.tolist()}}


def job_from_json(d) -> dict:
    from ase import Atoms
    a = d["atoms"]
    atoms = Atoms(numbers=a["numbers"], positions=a["positions"], cell=a["cell"], pbc=a["pbc"])
    tags = {k: (np.array(v) if k in d["array_tags"] else v) for k, v in d["tags"].items()}
    return {"lattice": d["lattice"], "stage": d["stage"], "label": d["label"], "dk": d["dk"], "atoms": atoms,
            "mesh": tuple(d["mesh"]), "relax": d["relax"], "tags": tags}


def run_task(task_json) -> int:
    """Entry point of a single-point task folder (--run-task task.json): computes the point
    into result.extxyz beside task.json, calculator logs into logs/."""
    t = Path(task_json).resolve()
    d = json.loads(t.read_text())
    job = job_from_json(d["job"])
    key = cache_key(d["cfg"], job)
    if key != d["key"]:
        raise SystemExit(f"{t}: the structure read back gives cache key {key[:12]}, the task was planned as {d['key'][:12]}")
    (t.parent / "logs").mkdir(exist_ok=True)
    r = run_job(d["cfg"], job, path=t.parent / "result.extxyz", logs=t.parent / "logs")
    print(json.dumps({k: v for k, v in r.items() if k != "path"}))
    return 0


def task_root(cfg, what) -> Path:
    """Task tree of a stage (not part of the dataset: left out of SHA256SUMS, like logs/)."""
    return Path(cfg["out_path"]) / "tasks" / what


def stage_code(root: Path):
    """The pipeline code beside the tasks (forwarded to remote machines with them)."""
    root.mkdir(parents=True, exist_ok=True)
    for f in TASK_CODE:
        src = HERE / f
        dst = root / f
        if not dst.exists() or dst.read_bytes() != src.read_bytes():
            shutil.copyfile(src, dst)


def run_jobs(cfg, jobs, runner, what):
    """The single points not cached yet, one dpdispatcher task each (see dispatch.py); the
    results move into the cache under the same names as ever. Returns the failures as
    messages with the end of each failed task's log. runner None: list only (dry run)."""
    from dispatch import Task
    todo, seen, cached = [], set(), 0
    for j in jobs:
        key = cache_key(cfg, j)
        if job_path(cfg, j, key).exists():
            cached += 1
        elif key not in seen:
            seen.add(key)
            todo.append((j, key))
    print(f"[{what}] {len(jobs)} single points, {cached} cached, {len(todo)} to compute", flush=True)
    if not todo or runner is None:
        return []
    root = task_root(cfg, "dft")
    stage_code(root)
    tasks, earlier = [], []
    for j, key in todo:
        rel = Path(j["lattice"]) / j["stage"] / f"dk{j['dk']:.2f}" / f"{j['label']}_{key[:12]}"
        tdir = root / rel
        if (tdir / "result.extxyz").exists() and (tdir / "task.json").exists() and \
                json.loads((tdir / "task.json").read_text()).get("key") == key:
            earlier.append(Task(name=str(rel), work_path=str(rel), job=j, key=key))  # finished after its run stopped
            continue
        tdir.mkdir(parents=True, exist_ok=True)
        for f in ("result.extxyz", "task.err", "task.out"):
            (tdir / f).unlink(missing_ok=True)
        tcfg = {k: v for k, v in cfg.items() if k not in ("out_path",)}
        tcfg["out_path"] = "."
        (tdir / "task.json").write_text(json.dumps({"cfg": tcfg, "key": key, "job": job_to_json(j)}))
        tasks.append(Task(name=f"{j['lattice']} {j['stage']} {j['label']} dk={j['dk']}", work_path=str(rel),
                          command=f'{shlex.quote(runner.python)} "$REMOTE_ROOT"/build.py --run-task task.json',
                          forward_files=["task.json"], backward_files=["result.extxyz", "logs"], done="result.extxyz",
                          job=j, key=key))
    t0 = time.time()
    if earlier:
        print(f"[{what}] {len(earlier)} results of an earlier run found in their task folders", flush=True)
    failed = runner.run(tasks, root, what, TASK_CODE)
    failed_names = {f["name"] for f in failed}
    logs = Path(cfg["out_path"]) / "logs"
    n = 0
    for t in earlier + tasks:
        if t["name"] in failed_names:
            continue
        tdir = root / t["work_path"]
        path = job_path(cfg, t["job"], t["key"])
        path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tdir / "result.extxyz", path)
        if (tdir / "logs").is_dir():
            logs.mkdir(parents=True, exist_ok=True)
            for lg in (tdir / "logs").iterdir():
                os.replace(lg, logs / lg.name)
        shutil.rmtree(tdir)
        for parent in tdir.relative_to(root).parents:  # the lattice/stage/dk folders once empty
            if parent != Path(".") and not any((root / parent).iterdir()):
                (root / parent).rmdir()
        n += 1
    print(f"[{what}] {n}/{len(earlier) + len(tasks)} computed (elapsed {time.time() - t0:.0f} s)", flush=True)
    errors = []
    for f in failed:
        msg = f"{f['name']}: failed after retries; task folder {f['work_path']}, log {f['log']}\n{f['tail']}"
        print(f"[{what}] ERROR {msg}", file=sys.stderr, flush=True)
        errors.append(msg)
    return errors


def harvest(cfg) -> int:
    """Copy the results of finished task folders into the cache while their submission still
    runs (the submission moves them in only when all its tasks end), so results can be
    committed as they come in. Checks each result's cache key; returns how many were copied."""
    root = task_root(cfg, "dft")
    n = 0
    for t in sorted(root.glob("*/*/dk*/*/task.json")) if root.is_dir() else []:
        res = t.parent / "result.extxyz"
        if not res.exists():
            continue
        d = json.loads(t.read_text())
        job = job_from_json(d["job"])
        key = cache_key(cfg, job)
        if key != d["key"]:
            raise SystemExit(f"{t}: cache key {key[:12]} of this configuration, the task was planned as {d['key'][:12]}")
        path = job_path(cfg, job, key)
        if path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        shutil.copyfile(res, tmp)
        os.replace(tmp, path)
        n += 1
    print(f"[harvest] {n} finished single points copied into {Path(cfg['out_path']) / 'dft'}", flush=True)
    return n


# ----------------------------------------------------------------------------- reading the cache
def read_all(cfg, lattice, stage):
    from ase.io import read
    root = Path(cfg["out_path"]) / "dft" / lattice / stage
    frames = []
    for f in sorted(root.glob("dk*/*.extxyz")):
        at = read(str(f), format="extxyz")
        at.info["file"] = str(f.relative_to(cfg["out_path"]))
        frames.append(at)
    return frames


def current_keys(cfg, jobs):
    return {cache_key(cfg, j) for j in jobs}


def complete_configs(cfg, lattice, which, dks):
    """Frames of the configurations present at every Δk in dks (structures as configured now),
    in configuration order, as {dk: [frames]}, and the list of config ids."""
    jobs = set_jobs(cfg, lattice, which, dks)
    keys = current_keys(cfg, jobs)
    frames = [f for f in read_all(cfg, lattice, which) if f.info["cache_key"] in keys]
    have = {}
    for f in frames:
        have.setdefault(f.info["config"], {})[round(float(f.info["dk"]), 4)] = f
    order = [cid for cid, *_ in (sem_structures(cfg, lattice) if which == "sem" else train_structures(cfg, lattice))]
    done = [c for c in order if c in have and all(round(dk, 4) in have[c] for dk in dks)]
    partial = [c for c in order if c in have and c not in done]
    by_dk = {dk: [have[c][round(dk, 4)] for c in done] for dk in dks}
    return by_dk, done, partial


# ----------------------------------------------------------------------------- properties
def fit_bm(volumes, energies):
    """3rd-order Birch–Murnaghan: E is a cubic in x = V^(-2/3); exact linear least squares."""
    v = np.asarray(volumes, float)
    e = np.asarray(energies, float)
    x = v ** (-2.0 / 3.0)
    p = np.polyfit(x, e, 3)
    dp = np.polyder(p)
    roots = [r.real for r in np.roots(dp) if abs(r.imag) < 1e-12 and r.real > 0]
    roots = [r for r in roots if np.polyval(np.polyder(dp), r) > 0]
    if not roots:
        raise ValueError("no minimum of the E(V) fit")
    x0 = min(roots, key=lambda r: abs(r - x.mean()))
    v0 = x0 ** -1.5
    if not v.min() <= v0 <= v.max():
        raise ValueError(f"minimum V0 = {v0:.4f} Å³/atom outside the sampled volumes [{v.min():.4f}, {v.max():.4f}]")
    e0 = float(np.polyval(p, x0))
    # B = V d²E/dV²; with x = V^(-2/3): dE/dV = E'(x) dx/dV, d²E/dV² = E''(x)(dx/dV)² + E'(x) d²x/dV²
    dxdv = -2.0 / 3.0 * v0 ** (-5.0 / 3.0)
    d2xdv2 = 10.0 / 9.0 * v0 ** (-8.0 / 3.0)
    d2 = np.polyval(np.polyder(dp), x0) * dxdv ** 2 + np.polyval(dp, x0) * d2xdv2
    b0 = v0 * d2
    # B' = -(1 + V d³E/dV³ / d²E/dV²) at V0, from the cubic in V by numerical differentiation
    h = v0 * 1e-4
    def E(vv): return np.polyval(p, vv ** (-2.0 / 3.0))
    d2n = (E(v0 + h) - 2 * E(v0) + E(v0 - h)) / h ** 2
    d3 = (E(v0 + 2 * h) - 2 * E(v0 + h) + 2 * E(v0 - h) - E(v0 - 2 * h)) / (2 * h ** 3)
    b0p = -1.0 - v0 * d3 / d2n
    return {"V0": v0, "E0": e0, "B0": b0 * EV_A3_TO_GPA, "B0p": b0p}


def voigt_stress_gpa(at):
    s = at.get_stress(voigt=False)
    return np.array([s[i, k] for i, k in VOIGT]) * EV_A3_TO_GPA


def elastic_constants(frames, lattice):
    """C_ij (GPa) from the symmetry-reduced ± strain set: for each Voigt component j and
    magnitude m, the central difference (σ(+m) − σ(−m)) / 2m gives column j of C; the
    constants are averaged over the magnitudes. Cubic: ε1 → C11, C12; ε4 → C44.
    Hexagonal: ε1 → C11, C12, C13; ε3 → C13, C33; ε4 → C44; ε6 → C66."""
    cols = {}
    by = {}
    for f in frames:
        st = np.asarray(f.info["strain"], float)
        j = int(np.argmax(np.abs(st)))
        by.setdefault((j + 1, round(abs(st[j]), 6)), {})[int(np.sign(st[j]))] = voigt_stress_gpa(f)
    for (j, m), d in by.items():
        if set(d) != {1, -1}:
            raise ValueError(f"strain component {j} magnitude {m}: need both signs")
        cols.setdefault(j, []).append((d[1] - d[-1]) / (2 * m))
    col = {j: np.mean(v, axis=0) for j, v in cols.items()}
    sym = SYMMETRY[lattice]
    C = np.zeros((6, 6))
    if sym == "cubic":
        need = {1, 4}
        if not need <= set(col):
            raise ValueError(f"cubic elastic needs strains 1 and 4, have {sorted(col)}")
        c11 = col[1][0]
        c12 = (col[1][1] + col[1][2]) / 2
        c44 = col[4][3]
        for i in range(3):
            C[i, i] = c11
            C[i + 3, i + 3] = c44
            for k in range(3):
                if k != i:
                    C[i, k] = c12
        named = {"C11": c11, "C12": c12, "C44": c44}
    else:
        need = {1, 3, 4, 6}
        if not need <= set(col):
            raise ValueError(f"hexagonal elastic needs strains 1, 3, 4, 6, have {sorted(col)}")
        c11 = col[1][0]
        c12 = col[1][1]
        c13 = (col[1][2] + col[3][0] + col[3][1]) / 3
        c33 = col[3][2]
        c44 = col[4][3]
        c66 = col[6][5]
        C[0, 0] = C[1, 1] = c11
        C[0, 1] = C[1, 0] = c12
        C[0, 2] = C[2, 0] = C[1, 2] = C[2, 1] = c13
        C[2, 2] = c33
        C[3, 3] = C[4, 4] = c44
        C[5, 5] = c66
        named = {"C11": c11, "C12": c12, "C13": c13, "C33": c33, "C44": c44, "C66": c66}
    S = np.linalg.inv(C)
    kv = (C[0, 0] + C[1, 1] + C[2, 2] + 2 * (C[0, 1] + C[1, 2] + C[0, 2])) / 9
    gv = (C[0, 0] + C[1, 1] + C[2, 2] - (C[0, 1] + C[1, 2] + C[0, 2]) + 3 * (C[3, 3] + C[4, 4] + C[5, 5])) / 15
    kr = 1 / (S[0, 0] + S[1, 1] + S[2, 2] + 2 * (S[0, 1] + S[1, 2] + S[0, 2]))
    gr = 15 / (4 * (S[0, 0] + S[1, 1] + S[2, 2]) - 4 * (S[0, 1] + S[1, 2] + S[0, 2]) + 3 * (S[3, 3] + S[4, 4] + S[5, 5]))
    B, G = (kv + kr) / 2, (gv + gr) / 2
    named.update({"B": B, "G": G, "E": 9 * B * G / (3 * B + G), "nu": (3 * B - 2 * G) / (2 * (3 * B + G))})
    return named


UNITS = {"V0": "Å³/atom", "E0": "eV/atom", "B0": "GPa", "B0p": "1", "B": "GPa", "G": "GPa", "E": "GPa",
         "nu": "1", "E_vac": "eV", "E_Oh": "eV", "E_Td": "eV",
         "C11": "GPa", "C12": "GPa", "C13": "GPa", "C33": "GPa", "C44": "GPa", "C66": "GPa"}


def properties_from(frames_by_kind, lattice, expected):
    """Property rows {name: value} from one (lattice, method, Δk) group, only from complete
    inputs; `expected` = {stage: number of points}. Returns (values, notes)."""
    vals, notes = {}, []
    eos = frames_by_kind.get("eos", [])
    if len(eos) == expected["eos"]:
        try:
            vals.update(fit_bm([f.get_volume() / len(f) for f in eos], [f.get_potential_energy() / len(f) for f in eos]))
        except ValueError as exc:
            notes.append(f"eos fit failed: {exc}")
    elif eos:
        notes.append(f"eos {len(eos)}/{expected['eos']}")
    el = frames_by_kind.get("elastic", [])
    if len(el) == expected["elastic"]:
        try:
            vals.update(elastic_constants(el, lattice))
        except (ValueError, np.linalg.LinAlgError) as exc:
            notes.append(f"elastic failed: {exc}")
    elif el:
        notes.append(f"elastic {len(el)}/{expected['elastic']}")
    d = {f.info["kind"]: f for f in frames_by_kind.get("defects", [])}
    if "bulk" in d:
        eb, nb = d["bulk"].get_potential_energy(), len(d["bulk"])
        for kind, name in (("vacancy", "E_vac"), ("oh", "E_Oh"), ("td", "E_Td")):
            if kind in d:
                f = d[kind]
                vals[name] = f.get_potential_energy() - len(f) / nb * eb
    return vals, notes


# ----------------------------------------------------------------------------- DeePMD
def write_npy_systems(frames, root: Path, type_map):
    """DeePMD npy systems under root, one per atom count: root/n<N>/{type.raw, type_map.raw,
    set.000/{box,coord,energy,force,virial}.npy}. Energy = free energy (eV), virial W = -σV (eV)."""
    if root.exists():
        shutil.rmtree(root)
    groups = {}
    for f in frames:
        groups.setdefault(len(f), []).append(f)
    out = []
    for n, fs in sorted(groups.items()):
        d = root / f"n{n:03d}"
        (d / "set.000").mkdir(parents=True)
        types = [type_map.index(s) for s in fs[0].get_chemical_symbols()]
        for f in fs:
            if [type_map.index(s) for s in f.get_chemical_symbols()] != types:
                raise ValueError(f"{f.info.get('config')}: species order differs within system n{n}")
        (d / "type.raw").write_text("".join(f"{t}\n" for t in types))
        (d / "type_map.raw").write_text("".join(f"{t}\n" for t in type_map))
        np.save(d / "set.000" / "box.npy", np.array([f.cell.array.ravel() for f in fs]))
        np.save(d / "set.000" / "coord.npy", np.array([f.positions.ravel() for f in fs]))
        np.save(d / "set.000" / "energy.npy", np.array([f.get_potential_energy() for f in fs]))
        np.save(d / "set.000" / "force.npy", np.array([f.get_forces().ravel() for f in fs]))
        np.save(d / "set.000" / "virial.npy", np.array([(-f.get_stress(voigt=False) * f.get_volume()).ravel() for f in fs]))
        (d / "configs.txt").write_text("".join(f"{f.info.get('config', '')}\n" for f in fs))
        out.append(d)
    return out


def deepmd_input(cfg, systems, rel_to: Path):
    p = cfg["deepmd"]
    steps = int(p["numb_steps"])
    decay = max(1, steps // 40)
    return {
        "model": {
            "type_map": [cfg["metal"]],
            "descriptor": {"type": "se_e2_a", "rcut": p["rcut"], "rcut_smth": p["rcut_smth"], "sel": p["sel"],
                           "neuron": p["descriptor_neuron"], "axis_neuron": p["axis_neuron"], "resnet_dt": False,
                           "seed": p["seed"]},
            "fitting_net": {"neuron": p["fitting_neuron"], "resnet_dt": True, "seed": p["seed"] + 1},
        },
        "learning_rate": {"type": "exp", "start_lr": p["start_lr"], "stop_lr": p["stop_lr"], "decay_steps": decay},
        "loss": {"type": "ener", **p["pref"]},
        "training": {
            "training_data": {"systems": [os.path.relpath(s, rel_to) for s in systems], "batch_size": "auto"},
            "numb_steps": steps, "seed": p["seed"] + 2, "disp_file": "lcurve.out", "disp_freq": max(1, steps // 40),
            "save_freq": steps,
        },
    }


METAL = "metal"  # the key of the models trained on every lattice of the metal at once


def model_options(cfg) -> dict:
    """The config's models block: `per_lattice` (lattices with models of their own, or "all"),
    `per_metal` (also one model per Δk on every lattice whose training set is complete, as the
    paper trains them) and `properties` ("lattice" or "metal": which models give the MLP rows of
    properties.csv). Default: per-lattice models only."""
    m = dict(cfg.get("models", {}))
    m.setdefault("per_lattice", "all")
    m.setdefault("per_metal", False)
    m.setdefault("properties", "metal" if m["per_metal"] else "lattice")
    if m["properties"] not in ("lattice", METAL):
        raise SystemExit(f"config models.properties: expected 'lattice' or 'metal', got {m['properties']!r}")
    if m["properties"] == METAL and not m["per_metal"]:
        raise SystemExit("config models.properties is 'metal' but models.per_metal is false: no metal-wide models to take them from")
    pl = m["per_lattice"]
    m["per_lattice"] = list(cfg["lattices"]) if pl == "all" else [x for x in pl if x in cfg["lattices"]]
    return m


def train_target(cfg, lattice) -> int:
    """The size of a lattice's configured training set: train.n_configs (or --max-train), else every listed structure."""
    return cfg["train"].get("n_configs") or len(train_structures(cfg, lattice))


def training_complete(cfg, lattice, dks):
    """(complete, why): whether the configured training set of a lattice is complete at every Δk."""
    want = train_target(cfg, lattice)
    _, ids, _ = complete_configs(cfg, lattice, "train", dks)
    if len(ids) >= want:
        return True, ""
    return False, f"{len(ids)} of {want} training configurations complete at every Δk {dks}"


def models_stage(cfg, key, lattices, runner):
    """npy systems per training Δk, one DeePMD-kit model each (same input and seeds), dp test -d
    on the training and the test (SEM) set: one task per Δk through the job layer (dispatch.py),
    its DeePMD-kit commands in one process (dp_batch.py). `key` is a lattice (its own models,
    trained on that lattice) or METAL (one model per Δk trained on all `lattices` together, the
    systems and dp test prefixes then named by lattice)."""
    out = Path(cfg["out_path"])
    mdks = cfg["model_dks"]
    metal = key == METAL
    train_by, test_by, train_ids, test_ids = {}, {}, [], []
    for lattice in lattices:
        tb, tid, _ = complete_configs(cfg, lattice, "train", mdks)
        sb, sid, _ = complete_configs(cfg, lattice, "sem", mdks)
        if len(tid) < cfg["train"]["min_configs"]:
            print(f"[models {key}] {lattice}: only {len(tid)} training configurations complete at every training Δk "
                  f"(need {cfg['train']['min_configs']}): no models trained", flush=True)
            return {}
        train_by[lattice], test_by[lattice] = tb, sb
        train_ids += tid
        test_ids += sid
    n = len(train_ids)
    (out / "models" / key).mkdir(parents=True, exist_ok=True)
    (out / "models" / key / "model_dks.json").write_text(json.dumps(mdks) + "\n")
    # one task per training Δk (dispatch.py): the npy systems and input.json go into the task
    # folder, dp_batch.py trains, freezes (unless the model is up to date) and runs dp test -d
    # once per system (DeePMD-kit 3.2 appends later systems to the same detail files without
    # their own header, so a multi-system file cannot be split by frame)
    from dispatch import Task
    root = task_root(cfg, "models")
    stage_code(root)
    tasks = []
    for dk in mdks:
        tag = f"dk{dk:.2f}"
        sys_train, sys_test = [], []
        shutil.rmtree(out / "deepmd" / key / tag, ignore_errors=True)
        for lattice in lattices:
            sub = (lattice,) if metal else ()
            base = out / "deepmd" / key / tag
            sys_train += write_npy_systems(train_by[lattice][dk], base.joinpath("train", *sub), [cfg["metal"]])
            if test_by[lattice][dk]:
                sys_test += write_npy_systems(test_by[lattice][dk], base.joinpath("test", *sub), [cfg["metal"]])
        mdir = out / "models" / key / tag
        train_keys = [f.info["cache_key"] for lat in lattices for f in train_by[lat][dk]]
        ident = hashlib.sha256(json.dumps({"train": train_keys, "cfg": cfg["deepmd"], "dk": dk}).encode()).hexdigest()[:16]
        model = mdir / "model.pth"
        stamp = mdir / "trained_on.json"
        rel = Path(key) / tag
        tdir = root / rel
        if tdir.exists():
            shutil.rmtree(tdir)
        tdir.mkdir(parents=True)
        # a system's name inside the task and in its dp test prefix: n008, or fcc_n008 for metal models
        name_of = (lambda d: f"{d.parent.name}_{d.name}") if metal else (lambda d: d.name)
        for sub, systems in (("train", sys_train), ("test", sys_test)):
            for sysdir in systems:
                shutil.copytree(sysdir, tdir / sub / name_of(sysdir))
        steps = []
        up_to_date = model.exists() and stamp.exists() and json.loads(stamp.read_text()).get("id") == ident
        if up_to_date:
            print(f"[models {key}] {tag}: model up to date ({n} training configurations)", flush=True)
            shutil.copyfile(model, tdir / "model.pth")
        else:
            (tdir / "input.json").write_text(json.dumps(deepmd_input(cfg, [tdir / "train" / name_of(s) for s in sys_train], tdir),
                                                        indent=2))
            steps.append({"cwd": ".", "argv": ["--pt", "train", "input.json", "--skip-neighbor-stat"], "log": "train.log"})
            steps.append({"cwd": ".", "argv": ["--pt", "freeze", "-o", "model.pth"], "log": "freeze.log"})
        for name, systems in (("train", sys_train), ("test", sys_test)):
            for sysdir in systems:
                pre = f"dptest/{name}_{name_of(sysdir)}"
                steps.append({"cwd": ".", "argv": ["--pt", "test", "-m", "model.pth", "-s", f"{name}/{name_of(sysdir)}", "-d", pre],
                              "log": pre + ".log"})
        (tdir / "steps.json").write_text(json.dumps(steps, indent=1))
        fwd = ["steps.json", "train"] + (["test"] if sys_test else []) + (["model.pth"] if up_to_date else ["input.json"])
        back = ["dp_cost.json", "dptest"] + ([] if up_to_date else ["model.pth", "lcurve.out", "train.log", "freeze.log"])
        tasks.append(Task(name=f"{key} models {tag}", work_path=str(rel), done="dp_cost.json",
                          command=(f'DP_INTER_OP_PARALLELISM_THREADS=1 DP_INTRA_OP_PARALLELISM_THREADS=1 '
                                   f'{shlex.quote(runner.python)} "$REMOTE_ROOT"/dp_batch.py steps.json dp_cost.json'),
                          forward_files=fwd, backward_files=back, tdir=tdir, mdir=mdir, stamp=stamp, ident=ident,
                          trained=not up_to_date, tag=tag, sys_train=sys_train))
    w0 = time.time()
    failed = runner.run(tasks, root, f"models {key}", TASK_CODE)
    wall = time.time() - w0
    if failed:
        raise RuntimeError(f"[models {key}] DeePMD-kit failed after retries:\n" +
                           "\n".join(f"{f['name']}: task folder {f['work_path']}, log {f['log']}\n{f['tail']}" for f in failed))
    cpu, trained = 0.0, 0
    for t in tasks:
        tdir, mdir = t["tdir"], t["mdir"]
        cost = json.loads((tdir / "dp_cost.json").read_text())
        cpu += cost["cpu_seconds"]
        if t["trained"]:
            if mdir.exists():
                shutil.rmtree(mdir)
            mdir.mkdir(parents=True)
            (mdir / "input.json").write_text(json.dumps(deepmd_input(cfg, t["sys_train"], mdir), indent=2))
            for f in ("model.pth", "lcurve.out", "train.log", "freeze.log"):
                os.replace(tdir / f, mdir / f)
            walls = sum(s["wall_seconds"] for s in cost["steps"] if s["argv"][1] in ("train", "freeze"))
            stamp = {"id": t["ident"], "train_configs": train_ids, "test_configs": test_ids,
                     "wall_seconds_train_and_freeze": round(walls, 1)}
            if metal:
                stamp = {"lattices": list(lattices), **stamp}
            t["stamp"].write_text(json.dumps(stamp, indent=1))
            trained += 1
        ddir = out / "dptest" / key / t["tag"]
        if ddir.exists():
            shutil.rmtree(ddir)
        ddir.mkdir(parents=True)
        for f in (tdir / "dptest").iterdir():
            os.replace(f, ddir / f.name)
        shutil.rmtree(tdir)
    (out / "models" / key / "cost.json").write_text(json.dumps(
        {"last_batch": {"models_trained": trained, "dp_tests": len(tasks), "cpu_seconds": round(cpu, 1),
                        "wall_seconds": round(wall, 1)}}, indent=1))
    print(f"[models {key}] {trained} models trained on {n} configurations ({', '.join(lattices)}), dp test on {len(tasks)} Δk: "
          f"{wall:.0f} s wall, {cpu:.0f} s CPU", flush=True)
    return {"train_configs": n, "test_configs": len(test_ids)}


def model_dks_of(cfg, key):
    """The Δk the models of a lattice (or METAL) were last trained at (models/<key>/model_dks.json)."""
    f = Path(cfg["out_path"]) / "models" / key / "model_dks.json"
    return json.loads(f.read_text()) if f.exists() else list(cfg["train_dks"])


def metal_model_lattices(cfg):
    """{Δk: lattices} the metal-wide models were trained on (their trained_on.json)."""
    out = {}
    for dk in model_dks_of(cfg, METAL):
        stamp = Path(cfg["out_path"]) / "models" / METAL / f"dk{dk:.2f}" / "trained_on.json"
        if stamp.exists():
            out[dk] = json.loads(stamp.read_text()).get("lattices", [])
    return out


def mlp_path(cfg, key, lattice, dk) -> Path:
    """The MLP property calculations of a lattice by the models of `key` (a lattice or METAL)."""
    base = Path(cfg["out_path"]) / "mlp"
    return (base / METAL / lattice if key == METAL else base / lattice) / f"dk{dk:.2f}.extxyz"


# ----------------------------------------------------------------------------- MLP properties
def mlp_stage(cfg, key, lattice):
    """MLP properties of `lattice` at every Δk the models of `key` (the lattice or METAL) exist."""
    from ase.io import write
    from deepmd.calculator import DP
    out = Path(cfg["out_path"])
    done = {}
    for dk in model_dks_of(cfg, key):
        tag = f"dk{dk:.2f}"
        model = out / "models" / key / tag / "model.pth"
        stamp = out / "models" / key / tag / "trained_on.json"
        if not model.exists():
            continue
        info0 = json.loads(stamp.read_text())
        if key == METAL and lattice not in info0.get("lattices", []):
            continue
        ident = info0["id"]
        target = mlp_path(cfg, key, lattice, dk)
        if target.exists():
            from ase.io import read
            first = read(str(target), index=0)
            if first.info.get("model_id") == ident:
                done[dk] = str(target)
                continue
        calc = DP(model=str(model))
        frames = []
        t0 = time.process_time()
        for job in property_jobs(cfg, lattice, [dk], start=None):
            at = job["atoms"].copy()
            at.calc = calc
            info = {}
            if job["relax"]:
                info["energy_unrelaxed"] = at.get_potential_energy()
                steps, conv = relax_fixed_cell(at, cfg, None)
                info.update(relax_steps=steps, relax_converged=conv)
            r = result_atoms(at, "dp", {})
            r.info.update(job["tags"])
            r.info.update(info)
            r.info.update({"metal": cfg["metal"], "lattice": lattice, "method": "MLP", "dk": dk, "stage": job["stage"],
                           "relaxed": bool(job["relax"]), "model_id": ident, "model": key, "label": job["label"]})
            frames.append(r)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        write(str(tmp), frames, format="extxyz")
        os.replace(tmp, target)
        print(f"[mlp {key} {lattice}] {tag}: {len(frames)} calculations in {time.process_time() - t0:.0f} s CPU", flush=True)
        done[dk] = str(target)
    return done


# ----------------------------------------------------------------------------- tables
def sha256(p: Path) -> str:
    h = hashlib.sha256()
    with open(p, "rb") as fh:
        for b in iter(lambda: fh.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()


def fmt(x):
    return f"{x:.10g}" if isinstance(x, float) else x


def tables_stage(cfg):
    from ase.io import read, write
    out = Path(cfg["out_path"])
    prop_rows, calc_rows, sp_rows, status = [], [], [], {}
    manifest = {"metal": cfg["metal"], "units": UNITS, "lattices": {}}
    mo = model_options(cfg)
    metal_lattices = metal_model_lattices(cfg) if mo["properties"] == METAL else {}
    by_lattice_rows = []  # properties-lattice-models.csv: the lattices with models of their own, DFT and their MLP rows
    by_lattice_dp_test = []  # their dp test outputs
    for lattice in cfg["lattices"]:
        st = status[lattice] = {}
        # the models whose MLP properties go into properties.csv: the metal-wide ones where
        # models.properties is "metal", else the lattice's own
        key = METAL if mo["properties"] == METAL else lattice
        st["mlp_models"] = key
        if key == METAL and not any(lattice in lats for lats in metal_lattices.values()):
            st.setdefault("notes", []).append(f"no metal-wide model is trained on {lattice} yet: no MLP properties")
        pj = property_jobs(cfg, lattice, cfg["dks"])
        keys = current_keys(cfg, pj)
        per_dk_expected = {"eos": len(cfg["eos"]["volume_scales"]), "elastic": len(elastic_strains(cfg, lattice))}
        dft = {}
        for stage in ("eos", "elastic", "defects"):
            for f in read_all(cfg, lattice, stage):
                if f.info["cache_key"] not in keys:
                    continue
                dft.setdefault(round(float(f.info["dk"]), 4), {}).setdefault(stage, []).append(f)
        train_set_dks = model_dks_of(cfg, key)

        def mlp_of(k):
            got = {}
            for dk in model_dks_of(cfg, k):
                p = mlp_path(cfg, k, lattice, dk)
                if p.exists():
                    for f in read(str(p), index=":"):
                        got.setdefault(round(dk, 4), {}).setdefault(f.info["stage"], []).append(f)
            return got
        mlp = mlp_of(key)
        if key == METAL and lattice in mo["per_lattice"]:
            for dk in model_dks_of(cfg, lattice):
                for name in ("train", "test"):
                    for e in sorted((out / "dptest" / lattice / f"dk{dk:.2f}").glob(f"{name}_n*.e.out")):
                        by_lattice_dp_test.append({"prefix": str(e.relative_to(out))[: -len(".e.out")], "dk": dk, "dataset": name})
            for dk, frames in sorted(mlp_of(lattice).items()):
                vals, _ = properties_from(frames, lattice, per_dk_expected)
                by_lattice_rows += [[cfg["metal"], lattice, name, UNITS[name], "MLP", dk, v] for name, v in vals.items()]
        lat_files = {"dft_cache": [], "mlp_extxyz": [], "sem_extxyz": [], "train_extxyz": [], "deepmd_train": [],
                     "deepmd_test": [], "dptest_train": [], "dptest_test": [], "models": []}
        for method, src in (("DFT", dft), ("MLP", mlp)):
            for dk in sorted(src):
                vals, notes = properties_from(src[dk], lattice, per_dk_expected)
                for name, v in vals.items():
                    prop_rows.append([cfg["metal"], lattice, name, UNITS[name], method, dk, v])
                    if method == "DFT" and lattice in mo["per_lattice"]:
                        by_lattice_rows.append(prop_rows[-1])
                if notes:
                    st.setdefault("notes", []).append(f"{method} dk={dk}: " + ", ".join(notes))
                for stage, fs in src[dk].items():
                    for f in fs:
                        calc_rows.append({
                            "metal": cfg["metal"], "lattice": lattice, "method": method, "dk": dk, "kind": f.info["kind"],
                            "natoms": len(f), "volume": f.get_volume(), "energy": f.get_potential_energy(),
                            "strain": " ".join(f"{x:.6g}" for x in f.info["strain"]) if f.info["kind"] == "elastic" else "",
                            "stress": " ".join(f"{x:.8g}" for x in voigt_stress_gpa(f)) if f.info["kind"] == "elastic" else "",
                            "relax_steps": f.info.get("relax_steps", ""), "relax_converged": f.info.get("relax_converged", ""),
                            "id": f.info.get("file", f"{mlp_path(cfg, key, lattice, dk).relative_to(out)}#{f.info.get('label', '')}"),
                        })
        for stage in ("eos", "elastic", "defects", "train", "sem"):
            for f in read_all(cfg, lattice, stage):
                i = f.info
                sp_rows.append({
                    "metal": cfg["metal"], "lattice": lattice, "stage": stage, "kind": i.get("kind", ""),
                    "structure": i.get("structure", ""), "config": i.get("config", ""), "dk": float(i["dk"]),
                    "mesh": "x".join(str(int(x)) for x in np.ravel(i["mesh"])), "n_kpoints": int(i["n_kpoints"]),
                    "n_irreducible": int(i["n_irreducible"]), "natoms": len(f), "volume": f.get_volume(),
                    "energy": f.get_potential_energy(), "relax_steps": i.get("relax_steps", ""),
                    "cpu_seconds": float(i["cpu_seconds"]), "wall_seconds": float(i["wall_seconds"]), "file": i["file"],
                })
                lat_files["dft_cache"].append(i["file"])
        # sets as one extxyz per Δk (configurations complete at every Δk of the set only); the
        # training set over the Δk the models were last trained at (models/<lattice>/model_dks.json)
        st["train_set_dks"] = train_set_dks
        if (out / "sets" / lattice).exists():
            shutil.rmtree(out / "sets" / lattice)
        for which, dks in (("sem", cfg["dks"]), ("train", train_set_dks)):
            by_dk, ids, partial = complete_configs(cfg, lattice, which, dks)
            st[which] = {"complete_configs": len(ids), "partial_configs": len(partial)}
            for dk in dks:
                if not ids:
                    continue
                p = out / "sets" / lattice / which / f"dk{dk:.2f}.extxyz"
                p.parent.mkdir(parents=True, exist_ok=True)
                fr = []
                for f in by_dk[dk]:
                    g = f.copy()
                    g.calc = f.calc
                    g.info = {k: v for k, v in f.info.items() if k not in ("file",)}
                    fr.append(g)
                write(str(p), fr, format="extxyz")
                lat_files[f"{which}_extxyz"].append(str(p.relative_to(out)))
        for dk in train_set_dks:
            tag = f"dk{dk:.2f}"
            if key == METAL and lattice not in metal_lattices.get(dk, []):
                continue
            sub_of = (lambda x: Path(x) / lattice) if key == METAL else Path
            for sub, k in (("train", "deepmd_train"), ("test", "deepmd_test")):
                d = out / "deepmd" / key / tag / sub_of(sub)
                if d.exists():
                    lat_files[k].append(str(d.relative_to(out)))
            for name in ("train", "test"):
                pattern = f"{name}_{lattice}_n*.e.out" if key == METAL else f"{name}_n*.e.out"
                for e in sorted((out / "dptest" / key / tag).glob(pattern)):
                    lat_files[f"dptest_{name}"].append(str(e.relative_to(out))[: -len(".e.out")])
            m = out / "models" / key / tag / "model.pth"
            if m.exists():
                lat_files["models"].append(str(m.relative_to(out)))
            p = mlp_path(cfg, key, lattice, dk)
            if p.exists():
                lat_files["mlp_extxyz"].append(str(p.relative_to(out)))
        lat_files["dft_cache"].sort()
        st["dft_dks_complete"] = sorted(dk for dk in dft if not properties_from(dft[dk], lattice, per_dk_expected)[1]
                                        and len(dft[dk].get("eos", [])) == per_dk_expected["eos"]
                                        and len(dft[dk].get("elastic", [])) == per_dk_expected["elastic"]
                                        and len(dft[dk].get("defects", [])) == 4)
        st["mlp_dks"] = sorted(mlp)
        manifest["lattices"][lattice] = {"files": lat_files, "status": st,
                                         "supercell_cell": supercell_convention(cfg, lattice)}
    # write CSVs
    with open(out / "properties.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["metal", "lattice", "property", "unit", "method", "dk", "value"])
        for r in prop_rows:
            w.writerow([fmt(x) for x in r])
    by_lattice_file = None
    if mo["properties"] == METAL and any(r[4] == "MLP" for r in by_lattice_rows):
        # the per-lattice models' properties beside DFT, in the layout of properties.csv
        by_lattice_file = "properties-lattice-models.csv"
        with open(out / by_lattice_file, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["metal", "lattice", "property", "unit", "method", "dk", "value"])
            for r in sorted(by_lattice_rows, key=lambda r: (list(cfg["lattices"]).index(r[1]), r[4] != "DFT")):
                w.writerow([fmt(x) for x in r])
    else:
        (out / "properties-lattice-models.csv").unlink(missing_ok=True)
    cols = ["metal", "lattice", "method", "dk", "kind", "natoms", "volume", "energy", "strain", "stress",
            "relax_steps", "relax_converged", "id"]
    with open(out / "calculations.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, cols)
        w.writeheader()
        for r in calc_rows:
            w.writerow({k: fmt(v) for k, v in r.items()})
    spc = ["metal", "lattice", "stage", "kind", "structure", "config", "dk", "mesh", "n_kpoints", "n_irreducible",
           "natoms", "volume", "energy", "relax_steps", "cpu_seconds", "wall_seconds", "file"]
    with open(out / "singlepoints.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, spc)
        w.writeheader()
        for r in sp_rows:
            w.writerow({k: fmt(v) for k, v in r.items()})
    # cost per stage
    cost = {}
    for r in sp_rows:
        k = (r["lattice"], r["stage"], r["dk"])
        c = cost.setdefault(k, [0, 0.0])
        c[0] += 1
        c[1] += r["cpu_seconds"]
    with open(out / "cost.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["metal", "lattice", "stage", "dk", "n_singlepoints", "cpu_seconds"])
        for (lat, stg, dk), (n, s) in sorted(cost.items()):
            w.writerow([cfg["metal"], lat, stg, dk, n, round(s, 1)])
    # the keys `deltak report` reads: name, properties, sem_frames, cells (training structures)
    manifest["name"] = f"{cfg['metal']} " + ", ".join(cfg["lattices"]) + " (GPAW DFT and DeePMD-kit MLP over Δk)"
    manifest["properties"] = ["properties.csv"]
    manifest["sem_frames"] = sorted(f for lat in manifest["lattices"].values() for f in lat["files"]["sem_extxyz"])
    manifest["cells"] = []
    for lattice in cfg["lattices"]:
        for st in ("pristine", "vacancy", "oh", "td"):
            c = defect_cell(cfg, lattice, st)
            conv = "" if supercell_convention(cfg, lattice) == "primitive" else " conventional"
            manifest["cells"].append({"name": f"{cfg['metal']} {lattice} 2x2x2{conv} {st}", "cell": np.round(c.cell.array, 6).tolist(),
                                      "natoms": len(c)})
        c = primitive(cfg, lattice)
        manifest["cells"].append({"name": f"{cfg['metal']} {lattice} primitive", "cell": np.round(c.cell.array, 6).tolist(),
                                  "natoms": len(c)})
    # dp test -d prefixes with the Δk of the model's training data and the dataset tested
    manifest["dp_test"] = []
    for lat in manifest["lattices"].values():
        for dataset in ("train", "test"):
            for prefix in lat["files"].get(f"dptest_{dataset}", []):
                dk = re.search(r"/dk([0-9.]+)/", prefix)
                if dk is None:
                    raise RuntimeError(f"dp test prefix {prefix}: no dk<Δk> folder in its path")
                manifest["dp_test"].append({"prefix": prefix, "dk": float(dk.group(1)), "dataset": dataset})
    # what is not there yet, in words, for every reader of the manifest (openDataset shows it)
    incomplete = []
    for lattice, st in status.items():
        name = f"{cfg['metal']} {lattice}"
        missing_dft = [d for d in cfg["dks"] if not any(abs(d - x) < 1e-9 for x in st["dft_dks_complete"])]
        if missing_dft:
            incomplete.append(f"{name} DFT properties: not complete at Δk {', '.join(f'{d:g}' for d in missing_dft)} Å⁻¹")
        want_sem = cfg["sem"]["n_per_group"] * len(groups_of(cfg))
        if st["sem"]["complete_configs"] < want_sem:
            n_pts = sum(1 for r in sp_rows if r["lattice"] == lattice and r["stage"] == "sem")
            incomplete.append(f"{name} test set: {st['sem']['complete_configs']} of {want_sem} configurations complete at every Δk "
                              f"({n_pts} of {want_sem * len(cfg['dks'])} single points), so no SEMs and no dp test on a test set of {lattice} yet")
        want_train = train_target(cfg, lattice)
        if st["train"]["complete_configs"] < want_train:
            incomplete.append(f"{name} training set: {st['train']['complete_configs']} of {want_train} configurations complete at every training Δk")
        missing_mlp = [d for d in model_dks_of(cfg, st["mlp_models"]) if not any(abs(d - x) < 1e-9 for x in st["mlp_dks"])]
        if missing_mlp:
            incomplete.append(f"{name} MLP properties: none at Δk {', '.join(f'{d:g}' for d in missing_mlp)} Å⁻¹ (no model trained on {lattice} there)")
    manifest["incomplete"] = incomplete
    manifest["tables"] = {"properties": "properties.csv", "calculations": "calculations.csv",
                          "singlepoints": "singlepoints.csv", "cost": "cost.csv"}
    if by_lattice_file:
        manifest["tables"]["properties_lattice_models"] = by_lattice_file
    manifest["models"] = {"properties_from": mo["properties"], "per_lattice": mo["per_lattice"],
                          "metal_lattices": {f"{dk:g}": lats for dk, lats in sorted(metal_lattices.items())}}
    if by_lattice_file:
        # the per-lattice models as the other choice: what openDataset(dir, {models: "lattice"}) reads
        # instead of properties and dp_test
        # (with the test sets and training cells of those lattices only, so that label noise and model error cover the
        # same configurations and the k-point cost counts their training structures)
        manifest["models"]["alternatives"] = {"lattice": {
            "properties": [by_lattice_file], "dp_test": by_lattice_dp_test,
            "sem_frames": sorted(f for lat in mo["per_lattice"] for f in manifest["lattices"][lat]["files"]["sem_extxyz"]),
            "cells": [c for c in manifest["cells"] if c["name"].split()[1] in mo["per_lattice"]]}}
    manifest["dks"] = cfg["dks"]
    manifest["train_dks"] = cfg["train_dks"]
    manifest["config"] = cfg.get("config_file", "")
    manifest = {k: manifest[k] for k in ["name", "properties", "sem_frames", "cells", "dp_test", "metal", "units", "dks", "train_dks",
                                         "config", "incomplete", "tables", "models", "lattices"]}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    sums = []
    for p in sorted(out.rglob("*")):
        if (p.is_file() and p.name != "SHA256SUMS" and not p.name.startswith(".") and not {"logs", "tasks"} & set(p.relative_to(out).parts)
                and p.suffix != ".tmp"):
            sums.append(f"{sha256(p)}  {p.relative_to(out)}\n")
    (out / "SHA256SUMS").write_text("".join(sums))
    print(f"[tables] {len(prop_rows)} property rows, {len(calc_rows)} calculations, {len(sp_rows)} single points", flush=True)
    return manifest


# ----------------------------------------------------------------------------- main
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", default=str(HERE / "configs" / "al.json"))
    ap.add_argument("--out", help="output folder (default: data/<config out>)")
    ap.add_argument("--smoke", action="store_true", help="EMT, tiny sizes, tiny training: the whole pipeline in minutes")
    ap.add_argument("--lattices", nargs="*")
    ap.add_argument("--stages", nargs="*", default=STAGES, choices=STAGES)
    ap.add_argument("--workers", type=int,
                    help="local runs: tasks at once (default: the config's workers, else the number of cores)")
    ap.add_argument("--machine", help="dpdispatcher machine.json (Slurm, PBS, LSF, Shell; local or SSH); "
                                      "default: this machine's shell")
    ap.add_argument("--resources", help="dpdispatcher resources.json for --machine (queue, CPUs per task, group_size)")
    ap.add_argument("--python", help="Python interpreter of the pipeline on the machine that runs the tasks "
                                     "(default: this one; python3 over SSH)")
    ap.add_argument("--dry-run", action="store_true",
                    help="list the single points of the DFT stages, cached and to compute, and run nothing")
    ap.add_argument("--run-task", metavar="TASK_JSON", help=argparse.SUPPRESS)
    ap.add_argument("--harvest", action="store_true",
                    help="copy the finished points of a running submission into the cache and exit "
                         "(to commit results as they come in)")
    ap.add_argument("--dks", nargs="*", type=float, help="restrict the DFT stages to these Δk")
    ap.add_argument("--order", choices=["asc", "desc"], default="asc",
                    help="props: within a stage, finest Δk first (asc, default) or coarsest first (desc)")
    ap.add_argument("--max-sem", type=int, help="compute only the first N SEM configurations (all groups counted)")
    ap.add_argument("--max-train", type=int,
                    help="compute only the first N training configurations (default: the config's train.n_configs, else all)")
    ap.add_argument("--part", help="I/N: the train and sem stages compute only every N-th configuration from the I-th "
                                   "(0-based), so N processes can share a stage without computing a point twice")
    ap.add_argument("--metal-models", action="store_true",
                    help="also train one model per Δk on all lattices together (config models.per_metal) and take the "
                         "MLP properties from them (models.properties = metal)")
    ap.add_argument("--model-dks", nargs="*", type=float,
                    help="train models (and MLP properties) only at these training Δk (default: all of train_dks)")
    args = ap.parse_args(argv)
    if args.run_task:
        return run_task(args.run_task)
    cfg = load_config(args)
    cfg["config_file"] = "smoke" if args.smoke else os.path.relpath(args.config, REPO)
    out = Path(cfg["out_path"])
    if args.harvest:
        harvest(cfg)
        return 0
    if args.dry_run:
        runner = None
        args.stages = [s for s in args.stages if s in ("props", "train", "sem")]
    else:
        out.mkdir(parents=True, exist_ok=True)
        from dispatch import Runner
        runner = Runner(args.machine, args.resources, args.workers or cfg.get("workers"), args.python)
    if args.max_train:
        cfg["train"]["n_configs"] = args.max_train  # the training set a lattice needs to count as complete
    if args.metal_models:
        cfg.setdefault("models", {}).update(per_metal=True, properties=METAL)
    if args.model_dks:
        bad = [d for d in args.model_dks if not any(abs(d - x) < 1e-9 for x in cfg["train_dks"])]
        if bad:
            raise SystemExit(f"--model-dks {bad} not in the config's train_dks {cfg['train_dks']}")
        cfg["model_dks"] = [x for x in cfg["train_dks"] if any(abs(d - x) < 1e-9 for d in args.model_dks)]
    else:
        cfg["model_dks"] = list(cfg["train_dks"])
    part = None
    if args.part:
        try:
            i, n = (int(x) for x in args.part.split("/"))
            assert 0 <= i < n
        except (ValueError, AssertionError):
            raise SystemExit(f"--part {args.part}: expected I/N with 0 <= I < N, e.g. 0/2")
        part = (i, n)
    t0 = time.time()
    errors = []
    for lattice in cfg["lattices"]:
        dks = [d for d in cfg["dks"] if args.dks is None or any(abs(d - x) < 1e-9 for x in args.dks)]
        tdks = [d for d in cfg["train_dks"] if args.dks is None or any(abs(d - x) < 1e-9 for x in args.dks)]
        if "props" in args.stages:
            # EOS, the defect relaxations at prerelax_dk, the other defects, elastic; then the defect
            # relaxations that start from the prerelaxed ions (a second pass once those exist)
            pdk = cfg["defects"].get("prerelax_dk")
            order = {"eos": 0, "defects": 1, "elastic": 3}
            for stages in ({"eos", "defects"}, {"eos", "defects"}, {"eos", "defects", "elastic"}):
                pj = [j for j in property_jobs(cfg, lattice, dks) if j["stage"] in stages]
                if pdk is not None and not any(abs(d - pdk) < 1e-9 for d in dks):
                    pj += [j for j in property_jobs(cfg, lattice, [pdk], start=None) if j["stage"] == "defects"]
                pj = sorted(pj, key=lambda j: (order[j["stage"]] + (0 if pdk is None or abs(j["dk"] - pdk) < 1e-9 or j["stage"] != "defects" else 1),
                                               j["dk"] if args.order == "asc" else -j["dk"]))
                errors += run_jobs(cfg, pj, runner, f"props {lattice}")
        for which in ("train", "sem"):
            if which not in args.stages:
                continue
            try:
                # configuration-major, cheapest (largest) Δk first: a stopped run leaves whole configurations
                sj = (set_jobs(cfg, lattice, "train", sorted(tdks, reverse=True), args.max_train or cfg["train"].get("n_configs"), part)
                      if which == "train" else set_jobs(cfg, lattice, "sem", sorted(dks, reverse=True), args.max_sem, part))
            except RuntimeError as exc:
                if runner is not None:
                    raise
                print(f"[{which} {lattice}] not listed: {exc}", flush=True)
                continue
            errors += run_jobs(cfg, sj, runner, f"{which} {lattice}")
    mo = model_options(cfg)
    for lattice in mo["per_lattice"]:
        if "models" in args.stages:
            models_stage(cfg, lattice, [lattice], runner)
        if "mlp" in args.stages:
            mlp_stage(cfg, lattice, lattice)
    if mo["per_metal"] and ("models" in args.stages or "mlp" in args.stages):
        # the paper's models: one per Δk on every lattice whose training set is complete
        with_set, left = [], []
        for lattice in cfg["lattices"]:
            ok, why = training_complete(cfg, lattice, cfg["model_dks"])
            (with_set if ok else left).append(lattice if ok else f"{lattice} ({why})")
        if left:
            print(f"[models {METAL}] left out: " + "; ".join(left), flush=True)
        if with_set and "models" in args.stages:
            models_stage(cfg, METAL, with_set, runner)
        if "mlp" in args.stages:
            for lattice in cfg["lattices"]:
                mlp_stage(cfg, METAL, lattice)
    if "tables" in args.stages:
        with open(out / ".tables.lock", "w") as lk:
            fcntl.flock(lk, fcntl.LOCK_EX)
            tables_stage(cfg)
        (out / ".tables.lock").unlink(missing_ok=True)
    print(f"[done] {time.time() - t0:.0f} s wall, {len(errors)} failed single points", flush=True)
    if errors:
        print("failed single points:\n" + "\n".join(e.splitlines()[0] for e in errors), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
