#!/usr/bin/env bash
# Open JupyterLab from the project's .venv on notebooks/.
# Headless servers: DELTAK_HEADLESS=1 (no browser, listen on 127.0.0.1) and DELTAK_PORT=NNNN,
# or pass JupyterLab options after `--`, e.g. `npm run lab -- --no-browser --port 8890`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
ARGS=(--notebook-dir="$ROOT/notebooks")
if [ "${DELTAK_HEADLESS:-0}" = "1" ]; then ARGS+=(--no-browser --ip=127.0.0.1); fi
if [ -n "${DELTAK_PORT:-}" ]; then ARGS+=(--port="$DELTAK_PORT"); fi
# JupyterLab refuses to start as root without --allow-root; containers and CI run as root.
if [ "$(id -u)" = 0 ]; then ARGS+=(--allow-root); fi
export JUPYTER_PATH="$ROOT/.venv/share/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
exec .venv/bin/jupyter lab "${ARGS[@]}" "$@"
