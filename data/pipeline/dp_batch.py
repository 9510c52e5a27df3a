"""Run several DeePMD-kit commands in one Python process (one torch/deepmd import):
python dp_batch.py steps.json, where steps.json is a list of {"cwd": dir, "argv": [...], "log": file}.
Each command's log (DeePMD-kit's logging and stdout/stderr) goes to its own file; a failing
command stops the batch with a non-zero exit."""
import contextlib
import json
import logging
import os
import sys
import time


def main(path):
    from deepmd.main import main as dp_main
    steps = json.load(open(path))
    for s in steps:
        os.chdir(s["cwd"])
        t0 = time.time()
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
        print(f"dp {' '.join(s['argv'])} in {s['cwd']}: {time.time() - t0:.1f} s", file=sys.__stdout__, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
