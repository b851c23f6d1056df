/**
 * The embedded job runner: jobs queued in SQLite, each run in its own child process (inference
 * and attack loops never touch the service's event loop; a crash or a hostile model takes down
 * only its job). A pool of `concurrency` processes, a per-job wall-clock timeout, cancellation by
 * killing the process. On start, jobs a previous process left running are queued again and resume
 * from their checkpoints. Tenants share the pool fairly (./fair-pick.ts): the tenant running the
 * fewest audits starts next, round-robin among equals, and none runs more than `perTenant` at once.
 */
import type { ChildProcess } from 'node:child_process';
import type { Logger } from '../logging/logger';
import { moduleEntry } from '../util/entry';
import type { BlobStore } from './blobs';
import { filesSpec } from './files-spec';
import type { JobProcessCommand, JobProcessMessage } from './job-process';
import type { JobRunner } from './runner';
import type { JobRecord, JobStore } from './store';
import { pickFair } from './fair-pick';
import { lowerPriority } from '../util/priority';
import { forkLimited, JOB_MEMORY_DEFAULT_MB, jobMemoryFailure } from './resource-limits';

export interface LocalRunnerOptions {
  store: JobStore;
  blobs: BlobStore;
  jobsRoot: string;
  concurrency: number;
  /** Audits one tenant may run at once (default: all slots but one, at least 1). */
  perTenant?: number;
  timeoutMs: number;
  threads?: number;
  logger: Logger;
  /** Environment of job processes (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** OS-enforced memory cap of each job process, MiB (GAUNTLET_JOB_MEMORY_MB; default 8192). */
  memoryMb?: number;
}

interface Running {
  tenant: string;
  child: ChildProcess;
  timer: NodeJS.Timeout;
  exited: Promise<void>;
  /** Why the runner stopped it, if it did. */
  stopping: 'cancel' | 'timeout' | 'shutdown' | null;
}

/** Runs queued jobs in child processes on this host. */
export class LocalRunner implements JobRunner {
  private readonly running = new Map<string, Running>();
  private started = false;
  private stopped = false;
  /** Per tenant, the value of `starts` at its last start (round-robin among equals). */
  private readonly lastStart = new Map<string, number>();
  private starts = 0;

  constructor(private readonly o: LocalRunnerOptions) {}

  async start(): Promise<void> {
    const resumed = this.o.store.requeueRunning();
    for (const id of resumed) this.o.logger.info('job requeued after restart; it resumes from its checkpoint', { jobId: id });
    this.started = true;
    this.pump();
  }

  async submit(_job: JobRecord): Promise<void> {
    this.pump();
  }

  async ready(): Promise<boolean> {
    return this.started && !this.stopped;
  }

  async cancel(id: string): Promise<void> {
    const r = this.running.get(id);
    if (!r) return;
    r.stopping = 'cancel';
    r.child.kill('SIGKILL');
    await r.exited;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.running.values()].map(async (r) => {
      r.stopping = 'shutdown';
      r.child.kill('SIGKILL');
      await r.exited;
    }));
  }

  /** Jobs running now (for metrics). */
  get active(): number {
    return this.running.size;
  }

  private pump(): void {
    if (!this.started || this.stopped) return;
    const perTenant = this.o.perTenant ?? Math.max(1, this.o.concurrency - 1);
    while (this.running.size < this.o.concurrency) {
      const counts = new Map<string, number>();
      for (const r of this.running.values()) counts.set(r.tenant, (counts.get(r.tenant) ?? 0) + 1);
      const heads = this.o.store.queuedHeads().filter((j) => !this.running.has(j.id));
      const next = pickFair(heads, { running: counts, lastStart: this.lastStart, perTenant });
      if (!next) return;
      if (!this.o.store.markRunning(next.id)) continue;
      this.lastStart.set(next.tenant, this.starts++);
      this.launch(this.o.store.getJob(next.id)!);
    }
  }

  private launch(job: JobRecord): void {
    const log = this.o.logger.child({ jobId: job.id, tenant: job.tenant });
    const entry = moduleEntry(__dirname, 'job-process', __filename.endsWith('.ts'));
    const memoryMb = this.o.memoryMb ?? JOB_MEMORY_DEFAULT_MB;
    const limited = forkLimited(entry.filename, [], { execArgv: entry.execArgv, env: this.o.env ?? process.env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] }, memoryMb);
    const { child } = limited;
    child.on('error', (e) => log.warn('job process error', { err: e.message })); // e.g. an IPC send to a process that already exited
    lowerPriority(child.pid);
    let stderr = '';
    child.stderr?.on('data', (d) => { stderr = (stderr + String(d)).slice(-4000); });
    let outcome: JobProcessMessage | null = null;
    child.on('message', (m: JobProcessMessage) => {
      if (m.type === 'progress') this.o.store.setProgress(job.id, m.progress);
      else if (m.type === 'warning') log.warn(m.message);
      else outcome = m;
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const timer = setTimeout(() => {
      const r = this.running.get(job.id);
      if (r) { r.stopping = 'timeout'; child.kill('SIGKILL'); }
    }, this.o.timeoutMs);
    const entryRec: Running = { tenant: job.tenant, child, timer, exited, stopping: null };
    this.running.set(job.id, entryRec);
    log.info('job started', { attempt: job.attempts, pid: child.pid });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      this.running.delete(job.id);
      const why = entryRec.stopping;
      const o = outcome as JobProcessMessage | null;
      // a failure that was the memory cap, reported by the audit or seen in how its process ended
      const memory = jobMemoryFailure(limited, stderr, memoryMb, o?.type === 'failed' ? o.error.detail : undefined);
      if (why === 'shutdown') {
        log.info('job stopped by shutdown; it resumes on the next start');
      } else if (why === 'cancel') {
        log.info('job cancelled');
      } else if (why === 'timeout') {
        this.o.store.finish(job.id, 'failed', { error: { title: 'Audit timed out', detail: `the audit ran longer than the limit of ${Math.round(this.o.timeoutMs / 1000)} s (GAUNTLET_JOB_TIMEOUT_S)` } });
        log.warn('job timed out', { timeoutMs: this.o.timeoutMs });
      } else if (o?.type === 'done') {
        this.o.store.finish(job.id, 'succeeded', { result: o.result });
        log.info('job succeeded', { verdict: o.result.verdict, robustAccuracy: o.result.robustAccuracy });
      } else if (o?.type === 'failed') {
        this.o.store.finish(job.id, 'failed', { error: memory ? { title: 'Audit exceeded its memory limit', detail: memory } : { title: o.error.title, detail: o.error.detail } });
        log.warn('job failed', { code: o.error.code, detail: o.error.detail });
      } else if (memory) {
        this.o.store.finish(job.id, 'failed', { error: { title: 'Audit exceeded its memory limit', detail: memory } });
        log.warn('job stopped at its memory limit', { memoryMb, peakRssBytes: limited.peakRssBytes(), stderr: stderr.slice(-1000) });
      } else {
        this.o.store.finish(job.id, 'failed', { error: { title: 'Audit process crashed', detail: `the audit process exited (${signal ?? `code ${code}`}) without a result` } });
        log.error('job process crashed', { code, signal, stderr: stderr.slice(-1000) });
      }
      this.pump();
    });
    const cmd: JobProcessCommand = { type: 'run', spec: filesSpec(job.id, job.spec, this.o.blobs, this.o.jobsRoot, this.o.threads) };
    child.send(cmd);
  }
}
