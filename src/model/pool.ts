/**
 * A pool of worker threads (node:worker_threads) so that ONNX Runtime's blocking run()
 * never stalls the event loop. Each worker owns its own sessions. Calls are queued FIFO
 * and dispatched to idle workers; typed-array buffers named in `transfer` move without a
 * copy. A crashed worker is replaced and its in-flight call rejected with RuntimeFailure.
 * An AbortSignal rejects a queued call with CancelledError at once; a running call is
 * rejected too and the worker is told to stop at its next sample boundary (ORT cannot be
 * interrupted mid-run), staying busy until it does.
 *
 * The entry is worker.ts beside this file: under dist/ it is compiled .js; when running
 * from sources (jest, tsx) the worker is started with `--require tsx/cjs`, which registers
 * tsx's CommonJS hook in the worker (tsx 4's `--import tsx` does not reach worker threads
 * on Node 20).
 */
import { Worker } from 'worker_threads';
import { CancelledError, RuntimeFailure } from '../errors';
import { FromWorker, ToWorker, fromWire } from './wire';
import { moduleEntry } from '../util/entry';

export interface PoolOptions {
  /** Number of worker threads (≥ 1). */
  size: number;
  /** Passed to every worker as workerData. */
  workerData?: Record<string, unknown>;
}

/** Per-call options. */
export interface CallOptions {
  /** Buffers to move (not copy) to the worker; they are detached on the caller's side. */
  transfer?: ArrayBuffer[];
  signal?: AbortSignal;
}

interface Job {
  id: number;
  kind: string;
  payload: unknown;
  transfer: ArrayBuffer[];
  resolve(v: unknown): void;
  reject(e: Error): void;
  settled: boolean;
  signal?: AbortSignal;
  onAbort?: () => void;
  /** Init of a restarted worker: a crash here counts towards MAX_CONSECUTIVE_CRASHES instead of failing the pool. */
  restartInit?: boolean;
}

interface Slot {
  worker: Worker;
  alive: boolean;
  job?: Job;
  /** Init call to run before anything else on this worker. */
  initJob?: Job;
  /** Called when the worker answers its current call (close() waits for it). */
  onIdle?: () => void;
}

/** close() lets a worker finish the call it is running this long before terminating it. */
const CLOSE_GRACE_MS = 15_000;

/** Counters for monitoring and tests. */
export interface PoolStats {
  size: number;
  busy: number;
  queued: number;
  /** Workers replaced after a crash. */
  restarts: number;
}

/** Most consecutive crashes of freshly started workers before the pool gives up. */
const MAX_CONSECUTIVE_CRASHES = 3;

/** How to start the worker entry in the current build (compiled .js, or .ts sources through tsx). */
export function workerEntry(): { filename: string; execArgv?: string[] } {
  return moduleEntry(__dirname, 'worker', __filename.endsWith('.ts'));
}

/** A fixed-size pool of runtime workers. */
export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private init?: { kind: string; payload: unknown };
  private closed = false;
  private broken?: Error;
  private restarts = 0;
  private consecutiveCrashes = 0;

  constructor(private readonly opts: PoolOptions) {
    if (!Number.isInteger(opts.size) || opts.size < 1) throw new RuntimeFailure(`worker pool size must be a positive integer (got ${opts.size})`);
    for (let i = 0; i < opts.size; i++) this.spawn();
  }

  /**
   * Makes `kind(payload)` the first call every worker runs, now and after any restart;
   * resolves once all current workers ran it (rejects with the first failure).
   */
  initialise(kind: string, payload: unknown): Promise<void> {
    this.init = { kind, payload };
    const waits = this.slots.map((s) => new Promise<void>((resolve, reject) => {
      s.initJob = this.makeJob(kind, payload, [], (v) => resolve(v as void), reject);
    }));
    this.dispatch();
    return Promise.all(waits).then(() => undefined);
  }

  /** Queues one call; resolves with the worker's value or rejects with its (re-typed) error. */
  call<T>(kind: string, payload: unknown, opts: CallOptions = {}): Promise<T> {
    if (this.closed) return Promise.reject(new CancelledError('the model was closed'));
    if (this.broken) return Promise.reject(this.broken);
    if (opts.signal?.aborted) return Promise.reject(new CancelledError());
    return new Promise<T>((resolve, reject) => {
      const job = this.makeJob(kind, payload, opts.transfer ?? [], resolve as (v: unknown) => void, reject);
      if (opts.signal) {
        job.signal = opts.signal;
        job.onAbort = () => this.cancel(job);
        opts.signal.addEventListener('abort', job.onAbort, { once: true });
      }
      this.queue.push(job);
      this.dispatch();
    });
  }

  stats(): PoolStats {
    return { size: this.slots.length, busy: this.slots.filter((s) => s.job).length, queued: this.queue.length, restarts: this.restarts };
  }

  /**
   * Rejects queued calls with CancelledError and terminates every worker. A worker still running
   * a call (a cancelled one goes on until its session run returns) is given up to 15 s to answer
   * first: terminating a thread inside an ONNX Runtime run aborts the whole process.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const job of this.queue.splice(0)) this.settle(job, new CancelledError('the model was closed'));
    await Promise.all(this.slots.map(async (s) => {
      s.alive = false;
      const busy = s.job !== undefined;
      if (s.job) this.settle(s.job, new CancelledError('the model was closed'));
      if (s.initJob) this.settle(s.initJob, new CancelledError('the model was closed'));
      if (busy) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, CLOSE_GRACE_MS);
          const done = () => { clearTimeout(t); resolve(); };
          s.onIdle = done;
          s.worker.once('exit', done);
        });
      }
      await s.worker.terminate();
    }));
    this.slots.length = 0;
  }

  private makeJob(kind: string, payload: unknown, transfer: ArrayBuffer[], resolve: (v: unknown) => void, reject: (e: Error) => void): Job {
    return { id: this.nextId++, kind, payload, transfer, resolve, reject, settled: false };
  }

  private spawn(): void {
    const { filename, execArgv } = workerEntry();
    const worker = new Worker(filename, { workerData: this.opts.workerData ?? {}, ...(execArgv ? { execArgv } : {}) });
    const slot: Slot = { worker, alive: true };
    if (this.init) {
      slot.initJob = { ...this.makeJob(this.init.kind, this.init.payload, [], () => undefined, (e) => this.fail(e)), restartInit: true };
    }
    worker.unref();
    worker.on('message', (m: FromWorker) => this.onMessage(slot, m));
    worker.on('error', (e) => this.onCrash(slot, e));
    worker.on('exit', (code) => this.onCrash(slot, new Error(`exited with code ${code}`)));
    this.slots.push(slot);
  }

  private onMessage(slot: Slot, m: FromWorker): void {
    const job = slot.job;
    if (!job || job.id !== m.id) return;
    slot.job = undefined;
    slot.worker.unref();
    slot.onIdle?.();
    this.consecutiveCrashes = 0;
    if (m.type === 'result') this.settle(job, undefined, m.value);
    else this.settle(job, fromWire(m.error));
    this.dispatch();
  }

  private onCrash(slot: Slot, e: Error): void {
    if (!slot.alive) return;
    slot.alive = false;
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    const job = slot.job ?? slot.initJob;
    const crash = new RuntimeFailure(`a runtime worker crashed${job ? ` while running '${job.kind}'` : ''} (${e.message}); it has been replaced`);
    if (job && !job.restartInit) this.settle(job, crash);
    if (this.closed) return;
    this.restarts++;
    if (++this.consecutiveCrashes > MAX_CONSECUTIVE_CRASHES) {
      this.fail(new RuntimeFailure(`runtime workers keep crashing (${this.consecutiveCrashes} in a row, last: ${e.message})`));
      return;
    }
    this.spawn();
    this.dispatch();
  }

  /** The pool cannot serve calls any more: reject everything queued. */
  private fail(e: Error): void {
    this.broken = e;
    for (const job of this.queue.splice(0)) this.settle(job, e);
  }

  private cancel(job: Job): void {
    const q = this.queue.indexOf(job);
    if (q >= 0) this.queue.splice(q, 1);
    else {
      const slot = this.slots.find((s) => s.job === job);
      if (slot) this.post(slot, { type: 'cancel', id: job.id });
    }
    this.settle(job, new CancelledError());
  }

  private settle(job: Job, error: Error | undefined, value?: unknown): void {
    if (job.settled) return;
    job.settled = true;
    if (job.onAbort) job.signal?.removeEventListener('abort', job.onAbort);
    if (error) job.reject(error);
    else job.resolve(value);
  }

  private post(slot: Slot, msg: ToWorker, transfer: ArrayBuffer[] = []): boolean {
    try {
      slot.worker.postMessage(msg, transfer);
      return true;
    } catch {
      return false;
    }
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (!slot.alive || slot.job) continue;
      let job = slot.initJob?.settled ? undefined : slot.initJob;
      slot.initJob = undefined;
      while (!job && !this.broken && this.queue.length) {
        const next = this.queue.shift()!;
        if (!next.settled) job = next;
      }
      if (!job) continue;
      slot.job = job;
      slot.worker.ref();
      if (!this.post(slot, { type: 'call', id: job.id, kind: job.kind, payload: job.payload }, job.transfer)) {
        slot.job = undefined;
        slot.worker.unref();
        this.settle(job, new RuntimeFailure(`could not send '${job.kind}' to a runtime worker (payload not transferable)`));
      }
    }
  }
}
