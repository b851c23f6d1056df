/**
 * The hostile-input suite (issue 12.8): every row of test/hostile/cases.ts against one real
 * server. Each row checks the answer (status, problem code, a pattern on the detail, no server
 * path or stack in it) and then that nothing leaked and the server is healthy: the test process's
 * open descriptors (the server runs in it) and blobs/incoming/ back where they were, no blob and
 * no job kept for a refused request, /healthz and /readyz 200. Audits are accepted but not run
 * (a runner that leaves them queued): this suite is about what happens at the door.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleReport } from '../src/audit/testing/sample-report';
import { loadServiceConfig } from '../src/config/service';
import { createApiKey } from '../src/jobs/api-keys';
import type { JobRunner } from '../src/jobs/runner';
import { createLogger } from '../src/logging/logger';
import { attestReport, loadOrCreateSigningKey, signReportPdf } from '../src/report/sign';
import { pdfkitPdf } from '../src/report/sign/testing/pdfs';
import { RunningService, startService } from '../src/server/start';
import { Case, CASES, Ctx, Req } from './hostile/cases';
import { Answer, BOUNDARY, multipart, send, sendRaw } from './hostile/http';
import { CNN, MNIST } from './support/service';

jest.setTimeout(60_000);

const RATE_LIMIT = 300;
const runPending = process.env.HOSTILE_PENDING === '1';
const home = mkdtempSync(join(tmpdir(), 'gauntlet-hostile-'));
const scratch = mkdtempSync(join(tmpdir(), 'gauntlet-hostile-in-'));
let svc: RunningService;
let ctx: Ctx;

/** Leaves every audit queued: the suite checks admission, not audits. */
const idleRunner = (): JobRunner => ({ start: async () => {}, submit: async () => {}, cancel: async () => {}, ready: async () => true, stop: async () => {} });

beforeAll(async () => {
  const config = {
    ...loadServiceConfig({ GAUNTLET_HOME: home }), port: 0, host: '127.0.0.1', logLevel: 'silent' as const,
    limits: { modelBytes: 4 * 1024 * 1024, dataBytes: 8 * 1024 * 1024, policyBytes: 4096, configBytes: 16 * 1024 },
    uploadTimeouts: { idleMs: 1500, bodyMs: 20_000 }, rateLimitPerMinute: RATE_LIMIT,
  };
  svc = await startService(config, { logger: createLogger('silent'), runner: idleRunner });
  const key = (tenant: string, role: 'tenant' | 'admin' = 'tenant') => createApiKey(svc.store, tenant, role).key;
  const serverKey = loadOrCreateSigningKey({ env: { ...process.env, GAUNTLET_HOME: home } });
  const otherKey = loadOrCreateSigningKey({ dir: join(scratch, 'other-keys') });
  const report = sampleReport();
  const pdf = await pdfkitPdf(1);
  const fifo = join(scratch, 'weights.bin');
  execFileSync('mkfifo', [fifo]);
  ctx = {
    port: svc.port, keys: { mallory: key('mallory'), alice: key('alice'), admin: key('root', 'admin') }, aliceAudit: '',
    serverKey, otherKey, attestation: attestReport(report, serverKey).jsonl, pdf: signReportPdf(pdf, report, serverKey),
    forgedAttestation: attestReport(report, otherKey).jsonl, forgedPdf: signReportPdf(pdf, report, otherKey), fifo, rateLimitPerMinute: RATE_LIMIT,
  };
  const a = await request({ method: 'POST', path: '/v1/audits', key: ctx.keys.alice, parts: { model: { bytes: readFileSync(CNN), name: 'cnn.onnx' }, data: { bytes: readFileSync(MNIST), name: 'mnist.npz' }, config: '{"eps":0.1,"n":4}' } });
  if (a.status !== 202) throw new Error(`alice's audit was not accepted: ${a.status} ${a.text}`);
  ctx.aliceAudit = a.body.id;
  await request({ path: '/healthz' }); // warm up lazily opened descriptors
});
afterAll(async () => {
  await svc?.close();
  rmSync(home, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

const incoming = () => readdirSync(join(home, 'blobs', 'incoming')).sort();

/** Sends a row's request. */
function request(r: Req): Promise<Answer> {
  if ('raw' in r) {
    const before = incoming().length;
    return sendRaw(ctx.port, r.raw, { hangUpWhen: r.hangUp ? () => incoming().length > before : undefined });
  }
  const headers: Record<string, string> = { ...(r.key ? { authorization: `Bearer ${r.key}` } : {}), ...r.headers };
  let body = r.body;
  if (r.parts) {
    body = multipart(Object.fromEntries(Object.entries(r.parts).filter(([, v]) => v !== undefined)) as never);
    headers['content-type'] = `multipart/form-data; boundary=${BOUNDARY}`;
  }
  return send(ctx.port, r.method ?? 'GET', r.path, headers, body);
}

/** What a leak would change. */
function snapshot() {
  const jobs = Object.values(svc.store.countByState()).reduce((a, b) => a + b, 0);
  return {
    fds: readdirSync('/proc/self/fd').length,
    incoming: incoming(),
    blobs: readdirSync(join(home, 'blobs', 'sha256')).sort(),
    jobs,
  };
}

/** Polls until `ok` holds (closing descriptors and deleting partial files may trail the answer). */
async function settle<T>(read: () => T, ok: (v: T) => boolean, ms = 5000): Promise<T> {
  const t0 = Date.now();
  let v = read();
  while (!ok(v) && Date.now() - t0 < ms) {
    await new Promise((r) => setTimeout(r, 50));
    v = read();
  }
  return v;
}

/**
 * /healthz latencies while `work` runs: one probe every 20 ms, each timed from when it was due, so
 * a stall of the event loop (the server runs in this process) counts even when it hits between
 * probes. Returns their p99 and maximum. The p99 is what the row bounds (as the load benchmark
 * does): this process also sends the 64 MiB upload, and on a loaded 2-core machine single probes
 * reached 163 ms while the verification ran in its child; a stall from parsing on the loop (the
 * quadratic /ByteRange scan took seconds to hours) moves the p99 and the maximum, bounded at 10×.
 */
async function healthLatency<T>(work: Promise<T>): Promise<{ result: T; p99Ms: number; maxMs: number }> {
  let done = false;
  const ms: number[] = [];
  const probe = (async () => {
    for (let due = performance.now(); !done; due += 20) {
      await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
      await send(ctx.port, 'GET', '/healthz', {});
      ms.push(performance.now() - due);
      due = Math.max(due, performance.now() - 20); // after a slow probe, the next is due 20 ms on
    }
  })();
  const result = await work.finally(() => { done = true; });
  await probe;
  const sorted = [...ms].sort((a, b) => a - b);
  return { result, p99Ms: sorted[Math.min(sorted.length - 1, Math.floor(0.99 * sorted.length))] ?? 0, maxMs: sorted[sorted.length - 1] ?? 0 };
}

/** `detail` for a problem document, the verification's problems otherwise. */
const detailOf = (a: Answer): string => (a.body?.detail ?? (Array.isArray(a.body?.problems) ? a.body.problems.join('; ') : a.text));

async function runCase(c: Case): Promise<void> {
  await c.before?.(ctx);
  const before = snapshot();
  const req = c.build(ctx);
  const { result: a, p99Ms, maxMs } = c.expect.healthWithinMs ? await healthLatency(request(req)) : { result: await request(req), p99Ms: 0, maxMs: 0 };

  const code = a.body?.code ?? null;
  const limit = c.expect.healthWithinMs;
  // one comparison, so that a failure shows everything that differs
  expect({
    status: a.status, code, detail: detailOf(a), valid: a.body?.valid,
    ...(limit ? { healthzP99: p99Ms < limit ? `< ${limit} ms` : `${Math.round(p99Ms)} ms`, healthzMax: maxMs < 10 * limit ? `< ${10 * limit} ms` : `${Math.round(maxMs)} ms` } : {}),
  }).toEqual({
    status: c.expect.status, code: c.expect.code === undefined ? code : c.expect.code,
    detail: c.expect.detail ? expect.stringMatching(c.expect.detail) : expect.anything(),
    valid: c.expect.valid ?? a.body?.valid,
    ...(limit ? { healthzP99: `< ${limit} ms`, healthzMax: `< ${10 * limit} ms` } : {}),
  });
  if (a.status !== null && a.status >= 400 && code) expect(a.headers['content-type']).toMatch(/^application\/problem\+json/);
  // no server path, no stack, one line
  expect(a.text).not.toContain(home);
  expect(a.text).not.toMatch(/\/blobs\/|\/tmp\/|\bat .*\.[jt]s:\d+/);
  if (a.body?.detail) expect(a.body.detail).not.toMatch(/\n/);
  c.check?.(ctx);

  if (a.status === 202) { // an accepted control: remove it, which also collects its blobs
    const del = await send(ctx.port, 'DELETE', `/v1/audits/${a.body.id}`, { authorization: `Bearer ${ctx.keys.mallory}` });
    expect(del.status).toBe(204);
  }
  const after = await settle(snapshot, (s) => s.fds <= before.fds && s.incoming.length === before.incoming.length && s.blobs.length === before.blobs.length);
  expect({ ...after, fds: after.fds <= before.fds }).toEqual({ ...before, fds: true });

  expect((await request({ path: '/healthz' })).status).toBe(200);
  expect((await request({ path: '/readyz' })).status).toBe(200);
}

describe('when hostile input arrives', () => {
  for (const c of CASES) {
    const title = `${c.kind}: ${c.name} → ${c.expect.status ?? 'connection closed'}${c.expect.code ? ` ${c.expect.code}` : ''}`;
    if (c.pending && !runPending) it.skip(`[pending ${c.pending}] ${title}`, () => runCase(c));
    else it(title, () => runCase(c));
  }

  it('then a good upload is still accepted and the audit of another tenant is untouched', async () => {
    await runCase(CASES[0]);
    const alice = await request({ path: `/v1/audits/${ctx.aliceAudit}`, key: ctx.keys.alice });
    expect({ status: alice.status, state: alice.body.state }).toEqual({ status: 200, state: 'queued' });
  });
});
