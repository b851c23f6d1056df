/**
 * What the express application is built from (./app.ts). Every route group's factory takes this
 * object and picks what it needs (routes/index.ts), so all factories share one signature.
 */
import type { KeyObject } from 'node:crypto';
import type { AuditService } from '../jobs/audit-service';
import type { BlobStore } from '../jobs/blobs';
import type { JobRunner } from '../jobs/runner';
import type { JobStore } from '../jobs/store';
import type { Logger } from '../logging/logger';
import type { Metrics } from './metrics';

/** The app's dependencies: stores, runner, use cases, logging and the limits it enforces. */
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
