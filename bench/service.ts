/**
 * `npm run bench:service`: the service's responsiveness under load while an audit runs (issue 6,
 * "Load benchmark"). It starts a real server (`gauntlet serve`, a child process) on loopback with
 * a temporary GAUNTLET_HOME and a high rate limit, creates an API key, submits one long audit
 * (quick preset on `--points` points) and waits until it is running with progress; then it sends
 * rounds of `--polls` concurrent GET /v1/audits/:id status reads (at least `--rounds` rounds, and
 * on until the uploads are answered) while `--uploads` concurrent POST /v1/audits uploads of the
 * fixture model + data go in. It prints p50/p95/p99/max latency of the reads (as the client saw
 * them, and as the server's own histogram did) and of the uploads, the server's event-loop delay
 * over the window (prom-client's gauges from /metrics, reset at each scrape), the server
 * process's CPU time (/proc), the load average, and PASS/FAIL for "p99 of status reads <
 * --budget ms" (exit 1 on FAIL). Accepted uploads queue behind the running audit (GAUNTLET_CONCURRENCY 1); all audits
 * are deleted at the end. Figures go to docs/service.md.
 *
 * Options (after `--`): --points N (500) --polls N (100) --rounds N (20) --uploads N (20)
 *   --budget MS (100) --upload-concurrency N (all at once)
 *   --profile DIR (the server runs with node --cpu-prof and writes its profile there)
 *   --scenario hostile-verify [--verifies N (8)] [--verify-concurrency N (2)]: instead, /healthz
 *   latency while hostile 64 MiB PDFs are verified (./service-verify.ts)
 *
 * `-- --scenario tenants` (issue 12, fairness) measures instead a normal tenant's
 * upload-to-accepted latency (`--uploads` sequential uploads of the fixture model + data) alone,
 * and while an abusive tenant keeps `--abusers` uploads in flight at all times (each accepted
 * audit deleted and uploaded again, so it holds its inspection slots without ever reaching its
 * quota of active audits). The two phases alternate in `--blocks` blocks (alone, abused, alone, …)
 * so that a change in the host's other load falls on both. It prints p50/p99 of both phases and
 * PASS/FAIL for "p99 under abuse ≤ 2 × p99 alone" (exit 1 on FAIL). Both tenants delete their
 * accepted audits at once, so the window measures uploads, not audits.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, openAsBlob, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { packageRoot } from '../src/util/entry';
import { hostileVerifyScenario } from './service-verify';

const ROOT = packageRoot(__dirname);
const BIN = path.join(ROOT, 'bin', 'gauntlet.js');
const MODEL = path.join(ROOT, 'fixtures', 'models', 'cnn.onnx');
const DATA = path.join(ROOT, 'fixtures', 'data', 'mnist-eval.npz');

/** The value of `--name` (a string flag), or `dflt`. */
function flag(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
}

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

const serverLog: string[] = [];

/** Starts `gauntlet serve --port 0`; resolves once it prints its address. */
function startServer(env: NodeJS.ProcessEnv, profileDir: string | null): Promise<{ child: ChildProcess; url: string }> {
  const prof = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn(process.execPath, [...prof, BIN, 'serve', '--port', '0'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  // The server's log (JSON lines, GAUNTLET_LOG_LEVEL=warn): kept to explain failures.
  child.stdout!.on('data', (d) => { serverLog.push(...String(d).split('\n').filter(Boolean)); serverLog.splice(0, Math.max(0, serverLog.length - 200)); });
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

async function submit(url: string, key: string, config: object, signal?: AbortSignal): Promise<{ status: number; id?: string; ms: number; body: string }> {
  const form = new FormData();
  form.append('model', await openAsBlob(MODEL), 'cnn.onnx');
  form.append('data', await openAsBlob(DATA), 'mnist-eval.npz');
  form.append('config', JSON.stringify(config));
  const t0 = performance.now();
  let res: Response, body: string;
  try {
    res = await fetch(`${url}/v1/audits`, { method: 'POST', body: form, headers: { authorization: `Bearer ${key}` }, signal });
    body = await res.text();
  } catch (e) {
    // A connection the server closed is a result to report, not a reason to stop the benchmark.
    return { status: 0, ms: performance.now() - t0, body: `${(e as Error).message}: ${String((e as Error & { cause?: Error }).cause?.message ?? '')}` };
  }
  const ms = performance.now() - t0;
  let id: string | undefined;
  try { id = (JSON.parse(body) as { id?: string }).id; } catch { /* a problem document or worse: reported below */ }
  return { status: res.status, id, ms, body };
}

/** Status reads retried because the server closed an idle keep-alive connection as it was reused. */
let retried = 0;

async function status(url: string, key: string, id: string): Promise<{ ms: number; status: number; view: { state: string; progress: { overall: number } | null } }> {
  const t0 = performance.now();
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(`${url}/v1/audits/${id}`, { headers: { authorization: `Bearer ${key}` } });
      const view = await res.json() as { state: string; progress: { overall: number } | null };
      return { ms: performance.now() - t0, status: res.status, view };
    } catch (e) {
      // The keep-alive race (server's keepAliveTimeout vs. the client's pool): a GET is safe to resend once;
      // its latency includes the failed attempt.
      if (attempt > 0 || !['UND_ERR_SOCKET', 'ECONNRESET'].includes((e as { cause?: { code?: string } }).cause?.code ?? '')) throw e;
      retried++;
    }
  }
}

/** CPU seconds (user + system) a process has used, from /proc (Linux; null elsewhere). Clock ticks are 1/100 s. */
function cpuSeconds(pid: number | undefined): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime: fields 14 and 15 of stat
  } catch {
    return null;
  }
}

interface Scrape {
  /** prom-client's event-loop gauges (seconds), by suffix (p50, p99, max, mean, …). */
  lag: Record<string, number>;
  /** Cumulative counts of the server-side latency histogram by upper bound (seconds), per route. */
  buckets: Map<string, Map<number, number>>;
}

/** Reads /metrics (which also resets prom-client's event-loop histogram). */
async function scrape(url: string): Promise<Scrape> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const lag: Record<string, number> = {};
  for (const m of text.matchAll(/^gauntlet_nodejs_eventloop_lag_(\w*?)_?seconds\s+(\S+)$/gm)) lag[m[1] || 'now'] = Number(m[2]);
  const buckets = new Map<string, Map<number, number>>();
  for (const m of text.matchAll(/^gauntlet_http_request_duration_seconds_bucket\{(.*)\}\s+(\S+)$/gm)) {
    const labels = Object.fromEntries([...m[1].matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    const key = `${labels.method} ${labels.route}`;
    if (!buckets.has(key)) buckets.set(key, new Map());
    buckets.get(key)!.set(labels.le === '+Inf' ? Infinity : Number(labels.le), Number(m[2]));
  }
  return { lag, buckets };
}

/**
 * Server-side latency (request parsed → response finished, as the server's histogram saw it) of
 * `route` between two scrapes: for each quantile, the histogram bucket bound it falls under (ms).
 */
function serverQuantiles(a: Scrape, b: Scrape, route: string, qs: number[]): string[] {
  const after = b.buckets.get(route);
  if (!after) return qs.map(() => 'n/a');
  const before = a.buckets.get(route) ?? new Map<number, number>();
  const bounds = [...after.keys()].sort((x, y) => x - y);
  const count = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
  return qs.map((q) => {
    const le = bounds.find((u) => (after.get(u) ?? 0) - (before.get(u) ?? 0) >= q * count);
    return le === undefined || le === Infinity ? '> 10000' : `≤ ${fmt(le * 1000)}`;
  });
}

/** The server environment of a benchmark run, and an API key for each tenant. */
function setup(home: string, extra: NodeJS.ProcessEnv, tenants: string[]): { env: NodeJS.ProcessEnv; keys: string[] } {
  const env: NodeJS.ProcessEnv = { ...process.env, GAUNTLET_HOME: home, GAUNTLET_RATE_LIMIT: '1000000', GAUNTLET_LOG_LEVEL: 'warn', GAUNTLET_CONCURRENCY: '1', ...extra };
  delete env.GAUNTLET_SIGNING_KEY;
  delete env.GAUNTLET_KEY_DIR;
  const keys = tenants.map((t) => {
    const made = spawnSync(process.execPath, [BIN, 'apikey', 'create', '--tenant', t], { cwd: ROOT, env, encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`apikey create failed: ${made.stderr}`);
    return made.stdout.trim();
  });
  return { env, keys };
}

async function remove(url: string, key: string, id: string): Promise<void> {
  await fetch(`${url}/v1/audits/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${key}` } }).catch(() => undefined);
}

/** The two-tenant scenario (see the module comment). */
async function tenantsScenario(): Promise<void> {
  const uploads = arg('uploads', 20), abusers = arg('abusers', 8), blocks = arg('blocks', 4);
  const home = mkdtempSync(path.join(tmpdir(), 'gauntlet-bench-tenants-'));
  const { env, keys: [normal, abusive] } = setup(home, {}, ['normal', 'abusive']);
  const { child, url } = await startServer(env, null);
  const config = { eps: 0.1, preset: 'quick', n: 40 };
  try {
    const load0 = loadavg();
    /** `n` sequential uploads of the normal tenant; their latencies (ms). */
    const normalRun = async (n = uploads): Promise<number[]> => {
      const ms: number[] = [];
      for (let i = 0; i < n; i++) {
        const r = await submit(url, normal, config);
        if (r.status !== 202 || !r.id) throw new Error(`a normal upload was not accepted: ${r.status} ${r.body.slice(0, 300)}`);
        ms.push(r.ms);
        await remove(url, normal, r.id);
      }
      return ms;
    };
    await normalRun(3); // warm-up: the page cache, ORT's first load
    const soloMs: number[] = [], abusedMs: number[] = [];
    const abuse = { accepted: 0, refused: new Map<number, number>(), ms: [] as number[] };
    let wall = 0;
    for (let b = 0; b < blocks; b++) {
      const n = Math.ceil(uploads / blocks);
      soloMs.push(...await normalRun(n));
      // the abusive tenant: `abusers` uploads in flight until the block ends (then abandoned: the server drops them)
      const ac = new AbortController();
      const abuser = async () => {
        while (!ac.signal.aborted) {
          const r = await submit(url, abusive, config, ac.signal);
          if (r.status === 202 && r.id) { abuse.accepted++; abuse.ms.push(r.ms); await remove(url, abusive, r.id); } else if (!ac.signal.aborted) {
            abuse.refused.set(r.status, (abuse.refused.get(r.status) ?? 0) + 1);
            await new Promise((res) => setTimeout(res, 200));
          }
        }
      };
      const abusing = Promise.all(Array.from({ length: abusers }, abuser));
      await new Promise((r) => setTimeout(r, 3000)); // its uploads fill its slots and queue behind them
      const t0 = performance.now();
      abusedMs.push(...await normalRun(n));
      wall += (performance.now() - t0) / 1000;
      ac.abort();
      await abusing;
      await new Promise((r) => setTimeout(r, 1000)); // the abandoned uploads' inspections end
      // an upload answered 202 just as it was abandoned: remove its audit before the next solo block
      const left = await (await fetch(`${url}/v1/audits?limit=100`, { headers: { authorization: `Bearer ${abusive}` } })).json() as { items: { id: string }[] };
      for (const j of left.items) await remove(url, abusive, j.id);
    }
    const solo = summary(soloMs), during = summary(abusedMs);
    const load2 = loadavg();
    const a = summary(abuse.ms);
    const ratio = during.p99 / solo.p99;
    const pass = ratio <= 2;
    console.log(`Service two-tenant benchmark — node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), loopback`);
    console.log(`command: npm run bench:service -- --scenario tenants --uploads ${uploads} --abusers ${abusers} --blocks ${blocks}`);
    console.log(`server: GAUNTLET_MAX_INSPECTIONS ${env.GAUNTLET_MAX_INSPECTIONS ?? '2 (default)'}, GAUNTLET_TENANT_MAX_INSPECTIONS ${env.GAUNTLET_TENANT_MAX_INSPECTIONS ?? 'default'}, GAUNTLET_TENANT_MAX_ACTIVE_AUDITS ${env.GAUNTLET_TENANT_MAX_ACTIVE_AUDITS ?? '20 (default)'}`);
    console.log('');
    console.log('| normal tenant: POST /v1/audits → 202 (model + data, one at a time) | n | p50 ms | p95 ms | p99 ms | max ms |');
    console.log('|---|---:|---:|---:|---:|---:|');
    console.log(`| alone | ${solo.n} | ${fmt(solo.p50)} | ${fmt(solo.p95)} | ${fmt(solo.p99)} | ${fmt(solo.max)} |`);
    console.log(`| while the abusive tenant keeps ${abusers} uploads in flight | ${during.n} | ${fmt(during.p50)} | ${fmt(during.p95)} | ${fmt(during.p99)} | ${fmt(during.max)} |`);
    console.log('');
    console.log(`abusive tenant in the ${wall.toFixed(1)} s of abused blocks and the 3 s before each: ${abuse.accepted} accepted (p50 ${a.n ? fmt(a.p50) : 'n/a'} ms, max ${a.n ? fmt(a.max) : 'n/a'} ms), refused ${JSON.stringify(Object.fromEntries(abuse.refused))}`);
    console.log(`load average (1/5/15 min): before ${load0.map((x) => x.toFixed(2)).join(' ')}, after ${load2.map((x) => x.toFixed(2)).join(' ')}`);
    console.log(`p50 under abuse ${fmt(during.p50)} ms = ${(during.p50 / solo.p50).toFixed(2)} × p50 alone (${fmt(solo.p50)} ms)`);
    console.log(`${pass ? 'PASS' : 'FAIL'}: p99 under abuse ${fmt(during.p99)} ms = ${ratio.toFixed(2)} × p99 alone (${fmt(solo.p99)} ms) ${pass ? '≤' : '>'} 2 ×`);
    process.exitCode = pass ? 0 : 1;
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(home, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const scenario = flag('scenario', 'load');
  if (scenario === 'tenants') return tenantsScenario();
  if (!['load', 'hostile-verify'].includes(scenario)) throw new Error(`--scenario: expected 'load', 'tenants' or 'hostile-verify', got '${scenario}'`);
  const points = arg('points', 500), polls = arg('polls', 100), minRounds = arg('rounds', 20), uploads = arg('uploads', 20), budget = arg('budget', 100);
  const uploadConcurrency = arg('upload-concurrency', uploads);
  const home = mkdtempSync(path.join(tmpdir(), 'gauntlet-bench-service-'));
  // one tenant: it may use both inspection slots and queue all its uploads (as before issue 12's per-tenant limits)
  const { env, keys: [key] } = setup(home, { GAUNTLET_TENANT_MAX_INSPECTIONS: '2', GAUNTLET_TENANT_MAX_ACTIVE_AUDITS: '0' }, ['bench']);
  const p = process.argv.indexOf('--profile');
  const { child, url } = await startServer(env, p >= 0 ? path.resolve(process.argv[p + 1]) : null);
  const ids: string[] = [];
  try {
    if (scenario === 'hostile-verify') {
      const pass = await hostileVerifyScenario({ url, key, verifies: arg('verifies', 8), concurrency: arg('verify-concurrency', 2), budget, summary, fmt });
      process.exitCode = pass ? 0 : 1;
      return;
    }
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
    const m0 = await scrape(url); // also resets prom-client's event-loop histogram: the next scrape covers the window

    const cpu0 = cpuSeconds(child.pid);
    const t0 = performance.now();
    const uploadResults: Awaited<ReturnType<typeof submit>>[] = [];
    let uploadsDone = false;
    // `--upload-concurrency` uploads in flight at a time (default: all at once).
    let nextUpload = 0;
    const uploader = async () => {
      while (nextUpload < uploads) { nextUpload++; uploadResults.push(await submit(url, key, { eps: 0.1, preset: 'quick', n: 40 })); }
    };
    const uploading = Promise.all(Array.from({ length: Math.min(uploads, uploadConcurrency) }, uploader)).then(() => { uploadsDone = true; });
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
    const cpu1 = cpuSeconds(child.pid);
    const m1 = await scrape(url);
    const lag = m1.lag;
    const after = (await status(url, key, long.id)).view;
    const load1 = loadavg();
    for (const u of uploadResults) if (u.id) ids.push(u.id);

    const r = summary(reads), u = summary(uploadResults.map((x) => x.ms));
    const accepted = uploadResults.filter((x) => x.status === 202).length;
    const pass = r.p99 < budget && bad === 0 && accepted === uploads && states.size === 1 && states.has('running');
    const ms = (s: number | undefined) => (s === undefined ? 'n/a' : fmt(s * 1000));
    console.log(`Service load benchmark — node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), loopback`);
    console.log(`command: npm run bench:service -- --points ${points} --polls ${polls} --rounds ${minRounds} --uploads ${uploads} --budget ${budget}${uploadConcurrency < uploads ? ` --upload-concurrency ${uploadConcurrency}` : ''}`);
    console.log(`running audit: quick preset, ${points} points; progress ${(before.progress!.overall * 100).toFixed(1)}% → ${((after.progress?.overall ?? 1) * 100).toFixed(1)}% (${after.state}) during the window`);
    console.log(`window: ${wall.toFixed(1)} s, ${rounds} rounds × ${polls} concurrent status reads + ${uploads} uploads, ${Math.min(uploads, uploadConcurrency)} at a time`);
    console.log('');
    console.log('| requests | n | p50 ms | p95 ms | p99 ms | max ms |');
    console.log('|---|---:|---:|---:|---:|---:|');
    console.log(`| GET /v1/audits/:id (${polls} concurrent) | ${r.n} | ${fmt(r.p50)} | ${fmt(r.p95)} | ${fmt(r.p99)} | ${fmt(r.max)} |`);
    console.log(`| POST /v1/audits (${Math.min(uploads, uploadConcurrency)} concurrent, model + data) | ${u.n} | ${fmt(u.p50)} | ${fmt(u.p95)} | ${fmt(u.p99)} | ${fmt(u.max)} |`);
    const sq = serverQuantiles(m0, m1, 'GET /v1/audits/:id', [0.5, 0.95, 0.99, 1]);
    console.log(`| GET /v1/audits/:id, server side (histogram bucket bounds) | ${r.n} | ${sq.join(' | ')} |`);
    console.log('');
    console.log(`event-loop delay over the window (gauntlet_nodejs_eventloop_lag_*; includes prom-client's 10 ms sampling interval): p50 ${ms(lag.p50)} ms, p99 ${ms(lag.p99)} ms, max ${ms(lag.max)} ms, mean ${ms(lag.mean)} ms`);
    if (cpu0 !== null && cpu1 !== null) console.log(`server process CPU in the window: ${(cpu1 - cpu0).toFixed(2)} s of ${wall.toFixed(1)} s wall (${((cpu1 - cpu0) / wall * 100).toFixed(0)}% of one core; ${((cpu1 - cpu0) * 1000 / (reads.length + uploads)).toFixed(2)} ms per request)`);
    console.log(`status reads: ${bad} not 200, ${retried} resent once after the server closed an idle keep-alive connection; states seen ${JSON.stringify(Object.fromEntries(states))}; uploads: ${accepted}/${uploads} accepted (202)`);
    console.log(`load average (1/5/15 min): before ${load0.map((x) => x.toFixed(2)).join(' ')}, after ${load1.map((x) => x.toFixed(2)).join(' ')}`);
    for (const x of uploadResults.filter((y) => y.status !== 202).slice(0, 3)) console.log(`rejected upload: ${x.status} ${x.body.slice(0, 300)}`);
    if (!pass) for (const line of serverLog.slice(-10)) console.log(`server log: ${line.slice(0, 400)}`);
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
  for (const line of serverLog.slice(-10)) console.error(`server log: ${line.slice(0, 400)}`);
  if (process.env.BENCH_DEBUG) console.error(e);
  console.error(e instanceof Error ? `${e.message}${e.cause ? ` (${String((e.cause as Error).message ?? e.cause)})` : ''}` : e);
  process.exitCode = 2;
});
