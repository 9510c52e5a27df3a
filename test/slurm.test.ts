/**
 * The pipeline's job layer on a real scheduler: a one-node Slurm on localhost (Debian's
 * slurm-wlm and munge, started here as plain processes with a private state folder and stopped
 * afterwards) runs the pipeline's smoke mode (EMT single points and the tiny DeePMD-kit
 * training) through dpdispatcher's Slurm path. Asserts that the jobs went through sbatch (the
 * job-completion log lists every one of them as COMPLETED) and that every single point equals the
 * one of the same run on the local shell.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, chownSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { hostname, tmpdir, cpus } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = process.env.DELTAK_ROOT ?? fileURLToPath(new URL('..', import.meta.url));
const PY = join(ROOT, '.venv', 'bin', 'python');
const BUILD = join(ROOT, 'data', 'pipeline', 'build.py');
const INSTALL = 'apt-get install -y slurm-wlm munge';

const which = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).stdout.trim();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

interface Cluster { dir: string; conf: string; jobcomp: string; procs: ChildProcess[]; pidFiles: string[] }

/** munged (as user munge, private socket and key), slurmctld and slurmd in the foreground. */
async function startSlurm(): Promise<Cluster> {
  const missing = ['munged', 'munge', 'slurmctld', 'slurmd', 'sbatch', 'squeue', 'sinfo'].filter((c) => !which(c) && !existsSync(`/usr/sbin/${c}`));
  assert.deepEqual(missing, [], `the Slurm test needs Debian's slurm-wlm and munge (missing: ${missing.join(', ')}); install them with: ${INSTALL}`);
  assert.equal(process.getuid?.(), 0, 'the Slurm test starts munged as user munge and slurmd as root: run it as root (CI does)');
  const ids = spawnSync('id', ['-u', 'munge'], { encoding: 'utf8' });
  assert.equal(ids.status, 0, `no user munge: install the munge package with: ${INSTALL}`);
  const uid = Number(ids.stdout.trim());
  const gid = Number(spawnSync('id', ['-g', 'munge'], { encoding: 'utf8' }).stdout.trim());

  const dir = mkdtempSync(join(tmpdir(), 'deltak-slurm-'));
  chmodSync(dir, 0o755);
  const mdir = join(dir, 'munge');
  mkdirSync(mdir);
  chownSync(mdir, uid, gid);
  chmodSync(mdir, 0o711);
  const key = join(mdir, 'munge.key');
  writeFileSync(key, randomBytes(1024), { mode: 0o400 });
  chownSync(key, uid, gid);
  const sock = join(mdir, 'munge.sock');
  const procs: ChildProcess[] = [];
  const munged = spawn('runuser', ['-u', 'munge', '--', which('munged') || '/usr/sbin/munged', '--foreground', `--socket=${sock}`,
    `--key-file=${key}`, `--pid-file=${join(mdir, 'munged.pid')}`, `--log-file=${join(mdir, 'munged.log')}`,
    `--seed-file=${join(mdir, 'munged.seed')}`], { stdio: 'ignore' });
  procs.push(munged);
  for (let i = 0; i < 100 && !existsSync(sock); i++) await sleep(100);
  assert.ok(existsSync(sock), `munged did not start: ${existsSync(join(mdir, 'munged.log')) ? readFileSync(join(mdir, 'munged.log'), 'utf8').slice(-1500) : 'no log'}`);

  const host = hostname().split('.')[0];
  const [ctldPort, dPort] = [await freePort(), await freePort()];
  for (const d of ['state', 'spool']) mkdirSync(join(dir, d));
  const jobcomp = join(dir, 'jobcomp.txt');
  const conf = join(dir, 'slurm.conf');
  writeFileSync(conf, [
    'ClusterName=deltaktest', `SlurmctldHost=${host}`, 'SlurmUser=root', `SlurmctldPort=${ctldPort}`, `SlurmdPort=${dPort}`,
    'AuthType=auth/munge', 'CredType=cred/munge', `AuthInfo=socket=${sock}`, 'MpiDefault=none',
    `StateSaveLocation=${join(dir, 'state')}`, `SlurmdSpoolDir=${join(dir, 'spool')}`,
    `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`, `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
    `SlurmctldLogFile=${join(dir, 'slurmctld.log')}`, `SlurmdLogFile=${join(dir, 'slurmd.log')}`,
    'ProctrackType=proctrack/linuxproc', 'TaskPlugin=task/none', 'SelectType=select/cons_tres', 'SelectTypeParameters=CR_Core',
    'JobAcctGatherType=jobacct_gather/none', 'AccountingStorageType=accounting_storage/none',
    'JobCompType=jobcomp/filetxt', `JobCompLoc=${jobcomp}`, 'ReturnToService=2', 'SchedulerParameters=sched_interval=2',
    `NodeName=${host} CPUs=${cpus().length} RealMemory=2000 State=UNKNOWN`,
    `PartitionName=debug Nodes=${host} Default=YES MaxTime=INFINITE State=UP`, '',
  ].join('\n'));
  procs.push(spawn(which('slurmctld') || '/usr/sbin/slurmctld', ['-D', '-f', conf], { stdio: 'ignore' }));
  await sleep(1000);
  procs.push(spawn(which('slurmd') || '/usr/sbin/slurmd', ['-D', '-f', conf], { stdio: 'ignore' }));
  const env = { ...process.env, SLURM_CONF: conf };
  let state = '';
  for (let i = 0; i < 120; i++) {
    state = spawnSync('sinfo', ['-h', '-o', '%t'], { env, encoding: 'utf8' }).stdout.trim();
    if (state === 'idle') break;
    await sleep(500);
  }
  const cluster = { dir, conf, jobcomp, procs, pidFiles: [join(mdir, 'munged.pid')] };
  if (state !== 'idle') {
    const logs = ['slurmctld.log', 'slurmd.log'].map((f) => existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8').slice(-1500) : '').join('\n');
    await stopSlurm(cluster);
    assert.fail(`the one-node Slurm did not come up (sinfo state '${state}'):\n${logs}`);
  }
  return cluster;
}

/** Stop the processes this test started, by their ids, and wait for them. */
async function stopSlurm(c: Cluster) {
  for (const p of [...c.procs].reverse()) {
    if (p.exitCode === null && p.signalCode === null) p.kill('SIGTERM');
  }
  // runuser passes SIGTERM on to munged; munged's own pid file names it should it not
  for (const f of c.pidFiles) {
    // munged removes its pid file as it stops: gone between a check and the read is gone
    let pid: number;
    try { pid = Number(readFileSync(f, 'utf8').trim()); } catch { continue; }
    await sleep(500);
    try { process.kill(pid, 0); process.kill(pid, 'SIGTERM'); } catch { /* already gone */ }
  }
  for (const p of c.procs) {
    for (let i = 0; i < 50 && p.exitCode === null && p.signalCode === null; i++) await sleep(100);
    if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  }
}

/** Every DFT result file of a pipeline output, without the timings that differ between runs. */
function dftResults(out: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.extxyz')) {
        files.set(relative(out, p), readFileSync(p, 'utf8').replace(/ (cpu|wall)_seconds=\S+/g, ''));
      }
    }
  };
  walk(join(out, 'dft'));
  return files;
}

const SMALL = ['--smoke', '--max-train', '8', '--max-sem', '4'];

test('pipeline smoke mode through dpdispatcher on a one-node Slurm: every job via sbatch, results equal the local shell', { timeout: 900_000 }, async () => {
  const work = mkdtempSync(join(tmpdir(), 'deltak-slurm-run-'));
  const cluster = await startSlurm();
  try {
    const env = { ...process.env, SLURM_CONF: cluster.conf, DELTAK_CHECK_INTERVAL: '2' };
    const machine = join(work, 'machine.json');
    const resources = join(work, 'resources.json');
    writeFileSync(machine, JSON.stringify({ batch_type: 'Slurm', context_type: 'LazyLocalContext', local_root: './', retry_count: 1 }));
    writeFileSync(resources, JSON.stringify({ number_node: 1, cpu_per_node: 1, gpu_per_node: 0, queue_name: 'debug', group_size: 5 }));

    const t0 = Date.now();
    const slurmOut = join(work, 'slurm');
    const rs = spawnSync(PY, [BUILD, ...SMALL, '--out', slurmOut, '--stages', 'props', 'train', 'sem', 'models',
      '--model-dks', '0.3', '--machine', machine, '--resources', resources], { cwd: work, env, encoding: 'utf8', maxBuffer: 64 << 20 });
    assert.equal(rs.status, 0, `pipeline on Slurm failed:\n${rs.stdout.slice(-3000)}\n${rs.stderr.slice(-3000)}`);
    const tSlurm = (Date.now() - t0) / 1000;

    // the jobs went through sbatch: one job per group of 5 tasks of every submission, all
    // COMPLETED in the job-completion log, run in the pipeline's task trees
    const submissions = [...rs.stdout.matchAll(/\[([^\]]+)\] (\d+) task\(s\) through dpdispatcher: Slurm via LazyLocalContext/g)];
    assert.ok(submissions.some((m) => m[1].startsWith('models')), `the training did not go through Slurm:\n${rs.stdout.slice(-2000)}`);
    assert.ok(submissions.some((m) => m[1].startsWith('train')) && submissions.some((m) => m[1].startsWith('props')));
    const expectedJobs = submissions.reduce((n, m) => n + Math.ceil(Number(m[2]) / 5), 0);
    const comp = readFileSync(cluster.jobcomp, 'utf8').trim().split('\n').filter(Boolean);
    assert.equal(comp.length, expectedJobs, `job-completion log has ${comp.length} jobs, the submissions make ${expectedJobs}:\n${comp.join('\n')}`);
    for (const line of comp) {
      assert.match(line, /JobState=COMPLETED/, line);
      const wd = /WorkDir=(\S+)/.exec(line)![1];
      assert.ok(wd.startsWith(join(slurmOut, 'tasks')), `job ran outside the task tree: ${line}`);
    }
    assert.ok(comp.some((l) => l.includes(`WorkDir=${join(slurmOut, 'tasks', 'models')}`)), 'no training job in the job-completion log');
    // one model (Δk 0.30 Å⁻¹) is enough to show the training goes through the same path
    assert.ok(existsSync(join(slurmOut, 'models', 'fcc', 'dk0.30', 'model.pth')), 'no model trained at Δk 0.30');
    assert.ok(statSync(join(slurmOut, 'dptest', 'fcc', 'dk0.30', 'test_n008.e.out')).size > 0, 'no dp test output at Δk 0.30');
    // finished task folders are collected and removed; dpdispatcher's job scripts with them
    assert.deepEqual(readdirSync(join(slurmOut, 'tasks', 'dft')).filter((f) => f !== 'build.py' && f !== 'dispatch.py' && f !== 'dp_batch.py' && f !== 'dpdispatcher.log'), []);

    // the same single points on the local shell (the default machine)
    const t1 = Date.now();
    const localOut = join(work, 'local');
    const rl = spawnSync(PY, [BUILD, ...SMALL, '--out', localOut, '--stages', 'props', 'train', 'sem'], { cwd: work, env, encoding: 'utf8', maxBuffer: 64 << 20 });
    assert.equal(rl.status, 0, `pipeline on the local shell failed:\n${rl.stdout.slice(-3000)}\n${rl.stderr.slice(-3000)}`);
    assert.match(rl.stdout, /through dpdispatcher: local shell/);
    const tLocal = (Date.now() - t1) / 1000;
    assert.equal(readFileSync(cluster.jobcomp, 'utf8').trim().split('\n').length, comp.length, 'the local run went through Slurm');

    const a = dftResults(slurmOut);
    const b = dftResults(localOut);
    assert.ok(a.size >= 2 * (13 + 8 + 4), `only ${a.size} single points on Slurm`);
    assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort(), 'Slurm and local runs computed different single points');
    for (const [f, text] of a) assert.equal(text, b.get(f), `${f}: Slurm and local results differ`);

    // a second run finds everything cached and submits nothing
    const again = spawnSync(PY, [BUILD, ...SMALL, '--out', slurmOut, '--stages', 'props', 'train', 'sem', '--machine', machine, '--resources', resources],
      { cwd: work, env, encoding: 'utf8' });
    assert.equal(again.status, 0, again.stderr.slice(-2000));
    assert.doesNotMatch(again.stdout, /through dpdispatcher/);
    assert.match(again.stdout, /\[sem fcc\] 8 single points, 8 cached, 0 to compute/);
    console.log(`Slurm run ${tSlurm.toFixed(0)} s (${comp.length} sbatch jobs), local run ${tLocal.toFixed(0)} s`);
  } finally {
    await stopSlurm(cluster);
    rmSync(cluster.dir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
});
