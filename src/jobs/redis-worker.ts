/**
 * A worker of the redis mode (`gauntlet worker`): takes `shard` and `finish` jobs of the BullMQ
 * queue (./redis-queue.ts) and runs each in a child process (./job-process.ts, as the local runner
 * does: inference never runs on this process's event loop, a crash takes down one job). Progress
 * goes to BullMQ (job.updateProgress), which the API node reads from the queue's events. A cancel
 * event for an audit kills its children here; a killed worker's job stalls and BullMQ hands it to
 * another worker, where the shard resumes from its checkpoint in the shared GAUNTLET_HOME.
 */
import type { ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { Job, Queue, QueueEvents, UnrecoverableError, Worker } from 'bullmq';
import { homeLayout } from '../config/home';
import type { Logger } from '../logging/logger';
import { moduleEntry } from '../util/entry';
import { BlobStore } from './blobs';
import { filesSpec } from './files-spec';
import type { JobProcessCommand, JobProcessMessage } from './job-process';
import type { ShardResult } from '../audit/shards';
import {
  AUDIT_QUEUE, CANCEL_EVENT, CancelListener, FinishJobData, ShardJobData, finishJobId, parseQueueJobId, redisConnection, requireRedisDriver,
} from './redis-queue';
import type { JobProgress, JobResult } from './spec';
import { lowerPriority } from '../util/priority';
import { endedForMemory, forkLimited, JOB_MEMORY_DEFAULT_MB, jobMemoryFailure, memoryLimitMessage } from './resource-limits';

export interface RedisWorkerOptions {
  /** redis:// URL of the queue. */
  url: string;
  /** GAUNTLET_HOME: the directory shared by every node (blobs/, jobs/, keys/). */
  home: string;
  /** Jobs run at once by this worker. */
  concurrency: number;
  /** Wall-clock limit of one shard or finish job. */
  timeoutMs: number;
  threads?: number;
  logger: Logger;
  /** Name in logs and shard results (default host:pid). */
  name?: string;
  /** Environment of job processes (default process.env with GAUNTLET_HOME set). */
  env?: NodeJS.ProcessEnv;
  /** BullMQ lock duration (ms): a killed worker's job is retried after about this long (default 30 s). */
  lockDurationMs?: number;
  /** OS-enforced memory cap of each job process, MiB (GAUNTLET_JOB_MEMORY_MB; default 8192). */
  memoryMb?: number;
}

/** What a shard job returns. */
export interface ShardJobResult {
  worker: string;
  shard: ShardResult;
}

/** A started worker. */
export interface RedisWorker {
  name: string;
  /** Jobs running now. */
  readonly active: number;
  /** Stops taking jobs and kills running job processes; their jobs stay resumable (BullMQ retries them as stalled). */
  close(): Promise<void>;
}

interface Running {
  child: ChildProcess;
  exited: Promise<void>;
}

/** Starts a worker on the queue at o.url. */
export async function startRedisWorker(o: RedisWorkerOptions): Promise<RedisWorker> {
  requireRedisDriver();
  const connection = redisConnection(o.url);
  const name = o.name ?? `${hostname()}:${process.pid}`;
  const layout = homeLayout(o.home);
  const blobs = new BlobStore(layout.blobs);
  const env = o.env ?? { ...process.env, GAUNTLET_HOME: o.home };
  const log = o.logger.child({ worker: name });
  const running = new Map<string, Running>();
  let shuttingDown = false;

  const queue = new Queue(AUDIT_QUEUE, { connection });
  const processor = async (job: Job, _token?: string, signal?: AbortSignal): Promise<ShardJobResult | JobResult> => {
    const id = parseQueueJobId(job.id ?? '');
    if (!id) throw new UnrecoverableError(`job ${job.id} is not a Gauntlet audit job`);
    // A cancelled audit's flow is removed; a failed one must not run its remaining shards.
    const finish = id.part === 'finish' ? job : await queue.getJob(finishJobId(id.jobId));
    if (!finish || (id.part === 'shard' && (await finish.getState()) === 'failed')) throw new UnrecoverableError('the audit was cancelled or has failed');
    const data = job.data as ShardJobData | FinishJobData;
    const spec = filesSpec(data.jobId, data.spec, blobs, layout.jobs, o.threads);
    const cmd: JobProcessCommand = 'shard' in data
      ? { type: 'run', mode: 'shard', spec, shard: data.shard }
      : { type: 'run', mode: 'finish', spec, shards: data.shards };
    const jlog = log.child({ jobId: data.jobId, queueJob: job.id, attempt: job.attemptsMade + 1 });
    jlog.info(`${id.part} started`);
    const outcome = await runChild(job, cmd, signal, jlog);
    if (outcome.type === 'shard-done') {
      jlog.info('shard done', { shard: outcome.shard.index, count: outcome.shard.count, units: outcome.shard.units, replayed: outcome.shard.replayed, seconds: outcome.shard.seconds });
      return { worker: name, shard: outcome.shard };
    }
    jlog.info('audit finished', { verdict: outcome.result.verdict, robustAccuracy: outcome.result.robustAccuracy });
    return outcome.result;
  };

  /** Runs one command in a job process; resolves with its outcome, throws when it fails. */
  function runChild(job: Job, cmd: JobProcessCommand, signal: AbortSignal | undefined, jlog: Logger): Promise<Extract<JobProcessMessage, { type: 'done' | 'shard-done' }>> {
    const entry = moduleEntry(__dirname, 'job-process', __filename.endsWith('.ts'));
    const memoryMb = o.memoryMb ?? JOB_MEMORY_DEFAULT_MB;
    const limited = forkLimited(entry.filename, [], { execArgv: entry.execArgv, env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] }, memoryMb);
    const { child } = limited;
    lowerPriority(child.pid);
    let stderr = '';
    child.stderr?.on('data', (d) => { stderr = (stderr + String(d)).slice(-4000); });
    let outcome: JobProcessMessage | null = null;
    let stopping: 'cancel' | 'timeout' | null = null;
    child.on('message', (m: JobProcessMessage) => {
      if (m.type === 'progress') void job.updateProgress(m.progress as JobProgress).catch((e) => jlog.warn('progress not saved', { error: (e as Error).message }));
      else if (m.type === 'warning') jlog.warn(m.message);
      else outcome = m;
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    running.set(job.id!, { child, exited });
    const onAbort = () => { stopping ??= 'cancel'; child.kill('SIGKILL'); };
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => { stopping ??= 'timeout'; child.kill('SIGKILL'); }, o.timeoutMs);
    child.send(cmd);
    return new Promise((resolve, reject) => {
      child.once('exit', (code, sig) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        running.delete(job.id!);
        const out = outcome as JobProcessMessage | null;
        // Shutting down: leave the job active; its lock lapses and BullMQ hands it to another worker.
        if (shuttingDown && !out) return;
        if (stopping === 'cancel') reject(new UnrecoverableError('cancelled'));
        else if (stopping === 'timeout') reject(new UnrecoverableError(`timed out: the ${job.name} job ran longer than the limit of ${Math.round(o.timeoutMs / 1000)} s (GAUNTLET_JOB_TIMEOUT_S)`));
        else if (out?.type === 'done' || out?.type === 'shard-done') resolve(out);
        // An audit error (bad input, corrupt checkpoint, …) or its memory cap fails the same way again: no retry.
        else if (out?.type === 'failed') {
          const memory = jobMemoryFailure(limited, stderr, memoryMb, out.error.detail);
          reject(memory ? new UnrecoverableError(memory) : out.error.code === 'internal' ? new Error(out.error.detail) : new UnrecoverableError(out.error.detail));
        } else if (endedForMemory(limited, stderr)) {
          jlog.warn('job stopped at its memory limit', { memoryMb, peakRssBytes: limited.peakRssBytes(), stderr: stderr.slice(-1000) });
          reject(new UnrecoverableError(memoryLimitMessage('the audit', memoryMb, 'GAUNTLET_JOB_MEMORY_MB')));
        } else {
          jlog.error('job process crashed', { code, signal: sig, stderr: stderr.slice(-1000) });
          reject(new Error(`the audit process exited (${sig ?? `code ${code}`}) without a result`));
        }
      });
    });
  }

  const worker = new Worker(AUDIT_QUEUE, processor, {
    connection, concurrency: o.concurrency, name, maxStalledCount: 3, lockDuration: o.lockDurationMs ?? 30_000,
  });
  worker.on('failed', (job, err) => log.warn('job failed', { queueJob: job?.id, attempt: job?.attemptsMade, reason: err.message }));
  worker.on('error', (err) => log.error('worker error', { error: err.message }));

  // Cancellation: the API publishes the audit id; kill that audit's jobs running here.
  const events = new QueueEvents(AUDIT_QUEUE, { connection });
  events.on<CancelListener, typeof CANCEL_EVENT>(CANCEL_EVENT, (args) => {
    for (const queueJob of running.keys()) {
      if (parseQueueJobId(queueJob)?.jobId === args.jobId) {
        log.info('cancelling', { jobId: args.jobId, queueJob });
        worker.cancelJob(queueJob, 'cancelled by the API');
      }
    }
  });
  await Promise.all([worker.waitUntilReady(), events.waitUntilReady(), queue.waitUntilReady()]);
  log.info('gauntlet worker ready', { queue: AUDIT_QUEUE, concurrency: o.concurrency, home: o.home });

  let closing: Promise<void> | null = null;
  return {
    name,
    get active() { return running.size; },
    close() {
      closing ??= (async () => {
        shuttingDown = true;
        const stops = [...running.values()].map(async (r) => { r.child.kill('SIGKILL'); await r.exited; });
        await Promise.all(stops);
        await worker.close(true);
        await Promise.all([events.close(), queue.close()]);
      })();
      return closing;
    },
  };
}
