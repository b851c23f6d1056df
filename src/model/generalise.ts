/**
 * Batch generalisation. Many exports (every VNN-COMP network, MATLAB, old torch) declare a
 * FIXED batch of 1 although nothing in the graph depends on it. Rewriting dim 0 of the
 * input and output to a symbolic 'N' (and forgetting intermediate shapes) lets one ORT call
 * process many samples. Whether that is sound is decided empirically: the rewritten model
 * must run at batch > 1 and agree with per-sample runs of the original on random inputs.
 * Graphs that bake the batch into a Reshape ([1, -1]) or reduce over dim 0 fail the check
 * and run one sample per call instead.
 */
import { Dim, Model, numel } from '../onnx/ir';
import { encodeModel } from '../onnx/encode';
import { Session, SessionOptions } from '../runtime/session';
import { HostData } from '../runtime/tensor';
import { mulberry32 } from '../util/random';

/** How a model processes several samples: natively (free dim 0), after rewriting dim 0, or one at a time. */
export type BatchMode = 'dynamic' | 'generalised' | 'perSample';

/** Largest relative difference accepted between batched and per-sample outputs. */
export const AGREEMENT_TOLERANCE = 1e-5;
/** Number of random samples compared. */
export const AGREEMENT_SAMPLES = 3;

/** Whether the model's (single) input already has a free batch dimension 0 (rank ≥ 2, dim 0 symbolic or unknown). */
export function hasFreeBatch(model: Model): boolean {
  const s = model.graph.inputs[0]?.shape;
  return !!s && s.length > 1 && (typeof s[0] === 'string' || s[0] === null);
}

/**
 * The model with dim 0 of its input and first output rewritten to 'N', other outputs and
 * every intermediate value_info left without a shape. Undefined when the input does not
 * declare a batch of exactly 1 at rank ≥ 2, or the first output declares a shape that
 * cannot carry a batch dim (rank < 2 or a fixed dim 0 other than 1).
 */
export function withSymbolicBatch(model: Model): Model | undefined {
  const g = model.graph;
  const inp = g.inputs[0];
  const out = g.outputs[0];
  if (g.inputs.length !== 1 || !inp?.shape || inp.shape.length < 2 || inp.shape[0] !== 1) return undefined;
  // An undeclared output shape is allowed: the probe at batch 2 checks the output's dim 0.
  if (!out || (out.shape && (out.shape.length < 2 || (typeof out.shape[0] === 'number' && out.shape[0] !== 1)))) return undefined;
  const batched = (s: Dim[]): Dim[] => ['N', ...s.slice(1)];
  const valueInfo = new Map([...g.valueInfo].map(([k, v]) => [k, { name: v.name, dtype: v.dtype }]));
  return {
    ...model,
    graph: {
      ...g,
      inputs: [{ ...inp, shape: batched(inp.shape) }],
      outputs: g.outputs.map((v, i) => (i === 0 && v.shape ? { ...v, shape: batched(v.shape) } : { name: v.name, dtype: v.dtype })),
      valueInfo,
    },
  };
}

/** Outcome of the batched-vs-per-sample comparison. */
export interface Agreement {
  ok: boolean;
  /** max |batched − single| / max(|single|) over all compared outputs. */
  maxRelErr: number;
  /** Why the check failed (ORT error text or the error figure). */
  reason?: string;
}


/**
 * Runs `candidate` on AGREEMENT_SAMPLES random samples (uniform [0,1), seeded) in one batch
 * and `original` on each alone; both on their first output. `sampleShape` is the original's
 * concrete input shape (leading 1 included).
 */
export async function batchedAgrees(
  candidate: Model, original: Model, sampleShape: number[], opts: SessionOptions & { seed?: number } = {},
): Promise<Agreement> {
  const inp = original.graph.inputs[0];
  const k = AGREEMENT_SAMPLES;
  const per = numel(sampleShape);
  const rand = mulberry32(opts.seed ?? 0x5eed);
  const alloc = (n: number): Float32Array | Float64Array => (inp.dtype === 'float64' ? new Float64Array(n) : new Float32Array(n));
  const x = alloc(k * per);
  for (let i = 0; i < x.length; i++) x[i] = rand();
  const sopts: SessionOptions = { provider: 'cpu', intraOpThreads: opts.intraOpThreads, quiet: true };
  let batched: Session | undefined;
  let single: Session | undefined;
  try {
    batched = await Session.create(encodeModel(candidate), sopts);
    single = await Session.create(encodeModel(original), sopts);
    const outName = original.graph.outputs[0].name;
    const all = await batched.run({ [inp.name]: { dtype: inp.dtype, dims: [k, ...sampleShape.slice(1)], data: x } }, [outName]);
    const got = all[outName].data;
    if (got.length % k !== 0) return { ok: false, maxRelErr: Infinity, reason: `batched output has ${got.length} elements for ${k} samples` };
    const stride = got.length / k;
    let maxDiff = 0;
    let maxRef = 0;
    for (let s = 0; s < k; s++) {
      const xs = x.subarray(s * per, (s + 1) * per);
      const ref = (await single.run({ [inp.name]: { dtype: inp.dtype, dims: sampleShape, data: xs.slice() as HostData } }, [outName]))[outName].data;
      if (ref.length !== stride) return { ok: false, maxRelErr: Infinity, reason: `batched output has ${stride} elements per sample, the original ${ref.length}` };
      for (let j = 0; j < stride; j++) {
        const a = Number(got[s * stride + j]);
        const b = Number(ref[j]);
        maxDiff = Math.max(maxDiff, Math.abs(a - b));
        maxRef = Math.max(maxRef, Math.abs(b));
      }
    }
    const maxRelErr = maxDiff / Math.max(maxRef, 1e-12);
    if (!(maxRelErr <= AGREEMENT_TOLERANCE)) {
      return { ok: false, maxRelErr, reason: `batched and per-sample outputs differ (relative error ${maxRelErr.toExponential(2)})` };
    }
    return { ok: true, maxRelErr };
  } catch (e) {
    return { ok: false, maxRelErr: Infinity, reason: (e as Error).message.split('\n')[0] };
  } finally {
    await batched?.release();
    await single?.release();
  }
}
