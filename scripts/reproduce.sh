#!/usr/bin/env bash
# npm run reproduce: set up, execute every notebook headless with the tslab kernel, and write
# to out/:
#   out/notebooks/<notebook>.ipynb        the executed notebooks
#   out/<notebook>/<name>.svg and .png    every figure (vega-lite rendered by vega in Node; PNG by
#                                         Debian's chromium, headless, from the SVG)
#   out/<notebook>/<name>.csv             every table the notebook shows
#   out/<notebook>/<name>.vl.json         the vega-lite spec of each figure
#   out/report/                           `deltak report` of data/al-fcc (the bundled data);
#                                         out/report-al/ of data/al when the reference dataset
#                                         has written its manifest
# <name> above: from the code cell's metadata "deltak_export" (a list of names for the cell's figures
# and tables, in order; edit it in JupyterLab's cell metadata), else cell<NN>-<k>
# Options: --update-notebooks  also store the executed notebooks (with outputs) in notebooks/
#          --no-setup          skip scripts/setup.sh (already done)
#          --no-png            SVG only
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
UPDATE=0; SETUP=1; PNG=1
for a in "$@"; do
  case "$a" in
    --update-notebooks) UPDATE=1 ;;
    --no-setup) SETUP=0 ;;
    --no-png) PNG=0 ;;
    *) echo "reproduce: unknown option $a (see the header of scripts/reproduce.sh)" >&2; exit 2 ;;
  esac
done
say() { printf '\033[1m[reproduce]\033[0m %s\n' "$*"; }

[ "$SETUP" = 1 ] && bash scripts/setup.sh --full
export JUPYTER_PATH="$ROOT/.venv/share/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
OUT="$ROOT/out"
mkdir -p "$OUT/notebooks"

# 1. Execute every notebook.
for nb in notebooks/*.ipynb; do
  name="$(basename "$nb" .ipynb)"
  say "executing $nb"
  .venv/bin/python test/run_notebook.py "$nb" "$OUT/notebooks/$name.ipynb" --timeout 600
done

# 2. Figures (vega-lite specs) and tables (HTML → CSV) out of the executed notebooks; fail on
#    any error output.
say "extracting figures and tables"
.venv/bin/python - "$OUT" <<'PY'
import csv, json, sys
from html.parser import HTMLParser
from pathlib import Path

out = Path(sys.argv[1])
VL = "application/vnd.vegalite.v5+json"


class Tables(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self.row, self.cell, self.in_cell, self.caption, self.in_caption = [], None, "", False, "", False

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.row = []
        elif tag in ("td", "th"):
            self.in_cell, self.cell = True, ""
        elif tag == "caption":
            self.in_caption = True

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.row.append(self.cell.strip())
            self.in_cell = False
        elif tag == "tr":
            self.rows.append(self.row)
        elif tag == "caption":
            self.in_caption = False

    def handle_data(self, data):
        if self.in_cell:
            self.cell += data
        elif self.in_caption:
            self.caption += data


failed = []
for path in sorted((out / "notebooks").glob("*.ipynb")):
    nb = json.loads(path.read_text())
    dest = out / path.stem
    dest.mkdir(parents=True, exist_ok=True)
    for old in dest.glob("*"):
        old.unlink()
    n_fig = n_tab = 0
    for ci, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        names = cell.get("metadata", {}).get("deltak_export", [])
        # the cell's figures and tables, in order (progress lines and text summaries are not exported)
        rich = [o for o in cell.get("outputs", []) if o["output_type"] in ("display_data", "execute_result")
                and (VL in o.get("data", {}) or "deltak-table" in str(o.get("data", {}).get("text/html", "")))]
        for o in cell.get("outputs", []):
            if o["output_type"] == "error" or o.get("name") == "stderr":
                failed.append(f"{path.name} cell {ci}: {o.get('ename', '')} {o.get('evalue', '')} {''.join(o.get('text', ''))[:300]}")
        for k, o in enumerate(rich):
            name = names[k] if k < len(names) else f"cell{ci:02d}-{k}"
            data = o.get("data", {})
            if VL in data:
                (dest / f"{name}.vl.json").write_text(json.dumps(data[VL]))
                n_fig += 1
            elif "deltak-table" in str(data.get("text/html", "")):
                p = Tables()
                p.feed("".join(data["text/html"]))
                with open(dest / f"{name}.csv", "w", newline="") as fh:
                    csv.writer(fh).writerows(p.rows)
                n_tab += 1
    print(f"  {path.stem}: {n_fig} figures, {n_tab} tables")
if failed:
    sys.exit("error output in the executed notebooks:\n" + "\n".join(failed))
PY

# 3. SVG of every figure (vega in Node, no browser).
say "rendering figures"
node --input-type=module - "$OUT" <<'JS'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
const [out] = process.argv.slice(2);
const { renderSvg } = await import(pathToFileURL(join(process.cwd(), 'kernel-lib/dist/cli/report.js')).href);
let n = 0;
for (const d of readdirSync(out, { withFileTypes: true })) {
  if (!d.isDirectory() || d.name === 'notebooks' || d.name.startsWith('report')) continue;
  for (const f of readdirSync(join(out, d.name)).filter((f) => f.endsWith('.vl.json'))) {
    const spec = JSON.parse(readFileSync(join(out, d.name, f), 'utf8'));
    writeFileSync(join(out, d.name, f.replace(/\.vl\.json$/, '.svg')), await renderSvg(spec));
    n++;
  }
}
console.log(`  ${n} SVG files`);
JS

# 4. The HTML reports: `deltak report` of the bundled dataset (data/al-fcc/manifest.json: its
#    property sweep and its single points as SEM test set, tagged by the manifest's path patterns)
#    and of the reference dataset data/al when its manifest is there (openDataset keeps the
#    property curves complete over the manifest's Δk and lists the others in the report).
say "deltak report of data/al-fcc"
npx --no-install deltak report data/al-fcc --out "$OUT/report"
if [ -f data/al/manifest.json ]; then
  say "deltak report of data/al"
  npx --no-install deltak report data/al --out "$OUT/report-al"
fi

# 5. PNG of every SVG (notebook figures and report figures): Debian's chromium, headless.
if [ "$PNG" = 1 ]; then
  say "PNG of every figure (chromium headless)"
  node --input-type=module - "$OUT" <<'JS'
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
const [out] = process.argv.slice(2);
const svgs = [];
const walk = (d) => { for (const f of readdirSync(d)) { const p = join(d, f); if (statSync(p).isDirectory()) { if (f !== 'notebooks') walk(p); } else if (f.endsWith('.svg')) svgs.push(p); } };
walk(out);
const { chromium } = await import('playwright-core');
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ deviceScaleFactor: 2 });
  for (const s of svgs) {
    await page.setContent(`<html><body style="margin:0;background:white">${readFileSync(s, 'utf8')}</body></html>`);
    await page.locator('svg').first().screenshot({ path: s.replace(/\.svg$/, '.png') });
  }
} finally {
  await browser.close();
}
console.log(`  ${svgs.length} PNG files`);
JS
fi

if [ "$UPDATE" = 1 ]; then
  cp "$OUT"/notebooks/*.ipynb notebooks/
  say "stored the executed notebooks in notebooks/"
fi
say "done: $(find "$OUT" -name '*.svg' | wc -l) SVG, $(find "$OUT" -name '*.png' | wc -l) PNG, $(find "$OUT" -name '*.csv' | wc -l) CSV files and out/report/report.html"
