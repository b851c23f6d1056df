/**
 * Converters for elementwise and activation ops: legacy broadcasting (< 7), PRelu's per-channel
 * slope, Gemm, Clip attributes, Softmax-family 2-D coercion (< 13), and the Gelu (20) and Mish (18)
 * decompositions.
 */
import { attrFloat, attrInt, attrString } from '../../ir';
import { I, NodeCtx } from '../context';

/** Add/Sub/Mul/Div/Pow/And/Or/Xor/Equal/Greater/Less < 7: legacy `broadcast`/`axis` → numpy broadcasting. */
export function legacyBroadcast(c: NodeCtx): void {
  if (c.v >= 7) return c.keep();
  const n = c.node;
  const broadcast = attrInt(n, 'broadcast', 0);
  const axis = attrInt(n, 'axis');
  c.drop('broadcast', 'axis');
  if (!broadcast || axis === undefined) {
    // Same shapes, or suffix matching: both are numpy broadcasting.
    c.note(`${n.opType} < 7: legacy broadcast attributes dropped (numpy broadcasting is equivalent)`);
    return c.keep();
  }
  const [a, b] = n.inputs;
  const ra = c.rank(a), rb = c.rank(b);
  if (ra === undefined || rb === undefined) {
    c.fail(`legacy broadcast with axis=${axis} needs the ranks of both inputs ('${a}': ${ra ?? 'unknown'}, '${b}': ${rb ?? 'unknown'}); declare their shapes`);
  }
  const ax = axis < 0 ? axis + ra : axis;
  const trailing = ra - ax - rb;
  if (ax < 0 || trailing < 0) c.fail(`legacy broadcast of a rank-${rb} operand at axis ${axis} of a rank-${ra} operand is impossible`);
  let b2 = b;
  if (trailing > 0) {
    const init = c.facts.ownInitializers.has(b) ? c.constValue(b) : undefined;
    if (init) {
      b2 = c.constant('broadcast', { dtype: init.dtype, dims: [...init.dims, ...Array(trailing).fill(1)], data: init.data });
    } else {
      b2 = c.emit1('Unsqueeze', [b, c.ints(Array.from({ length: trailing }, (_, i) => rb + i))]);
    }
  }
  c.note(`${n.opType} < 7: legacy broadcast at an axis rewritten as numpy broadcasting`);
  c.final(n.opType, [a, b2], n.attributes);
}

/** Gemm < 7: `broadcast` dropped. */
export function gemm(c: NodeCtx): void {
  if (c.v < 7 && c.has('broadcast')) {
    c.drop('broadcast');
    c.note('Gemm < 7: broadcast attribute dropped (numpy broadcasting of C is equivalent)');
  }
  c.keep();
}

/** PRelu < 7: a 1-D per-channel slope gets trailing 1-dims for numpy broadcasting. */
export function prelu(c: NodeCtx): void {
  if (c.v >= 7) return c.keep();
  const n = c.node;
  const [x, slope] = n.inputs;
  const sd = c.dims(slope);
  if (!sd) c.fail(`the shape of slope '${slope}' is unknown; PRelu < 7 broadcasts a 1-D slope per channel`);
  if (sd.length !== 1) return c.keep(); // scalar, or already shaped like (a suffix of) the input
  const rx = c.rank(x);
  if (rx === undefined) c.fail(`the rank of '${x}' is unknown; PRelu < 7 applies a 1-D slope per channel (declare the input shape)`);
  if (rx <= 2) return c.keep();
  const init = c.facts.ownInitializers.has(slope) ? c.constValue(slope) : undefined;
  const slope2 = init
    ? c.constant('slope', { dtype: init.dtype, dims: [...init.dims, ...Array(rx - 2).fill(1)], data: init.data })
    : c.emit1('Unsqueeze', [slope, c.ints(Array.from({ length: rx - 2 }, (_, i) => i + 1))]);
  c.note('PRelu < 7: per-channel slope reshaped for numpy broadcasting');
  c.final('PRelu', [x, slope2], n.attributes);
}

/** Clip < 11: min/max attributes → scalar inputs in the input's dtype. */
export function clip(c: NodeCtx): void {
  if (c.v >= 11) return c.keep();
  const n = c.node;
  const min = attrFloat(n, 'min'), max = attrFloat(n, 'max');
  c.drop('min', 'max');
  c.note('Clip < 11: min/max attributes → inputs');
  c.final('Clip', [
    n.inputs[0],
    min !== undefined ? c.like([min], [], n.inputs[0]) : '',
    max !== undefined ? c.like([max], [], n.inputs[0]) : '',
  ], n.attributes);
}

/** Softmax/LogSoftmax/Hardmax < 13: 2-D coercion at `axis` → Flatten → op(axis=-1) → Reshape. */
export function softmaxLike(c: NodeCtx): void {
  const n = c.node;
  if (c.v >= 13) return c.keep();
  const axis = attrInt(n, 'axis', 1);
  const x = n.inputs[0];
  const rank = c.rank(x);
  const last = axis === -1 || (rank !== undefined && axis === rank - 1);
  if (last) {
    c.note(`${n.opType} < 13 over the last axis → ${n.opType}(axis=-1)`);
    return c.final(n.opType, [x], { axis: I(-1) });
  }
  const flat = c.emit1('Flatten', [x], { axis: I(axis) });
  const y = c.emit1(n.opType, [flat], { axis: I(-1) });
  c.note(`${n.opType} < 13 (2-D coercion) → Flatten → ${n.opType}(axis=-1) → Reshape`);
  c.final('Reshape', [y, c.emit1('Shape', [x])], {});
}

/** Gelu 20 → its Erf or Tanh decomposition. */
export function gelu(c: NodeCtx): void {
  const n = c.node;
  const x = n.inputs[0];
  const approx = attrString(n, 'approximate', 'none');
  const k = (v: number) => c.like([v], [], x);
  let inner: string;
  if (approx === 'none') {
    inner = c.emit1('Erf', [c.emit1('Mul', [x, k(Math.SQRT1_2)])]);
  } else if (approx === 'tanh') {
    const x3 = c.emit1('Mul', [c.emit1('Mul', [x, x]), x]);
    const s = c.emit1('Add', [x, c.emit1('Mul', [x3, k(0.044715)])]);
    inner = c.emit1('Tanh', [c.emit1('Mul', [s, k(Math.sqrt(2 / Math.PI))])]);
  } else c.fail(`approximate='${approx}' is not 'none' or 'tanh'`);
  const half = c.emit1('Mul', [x, k(0.5)]);
  c.note(`Gelu (approximate=${approx}) decomposed`);
  c.final('Mul', [half, c.emit1('Add', [inner, k(1)])], {});
}

/** Mish 18 → x·tanh(softplus(x)). */
export function mish(c: NodeCtx): void {
  const x = c.node.inputs[0];
  c.note('Mish decomposed to x·tanh(softplus(x))');
  c.final('Mul', [x, c.emit1('Tanh', [c.emit1('Softplus', [x])])], {});
}

/** ThresholdedRelu: the experimental op (opsets 1-9) kept as ThresholdedRelu-10. */
export function thresholdedRelu(c: NodeCtx): void {
  if (c.v === 0) c.note('experimental ThresholdedRelu kept as ThresholdedRelu-10 (same semantics)');
  c.keep();
}
