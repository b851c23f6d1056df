/**
 * Model served by a worker pool: the event loop never runs ORT. A call is split into
 * chunks (the memory budget shared by the workers, and at most an equal share of the call
 * per worker so that all workers help), each sent as a transferred copy of its slice of x;
 * results come back transferred and are assembled in order. The first failing chunk
 * cancels the others.
 */
import { setMaxListeners } from 'events';
import { CancelledError } from '../errors';
import { WorkerPool } from './pool';
import { PreparedModel } from './prepare';
import { Chunk, chunkRanges, samplesPerChunk } from './batching';
import { checkGradientCall, checkInput, chunkOfCall, emptyGradientResult, gradientCallData, setGradientChunk } from './calls';
import { GradientCall, GradientResult, ModelInfo } from './types';
import type { Model } from './model';
import type { WorkerCalls } from './worker';

/** Samples per message for per-sample models (cancellation and load-balancing granularity). */
const PER_SAMPLE_CHUNK = 16;

export class PooledModel implements Model {
  private readonly count = { forward: 0, gradient: 0 };

  constructor(
    private readonly pool: WorkerPool,
    private readonly prepared: PreparedModel,
    private readonly workers: number,
    private readonly budgetMB: number,
  ) {}

  get info(): ModelInfo {
    return this.prepared.info;
  }

  async predict(x: Float32Array, n: number, opts: { signal?: AbortSignal } = {}): Promise<Float32Array> {
    const P = checkInput(this.info, x, n);
    const C = this.info.numClasses;
    const out = new Float32Array(n * C);
    await this.fanOut(n, this.prepared.memory.forward, opts.signal, async (c, signal) => {
      const xs = x.slice(c.start * P, (c.start + c.count) * P);
      const payload: WorkerCalls['predict'] = { x: xs, n: c.count };
      out.set(await this.pool.call<Float32Array>('predict', payload, { transfer: [xs.buffer], signal }), c.start * C);
    });
    this.count.forward += n;
    return out;
  }

  async lossAndGrad(x: Float32Array, n: number, y: Int32Array, call: GradientCall): Promise<GradientResult> {
    const P = checkInput(this.info, x, n);
    checkGradientCall(this.info, y, n, call);
    const C = this.info.numClasses;
    const res = emptyGradientResult(n, C, P);
    const data = gradientCallData(call);
    await this.fanOut(n, this.prepared.memory.gradient, call.signal, async (c, signal) => {
      const end = c.start + c.count;
      const xs = x.slice(c.start * P, end * P);
      const ys = y.slice(c.start, end);
      const copies: ArrayBuffer[] = [xs.buffer, ys.buffer];
      const chunkCall = chunkOfCall(data, c.start, end, (a, s, e) => {
        const t = a.slice(s, e);
        copies.push(t.buffer);
        return t;
      });
      const payload: WorkerCalls['lossAndGrad'] = { x: xs, n: c.count, y: ys, call: chunkCall };
      const transfer = copies;
      const r = await this.pool.call<GradientResult>('lossAndGrad', payload, { transfer, signal });
      setGradientChunk(res, r, c.start, C, P);
    });
    this.count.gradient += n;
    return res;
  }

  counters(): { forward: number; gradient: number } {
    return { ...this.count };
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  /** Pool statistics (workers, busy, queued, restarts). */
  poolStats(): ReturnType<WorkerPool['stats']> {
    return this.pool.stats();
  }

  /** Test hook: sends a raw call to the pool (e.g. 'crash' with testHooks). @internal */
  rawCall<T>(kind: string, payload: unknown, signal?: AbortSignal): Promise<T> {
    return this.pool.call<T>(kind, payload, { signal });
  }

  private chunkSize(bytesPerSample: number, n: number): number {
    const share = Math.ceil(n / this.workers);
    if (!this.info.batched) return Math.min(PER_SAMPLE_CHUNK, share);
    return Math.min(samplesPerChunk(bytesPerSample, this.budgetMB / this.workers), share);
  }

  /** Runs `run` for every chunk concurrently; the first failure aborts the rest. */
  private async fanOut(n: number, bytesPerSample: number, signal: AbortSignal | undefined, run: (c: Chunk, s: AbortSignal) => Promise<void>): Promise<void> {
    if (signal?.aborted) throw new CancelledError();
    if (n === 0) return;
    const ctl = new AbortController();
    setMaxListeners(0, ctl.signal); // one listener per chunk in flight
    const onAbort = () => ctl.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await Promise.all(chunkRanges(n, this.chunkSize(bytesPerSample, n)).map((c) => run(c, ctl.signal).catch((e) => {
        ctl.abort();
        throw e;
      })));
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }
}
