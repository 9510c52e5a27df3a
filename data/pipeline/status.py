#!/usr/bin/env python
"""Markdown tables of what a pipeline output folder holds: single points per stage and Δk with
CPU time, model training cost, and the DFT/MLP property sweep side by side.

  .venv/bin/python data/pipeline/status.py data/al
"""
import csv
import json
import sys
from collections import defaultdict
from pathlib import Path


def main(folder):
    out = Path(folder)
    cost = list(csv.DictReader(open(out / "cost.csv")))
    man = json.load(open(out / "manifest.json"))
    print("### Single points and CPU time (s) per stage and Δk\n")
    for lattice in man["lattices"]:
        rows = [r for r in cost if r["lattice"] == lattice]
        if not rows:
            continue
        stages = [s for s in ("eos", "elastic", "defects", "train", "sem") if any(r["stage"] == s for r in rows)]
        dks = sorted({float(r["dk"]) for r in rows})
        print(f"{lattice.upper()}:\n")
        print("| Δk | " + " | ".join(stages) + " |")
        print("| --- | " + " | ".join("---" for _ in stages) + " |")
        tot = defaultdict(float)
        for dk in dks:
            cells = []
            for s in stages:
                r = [x for x in rows if x["stage"] == s and float(x["dk"]) == dk]
                if r:
                    cells.append(f"{r[0]['n_singlepoints']} / {float(r[0]['cpu_seconds']):.0f}")
                    tot[s] += float(r[0]["cpu_seconds"])
                else:
                    cells.append("—")
            print(f"| {dk:g} | " + " | ".join(cells) + " |")
        print("| CPU h | " + " | ".join(f"{tot[s] / 3600:.2f}" for s in stages) + " |\n")
        st = man["lattices"][lattice]["status"]
        print(f"Status: {json.dumps(st, ensure_ascii=False)}\n")
        if (out / "models" / lattice).is_dir():
            print(f"Models of {lattice.upper()} alone: {models_cost(out / 'models' / lattice)}\n")
    if (out / "models" / "metal").is_dir():
        lats = man.get("models", {}).get("metal_lattices", {})
        print(f"Metal-wide models (lattices per Δk: {json.dumps(lats)}): {models_cost(out / 'models' / 'metal')}\n")
    props = list(csv.DictReader(open(out / "properties.csv")))
    for lattice in man["lattices"]:
        pr = [p for p in props if p["lattice"] == lattice]
        if not pr:
            continue
        names = []
        for p in pr:
            if p["property"] not in names:
                names.append(p["property"])
        dks = sorted({float(p["dk"]) for p in pr})
        print(f"### {man['metal']} {lattice.upper()} properties, DFT / MLP\n")
        print("| Δk | " + " | ".join(f"{n} ({next(p['unit'] for p in pr if p['property'] == n)})" for n in names) + " |")
        print("| --- | " + " | ".join("---" for _ in names) + " |")
        for dk in dks:
            cells = []
            for n in names:
                v = {p["method"]: float(p["value"]) for p in pr if p["property"] == n and float(p["dk"]) == dk}
                f = (lambda x: f"{x:.4g}")
                cells.append(" / ".join(f(v[m]) if m in v else "—" for m in ("DFT", "MLP")))
            print(f"| {dk:g} | " + " | ".join(cells) + " |")
        print()


def models_cost(folder: Path) -> str:
    """Training and freezing of each model (wall seconds, from its trained_on.json), their sum,
    and what the last run of the models stage did (cost.json: it may only have run dp test)."""
    walls = {}
    for t in sorted(folder.glob("dk*/trained_on.json")):
        walls[t.parent.name[2:]] = json.loads(t.read_text()).get("wall_seconds_train_and_freeze")
    known = [w for w in walls.values() if w is not None]
    text = (f"training and freezing {sum(known):.0f} s wall for {len(walls)} models "
            f"({', '.join(f'{dk}: {w:.0f} s' if w is not None else f'{dk}: not recorded' for dk, w in walls.items())})")
    last = folder / "cost.json"
    if last.exists():
        b = json.loads(last.read_text()).get("last_batch", {})
        text += (f"; last run of the models stage: {b.get('models_trained')} trained, {b.get('dp_tests')} dp test runs, "
                 f"{b.get('cpu_seconds')} s CPU")
    return text


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "data/al")
