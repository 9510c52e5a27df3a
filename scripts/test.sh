#!/usr/bin/env bash
# Every test of the project: kernel-lib unit tests and the cross-package tests in test/
# (notebooks executed by the real tslab kernel, ...). Runs after scripts/setup.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export JUPYTER_PATH="$ROOT/.venv/share/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
export DELTAK_ROOT="$ROOT"
mapfile -t FILES < <(ls kernel-lib/test/*.test.ts test/*.test.ts 2>/dev/null)
# One file at a time, each bounded (a hung file fails by name instead of stalling the run),
# with its wall time, and a summary of the files that failed.
FAILED=()
T0=$SECONDS
for f in "${FILES[@]}"; do
  t=$SECONDS
  echo "# ---- $f"
  if ! timeout --kill-after=30 "${DELTAK_TEST_FILE_TIMEOUT:-900}" \
      node --import tsx --test --test-force-exit "$f"; then
    FAILED+=("$f")
  fi
  echo "# ---- $f: $((SECONDS - t)) s"
done
echo "# all test files: $((SECONDS - T0)) s"
if ((${#FAILED[@]})); then
  printf '# FAILED: %s\n' "${FAILED[@]}"
  exit 1
fi
echo "# every test file passed"
