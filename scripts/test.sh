#!/usr/bin/env bash
# Every test of the project: kernel-lib unit tests and the cross-package tests in test/
# (notebooks executed by the real tslab kernel, ...). Runs after scripts/setup.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export JUPYTER_PATH="$ROOT/.venv/share/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
export DELTAK_ROOT="$ROOT"
mapfile -t FILES < <(ls kernel-lib/test/*.test.ts test/*.test.ts 2>/dev/null)
exec node --import tsx --test --test-concurrency=1 "${FILES[@]}"
