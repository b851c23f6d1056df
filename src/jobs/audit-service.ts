/**
 * The service's use cases over audits, shared by the HTTP routes (which only translate requests
 * and responses): submit an upload as a job after inspecting it, read, list, cancel and remove a
 * tenant's jobs, and locate a finished job's files. Every read is scoped to the caller's tenant
 * (an admin sees all); another tenant's job is reported as absent, never as forbidden.
 * Tenants share the inspection slots fairly (./fair-semaphore.ts), and each has a quota of active
 * (queued or running) audits.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ZodError } from 'zod';
import type { Principal } from './api-keys';
import type { BlobStore } from './blobs';
import { jobDir } from './files-spec';
import { DEFAULT_MAX_AUDIT_PFLOPS, ResourceLimits } from '../config/service';
import { checkAuditFlops, estimateAuditFlops } from './audit-cost';
import { FairSemaphore, SlotWaitAborted } from './fair-semaphore';
import { inspectUploads, InspectResult, UploadRejected } from './inspect';
import type { JobRunner } from './runner';
import { AuditConfig, AuditConfigSchema, BlobRef, JobSpec, JobState } from './spec';
import { isFinal, JobRecord, JobStore } from './store';
import { parsePolicy } from '../audit/policy';
import { GauntletError, UsageError } from '../errors';
import { ClientClosedRequestError, ConflictError, NotFoundError } from '../errors/http';
import type { Logger } from '../logging/logger';
import { describeIssues } from '../util/zod';

/** A file the client uploaded, already in the blob store. */
export interface Upload {
  sha256: string;
  size: number;
  path: string;
  filename: string;
}

/** What POST /v1/audits carries, parsed. */
export interface SubmitRequest {
  model?: Upload;
  data?: Upload;
  policy?: Upload;
  reference?: string;
  /** The `config` field: JSON text. */
  config?: string;
}

export interface AuditServiceOptions {
  store: JobStore;
  blobs: BlobStore;
  runner: JobRunner;
  jobsRoot: string;
  logger: Logger;
  limits: { modelBytes: number; dataBytes: number };
  /** Shards per audit for distributed runners. */
  shards: number;
  /** Inspection timeout (default 120 s). */
  inspectTimeoutMs?: number;
  /** Inspections run at once; further uploads wait their turn (default 2). */
  maxInspections?: number;
  /** Memory and arithmetic caps of inspections (default: INSPECT_DEFAULTS), and the cap on an audit's estimated arithmetic (default DEFAULT_MAX_AUDIT_PFLOPS). */
  resources?: Pick<ResourceLimits, 'inspectMemoryMb' | 'maxGflopsPerSample' | 'maxTensorBytes'> & Partial<Pick<ResourceLimits, 'maxAuditPflops'>>;
  /** Inspections one tenant may run at once (default: all but one, at least 1). */
  tenantMaxInspections?: number;
  /** Audits one tenant may have queued or running; a further submission is refused with 429 (default: no limit). */
  tenantMaxActiveAudits?: number;
  /** The inspection (default inspectUploads, in a child process); tests substitute a slow one. */
  inspect?: typeof inspectUploads;
}

/** Seconds a client refused for its tenant's quota of active audits is told to wait (Retry-After). */
export const QUOTA_RETRY_AFTER_S = 60;

/** Files of a finished audit the API serves, by public name. */
export const ARTIFACTS = {
  'report.json': { file: 'report.json', type: 'application/json' },
  'report.pdf': { file: 'report.pdf', type: 'application/pdf' },
  attestation: { file: 'report.intoto.jsonl', type: 'application/vnd.in-toto+json' },
  'junit.xml': { file: 'junit.xml', type: 'application/xml' },
  'adversarial.npz': { file: 'adversarial.npz', type: 'application/octet-stream' },
} as const;
export type ArtifactName = keyof typeof ARTIFACTS;

export class AuditService {
  /** Blobs of uploads still being turned into jobs (not to be garbage-collected meanwhile). */
  private readonly inFlight = new Map<string, number>();
  private readonly inspections: FairSemaphore;

  constructor(private readonly o: AuditServiceOptions) {
    const capacity = o.maxInspections ?? 2;
    this.inspections = new FairSemaphore({ capacity, perTenant: o.tenantMaxInspections ?? Math.max(1, capacity - 1) });
  }

  /**
   * Holds the blobs a request stores while it is in progress (they are not garbage-collected
   * meanwhile); `release` collects those that no job refers to.
   */
  uploadScope(): { hold(sha256: string): void; release(): void } {
    const held: string[] = [];
    return {
      hold: (sha) => { held.push(sha); this.inFlight.set(sha, (this.inFlight.get(sha) ?? 0) + 1); },
      release: () => {
        for (const sha of held) {
          const n = (this.inFlight.get(sha) ?? 1) - 1;
          if (n > 0) this.inFlight.set(sha, n); else this.inFlight.delete(sha);
        }
        this.collect(held);
        held.length = 0;
      },
    };
  }

  /**
   * Validates the request and the uploads (in an isolated process), stores the job and hands it
   * to the runner.
   * @param gone aborted when the client disconnects: no inspection starts and no job is created after that.
   * @throws UsageError (400) for a malformed request, UploadRejected (422/413) for a bad upload,
   *   AuditTooCostly (413) when the audit's estimated arithmetic is over GAUNTLET_MAX_AUDIT_PFLOPS,
   *   ActiveAuditQuotaError (429) when the tenant has its quota of active audits,
   *   ClientClosedRequestError (499) once `gone` is aborted.
   */
  async submit(who: Principal, r: SubmitRequest, gone?: AbortSignal): Promise<JobRecord> {
    if (!r.model) throw new UsageError("missing the 'model' file (an ONNX classifier)", { field: 'model' });
    if (!r.data && !r.reference) throw new UsageError("give the evaluation set as the 'data' file (.npz) or name a bundled reference set in 'reference'", { field: 'data' });
    const config = parseConfig(r.config);
    this.checkQuota(who); // before the inspection: a tenant over its quota costs no inspection
    let policy: BlobRef | null = null;
    if (r.policy) {
      const up = r.policy;
      const name = up.filename;
      try {
        parsePolicy(readFileSync(up.path, 'utf8'), name);
      } catch (e) {
        if (e instanceof UsageError) throw new PolicyRejected(e.message.split(up.path).join(name));
        throw e;
      }
      policy = { sha256: up.sha256, name, size: up.size };
    }
    let inspected: InspectResult;
    let done: () => void;
    try {
      done = await this.inspections.acquire(who.tenant, gone);
    } catch (e) {
      if (e instanceof SlotWaitAborted) throw new ClientClosedRequestError('the client disconnected while its upload waited for inspection; no audit was created');
      throw e;
    }
    try {
      if (gone?.aborted) throw new ClientClosedRequestError('the client disconnected before its upload was inspected; no audit was created');
      inspected = await (this.o.inspect ?? inspectUploads)({
        modelPath: r.model.path, dataPath: r.data?.path ?? null, reference: r.reference ?? null, output: config.output,
        timeoutMs: this.o.inspectTimeoutMs, maxDataBytes: this.o.limits.dataBytes, maxModelBytes: this.o.limits.modelBytes,
        memoryMb: this.o.resources?.inspectMemoryMb, maxGflopsPerSample: this.o.resources?.maxGflopsPerSample, maxTensorBytes: this.o.resources?.maxTensorBytes,
      });
    } catch (e) {
      if (e instanceof UploadRejected) throw hidePaths(e, r);
      throw e;
    } finally {
      done();
    }
    if (gone?.aborted) throw new ClientClosedRequestError('the client disconnected while its upload was inspected; no audit was created');
    const n = inspected.data?.n ?? inspected.reference?.n ?? 0;
    if (config.n !== undefined && config.n > n) throw new UsageError(`config.n = ${config.n} but the evaluation set has ${n} points`, { field: 'config' });
    // Before the job exists: FLOPs per sample × points × the battery's passes per point, an upper bound.
    const cost = estimateAuditFlops({ ...inspected.model, random: inspected.model.random.length > 0 }, config.preset, config.n ?? n);
    checkAuditFlops(cost, this.o.resources?.maxAuditPflops ?? DEFAULT_MAX_AUDIT_PFLOPS);
    const spec: JobSpec = {
      model: { sha256: r.model.sha256, name: r.model.filename, size: r.model.size },
      data: r.data ? { sha256: r.data.sha256, name: r.data.filename, size: r.data.size } : null,
      reference: r.reference ?? null, policy, config: { ...config, shards: config.shards ?? this.o.shards },
    };
    this.checkQuota(who); // again: other uploads of the tenant may have been accepted meanwhile (no await from here to createJob)
    const job = this.o.store.createJob(who.tenant, spec);
    this.o.logger.info('audit accepted', { jobId: job.id, tenant: who.tenant, model: spec.model.sha256, points: config.n ?? n, preset: config.preset, estimatedPflops: cost.flops / 1e15 });
    await this.o.runner.submit(job);
    return job;
  }

  /** The caller's job. @throws NotFoundError when absent or another tenant's. */
  get(who: Principal, id: string): JobRecord {
    const job = this.o.store.getJob(id, who.role === 'admin' ? null : who.tenant);
    if (!job) throw new NotFoundError(`no audit ${id}`);
    return job;
  }

  /** A page of the caller's jobs (an admin's: every tenant's), newest first. */
  list(who: Principal, limit: number, cursor?: number, state?: JobState): { jobs: JobRecord[]; next: number | null } {
    return this.o.store.listJobs(who.role === 'admin' ? null : who.tenant, limit, cursor, state);
  }

  /** Cancels the job if it runs or waits, then removes it and its files. */
  async remove(who: Principal, id: string): Promise<void> {
    const job = this.get(who, id);
    if (!isFinal(job.state)) {
      this.o.store.finish(id, 'cancelled', { error: { title: 'Cancelled', detail: 'cancelled by DELETE' } });
      await this.o.runner.cancel(id);
    }
    this.o.store.deleteJob(id);
    rmSync(jobDir(this.o.jobsRoot, id), { recursive: true, force: true });
    this.collect([job.spec.model.sha256, job.spec.data?.sha256, job.spec.policy?.sha256].filter((s): s is string => !!s));
    this.o.logger.info('audit removed', { jobId: id, tenant: who.tenant, state: job.state });
  }

  /**
   * Path and media type of a finished job's file.
   * @throws NotFoundError (no job / no such file), ConflictError (the audit has not finished).
   */
  artifact(who: Principal, id: string, name: ArtifactName): { path: string; type: string } {
    const job = this.get(who, id);
    if (job.state !== 'succeeded') {
      throw new ConflictError(`audit ${id} is ${job.state}; its ${name} exists once it has succeeded`, { state: job.state });
    }
    const a = ARTIFACTS[name];
    const path = join(jobDir(this.o.jobsRoot, id), a.file);
    if (!existsSync(path)) throw new NotFoundError(`audit ${id} has no ${name}`);
    return { path, type: a.type };
  }

  /**
   * Deletes every stored blob that no job and no request in progress refers to (uploads that a
   * crash left between storing and creating their job). Called at start-up.
   * @returns how many blobs were removed.
   */
  collectOrphans(): number {
    const all = this.o.blobs.list();
    this.collect(all);
    return all.filter((s) => !this.o.blobs.has(s)).length;
  }

  /** @throws ActiveAuditQuotaError when the tenant has its quota of queued or running audits. */
  private checkQuota(who: Principal): void {
    const limit = this.o.tenantMaxActiveAudits;
    if (limit === undefined || limit <= 0) return;
    const active = this.o.store.countActive(who.tenant);
    if (active >= limit) throw new ActiveAuditQuotaError(limit, active);
  }

  /** Deletes blobs no job and no request in progress refers to. */
  private collect(shas: string[]): void {
    for (const s of new Set(shas)) {
      if (!this.inFlight.has(s) && !this.o.store.blobInUse(s)) this.o.blobs.remove(s);
    }
  }
}

/** The uploaded policy does not parse or validate (unprocessable content, like a bad model). */
export class PolicyRejected extends GauntletError {
  constructor(message: string) {
    super(message, 'invalid_policy', 422, true, { field: 'policy' });
  }
}

/** The tenant already has its quota of queued or running audits (429, with Retry-After). */
export class ActiveAuditQuotaError extends GauntletError {
  constructor(limit: number, active: number) {
    super(`this tenant already has ${active} audits queued or running, its limit (GAUNTLET_TENANT_MAX_ACTIVE_AUDITS = ${limit}); retry once one has finished, or cancel one with DELETE /v1/audits/:id`,
      'quota_exceeded', 429, true, { limit, active, retryAfterS: QUOTA_RETRY_AFTER_S });
  }
}

/** The config field, validated. */
export function parseConfig(text: string | undefined): AuditConfig {
  if (text === undefined) throw new UsageError("missing the 'config' field: JSON such as {\"norm\": \"linf\", \"eps\": 0.1, \"preset\": \"quick\"}", { field: 'config' });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`config: not valid JSON (${(e as Error).message})`, { field: 'config' });
  }
  try {
    return AuditConfigSchema.parse(value);
  } catch (e) {
    if (e instanceof ZodError) {
      throw new UsageError(`config: ${describeIssues(e, '(root)')}`, { field: 'config' });
    }
    throw e;
  }
}

/** The rejection with server-side blob paths replaced by the client's file names. */
function hidePaths(e: UploadRejected, r: SubmitRequest): UploadRejected {
  let msg = e.message;
  for (const u of [r.model, r.data]) if (u) msg = msg.split(u.path).join(u.filename);
  if (msg === e.message) return e;
  const copy = new UploadRejected(e.field, Object.assign(Object.create(Object.getPrototypeOf(e.original)), e.original, { message: msg }), e.httpStatus === 413);
  return copy;
}
