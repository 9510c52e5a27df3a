"""Execute a notebook with the real tslab kernel through nbclient (JupyterLab's own machinery).

usage: run_notebook.py IN.ipynb OUT.ipynb [--timeout SECONDS]
The kernel's working directory is the notebook's folder. Exit code 0 when every cell ran;
errors in cells are kept in OUT (allow_errors) so the caller can report them all. No execution
timestamps are written into the cells' metadata (older ones are dropped), so a notebook stored
from OUT changes only where its outputs do.
"""
import sys
import os
import nbformat
from nbclient import NotebookClient

src, dst = sys.argv[1], sys.argv[2]
timeout = int(sys.argv[sys.argv.index("--timeout") + 1]) if "--timeout" in sys.argv else 300
nb = nbformat.read(src, as_version=4)
for cell in nb.cells:
    cell.metadata.pop("execution", None)
client = NotebookClient(
    nb,
    kernel_name="tslab",
    timeout=timeout,
    allow_errors=True,
    record_timing=False,
    resources={"metadata": {"path": os.path.dirname(os.path.abspath(src))}},
)
client.execute()
nbformat.write(nb, dst)
