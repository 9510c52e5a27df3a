/**
 * Binder replayed without Docker: a fresh clone, a fresh virtual environment, the pinned
 * binder/requirements.txt, binder/postBuild with that environment first on PATH (as
 * repo2docker runs it), then every notebook executed by the tslab kernel postBuild registered.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = process.env.DELTAK_ROOT ?? fileURLToPath(new URL('..', import.meta.url));

interface Output { output_type: string; name?: string; data?: Record<string, unknown>; ename?: string; evalue?: string; text?: string | string[] }

test('binder/ on a fresh clone in a fresh venv: postBuild succeeds and the notebooks run', { timeout: 1_500_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'deltak-binder-'));
  try {
    const repo = join(dir, 'repo');
    const venv = join(dir, 'env');
    const run = (cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string =>
      execFileSync(cmd, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
    run('git', ['clone', '--quiet', ROOT, repo], dir);
    run('python3', ['-m', 'venv', venv], dir);
    run(join(venv, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', join(repo, 'binder', 'requirements.txt')], repo);
    // repo2docker: the image's environment first on PATH, no JUPYTER_PATH of ours
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${join(venv, 'bin')}:${process.env.PATH}` };
    delete env.JUPYTER_PATH;
    delete env.DELTAK_ROOT;
    const log = run('bash', [join(repo, 'binder', 'postBuild')], repo, env);
    if (readdirSync(join(repo, 'extension')).includes('pyproject.toml')) assert.match(log, /deltak-jupyterlab.*enabled.*OK/);
    const kernels = run(join(venv, 'bin', 'jupyter'), ['kernelspec', 'list'], repo, env);
    assert.match(kernels, new RegExp(`tslab\\s+${join(venv, 'share', 'jupyter', 'kernels', 'tslab').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    const notebooks = readdirSync(join(repo, 'notebooks')).filter((f) => f.endsWith('.ipynb')).sort();
    assert.ok(notebooks.length > 0);
    for (const nb of notebooks) {
      const out = join(dir, `out-${nb}`);
      run(join(venv, 'bin', 'python'), [join(repo, 'test', 'run_notebook.py'), join(repo, 'notebooks', nb), out, '--timeout', '600'], repo, env);
      const cells = (JSON.parse(readFileSync(out, 'utf8')) as { cells: { cell_type: string; outputs?: Output[] }[] }).cells;
      const outputs = cells.filter((c) => c.cell_type === 'code').flatMap((c) => c.outputs ?? []);
      const errors = outputs.filter((o) => o.output_type === 'error' || o.name === 'stderr');
      assert.deepEqual(errors.map((e) => `${e.ename ?? ''} ${e.evalue ?? ''} ${[e.text ?? ''].flat().join('')}`), [], `${nb}: no error output`);
      assert.ok(outputs.some((o) => Object.keys(o.data ?? {}).some((k) => k.startsWith('application/vnd.deltak.'))), `${nb}: a deltak MIME output`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
