#!/usr/bin/env node
/** The `deltak` command line: `deltak kgrid …`, `deltak report …`. */
import { KGRID_HELP, runKgrid } from './kgrid.js';
import { REPORT_HELP, runReport } from './report.js';

const HELP = `usage: deltak <command> [options]

commands:
  kgrid    Δk ↔ Γ-centred mesh ↔ KPPRA for a cell
  report   all tables (CSV), charts (SVG) and one offline HTML report for a dataset

deltak <command> --help for the options of each.`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...args] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h') {
    console.log(HELP);
    return cmd ? 0 : 2;
  }
  const help = args.includes('--help') || args.includes('-h');
  if (cmd === 'kgrid') {
    if (help) return console.log(KGRID_HELP), 0;
    console.log(runKgrid(args));
    return 0;
  }
  if (cmd === 'report') {
    if (help) return console.log(REPORT_HELP), 0;
    console.log(await runReport(args));
    return 0;
  }
  console.error(`deltak: unknown command "${cmd}"\n\n${HELP}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`deltak: ${(e as Error).message}`);
    process.exit(1);
  },
);
