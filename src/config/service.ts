/**
 * The service's configuration, parsed once from the environment with zod at startup (fails fast
 * with every bad variable named). Command-line flags of `gauntlet serve` / `gauntlet worker`
 * override single fields.
 */
import { z } from 'zod';
import { UsageError } from '../errors';
import { gauntletHome } from './home';
import { describeIssues } from '../util/zod';

const MB = 1024 * 1024;
const int = (min: number) => z.coerce.number().int().min(min);

/** Environment variables the service reads, with their defaults. */
/**
 * Default of GAUNTLET_MAX_AUDIT_PFLOPS: about what the default 6-hour job timeout lets a 16-core CPU
 * box compute at the forward rate measured on the fixture CNN (docs/service.md, "Resource limits").
 */
export const DEFAULT_MAX_AUDIT_PFLOPS = 10;

export const ServiceEnvSchema = z.object({
  GAUNTLET_HOME: z.string().optional(),
  GAUNTLET_PORT: int(0).max(65535).default(8080),
  GAUNTLET_HOST: z.string().default('127.0.0.1'),
  GAUNTLET_LOG_LEVEL: z.enum(['error', 'warn', 'info', 'http', 'debug', 'silent']).default('info'),
  /** `local` (SQLite + child processes on this host) or a redis:// URL (BullMQ). */
  GAUNTLET_QUEUE: z.string().default('local'),
  /** Audits run at once by this process's pool. */
  GAUNTLET_CONCURRENCY: int(1).max(64).default(1),
  /** Wall-clock limit of one audit, seconds. */
  GAUNTLET_JOB_TIMEOUT_S: int(1).default(6 * 3600),
  /** Data shards per audit in the redis mode. */
  GAUNTLET_SHARDS: int(1).max(256).default(2),
  GAUNTLET_MAX_MODEL_MB: z.coerce.number().positive().default(256),
  GAUNTLET_MAX_DATA_MB: z.coerce.number().positive().default(1024),
  GAUNTLET_MAX_POLICY_KB: z.coerce.number().positive().default(64),
  /** An upload that sends no bytes for this long is answered 408 and discarded, seconds (0: never). */
  GAUNTLET_UPLOAD_IDLE_TIMEOUT_S: int(0).default(60),
  /** An upload body that takes longer than this is answered 408 and discarded, seconds (0: never). */
  GAUNTLET_UPLOAD_BODY_TIMEOUT_S: int(0).default(3600),
  /** Requests per minute per API key. */
  GAUNTLET_RATE_LIMIT: int(1).default(600),
  /** Requests per minute per client address without a valid API key (failed authentication, /v1/keys, /openapi.json, unknown routes). */
  GAUNTLET_RATE_LIMIT_UNAUTHENTICATED: int(1).default(60),
  /** Upload inspections run at once (all tenants). */
  GAUNTLET_MAX_INSPECTIONS: int(1).max(64).default(2),
  /** Inspections one tenant may run at once (default: all but one, at least 1). */
  GAUNTLET_TENANT_MAX_INSPECTIONS: int(1).max(64).optional(),
  /** Audits one tenant may run at once in the local mode (default: GAUNTLET_CONCURRENCY − 1, at least 1). */
  GAUNTLET_TENANT_MAX_RUNNING_AUDITS: int(1).max(64).optional(),
  /** Audits one tenant may have queued or running; more are refused with 429 (0: no limit). */
  GAUNTLET_TENANT_MAX_ACTIVE_AUDITS: int(0).default(20),
  /** Threads for ONNX Runtime in each audit process. */
  GAUNTLET_THREADS: int(1).optional(),
  /** OS-enforced memory cap of each upload-inspection process, MiB. */
  GAUNTLET_INSPECT_MEMORY_MB: int(256).default(4096),
  /** OS-enforced memory cap of each audit process, MiB. */
  GAUNTLET_JOB_MEMORY_MB: int(256).default(8192),
  /** Largest estimated forward cost of one sample an upload may have, GFLOPs. */
  GAUNTLET_MAX_GFLOPS_PER_SAMPLE: z.coerce.number().positive().default(100),
  /** Largest tensor one node of an uploaded model may produce for one sample, MiB. */
  GAUNTLET_MAX_TENSOR_MB: z.coerce.number().positive().default(512),
  /** Largest estimated arithmetic of one audit (FLOPs per sample × points × the battery's passes per point), PFLOPs. */
  GAUNTLET_MAX_AUDIT_PFLOPS: z.coerce.number().positive().default(DEFAULT_MAX_AUDIT_PFLOPS),
});

/** Caps on what processes that touch untrusted uploads may use (see docs/service.md, "Resource limits"). */
export interface ResourceLimits {
  /** Memory cap of an inspection process, MiB. */
  inspectMemoryMb: number;
  /** Memory cap of an audit process, MiB. */
  jobMemoryMb: number;
  maxGflopsPerSample: number;
  /** Largest per-sample tensor, bytes. */
  maxTensorBytes: number;
  /** Largest estimated arithmetic of one audit, PFLOPs. */
  maxAuditPflops: number;
}

/** Parsed configuration of a service process. */
export interface ServiceConfig {
  home: string;
  port: number;
  host: string;
  logLevel: z.infer<typeof ServiceEnvSchema>['GAUNTLET_LOG_LEVEL'];
  queue: string;
  concurrency: number;
  jobTimeoutMs: number;
  shards: number;
  limits: { modelBytes: number; dataBytes: number; policyBytes: number; configBytes: number };
  /** Upload timeouts, ms (0: none): no bytes for idleMs, or the whole body not within bodyMs. */
  uploadTimeouts: { idleMs: number; bodyMs: number };
  rateLimitPerMinute: number;
  /** Requests per minute per client address without a valid API key. */
  unauthenticatedRateLimitPerMinute: number;
  /** Per-tenant fairness: inspections at once (all, per tenant), audits run at once per tenant, active audits per tenant (0: no limit). */
  tenants: { maxInspections: number; tenantMaxInspections?: number; tenantMaxRunningAudits?: number; tenantMaxActiveAudits: number };
  threads?: number;
  /** Memory and arithmetic caps (absent: the defaults of GAUNTLET_INSPECT_MEMORY_MB and the others). */
  resources?: ResourceLimits;
}

/**
 * Reads the configuration from `env`.
 * @throws UsageError naming every invalid variable.
 */
export function loadServiceConfig(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const r = ServiceEnvSchema.safeParse(env);
  if (!r.success) {
    const why = describeIssues(r.error);
    throw new UsageError(`invalid environment: ${why}`);
  }
  const e = r.data;
  const queue = e.GAUNTLET_QUEUE;
  if (queue !== 'local' && !/^rediss?:\/\//.test(queue)) throw new UsageError(`GAUNTLET_QUEUE: expected 'local' or a redis:// URL, got '${queue}'`);
  return {
    home: gauntletHome(env), port: e.GAUNTLET_PORT, host: e.GAUNTLET_HOST, logLevel: e.GAUNTLET_LOG_LEVEL, queue,
    concurrency: e.GAUNTLET_CONCURRENCY, jobTimeoutMs: e.GAUNTLET_JOB_TIMEOUT_S * 1000, shards: e.GAUNTLET_SHARDS,
    limits: {
      modelBytes: Math.round(e.GAUNTLET_MAX_MODEL_MB * MB), dataBytes: Math.round(e.GAUNTLET_MAX_DATA_MB * MB),
      policyBytes: Math.round(e.GAUNTLET_MAX_POLICY_KB * 1024), configBytes: 16 * 1024,
    },
    uploadTimeouts: { idleMs: e.GAUNTLET_UPLOAD_IDLE_TIMEOUT_S * 1000, bodyMs: e.GAUNTLET_UPLOAD_BODY_TIMEOUT_S * 1000 },
    rateLimitPerMinute: e.GAUNTLET_RATE_LIMIT, unauthenticatedRateLimitPerMinute: e.GAUNTLET_RATE_LIMIT_UNAUTHENTICATED,
    tenants: {
      maxInspections: e.GAUNTLET_MAX_INSPECTIONS, tenantMaxInspections: e.GAUNTLET_TENANT_MAX_INSPECTIONS,
      tenantMaxRunningAudits: e.GAUNTLET_TENANT_MAX_RUNNING_AUDITS, tenantMaxActiveAudits: e.GAUNTLET_TENANT_MAX_ACTIVE_AUDITS,
    },
    threads: e.GAUNTLET_THREADS,
    resources: {
      inspectMemoryMb: e.GAUNTLET_INSPECT_MEMORY_MB, jobMemoryMb: e.GAUNTLET_JOB_MEMORY_MB,
      maxGflopsPerSample: e.GAUNTLET_MAX_GFLOPS_PER_SAMPLE, maxTensorBytes: Math.round(e.GAUNTLET_MAX_TENSOR_MB * MB),
      maxAuditPflops: e.GAUNTLET_MAX_AUDIT_PFLOPS,
    },
  };
}
