#!/usr/bin/env bash
# Benchmarks (not tests): see bench/README.md.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
shopt -s nullglob
B=(bench/*.bench.ts)
if [ ${#B[@]} -eq 0 ]; then echo "no benchmarks yet"; exit 0; fi
for f in "${B[@]}"; do node --import tsx "$f"; done
