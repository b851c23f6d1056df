/**
 * The distributed mode with real processes: a redis-server on loopback, `gauntlet serve` with
 * GAUNTLET_QUEUE=redis://…, and two `gauntlet worker` processes sharing one GAUNTLET_HOME. One
 * audit split into 2 shards runs on both workers and its merged report equals a single-process
 * `gauntlet audit` of the same configuration; a deleted audit is stopped on the workers and leaves
 * nothing in the queue. Runs from dist/ (`npm run build`); CLI processes sign with the test key
 * directory of ./support/cli-process.ts.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { DIST_SKIP, ROOT, runCliProcess, startCli } from './support/cli-process';

jest.setTimeout(180_000);

const CNN = join(ROOT, 'fixtures', 'models', 'cnn.onnx');
const MNIST = join(ROOT, 'fixtures', 'data', 'mnist-eval.npz');
const AUDIT = { eps: 0.1, preset: 'quick', n: 60, chunk: 10 };

/** Why this test cannot run here, or undefined. */
function skipReason(): string | undefined {
  if (DIST_SKIP) return DIST_SKIP;
  const onPath = (process.env.PATH ?? '').split(delimiter).some((d) => d && existsSync(join(d, 'redis-server')));
  if (!onPath) return 'redis-server is not on PATH (CI installs Debian\'s redis-server)';
  // BullMQ's Redis driver is an optional peer dependency: without it the redis mode cannot start.
  if (spawnSync(process.execPath, ['-e', "require.resolve('ioredis')"], { cwd: ROOT }).status !== 0) return "the 'ioredis' package (BullMQ's Redis driver) is not installed";
  return undefined;
}
const SKIP = skipReason();
const describeRedis = SKIP ? describe.skip : describe;
if (SKIP) console.warn(`skipping test/service-redis.test.ts: ${SKIP}`);

/** A free TCP port on loopback. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/** Resolves with the first match of `re` in the stream's output; rejects when the process exits or after `ms`. */
function waitForOutput(child: ChildProcess, stream: 'stdout' | 'stderr', re: RegExp, ms: number): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`no ${re} within ${ms} ms; output: ${text.slice(-2000)}`)), ms);
    const onData = (d: Buffer) => {
      text += String(d);
      const m = re.exec(text);
      if (m) { clearTimeout(timer); child[stream]!.off('data', onData); resolve(m); }
    };
    child[stream]!.on('data', onData);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`process exited (${code}) before ${re}; output: ${text.slice(-2000)}`)); });
  });
}

/** JSON log lines a process has written to stdout so far. */
function logLines(out: string[]): Record<string, unknown>[] {
  return out.join('').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The report without what legitimately differs between runs (measured times, when, where, resume count). */
function comparable(report: Record<string, any>): Record<string, any> {
  const { createdAt: _c, timings: _t, environment: _e, resumed: _r, ...rest } = report;
  return {
    ...rest,
    stages: rest.stages.map(({ seconds: _s, ...st }: Record<string, unknown>) => st),
    hypocritical: rest.hypocritical && (({ seconds: _s, ...h }) => h)(rest.hypocritical),
  };
}

describeRedis('distributed audits on redis (serve + two workers)', () => {
  const procs: ChildProcess[] = [];
  const dirs: string[] = [];
  const workerOut: Record<string, string[]> = { w1: [], w2: [] };
  let redisPort = 0;
  let home = '';
  let url = '';
  let key = '';

  const api = async (path: string, init: RequestInit = {}): Promise<{ status: number; body: any }> => {
    const r = await fetch(`${url}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, ...(init.headers ?? {}) } });
    const type = r.headers.get('content-type') ?? '';
    return { status: r.status, body: type.includes('json') ? await r.json() : await r.text() };
  };
  const submit = async (config: object) => {
    const form = new FormData();
    form.append('model', new Blob([readFileSync(CNN)]), 'cnn.onnx');
    form.append('data', new Blob([readFileSync(MNIST)]), 'mnist-eval.npz');
    form.append('config', JSON.stringify(config));
    const r = await api('/v1/audits', { method: 'POST', body: form });
    expect(r.status).toBe(202);
    return r.body.id as string;
  };
  /** Polls the audit until `until` holds; returns every view seen. */
  const poll = async (id: string, until: (v: any) => boolean, ms: number) => {
    const views: any[] = [];
    const end = Date.now() + ms;
    for (;;) {
      const r = await api(`/v1/audits/${id}`);
      expect(r.status).toBe(200);
      views.push(r.body);
      if (until(r.body)) return views;
      if (Date.now() > end) throw new Error(`audit ${id} still ${r.body.state} after ${ms} ms: ${JSON.stringify(r.body.progress)}`);
      await new Promise((res) => setTimeout(res, 500));
    }
  };
  const redisKeys = (pattern: string) => spawnSync('redis-cli', ['-p', String(redisPort), '--scan', '--pattern', pattern], { encoding: 'utf8' });

  beforeAll(async () => {
    const base = mkdtempSync(join(tmpdir(), 'gauntlet-redis-'));
    dirs.push(base);
    home = join(base, 'home');
    redisPort = await freePort();
    const redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', base], { stdio: ['ignore', 'pipe', 'pipe'] });
    procs.push(redis);
    await waitForOutput(redis, 'stdout', /Ready to accept connections/, 15_000);
    const env = { GAUNTLET_HOME: home, GAUNTLET_QUEUE: `redis://127.0.0.1:${redisPort}`, GAUNTLET_LOG_LEVEL: 'info' };
    const created = await runCliProcess(['apikey', 'create', '--tenant', 't'], env);
    expect(created.code).toBe(0);
    key = created.out.trim();
    const serve = startCli(['serve', '--port', '0'], env);
    procs.push(serve.child);
    const m = await waitForOutput(serve.child, 'stderr', /serving on (http:\/\/[^\s]+)/, 30_000);
    url = m[1];
    for (const name of ['w1', 'w2']) {
      const w = startCli(['worker', '--name', name, '--concurrency', '1'], env);
      procs.push(w.child);
      w.child.stdout!.on('data', (d) => workerOut[name].push(String(d)));
      await waitForOutput(w.child, 'stderr', new RegExp(`worker ${name} on redis://`), 30_000);
    }
  });

  afterAll(async () => {
    await Promise.all(procs.map((p) => new Promise<void>((resolve) => {
      if (p.exitCode !== null || p.signalCode !== null) { resolve(); return; }
      const hard = setTimeout(() => p.kill('SIGKILL'), 5000);
      p.once('exit', () => { clearTimeout(hard); resolve(); });
      p.kill('SIGTERM');
    })));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('when an audit is split in 2 shards, then both workers run one and the merged report equals a single-process audit', async () => {
    const single = join(dirs[0], 'single');
    const reference = runCliProcess(['audit', CNN, '--data', MNIST, '--eps', '0.1', '--preset', 'quick', '--n', '60', '--chunk', '10', '--out', single, '--no-sign']);
    const id = await submit({ ...AUDIT, shards: 2 });
    const views = await poll(id, (v) => v.state === 'succeeded' || v.state === 'failed', 170_000);
    const done = views[views.length - 1];
    expect(done.error).toBeNull();
    expect(done.state).toBe('succeeded');

    // progress was reported while it ran and never went backwards
    const overall = views.filter((v) => v.progress).map((v) => v.progress.overall as number);
    expect(views.some((v) => v.state === 'running')).toBe(true);
    expect(overall.every((o, i) => i === 0 || o >= overall[i - 1])).toBe(true);

    // each worker ran one shard (from their logs), and the shard checkpoints are in the shared home
    const shardsBy = (name: string) => logLines(workerOut[name]).filter((l) => l.message === 'shard done' && l.jobId === id).map((l) => l.shard);
    expect(shardsBy('w1')).toHaveLength(1);
    expect(shardsBy('w2')).toHaveLength(1);
    expect([...shardsBy('w1'), ...shardsBy('w2')].sort()).toEqual([0, 1]);
    for (const i of [0, 1]) expect(existsSync(join(home, 'jobs', id, 'shards', `${i}.json`))).toBe(true);

    const served = await api(`/v1/audits/${id}/report.json`);
    expect(served.status).toBe(200);
    const ref = await reference;
    expect(ref.code).toBe(0);
    const mine = JSON.parse(readFileSync(join(single, 'report.json'), 'utf8'));
    expect(comparable(served.body)).toEqual(comparable(mine));
    expect(served.body.resumed).toBe(0); // the finish job replays the merged shards without counting a resume
    expect(done.result).toMatchObject({ robustAccuracy: mine.robustAccuracy, cleanAccuracy: mine.cleanAccuracy, verdict: mine.gate.verdict });
  });

  it('when a running sharded audit is deleted, then the workers stop it and nothing of it stays in the queue', async () => {
    const id = await submit({ ...AUDIT, shards: 2 });
    const started = () => ['w1', 'w2'].every((w) => logLines(workerOut[w]).some((l) => l.message === 'shard started' && l.jobId === id));
    await poll(id, (v) => v.state === 'running' && started(), 60_000);
    const t0 = Date.now();
    const del = await api(`/v1/audits/${id}`, { method: 'DELETE' });
    expect(del.status).toBe(204);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect((await api(`/v1/audits/${id}`)).status).toBe(404);
    const cancelled = (w: string) => logLines(workerOut[w]).some((l) => l.message === 'cancelling' && l.jobId === id);
    for (let i = 0; i < 50 && !(cancelled('w1') && cancelled('w2')); i++) await new Promise((res) => setTimeout(res, 100)); // log lines arrive through pipes
    expect([cancelled('w1'), cancelled('w2')]).toEqual([true, true]);
    const keys = redisKeys(`*${id}*`);
    expect(keys.status).toBe(0);
    expect(keys.stdout.trim()).toBe('');
    expect(existsSync(join(home, 'jobs', id))).toBe(false);
  });
});
