#!/bin/bash
# The tslab kernels start with GLIBC_TUNABLES=glibc.malloc.hugetlb=1: glibc (>= 2.35; ignored by
# others) then asks for transparent huge pages for large allocations, which makes filling a fresh
# multi-GB typed array (readDeepmd's .npy data) several times faster. Only at start-up, so it
# goes into the kernel specs. Usage: scripts/kernel-env.sh <python prefix holding share/jupyter>
set -euo pipefail
PREFIX="$1"
for k in tslab jslab; do
  f="$PREFIX/share/jupyter/kernels/$k/kernel.json"
  [ -f "$f" ] || continue
  node -e '
    const fs = require("fs");
    const [f, want] = process.argv.slice(1);
    const spec = JSON.parse(fs.readFileSync(f, "utf8"));
    const env = spec.env ?? {};
    const have = (env.GLIBC_TUNABLES ?? "").split(":").filter(Boolean);
    if (have.includes(want)) process.exit(0);
    spec.env = { ...env, GLIBC_TUNABLES: [...have.filter((t) => !t.startsWith("glibc.malloc.hugetlb=")), want].join(":") };
    fs.writeFileSync(f, JSON.stringify(spec, null, 1) + "\n");
    console.log(`[deltak] ${f}: GLIBC_TUNABLES=${spec.env.GLIBC_TUNABLES}`);
  ' "$f" glibc.malloc.hugetlb=1
done
