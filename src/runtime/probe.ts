/**
 * Shape information by a probe run: every intermediate value becomes a graph output and the
 * model runs once on a small synthetic batch. Chosen over per-op shape inference because it
 * is exact for every op ONNX Runtime supports (including odd exports: opset 8/9, Shape→
 * Gather→Concat chains, data-dependent reshapes) with no per-op shape functions to keep in
 * step with the rules; it costs one forward pass at batch 2.
 */
import { ModelError } from '../errors';
import { Model, numel } from '../onnx/ir';
import { encodeModel } from '../onnx/encode';
import { ShapeInfo } from '../onnx/shapes';
import { Session, SessionOptions } from './session';
import { HostTensor } from './tensor';

/** Largest tensor whose value the probe records (small shape/index/pad tensors are what rules need). */
export const PROBE_VALUE_LIMIT = 4096;

/** Batch size used by the probe when dim 0 is free: 2 so that batch axes differ from broadcast axes of size 1. */
export const PROBE_BATCH = 2;

export interface ProbeOptions extends SessionOptions {
  /** Concrete input shape (including batch dim); default: declared shape, free dim 0 → PROBE_BATCH. */
  inputShape?: number[];
  /** Value fed everywhere (default 0.5: inside [0,1] and away from ReLU kinks at 0). */
  fill?: number;
}

/** The concrete input shape the probe uses (throws if a non-batch dim is symbolic and no shape is given). */
export function probeInputShape(model: Model, given?: number[]): number[] {
  if (given) return given;
  const inp = model.graph.inputs[0];
  if (!inp?.shape) throw new ModelError(`input '${inp?.name}' has no declared shape; pass the data's shape`);
  return inp.shape.map((d, i) => {
    if (typeof d === 'number') return d;
    if (i === 0) return PROBE_BATCH;
    throw new ModelError(`input '${inp.name}' has a free dimension ${i} ('${d ?? '?'}'); pass the data's shape`);
  });
}

/** Runs the probe and returns dtype and shape of every value (inputs, initializers, node outputs). */
export async function probeShapes(model: Model, opts: ProbeOptions = {}): Promise<ShapeInfo> {
  const g = model.graph;
  const inp = g.inputs[0];
  const shape = probeInputShape(model, opts.inputShape);
  const names = [...new Set(g.nodes.flatMap((n) => n.outputs).filter(Boolean))];
  const probe: Model = {
    ...model,
    graph: { ...g, outputs: names.map((name) => ({ name, dtype: 'float32' })), valueInfo: new Map() },
  };
  // Outputs are written untyped: ORT infers their types.
  const bytes = encodeModel(probe, { untypedOutputs: true });
  const session = await Session.create(bytes, { ...opts, optimization: 'disabled' });
  const n = numel(shape);
  const data = inp.dtype === 'float64' ? new Float64Array(n).fill(opts.fill ?? 0.5) : new Float32Array(n).fill(opts.fill ?? 0.5);
  let out: Record<string, HostTensor>;
  try {
    out = await session.run({ [inp.name]: { dtype: inp.dtype, dims: shape, data } });
  } finally {
    await session.release();
  }
  const info: ShapeInfo = new Map();
  info.set(inp.name, { dtype: inp.dtype, shape });
  for (const [k, t] of g.initializers) info.set(k, { dtype: t.dtype, shape: t.dims });
  for (const [k, t] of Object.entries(out)) {
    const value = t.data.length <= PROBE_VALUE_LIMIT ? { dtype: t.dtype, dims: t.dims, data: t.data.slice() } : undefined;
    info.set(k, { dtype: t.dtype, shape: t.dims, value });
  }
  return info;
}
