/**
 * Shared by both Model implementations: argument checks (every message says what is accepted)
 * and the chunking of a gradient call (slice it per chunk, gather the chunks' results).
 */
import { UsageError } from '../errors';
import { numel } from '../onnx/ir';
import { LOSS_KINDS } from '../autodiff/loss';
import { GradientCall, GradientResult, ModelInfo } from './types';

/** Checks n and x = [n, ...inputShape]; returns the per-sample element count. */
export function checkInput(info: ModelInfo, x: Float32Array, n: number): number {
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`n must be a non-negative integer (got ${n})`);
  if (!(x instanceof Float32Array)) throw new UsageError('x must be a Float32Array laid out as [n, ...inputShape]');
  const per = numel(info.inputShape);
  if (x.length !== n * per) {
    throw new UsageError(`x has ${x.length} elements; expected n × [${info.inputShape.join(', ')}] = ${n} × ${per} = ${n * per}`);
  }
  return per;
}

function checkClasses(what: string, v: Int32Array | undefined, n: number, C: number): void {
  if (!(v instanceof Int32Array)) throw new UsageError(`${what} must be an Int32Array of ${n} class indices`);
  if (v.length !== n) throw new UsageError(`${what} has ${v.length} entries; expected one per sample (${n})`);
  for (let i = 0; i < n; i++) {
    if (!(v[i] >= 0 && v[i] < C)) throw new UsageError(`${what}[${i}] = ${v[i]} is not a class index in [0, ${C})`);
  }
}

/** Checks labels, target and the loss name of a gradient call. */
export function checkGradientCall(info: ModelInfo, y: Int32Array, n: number, call: GradientCall): void {
  if (!LOSS_KINDS.includes(call.loss)) throw new UsageError(`unknown loss '${call.loss}'; accepted: ${LOSS_KINDS.join(', ')}`);
  checkClasses('y', y, n, info.numClasses);
  if (call.target !== undefined) checkClasses('target', call.target, n, info.numClasses);
}

/** The call options without the signal (what crosses to a worker). */
export function gradientCallData(call: GradientCall): Omit<GradientCall, 'signal'> {
  return { loss: call.loss, ...(call.target ? { target: call.target } : {}), straightThrough: !!call.straightThrough };
}

/** A chunk [start, end) of a gradient call's data; `take` copies (for transfer to a worker) or views. */
export function chunkOfCall(
  data: Omit<GradientCall, 'signal'>, start: number, end: number, take: (a: Int32Array, s: number, e: number) => Int32Array,
): Omit<GradientCall, 'signal'> {
  return { ...data, ...(data.target ? { target: take(data.target, start, end) } : {}) };
}

/** The result arrays of a gradient call of n samples, C classes and P input elements per sample. */
export function emptyGradientResult(n: number, C: number, P: number): GradientResult {
  return { logits: new Float32Array(n * C), loss: new Float32Array(n), grad: new Float32Array(n * P) };
}

/** Writes a chunk's result, computed for samples from `start`, into the whole call's result. */
export function setGradientChunk(into: GradientResult, chunk: GradientResult, start: number, C: number, P: number): void {
  into.logits.set(chunk.logits, start * C);
  into.loss.set(chunk.loss, start);
  into.grad.set(chunk.grad, start * P);
}
