/**
 * Emit: the backward pass. Walks the forward nodes in reverse, asks each node's rule (or a
 * graph-level shortcut, shortcuts.ts) for the gradients of its inputs, sums fan-out, and
 * records every contribution as an edge for the runtime's shape checks. Rules see only the
 * RuleContext vocabulary built here; the writer owns naming.
 */
import { UnsupportedOpError } from '../../errors';
import { DType, Node, TensorValue, isFloat } from '../../onnx/ir';
import { codeFromDtype } from '../../onnx/dtype';
import { convPoolGradient } from '../conv-pool';
import { classify, supportedOps } from '../registry';
import { identity } from '../rules/identity';
import { ConvChain, findShortcuts } from '../shortcuts';
import { RuleContext } from '../types';
import type { AttrInput } from '../../onnx/graph-writer';
import { GraphWriter } from '../../onnx/graph-writer';
import { Analysis } from './analyse';
import { GradientEdge, GradientOptions, LOGITS, LOSS, X } from './types';

/**
 * Emits d(loss)/dx into `a.w`: returns the value holding it (zeros when the loss does not
 * reach x) and the gradient edges.
 * @throws UnsupportedOpError for a node on the path without a rule, or a rule without a
 *   gradient for an input that needs one.
 */
export function emitGradients(a: Analysis, options: GradientOptions): { dx: string; edges: GradientEdge[] } {
  const { cls, w, consts, forward, active, needsGrad, metaOf, gradDtype } = a;
  const grads = new Map<string, string[]>();
  const addGrad = (value: string, g: string) => grads.set(value, [...(grads.get(value) ?? []), g]);
  const gradOf = (value: string, prefix: string): string | undefined => {
    const parts = grads.get(value);
    if (!parts || parts.length === 0) return undefined;
    if (parts.length === 1) return parts[0];
    const [sum] = w.op(prefix, 'Sum', parts);
    grads.set(value, [sum]);
    return sum;
  };
  addGrad(LOSS, w.op('loss_Grad', 'ConstantOfShape', [w.op('loss_Grad', 'Shape', [LOSS])[0]], 1, {
    value: { tensor: { dtype: gradDtype, dims: [1], data: gradDtype === 'float64' ? new Float64Array([1]) : new Float32Array([1]) } },
  })[0]);

  const shortcuts = options.shortcuts === false
    ? { maskedPools: new Map<Node, Node>(), passThrough: new Set<Node>(), convPools: new Map<Node, ConvChain>() }
    : findShortcuts(forward, new Set([cls.logits, LOGITS, LOSS]));
  const edges: GradientEdge[] = [];
  for (let k = forward.length - 1; k >= 0; k--) {
    const n = forward[k];
    if (!n.outputs.some((o) => needsGrad.has(o) && grads.has(o))) continue;
    const c = classify(n.opType);
    const rule = shortcuts.passThrough.has(n) ? identity
      : c.kind === 'rule' || c.kind === 'straightThrough' ? c.rule : c.kind === 'random' ? c.rule : undefined;
    if (!rule) {
      throw new UnsupportedOpError(
        `no gradient rule for op ${n.opType} (node '${n.name}') on the input→logits path. Supported: ${supportedOps().join(', ')}`,
        { opType: n.opType, node: n.name },
      );
    }
    const prefix = `${n.name}_Grad`;
    const outDtype = metaOf(n.outputs[0]).dtype;
    const nodeGradDtype = isFloat(outDtype) ? outDtype : gradDtype;
    let gradOutput = (i: number) => gradOf(n.outputs[i], prefix);
    if (shortcuts.maskedPools.has(n)) gradOutput = positiveOutputMask(w, prefix, n.outputs[0], nodeGradDtype, gradOutput);
    const ctx = makeContext(n, prefix, w, metaOf, consts, nodeGradDtype, !!options.straightThrough, gradOutput);
    const chain = shortcuts.convPools.get(n);
    const conv = chain?.conv;
    const constantParams = (m?: Node) => !m || !m.inputs.slice(1).some((i) => active.has(i));
    if (chain && conv && needsGrad.has(conv.inputs[0]) && constantParams(conv) && constantParams(chain.batchNorm)) {
      const on = (m: Node) => makeContext(m, prefix, w, metaOf, consts, nodeGradDtype, !!options.straightThrough, () => undefined);
      const dx = convPoolGradient(ctx, on(conv), chain.batchNorm && on(chain.batchNorm));
      if (dx) {
        // The nodes between get no gradient on their outputs, so the walk skips them.
        addGrad(conv.inputs[0], dx);
        edges.push({ node: conv.name, opType: conv.opType, inputIndex: 0, forward: conv.inputs[0] === X ? cls.input : conv.inputs[0], gradient: dx });
        continue;
      }
    }
    const result = rule.build(ctx);
    n.inputs.forEach((inp, i) => {
      if (!inp || !needsGrad.has(inp)) return;
      const g = result[i];
      if (!rule.differentiable.includes(i) || g === undefined) {
        throw new UnsupportedOpError(
          `op ${n.opType} (node '${n.name}'): input ${i} ('${inp}') depends on the model input, but the rule has no gradient for it`,
          { opType: n.opType, node: n.name, input: i },
        );
      }
      addGrad(inp, g);
      edges.push({ node: n.name, opType: n.opType, inputIndex: i, forward: inp === X ? cls.input : inp, gradient: g });
    });
  }
  let dx = gradOf(X, 'x_Grad');
  if (!dx) dx = w.op('x_Grad', 'Mul', [X, w.scalar('x_Grad', 0, gradDtype)])[0];
  return { dx, edges };
}

/**
 * gradOutput with output 0's gradient multiplied by [out > 0] (a Relu mask moved to this node's output,
 * shortcuts.ts), emitted once on first use. Cast + Mul: ORT's Where with a broadcast 0 is slower.
 */
function positiveOutputMask(
  w: GraphWriter, prefix: string, out: string, dtype: DType, gradOutput: (i: number) => string | undefined,
): (i: number) => string | undefined {
  let masked: string | undefined;
  return (i) => {
    const dy = gradOutput(i);
    if (i !== 0 || !dy) return dy;
    if (!masked) {
      const [positive] = w.op(prefix, 'Greater', [out, w.scalar(prefix, 0, dtype)]);
      const [mask] = w.op(prefix, 'Cast', [positive], 1, { to: codeFromDtype(dtype) });
      [masked] = w.op(prefix, 'Mul', [dy, mask]);
    }
    return masked;
  };
}

function makeContext(
  node: Node, prefix: string, w: GraphWriter,
  metaOf: (name: string) => { dtype: DType; shape: number[] },
  consts: Map<string, TensorValue>, gradDtype: DType, straightThrough: boolean,
  gradOutput: (i: number) => string | undefined,
): RuleContext {
  const shapeCache = new Map<string, string>();
  const ctx: RuleContext = {
    node,
    gradDtype,
    straightThrough,
    input: (i) => node.inputs[i] ?? '',
    hasInput: (i) => !!node.inputs[i],
    output: (i) => node.outputs[i],
    gradOutput,
    shape: (name) => metaOf(name).shape,
    rank: (name) => metaOf(name).shape.length,
    dtype: (name) => metaOf(name).dtype,
    constant: (name) => consts.get(name) ?? w.initializers.get(name),
    op: (opType, inputs, attrs?: Record<string, AttrInput>) => w.op(prefix, opType, inputs, 1, attrs)[0],
    opN: (opType, inputs, n, attrs?: Record<string, AttrInput>) => w.op(prefix, opType, inputs, n, attrs),
    scalar: (value, dtype = gradDtype) => w.scalar(prefix, value, dtype),
    floats: (values, dims, dtype = gradDtype) =>
      w.constant(prefix, { dtype, dims, data: dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values) }),
    ints: (values) => w.ints(prefix, values),
    shapeOf: (name) => {
      let s = shapeCache.get(name);
      if (!s) shapeCache.set(name, (s = w.op(prefix, 'Shape', [name])[0]));
      return s;
    },
    unbroadcast: (grad, like) => unbroadcast(ctx, grad, like),
  };
  return ctx;
}

/** Sums a gradient of the node's output shape down to the shape of forward value `like`. */
function unbroadcast(g: RuleContext, grad: string, like: string): string {
  const out = g.shape(g.output(0));
  const inp = g.shape(like);
  const lead = out.length - inp.length;
  const axes: number[] = [];
  for (let k = 0; k < out.length; k++) {
    if (k < lead || (inp[k - lead] === 1 && out[k] !== 1)) axes.push(k);
  }
  if (axes.length === 0 && lead === 0) return grad;
  const summed = axes.length ? g.op('ReduceSum', [grad, g.ints(axes)], { keepdims: 1 }) : grad;
  return g.op('Reshape', [summed, g.shapeOf(like)]);
}
