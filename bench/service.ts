/**
 * `npm run bench:service`: the service's responsiveness under load while an audit runs (issue 6,
 * "Load benchmark"). It starts a real server (`gauntlet serve`, a child process) on loopback with
 * a temporary GAUNTLET_HOME and a high rate limit, creates an API key, submits one long audit
 * (quick preset on `--points` points) and waits until it is running with progress; then it sends
 * rounds of `--polls` concurrent GET /v1/audits/:id status reads (at least `--rounds` rounds, and
 * on until the uploads are answered) while `--uploads` concurrent POST /v1/audits uploads of the
 * fixture model + data go in. It prints p50/p95/p99/max latency of the reads and of the uploads,
 * the server's event-loop delay over the window (prom-client's gauges from /metrics, reset at
 * each scrape), the load average, and PASS/FAIL for "p99 of status reads < --budget ms" (exit 1
 * on FAIL). Accepted uploads queue behind the running audit (GAUNTLET_CONCURRENCY 1); all audits
 * are deleted at the end. Figures go to docs/service.md.
 *
 * Options (after `--`): --points N (500) --polls N (100) --rounds N (20) --uploads N (20)
 *   --budget MS (100) --profile DIR (write the server's CPU profile there: node --cpu-prof)
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, openAsBlob, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { packageRoot } from '../src/util/entry';

const ROOT = packageRoot(__dirname);
const BIN = path.join(ROOT, 'bin', 'gauntlet.js');
const MODEL = path.join(ROOT, 'fixtures', 'models', 'cnn.onnx');
const DATA = path.join(ROOT, 'fixtures', 'data', 'mnist-eval.npz');

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : dflt;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name}: expected a positive number`);
  return v;
}

/** The q-quantile (nearest rank) of ascending `xs`. */
function quantile(xs: number[], q: number): number {
  return xs[Math.min(xs.length - 1, Math.max(0, Math.ceil(q * xs.length) - 1))];
}

function summary(ms: number[]): { n: number; p50: number; p95: number; p99: number; max: number } {
  const s = [...ms].sort((a, b) => a - b);
  return { n: s.length, p50: quantile(s, 0.5), p95: quantile(s, 0.95), p99: quantile(s, 0.99), max: s[s.length - 1] };
}

const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

/** Starts `gauntlet serve --port 0`; resolves once it prints its address. */
function startServer(env: NodeJS.ProcessEnv, profileDir: string | null): Promise<{ child: ChildProcess; url: string }> {
  const prof = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn(process.execPath, [...prof, BIN, 'serve', '--port', '0'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    const t = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`the server did not start in 60 s: ${err}`)); }, 60_000);
    child.stderr!.on('data', (d) => {
      err += String(d);
      const m = /serving on (http:\/\/\S+)/.exec(err);
      if (m) { clearTimeout(t); resolve({ child, url: m[1] }); }
    });
    child.once('exit', (code) => { clearTimeout(t); reject(new Error(`the server exited (${code}): ${err}`)); });
  });
}

async function submit(url: string, key: string, config: object): Promise<{ status: number; id?: string; ms: number; body: string }> {
  const form = new FormData();
  form.append('model', await openAsBlob(MODEL), 'cnn.onnx');
  form.append('data', await openAsBlob(DATA), 'mnist-eval.npz');
  form.append('config', JSON.stringify(config));
  const t0 = performance.now();
  const res = await fetch(`${url}/v1/audits`, { method: 'POST', body: form, headers: { authorization: `Bearer ${key}` } });
  const body = await res.text();
  const ms = performance.now() - t0;
  let id: string | undefined;
  try { id = (JSON.parse(body) as { id?: string }).id; } catch { /* a problem document or worse: reported below */ }
  return { status: res.status, id, ms, body };
}

async function status(url: string, key: string, id: string): Promise<{ ms: number; status: number; view: { state: string; progress: { overall: number } | null } }> {
  const t0 = performance.now();
  const res = await fetch(`${url}/v1/audits/${id}`, { headers: { authorization: `Bearer ${key}` } });
  const view = await res.json() as { state: string; progress: { overall: number } | null };
  return { ms: performance.now() - t0, status: res.status, view };
}

/** prom-client's event-loop gauges (seconds) from /metrics. */
async function eventLoop(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^gauntlet_nodejs_eventloop_lag_(\w*?)_?seconds\s+(\S+)$/gm)) out[m[1] || 'now'] = Number(m[2]);
  return out;
}

async function main(): Promise<void> {
  const points = arg('points', 500), polls = arg('polls', 100), minRounds = arg('rounds', 20), uploads = arg('uploads', 20), budget = arg('budget', 100);
  const home = mkdtempSync(path.join(tmpdir(), 'gauntlet-bench-service-'));
  const env: NodeJS.ProcessEnv = { ...process.env, GAUNTLET_HOME: home, GAUNTLET_RATE_LIMIT: '1000000', GAUNTLET_LOG_LEVEL: 'warn', GAUNTLET_CONCURRENCY: '1' };
  delete env.GAUNTLET_SIGNING_KEY;
  delete env.GAUNTLET_KEY_DIR;
  const made = spawnSync(process.execPath, [BIN, 'apikey', 'create', '--tenant', 'bench'], { cwd: ROOT, env, encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`apikey create failed: ${made.stderr}`);
  const key = made.stdout.trim();
  const p = process.argv.indexOf('--profile');
  const { child, url } = await startServer(env, p >= 0 ? path.resolve(process.argv[p + 1]) : null);
  const ids: string[] = [];
  try {
    const load0 = loadavg();
    const long = await submit(url, key, { eps: 0.1, preset: 'quick', n: points });
    if (long.status !== 202 || !long.id) throw new Error(`the long audit was not accepted: ${long.status} ${long.body}`);
    ids.push(long.id);
    // Running, with progress from the audit process: inference is under way.
    const tWait = performance.now();
    let before = (await status(url, key, long.id)).view;
    while (!(before.state === 'running' && before.progress && before.progress.overall > 0)) {
      if (before.state !== 'queued' && before.state !== 'running') throw new Error(`the long audit ended early: ${JSON.stringify(before)}`);
      if (performance.now() - tWait > 120_000) throw new Error('the long audit did not start within 120 s');
      await new Promise((r) => setTimeout(r, 200));
      before = (await status(url, key, long.id)).view;
    }
    await eventLoop(url); // resets prom-client's event-loop histogram: the next scrape covers the window

    const t0 = performance.now();
    const uploadResults: Awaited<ReturnType<typeof submit>>[] = [];
    let uploadsDone = false;
    const uploading = Promise.all(Array.from({ length: uploads }, () => submit(url, key, { eps: 0.1, preset: 'quick', n: 40 })))
      .then((rs) => { uploadResults.push(...rs); uploadsDone = true; });
    const reads: number[] = [];
    const states = new Map<string, number>();
    let bad = 0, rounds = 0;
    while (rounds < minRounds || !uploadsDone) {
      const rs = await Promise.all(Array.from({ length: polls }, () => status(url, key, long.id!)));
      for (const r of rs) {
        reads.push(r.ms);
        if (r.status !== 200) bad++;
        states.set(r.view.state, (states.get(r.view.state) ?? 0) + 1);
      }
      rounds++;
    }
    await uploading;
    const wall = (performance.now() - t0) / 1000;
    const lag = await eventLoop(url);
    const after = (await status(url, key, long.id)).view;
    const load1 = loadavg();
    for (const u of uploadResults) if (u.id) ids.push(u.id);

    const r = summary(reads), u = summary(uploadResults.map((x) => x.ms));
    const accepted = uploadResults.filter((x) => x.status === 202).length;
    const pass = r.p99 < budget && bad === 0 && accepted === uploads && states.size === 1 && states.has('running');
    const ms = (s: number | undefined) => (s === undefined ? 'n/a' : fmt(s * 1000));
    console.log(`Service load benchmark — node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), loopback`);
    console.log(`command: npm run bench:service -- --points ${points} --polls ${polls} --rounds ${minRounds} --uploads ${uploads} --budget ${budget}`);
    console.log(`running audit: quick preset, ${points} points; progress ${(before.progress!.overall * 100).toFixed(1)}% → ${((after.progress?.overall ?? 1) * 100).toFixed(1)}% (${after.state}) during the window`);
    console.log(`window: ${wall.toFixed(1)} s, ${rounds} rounds × ${polls} concurrent status reads + ${uploads} concurrent uploads`);
    console.log('');
    console.log('| requests | n | p50 ms | p95 ms | p99 ms | max ms |');
    console.log('|---|---:|---:|---:|---:|---:|');
    console.log(`| GET /v1/audits/:id (${polls} concurrent) | ${r.n} | ${fmt(r.p50)} | ${fmt(r.p95)} | ${fmt(r.p99)} | ${fmt(r.max)} |`);
    console.log(`| POST /v1/audits (${uploads} concurrent, model + data) | ${u.n} | ${fmt(u.p50)} | ${fmt(u.p95)} | ${fmt(u.p99)} | ${fmt(u.max)} |`);
    console.log('');
    console.log(`event-loop delay over the window (gauntlet_nodejs_eventloop_lag_*; includes prom-client's 10 ms sampling interval): p50 ${ms(lag.p50)} ms, p99 ${ms(lag.p99)} ms, max ${ms(lag.max)} ms, mean ${ms(lag.mean)} ms`);
    console.log(`status reads: ${bad} not 200; states seen ${JSON.stringify(Object.fromEntries(states))}; uploads: ${accepted}/${uploads} accepted (202)`);
    console.log(`load average (1/5/15 min): before ${load0.map((x) => x.toFixed(2)).join(' ')}, after ${load1.map((x) => x.toFixed(2)).join(' ')}`);
    for (const x of uploadResults.filter((y) => y.status !== 202).slice(0, 3)) console.log(`rejected upload: ${x.status} ${x.body.slice(0, 300)}`);
    console.log(`${pass ? 'PASS' : 'FAIL'}: p99 of status reads ${fmt(r.p99)} ms ${r.p99 < budget ? '<' : '>='} ${budget} ms${pass || r.p99 >= budget ? '' : ' (but see the counts above)'}`);
    process.exitCode = pass ? 0 : 1;
  } finally {
    for (const id of ids) await fetch(`${url}/v1/audits/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${key}` } }).catch(() => undefined);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(home, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 2;
});
