/**
 * Model on the calling thread (`inProcess: true`): simple and overhead-free, but each ORT
 * call blocks the event loop. Calls are split into chunks that fit the memory budget; a
 * cancelled signal is honoured between chunks (and between samples of per-sample models).
 */
import { CancelledError } from '../errors';
import { Engine } from './engine';
import { PreparedModel } from './prepare';
import { chunkRanges, samplesPerChunk } from './batching';
import { checkGradientCall, checkInput, chunkOfCall, emptyGradientResult, gradientCallData, setGradientChunk } from './calls';
import { GradientCall, GradientResult, ModelInfo } from './types';
import type { Model } from './model';

export class LocalModel implements Model {
  private readonly count = { forward: 0, gradient: 0 };
  private closed = false;

  constructor(private readonly engine: Engine, private readonly prepared: PreparedModel, private readonly budgetMB: number) {}

  get info(): ModelInfo {
    return this.prepared.info;
  }

  async predict(x: Float32Array, n: number, opts: { signal?: AbortSignal } = {}): Promise<Float32Array> {
    this.open();
    const P = checkInput(this.info, x, n);
    const C = this.info.numClasses;
    const out = new Float32Array(n * C);
    for (const c of chunkRanges(n, this.chunk(this.prepared.memory.forward, n))) {
      if (opts.signal?.aborted) throw new CancelledError();
      out.set(await this.engine.forward(x.subarray(c.start * P, (c.start + c.count) * P), c.count, opts.signal), c.start * C);
    }
    this.count.forward += n;
    return out;
  }

  async lossAndGrad(x: Float32Array, n: number, y: Int32Array, call: GradientCall): Promise<GradientResult> {
    this.open();
    const P = checkInput(this.info, x, n);
    checkGradientCall(this.info, y, n, call);
    const C = this.info.numClasses;
    const res = emptyGradientResult(n, C, P);
    const data = gradientCallData(call);
    for (const c of chunkRanges(n, this.chunk(this.prepared.memory.gradient, n))) {
      if (call.signal?.aborted) throw new CancelledError();
      const end = c.start + c.count;
      const r = await this.engine.lossAndGrad(
        x.subarray(c.start * P, end * P), c.count, y.subarray(c.start, end),
        chunkOfCall(data, c.start, end, (a, s, e) => a.subarray(s, e)), call.signal,
      );
      setGradientChunk(res, r, c.start, C, P);
    }
    this.count.gradient += n;
    return res;
  }

  counters(): { forward: number; gradient: number } {
    return { ...this.count };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.engine.close();
  }

  /** Samples per ORT call: the memory budget for batched models; per-sample models loop inside the engine. */
  private chunk(bytesPerSample: number, n: number): number {
    return this.info.batched ? samplesPerChunk(bytesPerSample, this.budgetMB) : Math.max(1, n);
  }

  private open(): void {
    if (this.closed) throw new CancelledError('the model was closed');
  }
}
