/**
 * The HTTP service end to end on loopback: upload → poll → download → verify, tenant isolation,
 * cancellation, content-addressed uploads, and every documented error as a problem document.
 * The service runs in this process; each audit runs in a child process, as in production.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { validateReport } from '../src/schema/report';
import { verifyEnvelopeText } from '../src/report/sign/verify';
import { createPublicKey } from 'node:crypto';
import { AuditViewSchema } from '../src/server/schemas';
import { CNN, MNIST, TestService, comparableReport, get, postForm, startTestService, waitForState } from './support/service';

jest.setTimeout(180_000);

const CONFIG = JSON.stringify({ eps: 0.1, preset: 'quick', n: 30, chunk: 10, minRobustAccuracy: 0.99 });
let t: TestService;
let keyA: string;
let keyB: string;
let admin: string;

beforeAll(async () => {
  t = await startTestService({ limits: { modelBytes: 2 * 1024 * 1024, dataBytes: 8 * 1024 * 1024, policyBytes: 4096, configBytes: 4096 } });
  keyA = t.key('acme');
  keyB = t.key('globex');
  admin = t.key('ops', 'admin');
});
afterAll(async () => { await t?.close(); });

/** Expects a problem document with this status and code. */
function expectProblem(r: { status: number; body: any; headers: Headers }, status: number, code: string, detail?: RegExp): void {
  expect({ status: r.status, code: r.body?.code }).toEqual({ status, code });
  expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(r.body).toMatchObject({ type: `https://gauntlet.dev/problems/${code}`, status, title: expect.any(String), detail: expect.any(String) });
  if (detail) expect(r.body.detail).toMatch(detail);
  expect(JSON.stringify(r.body)).not.toMatch(/\n\s+at |\/blobs\/|gauntlet-svc-/); // no stack, no server paths
}

describe('when a tenant uploads a model and data', () => {
  let id: string;
  const seen = new Set<string>();
  let stagesSeen = 0;

  it('then POST /v1/audits answers 202 with the id and links, and the audit runs to a verdict', async () => {
    const r = await postForm(`${t.url}/v1/audits`, keyA, { model: { path: CNN }, data: { path: MNIST }, config: CONFIG, reference: 'mnist' });
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ id: expect.stringMatching(/^aud_[0-9a-f]{20}$/), state: 'queued', links: { self: `/v1/audits/${r.body.id}` } });
    expect(r.headers.get('location')).toBe(`/v1/audits/${r.body.id}`);
    id = r.body.id;
    const done = await waitForState(t.url, keyA, id, ['succeeded', 'failed'], 150_000, (v) => {
      seen.add(v.state);
      stagesSeen = Math.max(stagesSeen, v.progress?.stages?.length ?? 0);
      AuditViewSchema.parse(v);
    });
    expect(done.error).toBeNull();
    expect(done.state).toBe('succeeded');
    expect(seen.has('running')).toBe(true);
    expect(stagesSeen).toBeGreaterThan(0); // per-stage figures were visible while it ran
    // The config's shortcut minRobustAccuracy 0.99 is a requirement the fixture CNN (~60 % at ε = 0.1) misses:
    // FAIL, with the figure and its interval in the reason.
    expect(done.result).toMatchObject({ verdict: 'FAIL', verdictNote: null, robustAccuracyInterval: { n: 30 }, cleanAccuracyInterval: { n: 30 } });
    expect(done.result.failedRules.join('\n')).toMatch(/robust accuracy [\d.]+% at linf ε=0\.1 is below the required 99\.0% \(95% CI [\d.]+%–[\d.]+%, \d+ of 30 points\)/);
    expect(Object.keys(done.links)).toEqual(expect.arrayContaining(['report.json', 'report.pdf', 'attestation']));
  });

  it('then the report, the signed PDF and the attestation download, and the attestation verifies', async () => {
    const rep = await get(`${t.url}/v1/audits/${id}/report.json`, keyA);
    expect(rep.status).toBe(200);
    const report = validateReport(rep.body);
    const view = (await get(`${t.url}/v1/audits/${id}`, keyA)).body;
    expect(report.robustAccuracy).toBe(view.result.robustAccuracy);
    expect(report.data.n).toBe(30);
    expect(report.integrity?.reference.name).toBe('bundled:mnist');

    const pdf = await get(`${t.url}/v1/audits/${id}/report.pdf`, keyA);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(pdf.bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');

    const att = await get(`${t.url}/v1/audits/${id}/attestation`, keyA);
    expect(att.status).toBe(200);
    const jwks = (await get(`${t.url}/v1/keys`, null)).body;
    const key = createPublicKey({ key: jwks.keys[0], format: 'jwk' });
    const local = verifyEnvelopeText(att.bytes.toString('utf8'), 'attestation', [{ key, source: 'GET /v1/keys' }]);
    expect(local.problems).toEqual([]);
    expect(local.valid).toBe(true);

    const v = await postForm(`${t.url}/v1/verify`, keyA, { file: { bytes: att.bytes, name: 'report.intoto.jsonl' }, model: { path: CNN } });
    expect(v.status).toBe(200);
    expect(v.body).toMatchObject({ valid: true, kind: 'dsse', digests: [{ role: 'model', ok: true }] });
    const vpdf = await postForm(`${t.url}/v1/verify`, keyA, { file: { bytes: pdf.bytes, name: 'report.pdf' } });
    expect(vpdf.body).toMatchObject({ valid: true, kind: 'pdf' });

    const tampered = Buffer.from(pdf.bytes);
    tampered[Math.floor(tampered.length / 3)] ^= 0x01;
    const bad = await postForm(`${t.url}/v1/verify`, keyA, { file: { bytes: tampered, name: 'report.pdf' } });
    expect(bad.status).toBe(200);
    expect(bad.body.valid).toBe(false);
    expect(bad.body.problems.length).toBeGreaterThan(0);
  });

  it('then the same audit run again gives the same figures, and the model is stored once', async () => {
    const r = await postForm(`${t.url}/v1/audits`, keyA, { model: { path: CNN }, data: { path: MNIST }, config: CONFIG, reference: 'mnist' });
    expect(r.status).toBe(202);
    await waitForState(t.url, keyA, r.body.id, ['succeeded'], 150_000);
    const a = (await get(`${t.url}/v1/audits/${id}/report.json`, keyA)).body;
    const b = (await get(`${t.url}/v1/audits/${r.body.id}/report.json`, keyA)).body;
    expect(comparableReport(b)).toEqual(comparableReport(a));
    const blobs = readdirSync(join(t.home, 'blobs', 'sha256'));
    expect(blobs.length).toBe(2); // model + data, each once, for two audits
  });

  describe('isolation: another tenant', () => {
    it('gets 404 for reading, each download and deleting, and does not see it in its list', async () => {
      for (const path of ['', '/report.json', '/report.pdf', '/attestation']) {
        expectProblem(await get(`${t.url}/v1/audits/${id}${path}`, keyB), 404, 'not_found');
      }
      const del = await fetch(`${t.url}/v1/audits/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${keyB}` } });
      expect(del.status).toBe(404);
      const listB = await get(`${t.url}/v1/audits`, keyB);
      expect(listB.status).toBe(200);
      expect(listB.body.items.map((x: any) => x.id)).not.toContain(id);
      const listA = await get(`${t.url}/v1/audits`, keyA);
      expect(listA.body.items.map((x: any) => x.id)).toContain(id);
      expect((await get(`${t.url}/v1/audits/${id}`, keyA)).status).toBe(200); // still there
    });

    it('an admin sees every tenant\'s audits', async () => {
      expect((await get(`${t.url}/v1/audits/${id}`, admin)).body.tenant).toBe('acme');
      const all = await get(`${t.url}/v1/audits?limit=100`, admin);
      expect(all.body.items.some((x: any) => x.tenant === 'acme')).toBe(true);
    });
  });

  it('then the list is paginated newest first with a cursor', async () => {
    const p1 = await get(`${t.url}/v1/audits?limit=1`, keyA);
    expect(p1.body.items).toHaveLength(1);
    expect(p1.body.next).toEqual(expect.any(String));
    const p2 = await get(`${t.url}/v1/audits?limit=1&cursor=${p1.body.next}`, keyA);
    expect(p2.body.items).toHaveLength(1);
    expect(p2.body.items[0].id).toBe(id);
    expect(p1.body.items[0].id).not.toBe(id);
    expect(p2.body.next).toBeNull();
  });

  it('then DELETE removes it and its files', async () => {
    const del = await fetch(`${t.url}/v1/audits/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${keyA}` } });
    expect(del.status).toBe(204);
    expectProblem(await get(`${t.url}/v1/audits/${id}`, keyA), 404, 'not_found');
    expect(existsSync(join(t.home, 'jobs', id))).toBe(false);
  });
});

describe('when an audit is running', () => {
  it('then a second waits queued (409 for its report), and DELETE cancels the running one', async () => {
    const big = JSON.stringify({ eps: 0.1, preset: 'quick', n: 400 });
    const a = await postForm(`${t.url}/v1/audits`, keyA, { model: { path: CNN }, data: { path: MNIST }, config: big });
    const b = await postForm(`${t.url}/v1/audits`, keyA, { model: { path: CNN }, data: { path: MNIST }, config: big });
    await waitForState(t.url, keyA, a.body.id, ['running']);
    expect((await get(`${t.url}/v1/audits/${b.body.id}`, keyA)).body.state).toBe('queued');
    expectProblem(await get(`${t.url}/v1/audits/${b.body.id}/report.pdf`, keyA), 409, 'conflict', /is queued/);
    expect((await fetch(`${t.url}/v1/audits/${a.body.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${keyA}` } })).status).toBe(204);
    expect(existsSync(join(t.home, 'jobs', a.body.id))).toBe(false);
    await waitForState(t.url, keyA, b.body.id, ['running']); // the queue moves on
    expect((await fetch(`${t.url}/v1/audits/${b.body.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${keyA}` } })).status).toBe(204);
    expect(t.svc.store.countByState().running ?? 0).toBe(0);
  });
});

describe('errors are problem documents with the documented status', () => {
  const post = (parts: Record<string, any>, key: string | null = keyA) => postForm(`${t.url}/v1/audits`, key, parts);

  it('when no key, a malformed key or a revoked key is sent, then 401', async () => {
    expectProblem(await get(`${t.url}/v1/audits`, null), 401, 'unauthorized', /API key is required/);
    expectProblem(await get(`${t.url}/v1/audits`, 'gk_nope'), 401, 'unauthorized', /not valid/);
    const k = t.key('temp');
    t.svc.store.revokeApiKey(k.split('_')[1]);
    expectProblem(await get(`${t.url}/v1/audits`, k), 401, 'unauthorized');
  });

  it('when the body is not multipart, then 415', async () => {
    const r = await fetch(`${t.url}/v1/audits`, { method: 'POST', headers: { authorization: `Bearer ${keyA}`, 'content-type': 'application/json' }, body: '{}' });
    expectProblem({ status: r.status, body: await r.json(), headers: r.headers }, 415, 'unsupported_media_type');
  });

  it('when eps is an exact fraction "8/255" then the audit runs at 8/255 and the report records both forms', async () => {
    const r = await post({ model: { path: CNN }, data: { path: MNIST }, config: JSON.stringify({ eps: '8/255', preset: 'quick', n: 10, chunk: 10 }) });
    expect(r.status).toBe(202);
    const done = await waitForState(t.url, keyA, r.body.id, ['succeeded', 'failed'], 150_000);
    expect(done.error).toBeNull();
    const report = validateReport((await get(`${t.url}/v1/audits/${r.body.id}/report.json`, keyA)).body);
    expect(report.threat).toEqual({ norm: 'linf', eps: 8 / 255, epsExact: '8/255' });
  });

  it.each([
    ['the model is missing', { data: { path: MNIST }, config: CONFIG }, /missing the 'model' file/],
    ['neither data nor reference is given', { model: { path: CNN }, config: CONFIG }, /'data' file/],
    ['config is missing', { model: { path: CNN }, data: { path: MNIST } }, /missing the 'config' field/],
    ['config is not JSON', { model: { path: CNN }, data: { path: MNIST }, config: '{eps:' }, /config: not valid JSON/],
    ['eps is negative', { model: { path: CNN }, data: { path: MNIST }, config: '{"eps":-1}' }, /config: eps/],
    ['eps divides by zero', { model: { path: CNN }, data: { path: MNIST }, config: '{"eps":"8/0"}' }, /config: eps: eps '8\/0' divides by zero/],
    ['eps is not a number', { model: { path: CNN }, data: { path: MNIST }, config: '{"eps":"abc"}' }, /config: eps: .*exact fraction a\/b \(8\/255\)/],
    ['config has an unknown key', { model: { path: CNN }, data: { path: MNIST }, config: '{"eps":0.1,"epsilon":2}' }, /epsilon/],
    ['n exceeds the data', { model: { path: CNN }, data: { path: MNIST }, config: '{"eps":0.1,"n":100000}' }, /has 500 points/],
    ['a field is unknown', { model: { path: CNN }, data: { path: MNIST }, config: CONFIG, extra: 'x' }, /unknown field 'extra'/],
  ])('when %s, then 400', async (_why, parts, detail) => {
    expectProblem(await post(parts), 400, 'usage', detail);
  });

  it('when the model is garbage, then 422 naming the model field', async () => {
    const r = await post({ model: { bytes: Buffer.from('not an onnx model at all'), name: 'm.onnx' }, data: { path: MNIST }, config: CONFIG });
    expectProblem(r, 422, 'invalid_model', /not a valid ONNX model/);
    expect(r.body.field).toBe('model');
  });

  it('when the policy does not parse, then 422 naming the policy field', async () => {
    const r = await post({ model: { path: CNN }, data: { path: MNIST }, config: CONFIG, policy: 'minRobustAccuracy: lots' });
    expectProblem(r, 422, 'invalid_policy', /invalid policy file 'policy': minRobustAccuracy: /);
    expect(r.body.field).toBe('policy');
  });

  it('when the model exceeds its size limit, then 413 and nothing is kept', async () => {
    const before = readdirSync(join(t.home, 'blobs', 'sha256')).length;
    const r = await post({ model: { bytes: new Uint8Array(3 * 1024 * 1024), name: 'huge.onnx' }, data: { path: MNIST }, config: CONFIG });
    expectProblem(r, 413, 'payload_too_large', /model: larger than the limit of 2 MiB/);
    expect(readdirSync(join(t.home, 'blobs', 'sha256')).length).toBe(before);
    expect(readdirSync(join(t.home, 'blobs', 'incoming'))).toEqual([]);
  });

  it('when an audit id is unknown, an artifact name is unknown, or the route does not exist, then 404', async () => {
    expectProblem(await get(`${t.url}/v1/audits/aud_00000000000000000000`, keyA), 404, 'not_found');
    const r = await post({ model: { path: CNN }, data: { path: MNIST }, config: JSON.stringify({ eps: 0.1, preset: 'quick', n: 10 }) });
    expectProblem(await get(`${t.url}/v1/audits/${r.body.id}/secrets.txt`, keyA), 404, 'not_found', /report\.json/);
    expectProblem(await get(`${t.url}/v1/nothing`, keyA), 404, 'not_found', /openapi\.json/);
    await fetch(`${t.url}/v1/audits/${r.body.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${keyA}` } });
  });

  it('when the list query is malformed, then 400', async () => {
    expectProblem(await get(`${t.url}/v1/audits?limit=0`, keyA), 400, 'usage', /limit/);
    expectProblem(await get(`${t.url}/v1/audits?color=red`, keyA), 400, 'usage');
  });
});

describe('operations endpoints', () => {
  it('healthz, readyz, metrics and openapi.json answer without a key; security headers are set', async () => {
    expect((await get(`${t.url}/healthz`, null)).body).toEqual({ status: 'ok' });
    expect((await get(`${t.url}/readyz`, null)).body).toEqual({ status: 'ready' });
    const m = await get(`${t.url}/metrics`, null);
    expect(m.body).toMatch(/gauntlet_http_requests_total\{route="\/v1\/audits\/:id",method="GET",status="200"\} \d+/);
    expect(m.body).toMatch(/gauntlet_jobs\{state="succeeded"\} \d+/);
    expect(m.body).toMatch(/gauntlet_nodejs_eventloop_lag_seconds/);
    const o = await get(`${t.url}/openapi.json`, null);
    expect(o.body.openapi).toBe('3.1.0');
    expect(Object.keys(o.body.paths)).toEqual(expect.arrayContaining(['/v1/audits', '/v1/audits/{id}', '/v1/keys', '/v1/verify', '/healthz', '/readyz', '/metrics']));
    expect(o.body.components.schemas.AuditConfig.properties.eps).toMatchObject({ anyOf: [{ type: 'number' }, { type: 'string' }], description: expect.stringMatching(/8\/255/) });
    expect(o.headers.get('x-content-type-options')).toBe('nosniff');
    expect(o.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(o.headers.get('x-request-id')).toEqual(expect.any(String));
  });
});

describe('rate limits', () => {
  it('when a key exceeds its requests per minute, then 429 with RateLimit headers', async () => {
    const s = await startTestService({ rateLimitPerMinute: 5 });
    try {
      const k = s.key('busy');
      const codes: number[] = [];
      for (let i = 0; i < 7; i++) codes.push((await get(`${s.url}/v1/audits`, k)).status);
      expect(codes.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
      const r = await get(`${s.url}/v1/audits`, k);
      expectProblem(r, 429, 'rate_limited');
      expect(r.headers.get('ratelimit-policy') ?? r.headers.get('ratelimit')).toBeTruthy();
      expect((await get(`${s.url}/v1/audits`, s.key('calm'))).status).toBe(200); // per key
    } finally {
      await s.close();
    }
  });

  it('when an address sends requests without a valid key past its limit, then 429 with RateLimit headers; probes and valid keys still pass', async () => {
    const s = await startTestService({ unauthenticatedRateLimitPerMinute: 4 });
    try {
      const k = s.key('calm');
      // a burst of failed authentications and public routes, all from 127.0.0.1 (before: 401 and 200 forever)
      const codes = [
        (await get(`${s.url}/v1/audits`, 'gk_000000000000_guessed')).status,
        (await get(`${s.url}/v1/audits`, null)).status,
        (await get(`${s.url}/openapi.json`, null)).status,
        (await get(`${s.url}/v1/keys`, null)).status,
      ];
      expect(codes).toEqual([401, 401, 200, 200]);
      for (const path of ['/v1/audits', '/openapi.json', '/v1/keys', '/no/such/route']) {
        const r = await get(`${s.url}${path}`, path === '/v1/audits' ? 'gk_000000000000_guessed' : null);
        expectProblem(r, 429, 'rate_limited');
        expect(r.body.detail).toMatch(/more than 4 requests per minute from this address without a valid API key/);
        expect(r.headers.get('ratelimit-policy')).toMatch(/"unauthenticated"; q=4; w=60/);
        expect(r.headers.get('ratelimit')).toMatch(/"unauthenticated"; r=0; t=\d+/);
      }
      for (const probe of ['/healthz', '/readyz', '/metrics']) expect((await get(`${s.url}${probe}`, null)).status).toBe(200);
      expect((await get(`${s.url}/v1/audits`, k)).status).toBe(200); // a valid key has its own limit
      expect((await get(`${s.url}/v1/audits/aud_00000000000000000000/nope`, k)).status).toBe(404); // an authenticated miss is not anonymous
    } finally {
      await s.close();
    }
  });
});

