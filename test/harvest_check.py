"""`build.py --harvest` on a real task folder: plans two EMT single points of the smoke config as
run_jobs does (task.json beside them), computes one with `build.py --run-task` as a dpdispatcher
task would, leaves the other unfinished, then runs `build.py --smoke --out DIR --harvest`. Prints a
JSON summary for test/dispatch.test.ts: what the harvest printed, whether the finished point is in
the cache with the task's bytes, whether the unfinished one is absent, and the harvest's output
when a task.json names another configuration than its key.

  python test/harvest_check.py <pipeline dir> <work dir>
"""
import json
import subprocess
import sys
from pathlib import Path

pipeline, out = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()
sys.path.insert(0, str(pipeline))
import build  # noqa: E402

cfg = build.smoke_config(out)
cfg["out_path"] = str(out)
jobs = [j for j in build.property_jobs(cfg, "fcc", [0.96]) if j["stage"] == "eos"][:2]
root = build.task_root(cfg, "dft")
dirs = []
for j in jobs:
    key = build.cache_key(cfg, j)
    tdir = root / j["lattice"] / j["stage"] / f"dk{j['dk']:.2f}" / f"{j['label']}_{key[:12]}"
    tdir.mkdir(parents=True, exist_ok=True)
    tcfg = {k: v for k, v in cfg.items() if k != "out_path"}
    tcfg["out_path"] = "."
    (tdir / "task.json").write_text(json.dumps({"cfg": tcfg, "key": key, "job": build.job_to_json(j)}))
    dirs.append((tdir, build.job_path(cfg, j, key)))
py = sys.executable
run = subprocess.run([py, str(pipeline / "build.py"), "--run-task", "task.json"], cwd=dirs[0][0], capture_output=True, text=True)
harvest = lambda: subprocess.run([py, str(pipeline / "build.py"), "--smoke", "--out", str(out), "--harvest"], capture_output=True, text=True)
h1, h2 = harvest(), harvest()
finished, unfinished = dirs[0][1], dirs[1][1]
same = (dirs[0][0] / "result.extxyz").exists() and finished.exists() and \
    (dirs[0][0] / "result.extxyz").read_bytes() == finished.read_bytes()
unfinished_in_cache = unfinished.exists()
# a task.json whose configuration no longer gives its key: refused, naming the task
bad = json.loads((dirs[0][0] / "task.json").read_text())
bad["job"]["atoms"]["positions"][0][0] += 0.01
(dirs[0][0] / "task.json").write_text(json.dumps(bad))
finished.unlink(missing_ok=True)
h3 = harvest()
print(json.dumps({
    "run_task": run.returncode, "run_task_err": run.stderr[-2000:],
    "first": h1.stdout.strip(), "second": h2.stdout.strip(), "first_rc": h1.returncode,
    "finished_in_cache": same,
    "cache_path": str(finished.relative_to(out)),
    "unfinished_in_cache": unfinished_in_cache,
    "changed_rc": h3.returncode, "changed_err": h3.stderr.strip()[-500:], "changed_in_cache": finished.exists(),
}))
