/**
 * The pipeline's job layer (data/pipeline/dispatch.py, dpdispatcher underneath) on the local
 * shell: a task that fails once is retried and succeeds; a task that always fails is retried
 * retry_count times, then reported with the end of its log, while the other tasks finish; tasks
 * run in the order given (a job's tasks one after another, jobs dealt round-robin); bad
 * machine files are refused with the file named. `build.py --harvest` copies the finished points
 * of a running submission into the cache (test/harvest_check.py, real EMT single points).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = process.env.DELTAK_ROOT ?? fileURLToPath(new URL('..', import.meta.url));
const PY = join(ROOT, '.venv', 'bin', 'python');

test('job layer: bounded retries, failures reported with their log, never dropped', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'deltak-dispatch-'));
  try {
    const r = spawnSync(PY, [join(ROOT, 'test', 'dispatch_check.py'), join(ROOT, 'data', 'pipeline'), dir], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr.slice(-3000));
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
      failed: { name: string; log: string; tail: string }[]; runs: Record<string, number>; order: string[]; groups: string[][];
    };
    assert.deepEqual(out.failed.map((f) => f.name), ['broken']);
    assert.match(out.failed[0].tail, /SCF did not converge in 60 iterations/);
    assert.match(out.failed[0].log, /broken\/task\.err$/);
    // retry_count 2: the first run and two retries
    assert.deepEqual(out.runs, { ok: 1, flaky: 2, broken: 3 });
    // the order given is kept (dpdispatcher alone would shuffle it); jobs are dealt round-robin
    assert.deepEqual(out.order, ['t0', 't1', 't2', 't3', 't4', 't5']);
    assert.deepEqual(out.groups, [['g0', 'g2', 'g4', 'g6'], ['g1', 'g3', 'g5']]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('job layer: a machine file without batch_type, or not JSON, is refused naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'deltak-dispatch-'));
  try {
    const m = join(dir, 'machine.json');
    const run = () => spawnSync(PY, ['-c', `import sys; sys.path.insert(0, ${JSON.stringify(join(ROOT, 'data', 'pipeline'))}); from dispatch import Runner; Runner(${JSON.stringify(m)})`], { encoding: 'utf8' });
    writeFileSync(m, JSON.stringify({ context_type: 'LazyLocalContext' }));
    let r = run();
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, new RegExp(`machine file ${m.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: no 'batch_type'`));
    writeFileSync(m, '{"batch_type": "Slurm",\n  "context_type": }');
    r = run();
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /machine\.json: not JSON \(Expecting value at line 2, column 19\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('harvest: the finished point of a running submission is copied into the cache, checked by its key; an unfinished one is not', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'deltak-harvest-'));
  try {
    const r = spawnSync(PY, [join(ROOT, 'test', 'harvest_check.py'), join(ROOT, 'data', 'pipeline'), dir], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const s = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
    assert.equal(s.run_task, 0, `the task ran: ${String(s.run_task_err)}`);
    assert.equal(s.first, `[harvest] 1 finished single points copied into ${join(dir, 'dft')}`);
    assert.equal(s.second, `[harvest] 0 finished single points copied into ${join(dir, 'dft')}`, 'a second harvest copies nothing again');
    assert.equal(s.finished_in_cache, true, `the cache file ${String(s.cache_path)} holds the task's result byte for byte`);
    assert.equal(s.unfinished_in_cache, false, 'a task without result.extxyz leaves no cache file');
    assert.equal(s.changed_rc, 1, 'a task.json whose configuration does not give its key is refused');
    assert.match(String(s.changed_err), /task\.json: cache key [0-9a-f]{12} of this configuration, the task was planned as [0-9a-f]{12}/);
    assert.equal(s.changed_in_cache, false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
