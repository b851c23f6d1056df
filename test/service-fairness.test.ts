/**
 * Fairness between tenants on a real server: one tenant's slow inspections cannot starve another
 * tenant's upload, and a tenant's active audits are capped (429 with Retry-After). Inspections of
 * tenant A are made slow deterministically: they wait on a gate that the test opens; audits are
 * not run (a runner that leaves jobs queued), so only the upload path is measured.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadServiceConfig, ServiceConfig } from '../src/config/service';
import { createApiKey } from '../src/jobs/api-keys';
import { inspectUploads, InspectRequest } from '../src/jobs/inspect';
import type { JobRunner } from '../src/jobs/runner';
import { createLogger } from '../src/logging/logger';
import { RunningService, startService } from '../src/server/start';
import { CNN, MNIST, postForm } from './support/service';

jest.setTimeout(120_000);

/** Inspections of uploads that name a reference set (tenant A's) wait until open() is called. */
function gatedInspect() {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => { open = resolve; });
  const state = { waiting: 0, open };
  const inspect = async (r: InspectRequest) => {
    if (r.reference !== null && r.dataPath === null) {
      state.waiting++;
      await gate;
    }
    return inspectUploads(r);
  };
  return { state, inspect };
}

const idleRunner = (): JobRunner => ({ start: async () => {}, submit: async () => {}, cancel: async () => {}, ready: async () => true, stop: async () => {} });

async function start(tenants: Partial<ServiceConfig['tenants']>, inspect?: typeof inspectUploads): Promise<{ svc: RunningService; url: string; home: string }> {
  const home = mkdtempSync(join(tmpdir(), 'gauntlet-fair-'));
  const base = loadServiceConfig({ GAUNTLET_HOME: home });
  const config: ServiceConfig = { ...base, port: 0, host: '127.0.0.1', logLevel: 'silent', tenants: { ...base.tenants, ...tenants } };
  const svc = await startService(config, { logger: createLogger('silent'), runner: idleRunner, inspect });
  return { svc, url: `http://127.0.0.1:${svc.port}`, home };
}

const config = JSON.stringify({ eps: 0.1, preset: 'quick', n: 4 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('fairness between tenants', () => {
  test('when tenant A fills its inspection slots with slow uploads, then tenant B\'s upload is still accepted before any of A\'s', async () => {
    const g = gatedInspect();
    const s = await start({ maxInspections: 2 }, g.inspect); // defaults: a tenant may hold 1 of the 2 slots
    try {
      const keyA = createApiKey(s.svc.store, 'abusive', 'tenant').key;
      const keyB = createApiKey(s.svc.store, 'normal', 'tenant').key;
      const finished: string[] = [];
      let guard: NodeJS.Timeout | undefined;
      const aUploads = [1, 2, 3].map((i) => postForm(`${s.url}/v1/audits`, keyA, { model: { path: CNN }, reference: 'mnist', config })
        .then((r) => { finished.push(`A${i}`); return r; }));
      // A's first upload holds a slot (stuck on the gate); the old global semaphore let A take both
      for (let t = 0; g.state.waiting < 1 && t < 600; t++) await sleep(50);
      expect(g.state.waiting).toBeGreaterThanOrEqual(1);
      await sleep(300); // time for A's other uploads to reach the line too (they must stay queued)
      const b = await Promise.race([
        postForm(`${s.url}/v1/audits`, keyB, { model: { path: CNN }, data: { path: MNIST }, config }).then((r) => { finished.push('B'); return r; }),
        new Promise<{ status: number; body: unknown; headers: Headers }>((resolve) => {
          guard = setTimeout(() => resolve({ status: -1, body: 'tenant B was starved: no answer in 60 s while A held the inspection slots', headers: new Headers() }), 60_000);
        }),
      ]);
      clearTimeout(guard);
      expect({ status: b.status, body: b.status === 202 ? 'accepted' : b.body }).toEqual({ status: 202, body: 'accepted' });
      expect(finished).toEqual(['B']); // none of A's uploads has been answered
      expect(g.state.waiting).toBe(1); // A never held more than its one slot
      g.state.open();
      const a = await Promise.all(aUploads);
      expect(a.map((r) => r.status)).toEqual([202, 202, 202]);
      expect(finished[0]).toBe('B');
    } finally {
      g.state.open();
      await s.svc.close();
      rmSync(s.home, { recursive: true, force: true });
    }
  });

  test('when a tenant has its quota of active audits, then a further upload is refused with 429 and Retry-After, other tenants are not', async () => {
    const s = await start({ tenantMaxActiveAudits: 2 });
    try {
      const keyA = createApiKey(s.svc.store, 'abusive', 'tenant').key;
      const keyB = createApiKey(s.svc.store, 'normal', 'tenant').key;
      const form = { model: { path: CNN }, reference: 'mnist', config };
      const first = await postForm(`${s.url}/v1/audits`, keyA, form);
      const second = await postForm(`${s.url}/v1/audits`, keyA, form);
      expect([first.status, second.status]).toEqual([202, 202]);
      const third = await postForm(`${s.url}/v1/audits`, keyA, form);
      expect({ status: third.status, code: third.body.code, limit: third.body.limit, active: third.body.active }).toEqual({ status: 429, code: 'quota_exceeded', limit: 2, active: 2 });
      expect(third.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(third.headers.get('retry-after')).toBe('60');
      expect(third.body.detail).toMatch(/already has 2 audits queued or running, its limit \(GAUNTLET_TENANT_MAX_ACTIVE_AUDITS = 2\)/);
      expect(JSON.stringify(third.body)).not.toMatch(/\/blobs\/|gauntlet-fair-/);
      expect((await postForm(`${s.url}/v1/audits`, keyB, form)).status).toBe(202); // per tenant
      // a finished (here: removed) audit frees its place
      const del = await fetch(`${s.url}/v1/audits/${first.body.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${keyA}` } });
      expect(del.status).toBe(204);
      expect((await postForm(`${s.url}/v1/audits`, keyA, form)).status).toBe(202);
    } finally {
      await s.svc.close();
      rmSync(s.home, { recursive: true, force: true });
    }
  });
});
