"""The pipeline's job layer: every DFT single point and every DeePMD-kit training of
build.py and of a plan (plan.py) is a task folder run through dpdispatcher, the job layer
DP-GEN uses, so an existing ``machine.json`` / ``resources.json`` works unchanged.

* Default: dpdispatcher's ``Shell`` batch on this machine (``LazyLocalContext``, the tasks run
  in place), as many tasks at once as there are cores (``workers``), in the order given.
* ``--machine machine.json [--resources resources.json]``: any batch system dpdispatcher
  knows (Slurm, PBS, LSF, Shell, ...), locally or over SSH (``SSHContext``). The machine file's
  ``local_root`` is replaced by the task tree the pipeline writes; everything else is the
  user's. Without a resources file, one CPU per task and ``group_size`` tasks per job.

A task is a folder with its inputs and a command; it writes its results into that folder
(``backward_files``), and the caller collects them. Tasks whose results already exist are never
submitted (the caller's cache), and dpdispatcher skips the finished tasks of a job it retries. A
failed job is retried ``retry_count`` times (machine file, default 3), then every task without
results is reported with the end of its log: :func:`run_tasks` returns them, nothing is dropped.
"""
from __future__ import annotations

import copy
import json
import logging
import math
import os
import sys
from pathlib import Path

DEFAULT_RETRIES = 3


class Task(dict):
    """One task: ``work_path`` (relative to the task tree), ``command`` (run inside it),
    ``forward_files``, ``backward_files``, ``name`` (for reports) and ``done`` (a path inside the
    task folder that exists once the task succeeded)."""


def _import_dpdispatcher(root: Path):
    """Import dpdispatcher with its log file in the task tree, not in the current folder
    (dpdispatcher opens ``dpdispatcher.log`` in the working directory at import)."""
    if "dpdispatcher" not in sys.modules:
        cwd = os.getcwd()
        os.chdir(root)
        try:
            import dpdispatcher  # noqa: F401
        except ImportError as exc:
            raise SystemExit("the pipeline runs its tasks through dpdispatcher 1.1.0, which is not installed: "
                             ".venv/bin/pip install -r data/pipeline/requirements-mlp.txt") from exc
        finally:
            os.chdir(cwd)
    from dpdispatcher.dlog import dlog
    for h in list(dlog.handlers):
        if isinstance(h, logging.FileHandler):
            dlog.removeHandler(h)
            h.close()
        elif isinstance(h, logging.StreamHandler):
            h.setLevel(logging.WARNING)
    fh = logging.FileHandler(root / "dpdispatcher.log")
    fh.setFormatter(logging.Formatter("%(asctime)s - %(levelname)s : %(message)s"))
    dlog.addHandler(fh)
    import dpdispatcher
    return dpdispatcher


def read_json(path, what) -> dict:
    p = Path(path)
    try:
        d = json.loads(p.read_text())
    except FileNotFoundError:
        raise SystemExit(f"{what} {p}: no such file")
    except json.JSONDecodeError as exc:
        raise SystemExit(f"{what} {p}: not JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})")
    if not isinstance(d, dict):
        raise SystemExit(f"{what} {p}: expected a JSON object, got {type(d).__name__}")
    return d


def _group_in_order(dp, sub, machine, resources) -> None:
    """Group the submission's tasks into jobs in the caller's order, dealt round-robin: job j of
    n runs tasks j, j+n, j+2n, ... one after another. dpdispatcher's own grouping shuffles the
    tasks first; the pipeline lists them so that what becomes usable together comes first (a
    configuration at every Δk, a Δk's property points), so the order is kept."""
    tasks = sub.belonging_tasks
    g = resources.group_size or len(tasks)
    n = math.ceil(len(tasks) / g)
    sub.belonging_jobs = [dp.Job(job_task_list=tasks[j::n], machine=machine, resources=copy.deepcopy(resources))
                          for j in range(n)]
    sub.bind_machine(machine)
    sub.submission_hash = sub.get_hash()


class Runner:
    """Where and how tasks run: a dpdispatcher machine and resources, from the user's files or
    the local default. ``python`` is the interpreter that runs the pipeline's own task commands
    on the execution side (this one for local contexts; give it for SSH)."""

    def __init__(self, machine: str | None = None, resources: str | None = None, workers: int | None = None,
                 python: str | None = None, check_interval: float | None = None):
        self.machine_file = machine
        self.machine = read_json(machine, "machine file") if machine else None
        self.resources = read_json(resources, "resources file") if resources else None
        if self.resources is not None and self.machine is None:
            raise SystemExit(f"resources file {resources}: given without a machine file (--machine machine.json)")
        self.workers = max(1, int(workers or os.cpu_count() or 1))
        if self.machine is not None:
            for k in ("batch_type", "context_type"):
                if k not in self.machine:
                    raise SystemExit(f"machine file {machine}: no '{k}' (e.g. \"batch_type\": \"Slurm\", "
                                     f"\"context_type\": \"LazyLocalContext\")")
        ctx = (self.machine or {}).get("context_type", "LazyLocalContext").lower().replace("context", "")
        self.remote = ctx not in ("lazylocal", "local")
        if python is None and self.remote:
            python = "python3"
        self.python = python or sys.executable
        self.check_interval = check_interval if check_interval is not None else (
            float(os.environ.get("DELTAK_CHECK_INTERVAL", 2 if self.machine is None else 10)))

    def describe(self) -> str:
        if self.machine is None:
            return f"local shell, {self.workers} task(s) at once"
        return f"{self.machine['batch_type']} via {self.machine['context_type']} ({self.machine_file})"

    def _machine_resources(self, root: Path, n: int):
        if self.machine is None:
            m = {"batch_type": "Shell", "context_type": "LazyLocalContext", "local_root": str(root),
                 "retry_count": DEFAULT_RETRIES}
            r = {"number_node": 1, "cpu_per_node": 1, "gpu_per_node": 0, "queue_name": "",
                 "group_size": max(1, math.ceil(n / self.workers)), "para_deg": 1}
        else:
            m = dict(self.machine)
            m["local_root"] = str(root)
            m.setdefault("retry_count", DEFAULT_RETRIES)
            r = dict(self.resources or {"number_node": 1, "cpu_per_node": 1, "gpu_per_node": 0,
                                        "queue_name": "", "group_size": 1})
        return m, r

    def run(self, tasks: list[Task], root: Path, what: str, common_files=()) -> list[dict]:
        """Run the tasks (folders under root) and return the failed ones as
        {"name", "work_path", "log", "tail"}: the tasks whose ``done`` file is missing afterwards.
        common_files (in root) go to remote machines with the tasks."""
        if not tasks:
            return []
        root = Path(root).resolve()
        root.mkdir(parents=True, exist_ok=True)
        dp = _import_dpdispatcher(root)
        mdict, rdict = self._machine_resources(root, len(tasks))
        try:
            machine = dp.Machine.load_from_dict(mdict)
            resources = dp.Resources.load_from_dict(rdict)
        except Exception as exc:  # dargs names the key that is wrong
            src = self.machine_file or "the local default machine"
            raise SystemExit(f"{src}: dpdispatcher refuses the machine or resources: {exc}")
        task_list = [dp.Task(command=t["command"], task_work_path=t["work_path"],
                             forward_files=t.get("forward_files", []), backward_files=t.get("backward_files", []),
                             outlog="task.out", errlog="task.err") for t in tasks]
        sub = dp.Submission(work_base=".", machine=machine, resources=resources, task_list=task_list,
                            forward_common_files=list(common_files), backward_common_files=[])
        _group_in_order(dp, sub, machine, resources)
        print(f"[{what}] {len(tasks)} task(s) through dpdispatcher: {self.describe()}; task tree {root}", flush=True)
        error = None
        try:
            sub.run_submission(check_interval=self.check_interval, continue_on_failure=True, clean=True)
        except RuntimeError as exc:
            error = str(exc)
        failed = []
        for t in tasks:
            d = root / t["work_path"]
            if (d / t["done"]).exists():
                continue
            logs = [d / "task.err", d / "task.out"]
            tail = ""
            for lg in logs:
                if lg.exists() and lg.stat().st_size:
                    tail += f"--- {lg} (last lines)\n" + "\n".join(lg.read_text(errors="replace").splitlines()[-15:]) + "\n"
            failed.append({"name": t["name"], "work_path": str(d), "log": str(logs[0]),
                           "tail": tail or f"(no log in {d}; dpdispatcher: {error or 'no error reported'})"})
        if error and not failed:
            raise RuntimeError(f"[{what}] dpdispatcher reported a failure although every task has its results:\n{error}")
        if not failed:  # the submission's scripts and tags; kept for inspection when a task failed
            for job in sub.belonging_jobs:
                for f in [*root.glob(f"{job.job_hash}*"), *root.glob(f".{job.job_hash}*"), root / f"slurm-{job.job_id}.out"]:
                    f.unlink(missing_ok=True)
            (root / f"{sub.submission_hash}.json").unlink(missing_ok=True)
        return failed

