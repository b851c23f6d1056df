/**
 * Gradient shape verification: one probe run of a freshly built gradient graph with every
 * rule output (GradientModel.edges[].gradient) and its forward value exposed as graph
 * outputs. Each gradient must have exactly its forward value's shape; a mismatch is a bug
 * in a gradient rule (broadcasting usually hides it until some model trips over it), so it
 * is reported as a non-operational error naming op, node and input index.
 */
import { GauntletError, InternalError, RuntimeFailure } from '../errors';
import { numel } from '../onnx/ir';
import { encodeModel } from '../onnx/encode';
import { GradientModel } from '../autodiff/builder';
import { ShapeInfo } from '../onnx/shapes';
import { Session, SessionOptions } from '../runtime/session';
import { HostTensor } from '../runtime/tensor';

/** A rule produced a gradient whose shape differs from its forward value's. */
export class GradientShapeError extends GauntletError {
  constructor(message: string, details: Record<string, unknown>) {
    super(message, 'gradient_shape_mismatch', 500, false, details);
  }
}

const fmt = (s: readonly number[]) => `[${s.join(', ')}]`;

/**
 * Runs the check. `shapes` are the probe shapes of the forward model the gradient graph
 * was built from. Resolves when every edge matches; throws GradientShapeError otherwise.
 */
export async function verifyGradientShapes(gm: GradientModel, shapes: ShapeInfo, opts: SessionOptions = {}): Promise<{ edges: number }> {
  const g = gm.model.graph;
  const xMeta = shapes.get(gm.classifier.input);
  if (!xMeta) throw new InternalError(`verifyGradientShapes: no probe shape for the input '${gm.classifier.input}'`);
  const batch = gm.classifier.batched ? xMeta.shape[0] : 1;
  const local = (v: string) => (v === gm.classifier.input ? gm.io.x : v);
  const known = new Map<string, number[]>([[gm.io.x, xMeta.shape]]);
  for (const [k, t] of g.initializers) known.set(k, t.dims);
  const graphInputs = new Set(g.inputs.map((v) => v.name));
  const exposed = new Set(g.outputs.map((v) => v.name));
  const extra: string[] = [];
  for (const e of gm.edges) {
    for (const v of [e.gradient, local(e.forward)]) {
      if (known.has(v) || graphInputs.has(v) || exposed.has(v)) continue;
      exposed.add(v);
      extra.push(v);
    }
  }
  const probe = { ...gm.model, graph: { ...g, outputs: [...g.outputs, ...extra.map((name) => ({ name, dtype: xMeta.dtype }))] } };
  const C = gm.classifier.numClasses;
  const feeds: Record<string, HostTensor> = {
    [gm.io.x]: { dtype: xMeta.dtype, dims: xMeta.shape, data: (xMeta.dtype === 'float64' ? new Float64Array(numel(xMeta.shape)) : new Float32Array(numel(xMeta.shape))).fill(0.5) },
    [gm.io.labels]: { dtype: 'int64', dims: [batch], data: new BigInt64Array(batch) },
  };
  if (gm.io.target) feeds[gm.io.target] = { dtype: 'int64', dims: [batch], data: new BigInt64Array(batch).fill(BigInt(1 % C)) };
  let out: Record<string, HostTensor>;
  const session = await Session.create(encodeModel(probe, { untypedOutputs: true }), { ...opts, optimization: 'disabled' });
  try {
    out = await session.run(feeds);
  } catch (e) {
    throw new RuntimeFailure(`gradient verification: the gradient graph failed to run (a rule emitted inconsistent shapes?): ${(e as Error).message}`);
  } finally {
    await session.release();
  }
  const shapeOf = (v: string) => known.get(v) ?? out[v]?.dims;
  for (const e of gm.edges) {
    const gs = shapeOf(e.gradient);
    const fs = shapeOf(local(e.forward));
    if (!gs || !fs) continue;
    if (gs.length !== fs.length || gs.some((d, i) => d !== fs[i])) {
      throw new GradientShapeError(
        `gradient rule bug: op ${e.opType} (node '${e.node}'), input ${e.inputIndex} ('${e.forward}'): ` +
          `the gradient has shape ${fmt(gs)} but the value has shape ${fmt(fs)}`,
        { opType: e.opType, node: e.node, inputIndex: e.inputIndex, forward: e.forward, gradientShape: gs, valueShape: fs },
      );
    }
  }
  return { edges: gm.edges.length };
}
