/**
 * The express application, built from its dependencies (started by ./start.ts; tests build it
 * with in-memory parts). Routes are thin: they parse, call the use cases (src/jobs), and render.
 */
import express, { Express } from 'express';
import helmet from 'helmet';
import type { KeyObject } from 'node:crypto';
import type { AuditService } from '../jobs/audit-service';
import type { BlobStore } from '../jobs/blobs';
import type { JobRunner } from '../jobs/runner';
import type { JobStore } from '../jobs/store';
import type { Logger } from '../logging/logger';
import { NotFoundError } from '../errors/http';
import { requireApiKey } from './middleware/auth';
import { perAddressRateLimit, perKeyRateLimit } from './middleware/rate-limit';
import { requestContext } from './middleware/request-context';
import { Metrics } from './metrics';
import { openApiDocument } from './openapi';
import { errorHandler } from './problem';
import { auditRoutes } from './routes/audits';
import { keyRoutes } from './routes/keys';
import { opsRoutes } from './routes/ops';
import { verifyRoutes } from './routes/verify';

export interface AppDeps {
  store: JobStore;
  blobs: BlobStore;
  runner: JobRunner;
  service: AuditService;
  logger: Logger;
  metrics: Metrics;
  signingKey: () => KeyObject;
  limits: { modelBytes: number; dataBytes: number; policyBytes: number; configBytes: number };
  /** Upload timeouts, ms (0: none). */
  uploadTimeouts?: { idleMs: number; bodyMs: number };
  rateLimitPerMinute: number;
  /** Requests per minute per client address without a valid API key (default 60). The probes are exempt. */
  unauthenticatedRateLimitPerMinute?: number;
}

/** Builds the app. */
export function createApp(d: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(helmet({ contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } } }));
  app.use(requestContext(d.logger, d.metrics.observeRequest));
  // the probes (/healthz, /readyz, /metrics) are not limited: orchestrators poll them
  const anonymous = perAddressRateLimit(d.unauthenticatedRateLimitPerMinute ?? 60);

  app.use(opsRoutes(d));
  const openapi = openApiDocument();
  app.get('/openapi.json', anonymous, (_req, res) => { res.json(openapi); });
  app.use('/v1/keys', anonymous, keyRoutes(d.signingKey));

  const authed = [requireApiKey(d.store, anonymous), perKeyRateLimit(d.rateLimitPerMinute)];
  app.use('/v1/audits', ...authed, auditRoutes({ service: d.service, blobs: d.blobs, limits: d.limits, uploadTimeouts: d.uploadTimeouts }));
  app.use('/v1/verify', ...authed, verifyRoutes({ service: d.service, blobs: d.blobs, signingKey: d.signingKey, limits: d.limits, uploadTimeouts: d.uploadTimeouts }));

  app.use((req, res, next) => { if (res.locals.principal) next(); else void anonymous(req, res, next); });
  app.use((req, _res, next) => next(new NotFoundError(`no route ${req.method} ${req.path}; the API is described at /openapi.json`)));
  app.use(errorHandler(d.logger));
  return app;
}

