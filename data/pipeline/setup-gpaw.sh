#!/usr/bin/env bash
# GPAW for the DFT stages of data/pipeline/build.py (not needed by the tests: the DFT data are
# committed). Debian packages for libxc, OpenBLAS and the PAW setups, then GPAW built by pip
# from source into the project venv. Run as root: npm run data:setup
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
[ -x .venv/bin/python ] || { echo "no .venv: run npm run setup first" >&2; exit 1; }
if ! dpkg -s libxc-dev libopenblas-dev gpaw-data build-essential >/dev/null 2>&1; then
  apt-get update
  apt-get install -y build-essential libxc-dev libopenblas-dev gpaw-data
fi
.venv/bin/python -m pip install --disable-pip-version-check -r data/pipeline/requirements.txt
GPAW_SETUP_PATH=/usr/share/gpaw-setups .venv/bin/python -c 'import gpaw; print("gpaw", gpaw.__version__)'
