#!/usr/bin/env node
// The `deltak` command: runs the compiled command line (kernel-lib/dist, built by `npm run build`).
import('../dist/cli/main.js').catch((e) => {
  console.error(`deltak: cannot load the compiled command line (${e.message}); build it with \`npm run build -w kernel-lib\``);
  process.exit(1);
});
