/**
 * Helpers of the real-browser tests: a JupyterLab server from the project's .venv on a free
 * loopback port (isolated config, data and runtime folders, so the user's own Jupyter settings
 * are neither read nor changed), Debian's Chromium driven by playwright-core, and JupyterLab
 * UI steps (open a notebook, run all cells, wait for outputs). Every wait is bounded.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

export const ROOT = process.env.DELTAK_ROOT ?? process.cwd();
export const VENV = join(ROOT, '.venv');
export const CHROMIUM = process.env.DELTAK_CHROMIUM ?? '/usr/bin/chromium';
export const RESULTS = join(ROOT, 'test-results');

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Sleep `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A working folder under test-results/ (ignored by git) with a copy of notebooks/ and a link to
 * data/, so the notebooks' `../data/...` paths and the project's node_modules both resolve.
 */
export function workspace(name: string): { dir: string; notebooks: string } {
  mkdirSync(RESULTS, { recursive: true });
  const dir = mkdtempSync(join(RESULTS, `${name}-`));
  const notebooks = join(dir, 'notebooks');
  cpSync(join(ROOT, 'notebooks'), notebooks, { recursive: true, filter: (src) => !src.includes('.ipynb_checkpoints') });
  symlinkSync(join(ROOT, 'data'), join(dir, 'data'));
  return { dir, notebooks };
}

/** A running JupyterLab server. */
export interface Lab {
  url: string;
  token: string;
  proc: ChildProcess;
  /** The environment it runs with (isolated Jupyter folders). */
  env: NodeJS.ProcessEnv;
  log: () => string;
  stop: () => Promise<void>;
}

/** Isolated Jupyter folders (config, data, runtime) under `dir`; JUPYTER_PATH = .venv's. */
export function jupyterEnv(dir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ['config', 'data', 'runtime']) mkdirSync(join(dir, `jupyter-${k}`), { recursive: true });
  env.JUPYTER_CONFIG_DIR = join(dir, 'jupyter-config');
  env.JUPYTER_DATA_DIR = join(dir, 'jupyter-data');
  env.JUPYTER_RUNTIME_DIR = join(dir, 'jupyter-runtime');
  env.JUPYTER_PATH = join(VENV, 'share', 'jupyter');
  env.JUPYTER_PLATFORM_DIRS = '1';
  env.PATH = `${join(VENV, 'bin')}:${process.env.PATH ?? ''}`;
  delete env.JUPYTER_CONFIG_PATH;
  // no "Jupyter news" pop-up over the outputs
  mkdirSync(join(dir, 'jupyter-config', 'labconfig'), { recursive: true });
  writeFileSync(
    join(dir, 'jupyter-config', 'labconfig', 'page_config.json'),
    JSON.stringify({ disabledExtensions: { '@jupyterlab/apputils-extension:announcements': true } }),
  );
  return env;
}

/** Run `jupyter ARGS` of the venv with `env`; its output (stdout and stderr), colours removed. */
export function jupyter(args: string[], env: NodeJS.ProcessEnv): string {
  const r = spawnSync(join(VENV, 'bin', 'jupyter'), args, { env, encoding: 'utf8', timeout: 60_000 });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.replace(/\x1b\[[0-9;]*m/g, '');
  if (r.status !== 0) throw new Error(`jupyter ${args.join(' ')} failed (${r.status ?? r.signal}):\n${out}`);
  return out;
}

/** Start JupyterLab on `notebookDir` and wait (≤ `timeoutMs`) until its API answers. */
export async function startLab(notebookDir: string, env: NodeJS.ProcessEnv, timeoutMs = 90_000): Promise<Lab> {
  const port = await freePort();
  const token = randomBytes(12).toString('hex');
  const proc = spawn(
    join(VENV, 'bin', 'jupyter'),
    [
      'lab', '--no-browser', '--ip=127.0.0.1', `--port=${port}`, '--port-retries=0',
      `--IdentityProvider.token=${token}`, `--ServerApp.root_dir=${notebookDir}`, '--allow-root',
      '--LabApp.news_url=', '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate',
    ],
    { env, cwd: notebookDir, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  let exited = false;
  proc.once('exit', () => (exited = true));
  const stop = async (): Promise<void> => {
    if (exited || proc.pid === undefined) return;
    try {
      // Shut the kernels down through the API first, then the server.
      const r = await fetch(`${url}/api/kernels?token=${token}`);
      for (const k of (await r.json()) as { id: string }[]) {
        await fetch(`${url}/api/kernels/${k.id}?token=${token}`, { method: 'DELETE' });
      }
    } catch {
      // server already unreachable
    }
    try {
      process.kill(-proc.pid, 'SIGTERM');
    } catch {
      return;
    }
    for (let i = 0; i < 50 && !exited; i++) await sleep(100);
    if (!exited) {
      try {
        process.kill(-proc.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    // Kernels run in sessions of their own (jupyter_client starts them so): any left over would
    // hold the server's output pipe open and keep this test process alive. Their command line
    // names a connection file in this server's runtime folder.
    const runtime = env.JUPYTER_RUNTIME_DIR;
    if (runtime) spawnSync('pkill', ['-KILL', '-f', runtime], { stdio: 'ignore' });
    proc.stdout?.destroy();
    proc.stderr?.destroy();
    proc.unref();
  };
  const t0 = Date.now();
  for (;;) {
    if (exited) throw new Error(`JupyterLab exited before answering:\n${out}`);
    try {
      const r = await fetch(`${url}/api/status?token=${token}`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() - t0 > timeoutMs) {
      await stop();
      throw new Error(`JupyterLab did not answer on ${url} within ${timeoutMs / 1000} s:\n${out}`);
    }
    await sleep(300);
  }
  return { url, token, proc, env, log: () => out, stop };
}

/** Debian's Chromium, headless, through playwright-core (no browser download). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install -y chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-dev-shm-usage'],
    timeout: 60_000,
  });
}

/** Open `path` (relative to the notebook folder) in JupyterLab and wait for the notebook. */
export async function openNotebook(page: Page, lab: Lab, path: string): Promise<void> {
  await page.goto(`${lab.url}/lab/tree/${encodeURIComponent(path)}?token=${lab.token}&reset`, { timeout: 90_000 });
  await page.locator('.jp-NotebookPanel .jp-Notebook .jp-Cell').first().waitFor({ timeout: 90_000 });
}

/**
 * Wait (≤ `timeoutMs`) until the open notebook has its kernel (`kernelName` shown in the status
 * bar) and the kernel is idle.
 */
export async function waitKernelIdle(page: Page, timeoutMs = 120_000, kernelName = 'TypeScript'): Promise<void> {
  await page.locator('.jp-StatusBar-Widget span', { hasText: new RegExp(`^${kernelName} \\| Idle$`) }).first().waitFor({ timeout: timeoutMs });
}

/** Click a top menu entry, then an item of it (e.g. "Run", "Run All Cells"). */
export async function menu(page: Page, top: string, ...items: string[]): Promise<void> {
  await page.locator('#jp-MainMenu .lm-MenuBar-itemLabel', { hasText: new RegExp(`^${top}$`) }).click();
  for (const item of items) {
    await page.locator('.lm-Menu:visible .lm-Menu-itemLabel', { hasText: new RegExp(`^${item.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }).first().click();
  }
}

/** Run every cell of the open notebook and wait until the kernel is idle again. */
export async function runAll(page: Page, timeoutMs = 300_000): Promise<void> {
  await waitKernelIdle(page, 180_000);
  await menu(page, 'Run', 'Run All Cells');
  // the indicator turns busy, then idle once every queued cell has run
  await sleep(1000);
  const t0 = Date.now();
  for (;;) {
    const pending = await page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-InputPrompt').evaluateAll((els) => els.filter((e) => /\[\*\]/.test(e.textContent ?? '')).length);
    const idle = await page.locator('.jp-StatusBar-Widget span', { hasText: /^TypeScript \| Idle$/ }).count();
    if (pending === 0 && idle > 0) return;
    if (Date.now() - t0 > timeoutMs) throw new Error(`cells still running after ${timeoutMs / 1000} s`);
    await sleep(500);
  }
}

/**
 * The notebook metadata `language_info` of tslab's kernel (its kernel_info reply, as nbclient and
 * JupyterLab store it): JupyterLab writes the kernel's into a notebook without it, marking it
 * modified once the kernel has started.
 */
export const TSLAB_LANGUAGE_INFO = {
  codemirror_mode: { mode: 'typescript', name: 'javascript', typescript: true },
  file_extension: '.ts', mimetype: 'text/typescript', name: 'typescript', version: '3.7.2',
};

/**
 * How a deltak widget's chart sits in its output area once it has redrawn at the current window
 * size: `n` panels and axes, `outside` of them reaching past the output area's left or right edge
 * (`which`: their classes, edges and text).
 */
export async function chartFit(page: Page, widget: Locator): Promise<{ view: string; area: number[]; n: number; outside: number; which: string[] }> {
  await widget.scrollIntoViewIfNeeded();
  const idle = async (): Promise<void> => {
    await page.waitForFunction((el) => el !== null && el.getAttribute('data-deltak-busy') === 'false', await widget.elementHandle(), { timeout: 60_000 });
  };
  await idle();
  await page.waitForTimeout(300);
  await idle();
  return widget.evaluate((el) => {
    const area = (el.closest('.jp-OutputArea-output') ?? el).getBoundingClientRect();
    const panels = [...el.querySelectorAll('.deltak-chart svg.marks .role-scope, .deltak-chart svg.marks .role-axis')];
    const out = panels.filter((p) => {
      const r = p.getBoundingClientRect();
      return r.width > 0 && (r.left < area.left - 1 || r.right > area.right + 1);
    });
    // (no named functions in here: the test runner's transform would wrap them in a helper the page lacks)
    const which = out.map((p) => `${p.getAttribute('class')} ${Math.round(p.getBoundingClientRect().left)}–${Math.round(p.getBoundingClientRect().right)} px: ${(p.textContent ?? '').slice(0, 60)}`);
    return { view: el.className, area: [area.left, area.right], n: panels.length, outside: out.length, which };
  });
}

/** Write a notebook (nbformat 4) with the given code cells and saved outputs, as the tslab kernel would have left it. */
export function writeNotebook(path: string, cells: { source: string; outputs: object[] }[]): void {
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { display_name: 'TypeScript', language: 'typescript', name: 'tslab' }, language_info: TSLAB_LANGUAGE_INFO },
    cells: cells.map((c, i) => ({
      cell_type: 'code', id: `cell-${i}`, execution_count: i + 1, metadata: {}, source: c.source, outputs: c.outputs,
    })),
  };
  writeFileSync(path, JSON.stringify(nb, null, 1));
}

/** Remove a folder made by {@link workspace}. */
export function cleanup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
