#!/usr/bin/env bash
# Idempotent set-up of everything deltak needs, inside the project folder. Two weights:
#
#   scripts/setup.sh --lab    what `npm run lab` and Binder need: node_modules (npm ci from the
#                             lock file), .venv with JupyterLab and the notebook-execution tools
#                             (requirements.txt), kernel-lib built to kernel-lib/dist, the tslab
#                             kernel registered in .venv, the JupyterLab extension.
#   scripts/setup.sh --full   the above, plus what `npm test`, `npm run bench` and the data
#                             pipeline need: the cross-check tools (requirements-test.txt:
#                             pymatgen, ASE, dpdata, numpy), the MLP stack (torch 2.13.0 CPU and
#                             DeePMD-kit built from source, data/pipeline/requirements-mlp.txt)
#                             and Debian's chromium (browser tests), slurm-wlm and munge (cluster test).
#
# Each step is skipped when its inputs have not changed since the last run (stamp files hold a
# hash of the inputs), so a second run with nothing changed takes a few seconds.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
WEIGHT=lab
for a in "$@"; do
  case "$a" in
    --lab) WEIGHT=lab ;;
    --full) WEIGHT=full ;;
    *) echo "setup.sh: unknown option $a (expected --lab or --full)" >&2; exit 2 ;;
  esac
done
say() { printf '[deltak setup] %s\n' "$*"; }
stamp_ok() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }
hash_of() { cat "$@" 2>/dev/null | sha256sum | cut -c1-16; }
pip_install() { .venv/bin/python -m pip install --quiet --disable-pip-version-check "$@"; }

# 1. Tools that must already be there.
node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error("deltak needs Node >= 20.19 (found "+process.versions.node+")"); process.exit(1) }'
PY="${PYTHON:-python3}"
"$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "deltak needs Python >= 3.10 (found %s)" % sys.version.split()[0])'

# 2. Debian packages the full test run needs (full set-up only): chromium for the browser tests,
#    slurm-wlm and munge for the one-node Slurm of the cluster test. Installed with apt-get when
#    running as root on Debian; otherwise the one command to run is named.
if [ "$WEIGHT" = full ]; then
  DEBIAN_TEST_PACKAGES=(chromium slurm-wlm munge)
  missing=()
  for pkg in "${DEBIAN_TEST_PACKAGES[@]}"; do
    # installed means "install ok installed" (a removed package keeps a dpkg entry with its config files)
    [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" = "install ok installed" ] || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ] && command -v apt-get >/dev/null; then
      say "installing Debian packages for the tests (apt-get): ${missing[*]}"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
      echo "[deltak setup] the tests need the Debian packages: ${missing[*]}. Install them with:" >&2
      echo "    sudo apt-get install -y ${missing[*]}" >&2
      echo "then run npm test again." >&2
      exit 1
    fi
  fi
fi

# 3. npm packages, exactly as locked.
H_NPM="$(hash_of package-lock.json)"
if ! stamp_ok node_modules/.deltak-stamp "$H_NPM"; then
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund
  echo "$H_NPM" > node_modules/.deltak-stamp
fi

# 4. The project-local Python environment: JupyterLab and the notebook-execution tools.
if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  "$PY" -m venv .venv
fi
H_PY="$(hash_of requirements.txt requirements.lock)"
if ! stamp_ok .venv/.deltak-stamp "$H_PY"; then
  say "installing JupyterLab and the notebook tools into .venv (requirements.txt, constrained by requirements.lock)"
  pip_install -r requirements.txt -c requirements.lock
  echo "$H_PY" > .venv/.deltak-stamp
fi

# 5. Full set-up: the cross-check tools and the data pipeline's MLP side (its smoke test):
#    torch 2.13.0 CPU and DeePMD-kit 3.2.0 built from source against it (see
#    data/pipeline/requirements-mlp.txt). GPAW is not needed here (npm run data:setup).
if [ "$WEIGHT" = full ]; then
  H_TEST="$(hash_of requirements-test.txt requirements.lock)"
  if ! stamp_ok .venv/.deltak-test-stamp "$H_TEST"; then
    say "installing the cross-check tools into .venv (requirements-test.txt: pymatgen, ASE, dpdata, numpy)"
    pip_install -r requirements-test.txt -c requirements.lock
    echo "$H_TEST" > .venv/.deltak-test-stamp
  fi
  H_MLP="$(hash_of data/pipeline/requirements-mlp.txt)"
  if ! stamp_ok .venv/.deltak-mlp-stamp "$H_MLP"; then
    say "installing the data pipeline's MLP packages (torch 2.13.0 CPU, deepmd-kit 3.2.0 from source, a few minutes)"
    pip_install -r data/pipeline/requirements-mlp.txt
    PATH="$ROOT/.venv/bin:$PATH" DP_ENABLE_TENSORFLOW=0 DP_ENABLE_PYTORCH=1 DP_VARIANT=cpu CMAKE_BUILD_PARALLEL_LEVEL=2 \
      pip_install --no-build-isolation --no-deps --force-reinstall --no-binary deepmd-kit deepmd-kit==3.2.0
    echo "$H_MLP" > .venv/.deltak-mlp-stamp
  fi
fi

# 6. Build kernel-lib, unless its sources and build settings are what dist/ was built from.
H_LIB="$( { find kernel-lib/src kernel-lib/bin -type f | LC_ALL=C sort | xargs sha256sum; \
            sha256sum kernel-lib/package.json kernel-lib/tsconfig.json tsconfig.json package-lock.json; } | sha256sum | cut -c1-16)"
if ! { stamp_ok kernel-lib/dist/.deltak-stamp "$H_LIB" && [ -f kernel-lib/dist/index.js ]; }; then
  say "building kernel-lib"
  npm run --silent build -w kernel-lib
  echo "$H_LIB" > kernel-lib/dist/.deltak-stamp
fi

# 7. Register the tslab kernel inside .venv, launched from this project's node_modules/tslab
#    (the display bridge of kernel-lib needs the kernel's own tslab instance).
KDIR=.venv/share/jupyter/kernels/tslab
if ! grep -q "$ROOT/node_modules/.bin/tslab" "$KDIR/kernel.json" 2>/dev/null; then
  say "registering the tslab kernel in .venv"
  node_modules/.bin/tslab install --python="$ROOT/.venv/bin/python" --binary="$ROOT/node_modules/.bin/tslab" --sys-prefix >/dev/null
fi
# 7b. The kernels start with huge pages for large arrays (see scripts/kernel-env.sh).
bash scripts/kernel-env.sh "$ROOT/.venv"

# 8. The JupyterLab extension (skipped inside when its sources did not change).
if [ -f extension/pyproject.toml ]; then
  bash scripts/install-extension.sh
fi
say "ready ($WEIGHT)"
