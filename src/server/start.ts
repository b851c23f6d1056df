/**
 * Starts the service: opens the state under GAUNTLET_HOME (database, blobs, jobs, keys), makes
 * sure a signing key exists, removes uploads a crash left behind, starts the job runner (local child processes, or BullMQ with
 * --queue redis://…), and listens. SIGTERM/SIGINT stop it gracefully: no new requests, running
 * audits are stopped and resume on the next start.
 */
import type { Server } from 'node:http';
import { homeInUse, prepareHome } from '../config/home';
import type { ServiceConfig } from '../config/service';
import { AuditService, AuditServiceOptions } from '../jobs/audit-service';
import { BlobStore } from '../jobs/blobs';
import { LocalRunner } from '../jobs/local-runner';
import { logMemoryEnforcement } from '../jobs/resource-limits';
import type { JobRunner } from '../jobs/runner';
import { JobStore } from '../jobs/store';
import { createLogger, Logger } from '../logging/logger';
import { loadOrCreateSigningKey } from '../report/sign/keys';
import { createApp } from './app';
import { createMetrics } from './metrics';

export interface RunningService {
  server: Server;
  /** The bound port (useful with port 0). */
  port: number;
  runner: JobRunner;
  store: JobStore;
  logger: Logger;
  close(): Promise<void>;
}

/** Opens everything and listens on config.host:config.port. */
export async function startService(config: ServiceConfig, opts: {
  logger?: Logger;
  runner?: (deps: { store: JobStore; blobs: BlobStore; logger: Logger }) => JobRunner;
  /** Replaces the upload inspection (tests make it slow on purpose). */
  inspect?: AuditServiceOptions['inspect'];
} = {}): Promise<RunningService> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  const used = homeInUse(config.home); // before anything below creates folders
  const layout = prepareHome(config.home);
  const store = new JobStore(layout.db, { expectExisting: used }); // a damaged database stops the start here
  const env = { ...process.env, GAUNTLET_HOME: config.home };
  const key = loadOrCreateSigningKey({ env });
  logger.info('signing key', { fingerprint: key.fingerprint, source: key.source });
  if (store.listApiKeys().every((k) => k.revokedAt)) {
    logger.warn('no API key exists yet: every /v1 request will get 401; create one with `gauntlet apikey create --tenant NAME` (same GAUNTLET_HOME)');
  }
  const blobs = new BlobStore(layout.blobs);
  let local: LocalRunner | null = null;
  const runner = opts.runner?.({ store, blobs, logger }) ?? (local = new LocalRunner({
    store, blobs, jobsRoot: layout.jobs, concurrency: config.concurrency, perTenant: config.tenants.tenantMaxRunningAudits, timeoutMs: config.jobTimeoutMs, threads: config.threads, logger, env,
    memoryMb: config.resources?.jobMemoryMb,
  }));
  const t = config.tenants;
  const service = new AuditService({
    store, blobs, runner, jobsRoot: layout.jobs, logger, limits: config.limits, shards: config.shards, inspect: opts.inspect, resources: config.resources,
    maxInspections: t.maxInspections, tenantMaxInspections: t.tenantMaxInspections, tenantMaxActiveAudits: t.tenantMaxActiveAudits,
  });
  logMemoryEnforcement(logger);
  // start-up sweep: partial uploads and unreferenced blobs a crash left behind
  const partial = blobs.sweepIncoming();
  const orphans = service.collectOrphans();
  if (partial || orphans) logger.info('removed leftover uploads', { partial, orphans });
  const metrics = createMetrics(store, () => local?.active ?? 0);
  const app = createApp({
    store, blobs, runner, service, logger, metrics, signingKey: () => key.publicKey, limits: config.limits, uploadTimeouts: config.uploadTimeouts, rateLimitPerMinute: config.rateLimitPerMinute,
    unauthenticatedRateLimitPerMinute: config.unauthenticatedRateLimitPerMinute,
  });
  await runner.start();
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, config.host, () => resolve(s));
    s.once('error', reject);
  });
  server.requestTimeout = 0; // uploads of large sets may take long; each part has its own size limit
  server.headersTimeout = 60_000;
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info('gauntlet service listening', { host: config.host, port, home: config.home, queue: config.queue, concurrency: config.concurrency });
  let closing: Promise<void> | null = null;
  return {
    server, port, runner, store, logger,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); });
        await runner.stop();
        store.close();
      })();
      return closing;
    },
  };
}
