"""Irreducible k-point counts of Γ-centred meshes by spglib (PyPI, in .venv), the reference for
deltak's count. stdin JSON: [{"cell": 3x3 Å rows, "positions": fractional, "numbers": [...],
"mesh": [N1, N2, N3]}]; stdout JSON: counts (time reversal on, no shift)."""
import json
import sys

import numpy as np
import spglib

out = []
for c in json.load(sys.stdin):
    cell = (np.array(c["cell"]), np.array(c["positions"]), c["numbers"])
    mapping, _ = spglib.get_ir_reciprocal_mesh(c["mesh"], cell, is_shift=[0, 0, 0], is_time_reversal=True)
    out.append(int(len(np.unique(mapping))))
json.dump(out, sys.stdout)
