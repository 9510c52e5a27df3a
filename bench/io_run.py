"""Time one reference reader (ASE or dpdata) on one file, in its own process.

Usage: io_run.py TOOL KIND PATH  (TOOL: ase | dpdata | numpy; KIND: outcar | vasprun | extxyz | deepmd)
TOOL numpy (KIND deepmd only): numpy.load of every .npy file of PATH/set.000, nothing else: what
dpdata's DeePMD reader does before it concatenates the sets and builds its system.
Prints JSON: seconds (wall time of the read call only), cpu_seconds (user + system CPU time of
the call), frames, peak_rss_mb, base_rss_mb.
"""
import json
import resource
import sys
import time
import warnings

warnings.filterwarnings("ignore")


def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def cpu_s():
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


def main():
    tool, kind, path = sys.argv[1:4]
    if tool == "ase":
        from ase.io import read

        from ase.io.formats import ioformats

        fmt = {"outcar": "vasp-out", "vasprun": "vasp-xml", "extxyz": "extxyz"}[kind]
        ioformats[fmt].module  # the format's module imported before the clock starts, as deltak's is
        base = rss_mb()
        c = cpu_s()
        t = time.perf_counter()
        frames = read(path, index=":", format=fmt)
        n = len(frames)
    elif tool == "numpy":
        import os
        import numpy as np

        d = os.path.join(path, "set.000")
        base = rss_mb()
        c = cpu_s()
        t = time.perf_counter()
        arrays = {f: np.load(os.path.join(d, f)) for f in sorted(os.listdir(d)) if f.endswith(".npy")}
        n = len(arrays["coord.npy"])
    else:
        import dpdata

        fmt = {"outcar": "vasp/outcar", "vasprun": "vasp/xml", "deepmd": "deepmd/npy"}[kind]
        base = rss_mb()
        c = cpu_s()
        t = time.perf_counter()
        s = dpdata.LabeledSystem(path, fmt=fmt)
        n = len(s)
    dt = time.perf_counter() - t
    dc = cpu_s() - c
    print(json.dumps({"seconds": dt, "cpu_seconds": dc, "frames": n, "peak_rss_mb": rss_mb(), "base_rss_mb": base}))


if __name__ == "__main__":
    main()
