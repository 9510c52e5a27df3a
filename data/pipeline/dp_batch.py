"""Run several DeePMD-kit commands in one Python process (one torch/deepmd import):
python dp_batch.py steps.json [cost.json], where steps.json is a list of {"cwd": dir, "argv": [...],
"log": file} (relative paths: from the folder the batch starts in). Each command's log
(DeePMD-kit's logging and stdout/stderr) goes to its own file; a failing command stops the batch
with a non-zero exit. cost.json, written after the last command, holds the batch's CPU seconds
(this process and its children) and each command's wall seconds."""
import contextlib
import json
import logging
import os
import resource
import sys
import time


def cpu_seconds():
    r = [resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return sum(x.ru_utime + x.ru_stime for x in r)


def main(path, cost_path=None):
    from deepmd.main import main as dp_main
    start = os.getcwd()
    steps = json.load(open(path))
    done = []
    for s in steps:
        os.chdir(os.path.join(start, s["cwd"]))
        t0 = time.time()
        if os.path.dirname(s["log"]):
            os.makedirs(os.path.dirname(s["log"]), exist_ok=True)
        with open(s["log"], "w") as fh, contextlib.redirect_stdout(fh), contextlib.redirect_stderr(fh):
            h = logging.StreamHandler(fh)
            root = logging.getLogger()
            root.addHandler(h)
            try:
                dp_main(s["argv"])
            except BaseException as exc:  # noqa: BLE001 - report which step failed
                import traceback
                traceback.print_exc(file=fh)
                fh.flush()
                print(f"dp {' '.join(s['argv'])} failed in {s['cwd']}: {exc!r}; log {s['log']}", file=sys.__stderr__)
                return 1
            finally:
                root.removeHandler(h)
        wall = time.time() - t0
        done.append({"argv": s["argv"], "cwd": s["cwd"], "wall_seconds": round(wall, 2)})
        print(f"dp {' '.join(s['argv'])} in {s['cwd']}: {wall:.1f} s", file=sys.__stdout__, flush=True)
    if cost_path:
        os.chdir(start)
        with open(cost_path + ".tmp", "w") as fh:
            json.dump({"cpu_seconds": round(cpu_seconds(), 2), "steps": done}, fh, indent=1)
        os.replace(cost_path + ".tmp", cost_path)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
