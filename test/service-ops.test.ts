/**
 * Operational behaviour of the service: the per-job timeout, JSON logs carrying request and job
 * ids but never API keys or upload content, and the CLI shells (apikey, serve) on bad input.
 */
import { PassThrough } from 'node:stream';
import { createLogger } from '../src/logging/logger';
import { DIST_SKIP, runCliProcess } from './support/cli-process';
import { CNN, MNIST, postForm, get, startTestService, waitForState } from './support/service';

jest.setTimeout(120_000);

describe('when an audit runs longer than the job timeout', () => {
  it('then it fails with a timeout message and the next job runs', async () => {
    const t = await startTestService({ jobTimeoutMs: 1500 });
    try {
      const key = t.key('acme');
      const slow = await postForm(`${t.url}/v1/audits`, key, { model: { path: CNN }, data: { path: MNIST }, config: JSON.stringify({ eps: 0.1, preset: 'standard' }) });
      const done = await waitForState(t.url, key, slow.body.id, ['failed', 'succeeded'], 60_000);
      expect(done.state).toBe('failed');
      expect(done.error).toEqual({ title: 'Audit timed out', detail: expect.stringMatching(/longer than the limit of 2 s \(GAUNTLET_JOB_TIMEOUT_S\)/) });
      expect(t.svc.store.countByState().running ?? 0).toBe(0);
    } finally {
      await t.close();
    }
  });
});

describe('logs', () => {
  it('are JSON lines with request and job ids, without the API key or the uploads', async () => {
    const sink = new PassThrough();
    let text = '';
    sink.on('data', (d) => { text += String(d); });
    const t = await startTestService({}, createLogger('http', sink));
    try {
      const key = t.key('acme');
      const r = await postForm(`${t.url}/v1/audits`, key, { model: { path: CNN }, data: { path: MNIST }, config: JSON.stringify({ eps: 0.1, preset: 'quick', n: 10 }) });
      expect(r.status).toBe(202);
      await waitForState(t.url, key, r.body.id, ['succeeded'], 60_000);
      await get(`${t.url}/v1/audits/${r.body.id}`, key);
    } finally {
      await t.close();
    }
    const lines = text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.some((l) => l.message === 'request' && typeof l.requestId === 'string' && l.route === '/v1/audits/:id' && l.status === 200)).toBe(true);
    expect(lines.some((l) => l.message === 'job succeeded' && /^aud_/.test(l.jobId))).toBe(true);
    expect(text).not.toMatch(/gk_[0-9a-f]{12}_/); // no key
    expect(text).not.toMatch(/authorization/i);
    // No upload bytes: the model and the set are hundreds of KB, so a line carrying them would be
    // long. (Not the log's total length: it grows with the status polls of a slow machine.)
    expect(Math.max(...text.trim().split('\n').map((l) => l.length))).toBeLessThan(4000);
  });
});

(DIST_SKIP ? describe.skip : describe)('CLI shells', () => {
  it('when apikey create has a bad tenant name, or serve a bad option, then exit 2 with a one-line reason', async () => {
    const home = { GAUNTLET_HOME: `${require('node:os').tmpdir()}/gauntlet-cli-ops-${process.pid}` };
    const bad = await runCliProcess(['apikey', 'create', '--tenant', 'no spaces please'], home);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/tenant name 'no spaces please'/);
    const revoke = await runCliProcess(['apikey', 'revoke', 'ffffffffffff'], home);
    expect(revoke.code).toBe(2);
    expect(revoke.err).toMatch(/no API key with id ffffffffffff/);
    const q = await runCliProcess(['serve', '--queue', 'amqp://x'], home);
    expect(q.code).toBe(2);
    expect(q.err).toMatch(/--queue: expected 'local' or a redis:\/\/ URL/);
    const env = await runCliProcess(['serve'], { ...home, GAUNTLET_PORT: 'eighty' });
    expect(env.code).toBe(2);
    expect(env.err).toMatch(/invalid environment: GAUNTLET_PORT/);
    for (const r of [bad, revoke, q, env]) expect(r.err).not.toMatch(/\n\s+at /);
    const ok = await runCliProcess(['apikey', 'create', '--tenant', 'acme'], home);
    expect(ok.out.trim()).toMatch(/^gk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    const list = await runCliProcess(['apikey', 'list'], home);
    expect(list.out).toMatch(/acme/);
    expect(list.out).not.toContain(ok.out.trim());
    require('node:fs').rmSync(home.GAUNTLET_HOME, { recursive: true, force: true });
  });
});
