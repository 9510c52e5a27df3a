#!/usr/bin/env bash
# Build deltak's JupyterLab extension (prebuilt) and install it into .venv with pip.
# Idempotent: skipped when the sources (extension, kernel-lib, lock files) have the same hash as
# at the last install and the extension is still installed. Called by scripts/setup.sh.
#   --build-only   build extension/deltak_jupyterlab/labextension, do not install
#   --force        rebuild and reinstall even when nothing changed
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
say() { printf '[deltak extension] %s\n' "$*"; }
BUILD_ONLY=0
FORCE=0
for a in "$@"; do
  case "$a" in
    --build-only) BUILD_ONLY=1 ;;
    --force) FORCE=1 ;;
    *) echo "install-extension.sh: unknown option $a (expected --build-only or --force)" >&2; exit 2 ;;
  esac
done

PY="${DELTAK_PYTHON:-$ROOT/.venv/bin/python}"
[ -x "$PY" ] || { echo "install-extension.sh: $PY is missing; run scripts/setup.sh first" >&2; exit 1; }
# The installed JupyterLab's version, from its package metadata (no Python start-up: this runs
# at every `npm run lab`).
PREFIX="$(cd "$(dirname "$PY")/.." && pwd)"
LABMETA="$(ls -d "$PREFIX"/lib/python3*/site-packages/jupyterlab-*.dist-info 2>/dev/null | head -n 1 || true)"
if [ -n "$LABMETA" ]; then
  LABVER="$(basename "$LABMETA" .dist-info)"; LABVER="${LABVER#jupyterlab-}"
else
  LABVER="$("$PY" -c 'import jupyterlab; print(jupyterlab.__version__)')"
fi

# Everything the built extension depends on: its sources and the compiled kernel-lib modules it
# bundles (deltak/core and deltak/payloads with their imports).
hash_sources() {
  {
    echo "jupyterlab $LABVER"
    find extension/src extension/style kernel-lib/dist/core kernel-lib/dist/charts -type f \( -name '*.ts' -o -name '*.css' -o -name '*.js' \) | LC_ALL=C sort | xargs sha256sum
    sha256sum kernel-lib/dist/display/{payloads,bundle,text}.js
    sha256sum extension/package.json extension/tsconfig.json extension/pyproject.toml extension/install.json \
      extension/deltak_jupyterlab/__init__.py kernel-lib/package.json package-lock.json
  } | sha256sum | cut -c1-16
}
H="$(hash_sources)"
STAMP=extension/.build-stamp
INSTALLED="$ROOT/.venv/share/jupyter/labextensions/deltak-jupyterlab/package.json"
OUT=extension/deltak_jupyterlab/labextension

built_ok() { [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$H" ] && [ -f "$OUT/package.json" ] && [ -f "$OUT/static/style.js" ]; }

if [ "$FORCE" = 1 ] || ! built_ok; then
  say "building (TypeScript, then the prebuilt extension with @jupyterlab/builder)"
  STAGING="$("$PY" -c 'import jupyterlab, os; print(os.path.join(os.path.dirname(jupyterlab.__file__), "staging"))')"
  [ -f "$STAGING/package.json" ] || { echo "install-extension.sh: JupyterLab staging folder not found at $STAGING" >&2; exit 1; }
  [ -f kernel-lib/dist/core/index.js ] || npm run --silent build -w kernel-lib
  rm -rf extension/lib "$OUT"
  node_modules/.bin/tsc -p extension/tsconfig.json
  # The builder's license plugin warns about dependencies without a license file; not an error.
  (cd extension && node ../node_modules/@jupyterlab/builder/lib/build-labextension.js --core-path "$STAGING" . >/tmp/deltak-labextension-build.log 2>&1) || {
    cat /tmp/deltak-labextension-build.log >&2
    echo "install-extension.sh: the labextension build failed (log above)" >&2
    exit 1
  }
  [ -f "$OUT/static/style.js" ] || { echo "install-extension.sh: build produced no $OUT/static/style.js" >&2; exit 1; }
  echo "$H" > "$STAMP"
  rm -f .venv/.deltak-extension-stamp
fi
[ "$BUILD_ONLY" = 1 ] && exit 0

if [ "$FORCE" = 1 ] || ! { [ -f "$INSTALLED" ] && [ "$(cat .venv/.deltak-extension-stamp 2>/dev/null)" = "$H" ]; }; then
  say "installing into .venv (pip, no build isolation: hatchling and hatch-jupyter-builder come from requirements.txt)"
  "$PY" -m pip install --quiet --disable-pip-version-check --no-build-isolation --no-deps --force-reinstall ./extension
  JUPYTER_PATH="$ROOT/.venv/share/jupyter" "$ROOT/.venv/bin/jupyter" labextension list 2>&1 | grep -q 'deltak-jupyterlab v.*enabled.*OK' || {
    JUPYTER_PATH="$ROOT/.venv/share/jupyter" "$ROOT/.venv/bin/jupyter" labextension list >&2 || true
    echo "install-extension.sh: deltak-jupyterlab is not listed as enabled and OK" >&2
    exit 1
  }
  echo "$H" > .venv/.deltak-extension-stamp
fi
