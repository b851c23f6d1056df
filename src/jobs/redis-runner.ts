/**
 * The job runner of the redis mode (`gauntlet serve --queue redis://…`): each audit becomes a
 * BullMQ flow on the queue of ./redis-queue.ts — `shards` shard jobs under one finish job, which
 * merges their checkpoints and writes the report (src/audit/shards.ts) — run by `gauntlet worker`
 * processes (./redis-worker.ts) on any host sharing GAUNTLET_HOME's blobs/ and jobs/. The API node
 * keeps the SQLite job index: it follows the queue's events (active, progress, completed, failed)
 * and writes state, aggregated progress and the result there. On start, and every
 * `reconcileEveryMs`, it compares the jobs the store has as queued/running with BullMQ's state, so
 * events missed while the API was down (or Redis was unreachable) are caught up, and a job whose
 * flow is missing (e.g. Redis restarted without persistence) is added again: its shards resume from
 * their checkpoints.
 */
import { FlowJob, FlowProducer, Queue, QueueEvents, QueueEventsProducer } from 'bullmq';
import type { Logger } from '../logging/logger';
import {
  AUDIT_QUEUE, CANCEL_EVENT, FinishJobData, ShardJobData, finishJobId, parseQueueJobId, redisConnection, redisLabel, requireRedisDriver, shardCount, shardJobId,
} from './redis-queue';
import type { JobRunner } from './runner';
import { JobProgress, JobProgressSchema, JobResultSchema } from './spec';
import { SHARDED_PHASES_SHARE } from './progress';
import type { JobRecord, JobStore } from './store';


/** How long BullMQ keeps finished jobs (for reconciliation after a long API outage). */
const KEEP_SECONDS = 7 * 24 * 3600;

export interface RedisRunnerOptions {
  /** redis:// URL of the queue. */
  url: string;
  store: JobStore;
  logger: Logger;
  /** Period of the reconciliation with BullMQ's state (default 15 s; 0: only at start). */
  reconcileEveryMs?: number;
  /** How long cancel waits for workers to stop a running job (default 30 s). */
  cancelTimeoutMs?: number;
}

/** Progress of one audit's parts, as last reported. */
interface Parts {
  shards: number[];
  finish: JobProgress | null;
}

/** Submits audits as BullMQ flows and mirrors their state into the job store. */
export class RedisRunner implements JobRunner {
  private readonly connection;
  private queue!: Queue;
  private flows!: FlowProducer;
  private events!: QueueEvents;
  private producer!: QueueEventsProducer;
  private readonly parts = new Map<string, Parts>();
  private timer: NodeJS.Timeout | null = null;
  private started = false;
  private stopped = false;
  private reconciling: Promise<void> | null = null;

  constructor(private readonly o: RedisRunnerOptions) {
    requireRedisDriver();
    this.connection = redisConnection(o.url);
  }

  async start(): Promise<void> {
    // Commands fail fast while Redis is unreachable (an HTTP request never waits on a reconnect);
    // the blocking event reader keeps its own connection that waits.
    const quick = { ...this.connection, enableOfflineQueue: false };
    this.queue = new Queue(AUDIT_QUEUE, { connection: quick });
    this.flows = new FlowProducer({ connection: quick });
    this.producer = new QueueEventsProducer(AUDIT_QUEUE, { connection: quick });
    this.events = new QueueEvents(AUDIT_QUEUE, { connection: this.connection });
    const onError = (e: Error) => this.o.logger.warn('redis queue error', { error: e.message });
    this.queue.on('error', onError);
    this.flows.on('error', onError);
    this.producer.on('error', onError);
    this.events.on('error', onError);
    await Promise.all([this.queue.waitUntilReady(), this.flows.waitUntilReady(), this.producer.waitUntilReady(), this.events.waitUntilReady()]);
    this.events.on('active', ({ jobId }) => this.onActive(jobId));
    this.events.on('progress', ({ jobId, data }) => this.onProgress(jobId, data));
    this.events.on('completed', ({ jobId, returnvalue }) => this.onCompleted(jobId, returnvalue));
    this.events.on('failed', ({ jobId, failedReason }) => void this.onFailed(jobId, failedReason));
    await this.reconcile();
    const every = this.o.reconcileEveryMs ?? 15_000;
    if (every > 0) {
      this.timer = setInterval(() => void this.reconcile().catch((e) => this.o.logger.warn('reconciliation failed', { error: (e as Error).message })), every);
      this.timer.unref();
    }
    this.started = true;
    this.o.logger.info('redis queue connected', { queue: redisLabel(this.o.url) });
  }

  /** Adds the audit's flow. When Redis is unreachable the job stays queued and the reconciliation adds it later. */
  async submit(job: JobRecord): Promise<void> {
    try {
      await this.addFlow(job);
    } catch (e) {
      this.o.logger.warn('could not add the audit to the redis queue; it stays queued and is added when Redis answers', { jobId: job.id, error: (e as Error).message });
    }
  }

  async ready(): Promise<boolean> {
    if (!this.started || this.stopped) return false;
    const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 1000).unref());
    return Promise.race([this.queue.getJobCounts('active').then(() => true, () => false), timeout]);
  }

  /**
   * Tells workers to kill the audit's running jobs, then removes its flow (waiting shards and the
   * finish job); resolves once nothing of it runs or waits (or after `cancelTimeoutMs`, with a warning).
   */
  async cancel(id: string): Promise<void> {
    this.parts.delete(id);
    await this.producer.publishEvent({ eventName: CANCEL_EVENT, jobId: id }, 10_000);
    const deadline = Date.now() + (this.o.cancelTimeoutMs ?? 30_000);
    for (;;) {
      if (!(await this.queue.getJob(finishJobId(id)))) return;
      if ((await this.queue.remove(finishJobId(id), { removeChildren: true })) === 1) return;
      if (Date.now() > deadline) {
        this.o.logger.warn('cancelled audit still has a running job in the queue (no worker stopped it in time); workers skip the rest of it', { jobId: id });
        return;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.reconciling?.catch(() => undefined);
    await Promise.all([this.events?.close(), this.producer?.close(), this.flows?.close(), this.queue?.close()]);
  }

  /** Compares queued/running jobs of the store with BullMQ's state and catches up (see the header). */
  reconcile(): Promise<void> {
    this.reconciling ??= this.reconcileOnce().finally(() => { this.reconciling = null; });
    return this.reconciling;
  }

  private async reconcileOnce(): Promise<void> {
    for (const state of ['queued', 'running'] as const) {
      let cursor: number | undefined;
      do {
        const page = this.o.store.listJobs(null, 200, cursor, state);
        for (const job of page.jobs) await this.reconcileJob(job);
        cursor = page.next ?? undefined;
      } while (cursor !== undefined && !this.stopped);
    }
  }

  private async reconcileJob(job: JobRecord): Promise<void> {
    const finish = await this.queue.getJob(finishJobId(job.id));
    if (!finish) {
      await this.addFlow(job);
      this.o.logger.info('audit added to the redis queue again (its flow was missing); finished shards are replayed from their checkpoints', { jobId: job.id });
      return;
    }
    const state = await finish.getState();
    if (state === 'completed') return this.onCompleted(finish.id!, finish.returnvalue);
    if (state === 'failed') return this.onFailed(finish.id!, finish.failedReason);
    if (job.state === 'queued') {
      const states = await Promise.all([...Array(shardCount(job.spec)).keys()].map((i) => this.queue.getJobState(shardJobId(job.id, i))));
      if (state === 'active' || states.some((s) => s === 'active' || s === 'completed')) this.onActive(finish.id!);
    }
  }

  private async addFlow(job: JobRecord): Promise<void> {
    const count = shardCount(job.spec);
    const keep = { removeOnComplete: { age: KEEP_SECONDS }, removeOnFail: { age: KEEP_SECONDS } };
    const flow: FlowJob = {
      name: 'finish', queueName: AUDIT_QUEUE,
      data: { jobId: job.id, spec: job.spec, shards: count } satisfies FinishJobData,
      opts: { jobId: finishJobId(job.id), attempts: 2, backoff: { type: 'fixed', delay: 1000 }, ...keep },
      children: [...Array(count).keys()].map((index) => ({
        name: 'shard', queueName: AUDIT_QUEUE,
        data: { jobId: job.id, spec: job.spec, shard: { index, count } } satisfies ShardJobData,
        opts: { jobId: shardJobId(job.id, index), attempts: 2, backoff: { type: 'fixed', delay: 1000 }, failParentOnFailure: true, ...keep },
      })),
    };
    await this.flows.add(flow);
  }

  private onActive(queueJob: string): void {
    const id = parseQueueJobId(queueJob);
    if (id && this.o.store.markRunning(id.jobId)) this.o.logger.info('audit running', { jobId: id.jobId, part: id.part });
  }

  /** Progress over the whole audit: shards' mean fraction × SHARDED_PHASES_SHARE, then the finish job's own (which replays up to that share). */
  private onProgress(queueJob: string, data: unknown): void {
    const id = parseQueueJobId(queueJob);
    const parsed = JobProgressSchema.safeParse(data);
    if (!id || !parsed.success) return;
    const job = this.o.store.getJob(id.jobId);
    if (!job) return;
    const count = shardCount(job.spec);
    let parts = this.parts.get(id.jobId);
    if (!parts) this.parts.set(id.jobId, parts = { shards: Array(count).fill(0), finish: null });
    const p = parsed.data;
    if (id.part === 'shard') parts.shards[id.index] = Math.max(parts.shards[id.index] ?? 0, p.overall);
    else parts.finish = p;
    const sharded = SHARDED_PHASES_SHARE * (parts.shards.reduce((a, b) => a + b, 0) / count);
    const overall = Math.min(1, Math.max(job.progress?.overall ?? 0, sharded, parts.finish?.overall ?? 0));
    const progress: JobProgress = {
      ...p, overall,
      message: id.part === 'shard' ? `${p.message} (shards: ${parts.shards.filter((f) => f >= 1).length}/${count} done)` : p.message,
      stages: parts.finish?.stages ?? [],
    };
    this.o.store.setProgress(id.jobId, progress);
  }

  private onCompleted(queueJob: string, value: unknown): void {
    const id = parseQueueJobId(queueJob);
    if (!id || id.part !== 'finish') return;
    this.parts.delete(id.jobId);
    const result = JobResultSchema.safeParse(value);
    if (!result.success) {
      if (this.o.store.finish(id.jobId, 'failed', { error: { title: 'Internal error', detail: 'the finish job returned no valid result' } })) {
        this.o.logger.error('finish job returned an invalid result', { jobId: id.jobId });
      }
      return;
    }
    if (this.o.store.finish(id.jobId, 'succeeded', { result: result.data })) {
      this.o.logger.info('job succeeded', { jobId: id.jobId, verdict: result.data.verdict, robustAccuracy: result.data.robustAccuracy });
    }
  }

  /** A failed finish job fails the audit; a failed shard does once BullMQ gives up on it (no retry left). */
  private async onFailed(queueJob: string, reason: string): Promise<void> {
    const id = parseQueueJobId(queueJob);
    if (!id) return;
    if (id.part === 'shard' && (await this.queue.getJobState(queueJob).catch(() => 'unknown')) !== 'failed') return;
    this.parts.delete(id.jobId);
    const detail = id.part === 'shard' ? `shard ${id.index}: ${reason}` : reason;
    if (this.o.store.finish(id.jobId, 'failed', { error: { title: reason.startsWith('timed out') ? 'Audit timed out' : 'Audit failed', detail } })) {
      this.o.logger.warn('job failed', { jobId: id.jobId, part: id.part, detail });
    }
  }
}
