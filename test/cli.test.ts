/**
 * The `deltak` command line, run as a user runs it (`npx deltak …` from the project): kgrid
 * against hand values, report on the bundled Al data (CSV, SVG, offline HTML), clear errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = process.env.DELTAK_ROOT ?? fileURLToPath(new URL('..', import.meta.url));
const deltak = (args: string[]) => spawnSync('npx', ['--no-install', 'deltak', ...args], { cwd: ROOT, encoding: 'utf8' });

test('deltak kgrid: Cu FCC conventional a = 3.63 Å, Δk 0.18 → 10x10x10, KPPRA 4000; mesh → Δk range', () => {
  const r = deltak(['kgrid', '--lattice', 'fcc', '--a', '3.63', '--conventional', '--dk', '0.18', '--mesh', '10x10x10', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { grids: { mesh: string; kppra: number }[]; interval: { dk_min: number; dk_max: number } };
  assert.deepEqual(out.grids[0], { dk: 0.18, mesh: '10x10x10', n_kpoints: 1000, kppra: 4000 });
  const b = (2 * Math.PI) / 3.63;
  assert.ok(Math.abs(out.interval.dk_min - b / 10) < 1e-12 && Math.abs(out.interval.dk_max - b / 9) < 1e-12);
  for (const cmd of [[], ['kgrid'], ['report']]) {
    const h = deltak([...cmd, '--help']);
    assert.equal(h.status, 0);
    assert.match(h.stdout, /usage: deltak/);
  }
  const bad = deltak(['kgrid', '--lattice', 'fcc', '--a', '3.63', '--dk', '-1']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /--dk must be positive numbers/);
});

test('deltak report writes CSV, SVG and a self-contained offline HTML report for the bundled data', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'deltak-report-'));
  const manifest = join(dir, 'manifest.json');
  writeFileSync(manifest, JSON.stringify({
    name: 'Al fcc', properties: [join(ROOT, 'data', 'al-fcc', 'properties.csv')],
    cells: [{ name: 'Al fcc 2x2x2', cell: [[0, 4.04, 4.04], [4.04, 0, 4.04], [4.04, 4.04, 0]], natoms: 8 }],
  }));
  const out = join(dir, 'out');
  const r = deltak(['report', manifest, '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  const files = readdirSync(out);
  for (const f of ['thresholds.csv', 'table1_mad_summary.csv', 'table_s1_kpoints.csv', 'report.html', 'fig3_E_vac.svg']) assert.ok(files.includes(f), f);
  const svg = readFileSync(join(out, 'fig3_E_vac.svg'), 'utf8');
  assert.match(svg, /^<svg/);
  assert.match(svg, /Δk \(Å⁻¹\)/);
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  assert.ok(!/<script|src="http|href="http/.test(html), 'no scripts or remote resources');
  assert.match(html, /<svg/);
  assert.match(html, /Not in this report: no SEM test set \(&quot;sem_frames&quot;\)/);
  const csv = readFileSync(join(out, 'table_s1_kpoints.csv'), 'utf8');
  assert.match(csv, /0\.18,8×8×8,512,4096/);
  const missing = deltak(['report', join(dir, 'nope.json'), '--out', out]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /no manifest or folder at/);
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ properties: ['p.csv'], sem_frame: ['x'] }));
  const r2 = deltak(['report', bad, '--out', out]);
  assert.equal(r2.status, 1);
  assert.match(r2.stderr, /bad\.json: sem_frame: unknown key/);
  void execFileSync;
});

test('deltak report of a folder: the bundled data/al-fcc (its manifest) with the SEM test set and the recommendation', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'deltak-report-'));
  const r = deltak(['report', join(ROOT, 'data', 'al-fcc'), '--out', dir, '--resamples', '50']);
  assert.equal(r.status, 0, r.stderr);
  const files = readdirSync(dir);
  for (const f of ['thresholds.csv', 'sem.csv', 'sem_thresholds.csv', 'recommendation.json', 'fig4_V-RMSE.svg', 'report.html']) assert.ok(files.includes(f), f);
  const rec = JSON.parse(readFileSync(join(dir, 'recommendation.json'), 'utf8')) as { dk: number };
  assert.equal(rec.dk, 0.18);
});
