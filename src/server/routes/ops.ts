/** The operator probes, answered without a key and not rate-limited: GET /healthz, /readyz, /metrics. */
import { Router } from 'express';
import { GauntletError } from '../../errors';
import type { AppDeps } from '../deps';
import { PathItems, problem } from '../openapi-parts';

class NotReadyError extends GauntletError {
  constructor(why: string) {
    super(`not ready: ${why}`, 'not_ready', 503);
  }
}

/** Liveness, readiness (the database answers, the job queue is ready) and the Prometheus exposition. */
export function opsRoutes(d: Pick<AppDeps, 'store' | 'runner' | 'metrics'>): Router {
  const r = Router();
  r.get('/healthz', (_req, res) => { res.json({ status: 'ok' }); });
  r.get('/readyz', async (_req, res) => {
    let why: string | null = null;
    try { if (!d.store.ping()) why = 'database'; } catch { why = 'database'; }
    if (!why && !(await d.runner.ready())) why = 'job queue';
    if (why) throw new NotReadyError(why);
    res.json({ status: 'ready' });
  });
  r.get('/metrics', async (_req, res) => {
    res.type(d.metrics.registry.contentType).send(await d.metrics.registry.metrics());
  });
  return r;
}

/** The OpenAPI paths of these routes (listed in ./index.ts, assembled by ../openapi.ts). */
export const OPS_PATHS: PathItems = {
  '/healthz': { get: { summary: 'Liveness', responses: { 200: { description: 'alive' } } } },
  '/readyz': { get: { summary: 'Readiness (database and queue)', responses: { 200: { description: 'ready' }, 503: problem('not ready') } } },
  '/metrics': { get: { summary: 'Prometheus metrics', responses: { 200: { description: 'text exposition format' } } } },
};
