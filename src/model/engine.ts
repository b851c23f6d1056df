/**
 * The in-thread executor behind a Model: owns one forward session (prepared graph with the
 * pre-softmax logits as its output) and lazily built gradient sessions, one per
 * (loss, targeted, straightThrough). It runs exactly the samples it is given — one ORT call
 * for batched models, one call per sample otherwise; memory chunking is the caller's job.
 * Used directly with `inProcess: true` and inside each pool worker.
 */
import { CancelledError, UsageError } from '../errors';
import { Model, numel } from '../onnx/ir';
import { decodeModel } from '../onnx/decode';
import { encodeModel } from '../onnx/encode';
import { buildGradientModel, GradientModel } from '../autodiff/builder';
import { LOSS_KINDS } from '../autodiff/loss';
import { Session, SessionOptions } from '../runtime/session';
import { HostData, HostTensor } from '../runtime/tensor';
import { PreparedModel } from './prepare';
import { verifyGradientShapes } from './verify';
import { GradientCall, GradientResult, ModelInfo } from './types';

export interface EngineOptions extends SessionOptions {
  /** Check every newly built gradient graph's edge shapes once (verify.ts). */
  verify?: boolean;
}

interface GradientSession {
  session: Session;
  io: GradientModel['io'];
}

const yieldToEventLoop = () => new Promise<void>((r) => setImmediate(r));

/** Executes predict / loss-and-gradient calls for one prepared model on the calling thread. */
export class Engine {
  private readonly gradients = new Map<string, Promise<GradientSession>>();
  private readonly perSample: number;

  private constructor(
    private readonly prepared: PreparedModel,
    private readonly model: Model,
    private readonly forwardSession: Session,
    private readonly opts: EngineOptions,
  ) {
    this.perSample = numel(prepared.info.inputShape);
  }

  /** Creates the forward session (throws ProviderError / RuntimeFailure). */
  static async create(prepared: PreparedModel, opts: EngineOptions = {}): Promise<Engine> {
    const model = decodeModel(prepared.bytes);
    const logitsMeta = prepared.shapes.get(prepared.logits)!;
    const forward: Model = { ...model, graph: { ...model.graph, outputs: [{ name: prepared.logits, dtype: logitsMeta.dtype }] } };
    const session = await Session.create(encodeModel(forward), opts);
    return new Engine(prepared, model, session, opts);
  }

  get info(): ModelInfo {
    return this.prepared.info;
  }

  /** Pre-softmax logits [n, C] of n samples. */
  async forward(x: Float32Array, n: number, signal?: AbortSignal): Promise<Float32Array> {
    const C = this.info.numClasses;
    const out = new Float32Array(n * C);
    await this.eachCall(n, signal, async (start, count) => {
      const r = await this.forwardSession.run({ [this.prepared.input]: this.feedX(x, start, count) }, [this.prepared.logits]);
      out.set(r[this.prepared.logits].data as Float32Array | Float64Array, start * C);
    });
    return out;
  }

  /** Logits, per-sample loss and d(Σ loss)/dx of n samples. */
  async lossAndGrad(x: Float32Array, n: number, y: Int32Array, call: Omit<GradientCall, 'signal'>, signal?: AbortSignal): Promise<GradientResult> {
    if (!LOSS_KINDS.includes(call.loss)) throw new UsageError(`unknown loss '${call.loss}'; accepted: ${LOSS_KINDS.join(', ')}`);
    const g = await this.gradientSession(call.loss, !!call.target, !!call.straightThrough);
    const C = this.info.numClasses;
    const P = this.perSample;
    const res: GradientResult = { logits: new Float32Array(n * C), loss: new Float32Array(n), grad: new Float32Array(n * P) };
    await this.eachCall(n, signal, async (start, count) => {
      const feeds: Record<string, HostTensor> = {
        [g.io.x]: this.feedX(x, start, count),
        [g.io.labels]: labelTensor(y, start, count),
      };
      if (g.io.target) feeds[g.io.target] = labelTensor(call.target!, start, count);
      const r = await g.session.run(feeds, [g.io.logits, g.io.loss, g.io.grad]);
      res.logits.set(r[g.io.logits].data as Float32Array | Float64Array, start * C);
      res.loss.set(r[g.io.loss].data as Float32Array | Float64Array, start);
      res.grad.set(r[g.io.grad].data as Float32Array | Float64Array, start * P);
    });
    return res;
  }

  /** Releases every session. */
  async close(): Promise<void> {
    await this.forwardSession.release();
    for (const p of this.gradients.values()) {
      const g = await p.catch(() => undefined);
      await g?.session.release();
    }
    this.gradients.clear();
  }

  /** Calls `run(start, count)` once for a batched model, or per sample, checking `signal` in between. */
  private async eachCall(n: number, signal: AbortSignal | undefined, run: (start: number, count: number) => Promise<void>): Promise<void> {
    if (n === 0) return;
    if (this.info.batched) {
      if (signal?.aborted) throw new CancelledError();
      await run(0, n);
      return;
    }
    for (let i = 0; i < n; i++) {
      if (i > 0) await yieldToEventLoop(); // lets a worker receive 'cancel' between samples
      if (signal?.aborted) throw new CancelledError();
      await run(i, 1);
    }
  }

  /** The x feed for samples [start, start + count), converted to float64 for float64 models. */
  private feedX(x: Float32Array, start: number, count: number): HostTensor {
    const P = this.perSample;
    const view = x.subarray(start * P, (start + count) * P);
    const dims = this.info.batched ? [count, ...this.info.inputShape] : this.prepared.sampleShape;
    const data: HostData = this.info.dtype === 'float64' ? Float64Array.from(view) : view;
    return { dtype: this.info.dtype, dims, data };
  }

  private gradientSession(loss: GradientCall['loss'], targeted: boolean, straightThrough: boolean): Promise<GradientSession> {
    const key = `${loss}|${targeted ? 'targeted' : 'untargeted'}|${straightThrough ? 'bpda' : 'exact'}`;
    let p = this.gradients.get(key);
    if (!p) {
      p = this.buildGradient(loss, targeted, straightThrough);
      this.gradients.set(key, p);
      p.catch(() => this.gradients.delete(key));
    }
    return p;
  }

  private async buildGradient(loss: GradientCall['loss'], targeted: boolean, straightThrough: boolean): Promise<GradientSession> {
    const gm = buildGradientModel(this.model, { loss, targeted, straightThrough, shapes: this.prepared.shapes });
    if (this.opts.verify) await verifyGradientShapes(gm, this.prepared.shapes, { provider: 'cpu', intraOpThreads: this.opts.intraOpThreads });
    const session = await Session.create(encodeModel(gm.model), this.opts);
    return { session, io: gm.io };
  }
}

function labelTensor(labels: Int32Array, start: number, count: number): HostTensor {
  const data = new BigInt64Array(count);
  for (let i = 0; i < count; i++) data[i] = BigInt(labels[start + i]);
  return { dtype: 'int64', dims: [count], data };
}
