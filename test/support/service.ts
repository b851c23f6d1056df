/**
 * Helpers for tests of the HTTP service: an in-process service on a free loopback port with a
 * temporary GAUNTLET_HOME, API keys, multipart submissions with fetch/FormData, polling.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { loadServiceConfig, ServiceConfig } from '../../src/config/service';
import { createApiKey } from '../../src/jobs/api-keys';
import { createLogger } from '../../src/logging/logger';
import { RunningService, startService } from '../../src/server/start';

export const ROOT = join(__dirname, '..', '..');
export const CNN = join(ROOT, 'fixtures', 'models', 'cnn.onnx');
export const MNIST = join(ROOT, 'fixtures', 'data', 'mnist-eval.npz');

export interface TestService {
  url: string;
  home: string;
  svc: RunningService;
  /** A new API key for the tenant. */
  key(tenant: string, role?: 'tenant' | 'admin'): string;
  close(): Promise<void>;
}

/** Starts the service in this process (jobs still run in child processes). */
export async function startTestService(overrides: Partial<ServiceConfig> = {}, logger = createLogger('silent')): Promise<TestService> {
  const home = mkdtempSync(join(tmpdir(), 'gauntlet-svc-'));
  const config: ServiceConfig = { ...loadServiceConfig({ GAUNTLET_HOME: home }), port: 0, host: '127.0.0.1', logLevel: 'silent', ...overrides };
  const svc = await startService(config, { logger });
  return {
    url: `http://127.0.0.1:${svc.port}`, home, svc,
    key: (tenant, role = 'tenant') => createApiKey(svc.store, tenant, role).key,
    async close() {
      await svc.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** A multipart part: a file (path or bytes with a name) or a text value. */
export type Part = { path: string } | { bytes: Uint8Array; name: string } | string;

/** POSTs a multipart form; resolves to the status and the parsed JSON body. */
export async function postForm(url: string, key: string | null, parts: Record<string, Part>): Promise<{ status: number; body: any; headers: Headers }> {
  const form = new FormData();
  for (const [k, v] of Object.entries(parts)) {
    if (typeof v === 'string') form.append(k, v);
    else if ('path' in v) form.append(k, new Blob([readFileSync(v.path)]), basename(v.path));
    else form.append(k, new Blob([v.bytes]), v.name);
  }
  const res = await fetch(url, { method: 'POST', body: form, headers: key ? { authorization: `Bearer ${key}` } : {} });
  const text = await res.text();
  let body: any = text;
  try { body = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, body, headers: res.headers };
}

/** GET with the key; the parsed JSON body (or text). */
export async function get(url: string, key: string | null): Promise<{ status: number; body: any; headers: Headers; bytes: Buffer }> {
  const res = await fetch(url, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  const bytes = Buffer.from(await res.arrayBuffer());
  let body: any = bytes.toString('utf8');
  try { body = JSON.parse(body); } catch { /* not JSON */ }
  return { status: res.status, body, headers: res.headers, bytes };
}

/** Polls GET /v1/audits/:id until its state is one of `states`; returns the last view. */
export async function waitForState(base: string, key: string, id: string, states: string[], timeoutMs = 120_000, onView?: (v: any) => void): Promise<any> {
  const t0 = Date.now();
  for (;;) {
    const r = await get(`${base}/v1/audits/${id}`, key);
    if (r.status !== 200) throw new Error(`GET ${id}: ${r.status} ${JSON.stringify(r.body)}`);
    onView?.(r.body);
    if (states.includes(r.body.state)) return r.body;
    if (Date.now() - t0 > timeoutMs) throw new Error(`audit ${id} still ${r.body.state} after ${timeoutMs} ms: ${JSON.stringify(r.body.progress ?? r.body.error)}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

/** A report without the fields that differ between two runs of the same audit (times, dates, host, resume count). */
export function comparableReport(r: any): any {
  const c = structuredClone(r);
  delete c.createdAt;
  delete c.timings;
  delete c.environment;
  delete c.resumed;
  for (const s of c.stages ?? []) delete s.seconds;
  if (c.hypocritical) delete c.hypocritical.seconds;
  return c;
}
