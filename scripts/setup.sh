#!/usr/bin/env bash
# Idempotent set-up of everything deltak needs, inside the project folder:
#   node_modules (npm ci from the lock file), .venv (pinned JupyterLab & co),
#   kernel-lib built to kernel-lib/dist, the tslab kernel registered in .venv.
# Each step is skipped when its inputs have not changed since the last run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
say() { printf '[deltak setup] %s\n' "$*"; }
stamp_ok() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }
hash_of() { cat "$@" 2>/dev/null | sha256sum | cut -c1-16; }

# 1. Tools that must already be there.
node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error("deltak needs Node >= 20.19 (found "+process.versions.node+")"); process.exit(1) }'
PY="${PYTHON:-python3}"
"$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "deltak needs Python >= 3.10 (found %s)" % sys.version.split()[0])'

# 2. npm packages, exactly as locked.
H_NPM="$(hash_of package-lock.json)"
if ! stamp_ok node_modules/.deltak-stamp "$H_NPM"; then
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund
  echo "$H_NPM" > node_modules/.deltak-stamp
fi

# 3. The project-local Python environment.
H_PY="$(hash_of requirements.txt requirements.lock)"
if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  "$PY" -m venv .venv
fi
if ! stamp_ok .venv/.deltak-stamp "$H_PY"; then
  say "installing Python packages into .venv (requirements.txt, constrained by requirements.lock)"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -c requirements.lock
  echo "$H_PY" > .venv/.deltak-stamp
fi

# 3b. The data pipeline's MLP side (its smoke test): torch 2.13.0 CPU and DeePMD-kit 3.2.0 built
#     from source against it (see data/pipeline/requirements-mlp.txt). GPAW is not needed here.
H_MLP="$(hash_of data/pipeline/requirements-mlp.txt)"
if ! stamp_ok .venv/.deltak-mlp-stamp "$H_MLP"; then
  say "installing the data pipeline's MLP packages (torch 2.13.0, deepmd-kit 3.2.0 from source, a few minutes)"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r data/pipeline/requirements-mlp.txt
  PATH="$ROOT/.venv/bin:$PATH" DP_ENABLE_TENSORFLOW=0 DP_ENABLE_PYTORCH=1 DP_VARIANT=cpu CMAKE_BUILD_PARALLEL_LEVEL=2 \
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-build-isolation --no-deps --force-reinstall \
    --no-binary deepmd-kit deepmd-kit==3.2.0
  echo "$H_MLP" > .venv/.deltak-mlp-stamp
fi

# 4. Build kernel-lib (tsc is incremental enough; always run, it is quick).
say "building kernel-lib"
npm run --silent build -w kernel-lib

# 5. Register the tslab kernel inside .venv, launched from this project's node_modules/tslab
#    (the display bridge of kernel-lib needs the kernel's own tslab instance).
KDIR=.venv/share/jupyter/kernels/tslab
if ! grep -q "$ROOT/node_modules/.bin/tslab" "$KDIR/kernel.json" 2>/dev/null; then
  say "registering the tslab kernel in .venv"
  node_modules/.bin/tslab install --python="$ROOT/.venv/bin/python" --binary="$ROOT/node_modules/.bin/tslab" --sys-prefix >/dev/null
fi
# 5b. The kernels start with huge pages for large arrays (see scripts/kernel-env.sh).
bash scripts/kernel-env.sh "$ROOT/.venv"

# 6. The JupyterLab extension (added when extension/ has a Python package).
if [ -f extension/pyproject.toml ]; then
  bash scripts/install-extension.sh
fi
say "ready"
