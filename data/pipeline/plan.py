#!/usr/bin/env python
"""A Δk study of any material, on any machine: plan the DFT, run it through the pipeline's job
layer (dispatch.py: dpdispatcher, local shell by default, Slurm/PBS/LSF by machine.json), read
the results back with deltak. Five commands:

  plan.py plan    --out STUDY (--structure POSCAR|x.cif|x.extxyz | --metal Al --lattice fcc --a 4.04)
                  [--dks 0.12 0.18 ...] [--sem 100] [--groups pristine vacancy oh td] [--engines gpaw vasp]
                  [--kpoints kspacing|explicit] [--potcar-dir ~/potpaw_PBE] [--config configs/al.json]
  plan.py inspect STUDY            tasks, k-points and the estimated CPU-hours per stage and Δk
  plan.py submit  STUDY [--engine gpaw|vasp] [--stages sem eos elastic defect] [--dks ...]
                  [--machine machine.json --resources resources.json] [--vasp-command "mpirun vasp_std"]
  plan.py watch   STUDY [--follow 60]   finished, failed and waiting tasks
  plan.py report  STUDY            estimated against measured CPU-hours; deltak's recommended Δk and
                                   what it saves on the training set, in the same CPU-hours

The study tree (one task folder per single point or relaxation; tags in the path):

  STUDY/plan.json
  STUDY/{gpaw,vasp}/sem/{metal}/{lattice}/{structure}/dk{dk}/{config}/    the scale-and-perturb test set
  STUDY/{gpaw,vasp}/properties/{metal}/{lattice}/{kind}/dk{dk}/{name}/     the property calculations
  STUDY/results/…/{config or name}.extxyz                                   finished GPAW tasks, same paths

A GPAW task folder holds task.json and gpaw.py (one script per task), a VASP one POSCAR, INCAR,
KPOINTS (where the mesh is fixed) and POTCAR (from the user's library). Tags in the paths:
metal, lattice; structure (pristine, vacancy, oh, td) and config (its id) of a test-set
configuration; kind (eos, elastic, bulk, vacancy, oh, td: the calculation's own kind tag) of a
property calculation, named v0.970, e1+0.010, single or relax; dk: Δk in Å⁻¹. deltak reads the
results back with

  readFolder("STUDY/results", { pattern: ["sem/{metal}/{lattice}/{structure}/dk{dk}/{config}.extxyz",
                                          "properties/{metal}/{lattice}/{kind}/dk{dk}/*.extxyz"] })
  readFolder("STUDY/vasp", { pattern: ["sem/{metal}/{lattice}/{structure}/dk{dk}/{config}/vasprun.xml",
                                       "properties/{metal}/{lattice}/{kind}/dk{dk}/*/vasprun.xml"] })

The structures, k-point meshes (docs/method.md §2: Γ-centred, N_i = max(1, ⌈|b_i|/Δk⌉), EOS and
elastic points on the mesh of the unscaled, unstrained cell), strains, defect cells and the
scale-and-perturb recipe are build.py's own. Cost estimates use the measured CPU time per
irreducible k-point per atom of the bundled GPAW data (data/al/singlepoints.csv), per stage.
"""
from __future__ import annotations

import argparse
import copy
import csv
import json
import math
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import build  # noqa: E402

REPO = HERE.parents[1]
STAGES = ["eos", "elastic", "defect", "sem"]
COST_STAGE = {"eos": "eos", "elastic": "elastic", "defect": "defects", "sem": "sem"}  # stages of data/al/singlepoints.csv
# the test set carries config (its id) and structure; a property calculation its kind (no config:
# deltak tells the two apart by these tags)
SEM_PATTERN = "sem/{metal}/{lattice}/{structure}/dk{dk}/{config}.extxyz"
PROPS_PATTERN = "properties/{metal}/{lattice}/{kind}/dk{dk}/*.extxyz"
RESULT_PATTERNS = [SEM_PATTERN, PROPS_PATTERN]
VASP_PATTERNS = [SEM_PATTERN.replace(".extxyz", "/vasprun.xml"), PROPS_PATTERN.replace("*.extxyz", "*/vasprun.xml")]
COST_DATA = REPO / "data" / "al" / "singlepoints.csv"
# spglib space-group numbers of the lattices the pipeline builds itself, with atoms per primitive cell
KNOWN = {225: ("fcc", 1), 229: ("bcc", 1), 194: ("hcp", 2)}


def fail(msg):
    raise SystemExit(f"plan.py: {msg}")


# ----------------------------------------------------------------------------- material
def spglib_cell(atoms):
    return (atoms.cell.array, atoms.get_scaled_positions(), atoms.numbers)


def recognise(atoms):
    """(lattice, a, c) when the structure is an elemental FCC, BCC or HCP crystal, else None."""
    import spglib
    if len(set(atoms.numbers)) != 1:
        return None
    ds = spglib.get_symmetry_dataset(spglib_cell(atoms), symprec=1e-3)
    if ds is None or ds.number not in KNOWN:
        return None
    lattice, nprim = KNOWN[ds.number]
    lat, pos, num = spglib.find_primitive(spglib_cell(atoms), symprec=1e-3)
    if len(num) != nprim:
        return None
    vol = abs(np.linalg.det(lat))
    if lattice == "fcc":
        return lattice, (4 * vol) ** (1 / 3), None
    if lattice == "bcc":
        return lattice, (2 * vol) ** (1 / 3), None
    std = np.asarray(ds.std_lattice)
    return lattice, float(np.linalg.norm(std[0])), float(np.linalg.norm(std[2]))


def parse_sites(items):
    sites = {}
    for it in items or []:
        try:
            name, xyz = it.split("=", 1)
            f = [float(x) for x in xyz.split(",")]
            assert len(f) == 3 and name in ("oh", "td")
        except (ValueError, AssertionError):
            fail(f"--site {it!r}: expected oh=f1,f2,f3 or td=f1,f2,f3 (fractional coordinates of the repeated cell)")
        sites[name] = f
    return sites


def material(args, cfg):
    """The config of the study's material (build.py's config with one lattice) and notes."""
    notes = []
    if args.structure:
        from ase.io import read
        path = Path(args.structure)
        if not path.exists():
            fail(f"--structure {path}: no such file")
        try:
            atoms = read(str(path), index=-1) if path.suffix == ".extxyz" else read(str(path))
        except Exception as exc:  # ASE names the line it could not read
            fail(f"--structure {path}: ASE could not read it as POSCAR, CIF or extxyz: {exc}")
        if len(atoms) == 0 or not atoms.pbc.all() or atoms.cell.rank != 3:
            fail(f"--structure {path}: expected a periodic crystal with a 3D cell, got {len(atoms)} atoms, pbc {atoms.pbc.tolist()}")
        rec = None if args.as_given else recognise(atoms)
        if rec:
            lattice, a, c = rec
            metal = atoms.get_chemical_symbols()[0]
            cfg["lattices"] = {lattice: {"a": round(a, 6), **({"c": round(c, 6)} if c else {})}}
            notes.append(f"{path.name}: recognised as {metal} {lattice.upper()} (a = {a:.4f} Å" + (f", c = {c:.4f} Å" if c else "")
                         + "); the cells are built as the pipeline builds its own (ase.build.bulk), so meshes compare "
                           "with the bundled data")
        else:
            import spglib
            ds = spglib.get_symmetry_dataset(spglib_cell(atoms), symprec=1e-3)
            metal = args.name or atoms.get_chemical_formula(mode="reduce")
            lattice = args.lattice or (f"sg{ds.number}" if ds is not None else "p1")
            cfg["lattices"] = {lattice: {
                "a": float(np.linalg.norm(atoms.cell[0])),
                "structure": {"numbers": atoms.numbers.tolist(), "cell": atoms.cell.array.tolist(),
                              "scaled_positions": atoms.get_scaled_positions().tolist()},
                # the reduced strain sets assume the cubic or hexagonal axes along x, y, z: a cell
                # of the user's gets all six Voigt components
                "symmetry": "general",
                **({"sites": parse_sites(args.site)} if args.site else {})}}
            cfg["defects"]["cell"] = {lattice: "primitive"}
            # strained cells with more than one atom relax their ions at fixed cell (internal strain)
            cfg["elastic"]["relax_ions"] = {lattice: len(atoms) > 1}
            notes.append(f"{path.name}: {atoms.get_chemical_formula()}, space group "
                         f"{ds.international if ds is not None else '?'} ({ds.number if ds is not None else '?'}), "
                         f"cell as given; elastic strains: all six Voigt components"
                         + ("; ions relaxed at fixed cell in the strained cells" if len(atoms) > 1 else ""))
    else:
        if not (args.metal and args.lattice and args.a):
            fail("give --structure FILE, or --metal, --lattice (fcc, bcc, hcp) and --a (Å; --c for hcp)")
        if args.lattice not in build.SITES:
            fail(f"--lattice {args.lattice}: expected fcc, bcc or hcp (another crystal: --structure FILE)")
        if args.lattice == "hcp" and not args.c:
            fail("--lattice hcp needs --c (Å)")
        metal, lattice = args.metal, args.lattice
        cfg["lattices"] = {lattice: {"a": args.a, **({"c": args.c} if args.c else {})}}
    cfg["metal"] = metal
    if args.site and "structure" not in cfg["lattices"][lattice]:
        notes.append("--site ignored: the pipeline's own sites of FCC, BCC and HCP are used")
    return cfg, lattice, notes


# ----------------------------------------------------------------------------- k-points and cost
def irreducible(atoms, mesh) -> int:
    """Irreducible k-points of the Γ-centred mesh (spglib, time reversal on; GPAW's own count on
    the bundled data)."""
    import spglib
    mapping, _ = spglib.get_ir_reciprocal_mesh(list(mesh), spglib_cell(atoms), is_shift=[0, 0, 0],
                                               is_time_reversal=True, symprec=1e-5)
    return int(len(np.unique(mapping)))


def cost_rates(path=COST_DATA):
    """CPU seconds per irreducible k-point per atom, per stage, from the bundled GPAW single points:
    Σ cpu / Σ (n_irreducible · natoms) over the stage (the expensive points weigh most)."""
    if not path.exists():
        fail(f"{path}: the bundled single points the cost estimate is based on are missing")
    rows = list(csv.DictReader(open(path)))
    need = {"stage", "cpu_seconds", "n_irreducible", "natoms"}
    if not rows or not need <= set(rows[0]):
        fail(f"{path}: expected columns {sorted(need)}")
    rates = {}
    for stage in ("eos", "elastic", "defects", "train", "sem"):
        r = [x for x in rows if x["stage"] == stage and int(x["n_irreducible"]) > 0]
        if not r:
            fail(f"{path}: no {stage} single points with an irreducible k-point count")
        per = [float(x["cpu_seconds"]) / (int(x["n_irreducible"]) * int(x["natoms"])) for x in r]
        rates[stage] = {"cpu_seconds_per_irreducible_kpoint_per_atom":
                        sum(float(x["cpu_seconds"]) for x in r) / sum(int(x["n_irreducible"]) * int(x["natoms"]) for x in r),
                        "points": len(r), "min": min(per), "median": float(np.median(per)), "max": max(per)}
    return {"source": os.path.relpath(path, REPO), "unit": "CPU s per irreducible k-point per atom",
            "code": "GPAW 25.7.0 plane waves 300 eV, PBE, Al (3 valence electrons), 1 core per point",
            "note": "an Al-like price: a code, cutoff or element with more electrons per atom costs more per k-point",
            "rates": rates}


# ----------------------------------------------------------------------------- the tree
def task_tags(job):
    """(stage, kind, structure, config) of a build.py job: kind is the calculation's own kind tag
    (None for the test set), structure its group (None for the property calculations)."""
    st = job["stage"]
    if st in ("eos", "elastic"):
        return st, st, None, job["label"]
    if st == "defects":
        return "defect", job["tags"]["kind"], None, ("relax" if job["relax"] else "single")
    return "sem", None, job["tags"]["structure"], job["tags"]["config"]


def rel_dir(metal, lattice, kind, structure, dk, config) -> Path:
    if kind is None:
        return Path("sem") / metal / lattice / structure / f"dk{dk:.2f}" / config
    return Path("properties") / metal / lattice / kind / f"dk{dk:.2f}" / config


def incar_base(cfg, overrides):
    """INCAR tags of every task: the paper's VASP settings (PREC Accurate, ENCUT 524 eV, EDIFF
    1e-7 eV), the smearing of the config's calculator (Methfessel–Paxton order → ISMEAR, width →
    SIGMA in eV), then the user's --incar KEY=VALUE."""
    occ = cfg.get("calculator", {}).get("occupations", {})
    tags = {"PREC": "Accurate", "ENCUT": "524", "EDIFF": "1E-7", "LREAL": ".FALSE.", "LWAVE": ".FALSE.", "LCHARG": ".FALSE."}
    if occ.get("name") == "methfessel-paxton":
        tags.update(ISMEAR=str(occ.get("order", 1)), SIGMA=f"{occ['width']:g}")
    elif occ.get("name") == "fermi-dirac":
        tags.update(ISMEAR="-1", SIGMA=f"{occ['width']:g}")
    else:
        tags.update(ISMEAR="1", SIGMA="0.1")
    for it in overrides or []:
        if "=" not in it:
            fail(f"--incar {it!r}: expected KEY=VALUE, e.g. ENCUT=600")
        k, v = (x.strip() for x in it.split("=", 1))
        if k.upper() in ("KSPACING", "KGAMMA", "IBRION", "NSW", "ISIF", "SYSTEM"):
            fail(f"--incar {k}: set by the plan per task (k-points by Δk, relaxation by task kind)")
        tags[k.upper()] = v
    return tags


def incar(base, cfg, job, dk, explicit, title):
    lines = [f"SYSTEM = {title}"] + [f"{k} = {v}" for k, v in base.items()] + ["ISIF = 2"]
    if job["relax"]:
        r = build.relax_settings(cfg)
        lines += ["IBRION = 2", f"NSW = {r['max_steps']}", f"EDIFFG = -{r['fmax']}"]
    else:
        lines += ["IBRION = -1", "NSW = 0"]
    if not explicit:
        lines += [f"KSPACING = {dk:.6g}", "KGAMMA = .TRUE."]
    return "\n".join(lines) + "\n"


def write_poscar(atoms, path, title, species):
    """POSCAR with the atoms grouped by species in the material's order (the POTCAR's order)."""
    from ase.io import write
    order = sorted(range(len(atoms)), key=lambda i: species.index(atoms[i].symbol))
    write(str(path), atoms[order], format="vasp", direct=True, vasp5=True)
    lines = path.read_text().splitlines()
    path.write_text("\n".join([title] + lines[1:]) + "\n")
    return lines[5].split()


def potcar_names(args, species):
    names = {s: s for s in species}
    for it in args.potcar or []:
        if "=" not in it:
            fail(f"--potcar {it!r}: expected ELEMENT=NAME, e.g. Al=Al or Cu=Cu_pv")
        el, name = it.split("=", 1)
        names[el] = name
    return names


def potcar_text(lib: Path, names, species):
    parts = []
    for s in species:
        f = lib / names[s] / "POTCAR"
        if not f.exists():
            fail(f"--potcar-dir {lib}: no {names[s]}/POTCAR for {s} (expected {f}; choose another with --potcar {s}=NAME)")
        parts.append(f.read_text())
    return "".join(parts)


def cmd_plan(args):
    cfg = json.loads(Path(args.config).read_text())
    cfg, lattice, notes = material(args, cfg)
    metal = cfg["metal"]
    dks = sorted(set(args.dks))
    if any(d <= 0 for d in dks):
        fail(f"--dks: expected Δk > 0 in Å⁻¹, got {args.dks}")
    cfg["dks"] = dks
    cfg["train_dks"] = sorted(set(args.train_dks or [d for d in dks if d >= args.min_train_dk]))
    if args.calculator:
        cfg["calculator"] = {"name": args.calculator}
    groups = args.groups
    cfg["defects"]["groups"] = groups
    cfg["defects"]["start"] = "ideal"
    cfg["defects"].pop("prerelax_dk", None)
    cfg["sem"]["n_per_group"] = args.sem
    cfg["train"]["supercell_round"] = [g for g in cfg["train"]["supercell_round"] if g in groups]
    cfg["out_path"] = "."
    try:
        for g in groups:
            build.defect_cell(cfg, lattice, g)
    except (ValueError, RuntimeError) as exc:
        fail(f"{exc} (plan.py: --site oh=f1,f2,f3); or leave the group out with --groups {' '.join(g for g in groups if g in ('pristine', 'vacancy'))}")
    out = Path(args.out)
    if (out / "plan.json").exists() and not args.force:
        fail(f"{out}/plan.json exists: a study is planned there already (--force writes it again; finished results stay)")
    out.mkdir(parents=True, exist_ok=True)
    stages = [k for k in STAGES if k in args.stages]
    jobs = []
    if set(stages) & {"eos", "elastic", "defect"}:
        jobs += [j for j in build.property_jobs(cfg, lattice, dks, start=None) if task_tags(j)[0] in stages]
    if "sem" in stages:
        jobs += build.set_jobs(cfg, lattice, "sem", dks)
    rates = cost_rates()
    tcfg = {k: v for k, v in cfg.items() if k != "out_path"}
    tcfg["out_path"] = "."
    engines = args.engines
    explicit_all = args.kpoints == "explicit"
    potcars, potcar_cache = None, {}
    incar_tags = incar_base(cfg, args.incar) if "vasp" in engines else None
    species_order = list(dict.fromkeys(build.primitive(cfg, lattice).get_chemical_symbols()))
    tasks = []
    nibz_cache = {}
    for j in jobs:
        stage, kind, structure, config = task_tags(j)
        rel = rel_dir(metal, lattice, kind, structure, j["dk"], config)
        at = j["atoms"]
        mesh = [int(x) for x in j["mesh"]]
        own = list(build.kmesh(at.cell, j["dk"]))
        ck = (tuple(np.round(at.cell.array, 8).ravel()), tuple(np.round(at.get_scaled_positions(), 8).ravel()),
              tuple(at.numbers), tuple(mesh))
        if ck not in nibz_cache:
            nibz_cache[ck] = irreducible(at, mesh)
        nibz = nibz_cache[ck]
        rate = rates["rates"][COST_STAGE[stage]]["cpu_seconds_per_irreducible_kpoint_per_atom"]
        key = build.cache_key(cfg, j)
        t = {"id": str(rel), "stage": stage, "kind": kind, "structure": structure, "config": config, "dk": j["dk"], "natoms": len(at),
             "mesh": mesh, "n_kpoints": int(np.prod(mesh)), "n_irreducible": nibz, "relax": bool(j["relax"]),
             "estimate_cpu_hours": rate * nibz * len(at) / 3600, "cache_key": key}
        # VASP's KSPACING gives each cell its own mesh; the EOS and elastic sets (one mesh for the
        # whole set) and cells whose |b_i|/Δk lies on an integer (where rounding could differ) get
        # an explicit KPOINTS
        b = 2 * math.pi * np.linalg.inv(at.cell.array).T
        ratios = [float(np.linalg.norm(x)) / j["dk"] for x in b]
        on_edge = any(abs(r - round(r)) < 1e-6 for r in ratios)
        explicit = explicit_all or stage in ("eos", "elastic") or mesh != own or on_edge
        t["vasp_kpoints"] = "KPOINTS" if explicit else "KSPACING"
        title = f"{metal} {lattice} {stage} {kind or structure} {config} dk={j['dk']:.2f}"
        if "gpaw" in engines:
            d = out / "gpaw" / rel
            d.mkdir(parents=True, exist_ok=True)
            (d / "task.json").write_text(json.dumps({"cfg": tcfg, "key": key, "job": build.job_to_json(j)}))
            up = os.path.relpath(out / "gpaw", d)
            (d / "gpaw.py").write_text(
                f'"""{title}: {"relaxation at fixed cell (BFGS)" if j["relax"] else "single point"}, Γ-centred '
                f'{"x".join(map(str, mesh))} mesh ({nibz} irreducible k-points), {len(at)} atoms.\n'
                f'Runs by `plan.py submit` or by hand (python gpaw.py); writes result.extxyz and logs/."""\n'
                "import os\nimport sys\n\n"
                "here = os.path.dirname(os.path.abspath(__file__))\n"
                f"sys.path.insert(0, os.path.join(here, {up!r}))  # build.py, beside the tree\n"
                "os.chdir(here)\n"
                "from build import run_task  # noqa: E402\n\n"
                "sys.exit(run_task('task.json'))\n")
        if "vasp" in engines:
            d = out / "vasp" / rel
            d.mkdir(parents=True, exist_ok=True)
            species = write_poscar(at, d / "POSCAR", title, species_order)
            if potcars is None:
                potcars = potcar_names(args, species)
            (d / "INCAR").write_text(incar(incar_tags, cfg, j, j["dk"], explicit, title))
            kp = d / "KPOINTS"
            if explicit:
                kp.write_text(f"{title}: Γ-centred mesh of docs/method.md §2\n0\nGamma\n{' '.join(map(str, mesh))}\n0 0 0\n")
            elif kp.exists():
                kp.unlink()
            if args.potcar_dir:
                sk = tuple(species)
                if sk not in potcar_cache:
                    potcar_cache[sk] = potcar_text(Path(args.potcar_dir), potcars, species)
                (d / "POTCAR").write_text(potcar_cache[sk])
        tasks.append(t)
    if "gpaw" in engines:
        build.stage_code(out / "gpaw")
    # the training set the recommendation is for: build.py's scale-and-perturb training
    # structures (its train.n_configs, or --train), priced at every training Δk
    n_train = args.train or cfg["train"].get("n_configs") or len(build.train_structures(cfg, lattice))
    train_structs = build.train_structures(cfg, lattice)[:n_train]
    train_rate = rates["rates"]["train"]["cpu_seconds_per_irreducible_kpoint_per_atom"]
    training = {"n_configs": len(train_structs), "source": "build.py train_structures (from the ideal defect cells)",
                "cells": [{"name": name, "cell": np.round(at.cell.array, 6).tolist(), "natoms": len(at)}
                          for name, _, _, at in train_structs], "by_dk": []}
    for dk in cfg["train_dks"]:
        nk = ni = 0
        cpu = 0.0
        for _, _, _, at in train_structs:
            mesh = build.kmesh(at.cell, dk)
            n = irreducible(at, mesh)
            nk += int(np.prod(mesh))
            ni += n
            cpu += train_rate * n * len(at)
        training["by_dk"].append({"dk": dk, "n_kpoints": nk, "n_irreducible": ni, "estimate_cpu_hours": cpu / 3600})
    by = {}
    for t in tasks:
        k = (t["stage"], t["dk"])
        e = by.setdefault(k, {"stage": t["stage"], "dk": t["dk"], "tasks": 0, "n_irreducible": 0, "estimate_cpu_hours": 0.0})
        e["tasks"] += 1
        e["n_irreducible"] += t["n_irreducible"]
        e["estimate_cpu_hours"] += t["estimate_cpu_hours"]
    plan = {
        "study": "Δk study planned by data/pipeline/plan.py",
        "material": {"metal": metal, "lattice": lattice, "notes": notes,
                     "primitive_cell": np.round(build.primitive(cfg, lattice).cell.array, 6).tolist()},
        "dks": dks, "train_dks": cfg["train_dks"], "groups": groups, "sem_per_group": args.sem, "stages": stages,
        "engines": engines, "kpoints": args.kpoints,
        "layout": {"gpaw_tasks": ["gpaw/" + p.replace(".extxyz", "/") for p in RESULT_PATTERNS],
                   "gpaw_results": ["results/" + p for p in RESULT_PATTERNS],
                   "vasp_tasks": ["vasp/" + p.replace("vasprun.xml", "") for p in VASP_PATTERNS],
                   "readFolder": {"results": RESULT_PATTERNS, "vasp": VASP_PATTERNS}},
        "test_set_start": "ideal defect cells (no DFT relaxation exists yet), scale-and-perturb as build.py",
        "vasp": {"potcars": potcars, "incar": incar_tags, "potcar_dir": str(Path(args.potcar_dir).resolve()) if args.potcar_dir else None,
                 "note": "POTCARs are licensed: give --potcar-dir (a folder with <name>/POTCAR) to plan or submit"}
        if "vasp" in engines else None,
        "calculator": cfg["calculator"],
        "cost_model": rates,
        "estimate": {"by_stage_dk": sorted(by.values(), key=lambda e: (STAGES.index(e["stage"]), e["dk"])),
                     "total_cpu_hours": sum(t["estimate_cpu_hours"] for t in tasks)},
        "training_set": training,
        "tasks": tasks,
    }
    (out / "plan.json").write_text(json.dumps(plan, indent=1, ensure_ascii=False) + "\n")
    print(f"planned {len(tasks)} tasks ({', '.join(engines)}) for {metal} {lattice} at Δk {dks} Å⁻¹ in {out}")
    for n in notes:
        print(f"  {n}")
    print(f"  estimate: {plan['estimate']['total_cpu_hours']:.2f} CPU-hours (GPAW-like, {rates['source']}); "
          f"next: plan.py inspect {out}")
    return 0


# ----------------------------------------------------------------------------- inspect / watch
def load_plan(study) -> tuple[Path, dict]:
    out = Path(study).resolve()
    p = out / "plan.json"
    if not p.exists():
        fail(f"{p}: no plan (write one with plan.py plan --out {out} ...)")
    return out, json.loads(p.read_text())


def table(rows, cols):
    w = [max(len(str(c)), *(len(str(r[i])) for r in rows)) if rows else len(str(c)) for i, c in enumerate(cols)]
    print("  ".join(str(c).ljust(w[i]) for i, c in enumerate(cols)))
    for r in rows:
        print("  ".join(str(x).ljust(w[i]) for i, x in enumerate(r)))


def cmd_inspect(args):
    out, plan = load_plan(args.study)
    m = plan["material"]
    print(f"{m['metal']} {m['lattice']}: {len(plan['tasks'])} tasks, engines {', '.join(plan['engines'])}, Δk {plan['dks']} Å⁻¹")
    for n in m["notes"]:
        print(f"  {n}")
    rows = [(e["stage"], f"{e['dk']:.2f}", e["tasks"], e["n_irreducible"], f"{e['estimate_cpu_hours']:.3f}")
            for e in plan["estimate"]["by_stage_dk"]]
    table(rows, ["stage", "Δk (Å⁻¹)", "tasks", "irreducible k", "estimate (CPU-h)"])
    print(f"total estimate: {plan['estimate']['total_cpu_hours']:.2f} CPU-hours ({plan['cost_model']['unit']} "
          f"from {plan['cost_model']['source']}; {plan['cost_model']['note']})")
    tr = plan["training_set"]
    print(f"training set ({tr['n_configs']} configurations), estimate at each training Δk:")
    table([(f"{e['dk']:.2f}", e["n_kpoints"], e["n_irreducible"], f"{e['estimate_cpu_hours']:.3f}") for e in tr["by_dk"]],
          ["Δk (Å⁻¹)", "k-points", "irreducible k", "estimate (CPU-h)"])
    if plan.get("vasp"):
        v = plan["vasp"]
        print(f"VASP POTCARs needed: {', '.join(f'{k}: {n}' for k, n in v['potcars'].items())}"
              + (f" (from {v['potcar_dir']})" if v["potcar_dir"] else " (not written: give --potcar-dir to submit)"))
    print(f"read back with deltak: readFolder('{out}/results', {{ pattern: {json.dumps(RESULT_PATTERNS)} }})")
    return 0


def task_state(out, t, engine):
    if engine == "gpaw":
        if (out / "results" / (t["id"] + ".extxyz")).exists():
            return "done"
        d = out / "gpaw" / t["id"]
    else:
        d = out / "vasp" / t["id"]
        if (d / "vasp.done").exists():
            return "done"
    if (d / "failed.txt").exists():
        return "failed"
    if (d / "task.out").exists() or (d / "task.err").exists():
        return "started"
    return "waiting"


def cmd_watch(args):
    out, plan = load_plan(args.study)
    while True:
        for engine in plan["engines"]:
            by = {}
            for t in plan["tasks"]:
                s = task_state(out, t, engine)
                e = by.setdefault((t["stage"], t["dk"]), {"done": 0, "started": 0, "failed": 0, "waiting": 0})
                e[s] += 1
            print(f"{engine} ({time.strftime('%H:%M:%S')}):")
            table([(k, f"{dk:.2f}", e["done"], e["started"], e["failed"], e["waiting"]) for (k, dk), e in
                   sorted(by.items(), key=lambda x: (STAGES.index(x[0][0]), x[0][1]))],
                  ["stage", "Δk (Å⁻¹)", "done", "started", "failed", "waiting"])
            failed = [t["id"] for t in plan["tasks"] if task_state(out, t, engine) == "failed"]
            for f in failed[:20]:
                print(f"  failed: {engine}/{f} (see failed.txt and task.err there)")
        if not args.follow:
            return 0
        time.sleep(args.follow)


# ----------------------------------------------------------------------------- submit
def cmd_submit(args):
    from dispatch import Runner, Task
    out, plan = load_plan(args.study)
    engine = args.engine
    if engine not in plan["engines"]:
        fail(f"{out}: planned for {plan['engines']}, not {engine}")
    sel = [t for t in plan["tasks"] if (not args.stages or t["stage"] in args.stages)
           and (not args.dks or any(abs(t["dk"] - d) < 1e-9 for d in args.dks))]
    todo = [t for t in sel if task_state(out, t, engine) != "done"]
    print(f"[submit {engine}] {len(sel)} tasks, {len(sel) - len(todo)} done, {len(todo)} to run", flush=True)
    if not todo:
        return 0
    runner = Runner(args.machine, args.resources, args.workers, args.python)
    root = out / engine
    if engine == "gpaw":
        build.stage_code(root)
    tasks = []
    for t in todo:
        d = root / t["id"]
        for f in ("failed.txt", "task.err", "task.out", "result.extxyz"):
            (d / f).unlink(missing_ok=True)
        if engine == "gpaw":
            tasks.append(Task(name=t["id"], work_path=t["id"], command=f"{shlex.quote(runner.python)} gpaw.py",
                              forward_files=["task.json", "gpaw.py"], backward_files=["result.extxyz", "logs"],
                              done="result.extxyz", plan=t))
        else:
            if not (d / "POTCAR").exists():
                if not (args.potcar_dir or (plan["vasp"] or {}).get("potcar_dir")):
                    fail(f"{d}: no POTCAR; POTCARs are licensed: give --potcar-dir (a folder with "
                         f"{', '.join(f'{n}/POTCAR' for n in plan['vasp']['potcars'].values())})")
                species = (d / "POSCAR").read_text().splitlines()[5].split()
                (d / "POTCAR").write_text(potcar_text(Path(args.potcar_dir or plan["vasp"]["potcar_dir"]),
                                                      plan["vasp"]["potcars"], species))
            cmd = (f"( {args.vasp_command} ) && grep -q 'General timing and accounting' OUTCAR && touch vasp.done")
            fwd = ["POSCAR", "INCAR", "POTCAR"] + (["KPOINTS"] if (d / "KPOINTS").exists() else [])
            tasks.append(Task(name=t["id"], work_path=t["id"], command=cmd, forward_files=fwd,
                              backward_files=["OUTCAR", "vasprun.xml", "OSZICAR", "CONTCAR", "vasp.done"],
                              done="vasp.done", plan=t))
    failed = runner.run(tasks, root, f"submit {engine}", build.TASK_CODE if engine == "gpaw" else ())
    bad = {f["name"]: f for f in failed}
    n = 0
    for t in tasks:
        d = root / t["work_path"]
        if t["name"] in bad:
            f = bad[t["name"]]
            (d / "failed.txt").write_text(f"failed after retries; log {f['log']}\n{f['tail']}")
            continue
        if engine == "gpaw":
            dst = out / "results" / (t["work_path"] + ".extxyz")
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.replace(d / "result.extxyz", dst)
        n += 1
    print(f"[submit {engine}] {n}/{len(tasks)} finished", flush=True)
    for f in failed:
        print(f"[submit {engine}] FAILED {f['name']}: task folder {f['work_path']}, log {f['log']}\n{f['tail']}",
              file=sys.stderr, flush=True)
    return 1 if failed else 0


# ----------------------------------------------------------------------------- report
def outcar_cpu(path: Path):
    for line in path.read_text(errors="replace").splitlines()[::-1]:
        if "Total CPU time used (sec):" in line:
            return float(line.split(":")[1])
    return None


def cmd_report(args):
    from ase.io import read, write
    out, plan = load_plan(args.study)
    rep = out / "report"
    rep.mkdir(exist_ok=True)
    rows = []
    measured = {}
    missing = 0
    for engine in plan["engines"]:
        for t in plan["tasks"]:
            if engine == "gpaw":
                f = out / "results" / (t["id"] + ".extxyz")
                cpu = float(read(str(f)).info["cpu_seconds"]) if f.exists() else None
            else:
                f = out / "vasp" / t["id"] / "OUTCAR"
                cpu = outcar_cpu(f) if (out / "vasp" / t["id"] / "vasp.done").exists() else None
            if cpu is None:
                missing += 1
                continue
            e = measured.setdefault((engine, t["stage"], t["dk"]), [0, 0.0])
            e[0] += 1
            e[1] += cpu / 3600
    for e in plan["estimate"]["by_stage_dk"]:
        for engine in plan["engines"]:
            m = measured.get((engine, e["stage"], e["dk"]))
            rows.append({"engine": engine, "stage": e["stage"], "dk": e["dk"], "tasks": e["tasks"],
                         "estimate_cpu_hours": round(e["estimate_cpu_hours"], 4),
                         "finished": m[0] if m else 0, "measured_cpu_hours": round(m[1], 4) if m else ""})
    with open(rep / "cost.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    print("CPU-hours per stage and Δk: the plan's estimate against the measured cost of the finished tasks")
    table([(r["engine"], r["stage"], f"{r['dk']:.2f}", r["tasks"], f"{r['estimate_cpu_hours']:.3f}", r["finished"],
            f"{r['measured_cpu_hours']:.4f}" if r["measured_cpu_hours"] != "" else "—") for r in rows],
          ["engine", "stage", "Δk (Å⁻¹)", "tasks", "estimate (CPU-h)", "finished", "measured (CPU-h)"])
    est = sum(r["estimate_cpu_hours"] for r in rows if r["finished"] == r["tasks"])
    mea = sum(r["measured_cpu_hours"] for r in rows if r["finished"] == r["tasks"] and r["measured_cpu_hours"] != "")
    print(f"complete stage × Δk groups: estimate {est:.3f} CPU-h, measured {mea:.3f} CPU-h; "
          f"{missing} task results not there yet; table in {rep / 'cost.csv'}")
    # deltak's report of the finished results, read with the documented patterns: the property
    # calculations (Fig. 3, thresholds) and the test set (SEMs, the recommendation)
    have = {s: sum((out / "results" / (t["id"] + ".extxyz")).exists() for t in plan["tasks"] if t["stage"] == s) for s in STAGES}
    manifest = {"name": f"{plan['material']['metal']} {plan['material']['lattice']} Δk study ({out.name})",
                "dks": plan["dks"], "train_dks": plan["train_dks"],
                "cells": plan["training_set"]["cells"]}
    if any(have[s] for s in ("eos", "elastic", "defect")):
        manifest["calculations"] = [{"path": "../results/properties", "pattern": PROPS_PATTERN.split("/", 1)[1]}]
    if have["sem"]:
        manifest["sem_frames"] = [{"path": "../results/sem", "pattern": SEM_PATTERN.split("/", 1)[1]}]
    rec_path = Path(args.recommendation) if args.recommendation else rep / "deltak" / "recommendation.json"
    if not args.recommendation and have["sem"]:
        (rep / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
        npx = shutil.which("npx")
        if npx and (REPO / "node_modules" / ".bin" / "deltak").exists():
            r = subprocess.run([npx, "--no-install", "deltak", "report", str(rep / "manifest.json"), "--out", str(rep / "deltak")],
                               cwd=REPO, capture_output=True, text=True)
            if r.returncode != 0:
                fail(f"deltak report {rep / 'manifest.json'} failed:\n{r.stderr[-2000:]}")
            print(f"deltak report of {have['sem']} test-set and {sum(have.values()) - have['sem']} property results: {rep / 'deltak'}")
        else:
            print(f"deltak's command line is not installed here: run npx deltak report {rep / 'manifest.json'} --out "
                  f"{rep / 'deltak'} where it is, then plan.py report {out} --recommendation {rep / 'deltak'}/recommendation.json")
    elif not have["sem"]:
        print("no test-set result yet: no SEMs and no recommendation")
    if rec_path.exists():
        rec = json.loads(rec_path.read_text())
        dk = rec.get("dk")
        tr = {round(e["dk"], 6): e for e in plan["training_set"]["by_dk"]}
        if dk is None:
            print(f"deltak recommends no Δk: {rec.get('reason', '')}")
        else:
            base = min(plan["train_dks"])
            if round(dk, 6) not in tr:
                fail(f"{rec_path}: recommended Δk {dk} Å⁻¹ is not one of the plan's training Δk {plan['train_dks']}")
            a, b = tr[round(base, 6)], tr[round(dk, 6)]
            saving = {"recommended_dk": dk, "baseline_dk": base, "training_configs": plan["training_set"]["n_configs"],
                      "baseline_cpu_hours": a["estimate_cpu_hours"], "recommended_cpu_hours": b["estimate_cpu_hours"],
                      "saved_cpu_hours": a["estimate_cpu_hours"] - b["estimate_cpu_hours"],
                      "baseline_irreducible": a["n_irreducible"], "recommended_irreducible": b["n_irreducible"]}
            (rep / "saving.json").write_text(json.dumps(saving, indent=1) + "\n")
            print(f"recommended Δk {dk} Å⁻¹: the training set ({saving['training_configs']} configurations) costs an estimated "
                  f"{b['estimate_cpu_hours']:.2f} CPU-h instead of {a['estimate_cpu_hours']:.2f} CPU-h at the finest training "
                  f"Δk {base} Å⁻¹ (saves {saving['saved_cpu_hours']:.2f} CPU-h; {a['n_irreducible']} → {b['n_irreducible']} "
                  f"irreducible k-points)")
    return 0


# ----------------------------------------------------------------------------- main
def main(argv=None):
    ap = argparse.ArgumentParser(prog="plan.py", description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n", 2)[2])
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("plan", help="write the job tree and plan.json")
    p.add_argument("--out", required=True, help="study folder")
    p.add_argument("--structure", help="the material's cell: POSCAR, CIF or extxyz (read by ASE)")
    p.add_argument("--as-given", action="store_true", help="use the structure's cell as given even for FCC/BCC/HCP elements")
    p.add_argument("--name", help="metal tag of a structure (default: its formula)")
    p.add_argument("--metal", help="element, with --lattice and --a")
    p.add_argument("--lattice", help="fcc, bcc or hcp with --metal; a structure's lattice tag (default sg<number>)")
    p.add_argument("--a", type=float, help="lattice constant a (Å)")
    p.add_argument("--c", type=float, help="lattice constant c (Å, hcp)")
    p.add_argument("--site", action="append", help="interstitial site of a structure's repeated cell: oh=f1,f2,f3 (fractional)")
    p.add_argument("--dks", type=float, nargs="+", default=[0.09, 0.12, 0.18, 0.24, 0.30, 0.36, 0.66, 0.96],
                   help="Δk values (Å⁻¹; default the paper's eight)")
    p.add_argument("--train-dks", type=float, nargs="+", help="training Δk of the cost comparison (default: the --dks from 0.12)")
    p.add_argument("--min-train-dk", type=float, default=0.12, help=argparse.SUPPRESS)
    p.add_argument("--sem", type=int, default=100, help="test-set configurations per group (default 100, as the paper)")
    p.add_argument("--groups", nargs="+", default=list(build.GROUPS), choices=build.GROUPS)
    p.add_argument("--stages", nargs="+", default=STAGES, choices=STAGES, help="what to plan (default all)")
    p.add_argument("--train", type=int, help="training configurations of the cost comparison (default the config's train.n_configs)")
    p.add_argument("--engines", nargs="+", default=["gpaw", "vasp"], choices=["gpaw", "vasp"])
    p.add_argument("--kpoints", choices=["kspacing", "explicit"], default="kspacing",
                   help="VASP: KSPACING + KGAMMA in the INCAR (default; explicit KPOINTS where the method fixes the mesh) or KPOINTS everywhere")
    p.add_argument("--potcar-dir", help="the user's POTCAR library: a folder with <name>/POTCAR")
    p.add_argument("--potcar", action="append", help="POTCAR of an element, e.g. Cu=Cu_pv (default: the element's name)")
    p.add_argument("--incar", action="append", help="INCAR tag of every VASP task, e.g. ENCUT=600 (default: the paper's settings)")
    p.add_argument("--config", default=str(HERE / "configs" / "al.json"),
                   help="pipeline config with the calculator, EOS, strain, defect and perturbation settings")
    p.add_argument("--calculator", choices=["gpaw", "emt"], help="override the config's calculator (emt: a test of the tree, no DFT)")
    p.add_argument("--force", action="store_true")
    p = sub.add_parser("inspect", help="tasks, k-points and estimated CPU-hours")
    p.add_argument("study")
    p = sub.add_parser("submit", help="run the tasks through dpdispatcher")
    p.add_argument("study")
    p.add_argument("--engine", choices=["gpaw", "vasp"], default="gpaw")
    p.add_argument("--stages", nargs="+", choices=STAGES)
    p.add_argument("--dks", type=float, nargs="+")
    p.add_argument("--machine", help="dpdispatcher machine.json (default: this machine's shell)")
    p.add_argument("--resources", help="dpdispatcher resources.json")
    p.add_argument("--workers", type=int, help="local shell: tasks at once (default: cores)")
    p.add_argument("--python", help="the pipeline's Python on the machine that runs the tasks")
    p.add_argument("--vasp-command", default="vasp_std", help="VASP command line (default vasp_std)")
    p.add_argument("--potcar-dir", help="POTCAR library when the plan has none")
    p = sub.add_parser("watch", help="finished, failed and waiting tasks")
    p.add_argument("study")
    p.add_argument("--follow", type=float, help="repeat every this many seconds")
    p = sub.add_parser("report", help="estimated against measured CPU-hours; recommended Δk and its saving")
    p.add_argument("study")
    p.add_argument("--recommendation", help="deltak's recommendation.json (default: run deltak report on the test set)")
    args = ap.parse_args(argv)
    return {"plan": cmd_plan, "inspect": cmd_inspect, "submit": cmd_submit, "watch": cmd_watch, "report": cmd_report}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
