/**
 * The public API (src/index.ts and deltak/core): named exports only, internals left out, and a
 * doc comment on every public function and constant, read with the TypeScript compiler.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
const ENTRIES = ['index.ts', 'core/index.ts'];

function publicSymbols(entry: string): { checker: ts.TypeChecker; symbols: ts.Symbol[] } {
  const program = ts.createProgram([SRC + entry], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true, noEmit: true });
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(SRC + entry)!;
  return { checker, symbols: checker.getExportsOfModule(checker.getSymbolAtLocation(file)!) };
}

test('public entries list every name: no export *', () => {
  for (const entry of ENTRIES) assert.doesNotMatch(readFileSync(SRC + entry, 'utf8'), /export \*/, `${entry}: named exports only`);
});

test('internals are not public; one name per concept in the main entry', () => {
  const names = new Set(publicSymbols('index.ts').symbols.map((s) => s.name));
  for (const internal of ['lstsq', 'levenbergMarquardt', 'seededRandom', 'TIE_RTOL', 'kernelWriter', 'buildVaspFrames', 'calculationsFromFrames', 'semFramesFromFrames', 'semDeltas', 'withMeta', 'compilePattern']) {
    assert.ok(!names.has(internal), `${internal} is internal`);
  }
  for (const twin of ['thresholdRows', 'coverageRows', 'errorBudgetRows', 'sweepTable']) assert.ok(!names.has(twin), `${twin}: the table form is the public one`);
  for (const name of ['readFolder', 'openDataset', 'example', 'computeProperties', 'thresholds', 'semTable', 'recommendDk', 'kpointGrid', 'sweepChart', 'show', 'showMarkdown', 'Recommendation']) {
    assert.ok(names.has(name), `${name} is public`);
  }
  const core = new Set(publicSymbols('core/index.ts').symbols.map((s) => s.name));
  for (const name of ['thresholdRows', 'analysedRows', 'methodOrder', 'sweepRows']) assert.ok(core.has(name), `deltak/core keeps ${name} for the extension`);
  for (const name of names) {
    if (['readFolder', 'openDataset', 'example', 'show', 'sweepChart'].includes(name)) assert.ok(!core.has(name), `${name} is not in the pure core`);
  }
});

test('every public function and constant has a doc comment', () => {
  for (const entry of ENTRIES) {
    const { checker, symbols } = publicSymbols(entry);
    const missing: string[] = [];
    let checked = 0;
    for (const s of symbols) {
      const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
      if (!(target.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Variable | ts.SymbolFlags.Class))) continue;
      checked++;
      if (ts.displayPartsToString(target.getDocumentationComment(checker)).trim() === '') missing.push(s.name);
    }
    assert.ok(checked > 40, `${entry}: ${checked} functions and constants checked`);
    assert.deepEqual(missing, [], `${entry}: public names without a doc comment`);
  }
});
