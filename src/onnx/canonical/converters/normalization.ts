/**
 * Converters for normalisation and dropout: BatchNormalization (spatial, is_test, training
 * outputs), Dropout (ratio, mask), the GroupNormalization decomposition, MeanVarianceNormalization.
 */
import { attrFloat, attrInt } from '../../ir';
import { codeFromDtype } from '../../dtype';
import { I, Is, NodeCtx } from '../context';

/** BatchNormalization < 14: spatial, is_test and unused training outputs dropped. */
export function batchNorm(c: NodeCtx): void {
  const n = c.node;
  if (c.v >= 14) return c.keep();
  if (c.v < 9) {
    const spatial = attrInt(n, 'spatial', 1);
    if (spatial !== 1) c.fail(`spatial=${spatial} (per-activation normalisation) has no opset-17 equivalent; only spatial=1 is supported`);
    if (c.has('spatial')) c.note('BatchNormalization < 9: spatial=1 dropped');
    c.drop('spatial');
  }
  if (c.v < 7 && n.attributes.has('is_test')) {
    if (attrInt(n, 'is_test', 0) === 0) c.note(`BatchNormalization '${n.name}': is_test=0 (training mode) — run as inference with the stored statistics`);
    c.drop('is_test');
  }
  const extra = n.outputs.slice(1).filter(Boolean);
  const usedExtra = extra.filter((o) => c.used(o));
  if (usedExtra.length > 0) c.fail(`training-mode outputs (${usedExtra.join(', ')}) are used; only inference BatchNormalization is supported`);
  for (const o of extra) c.dropValueInfo(o);
  if (extra.length > 0) c.note('BatchNormalization < 14: unused training outputs dropped');
  c.final('BatchNormalization', n.inputs, n.attributes, [n.outputs[0]]);
}

/** Dropout < 12: is_test dropped, ratio attribute → input, a used mask of Dropout < 10 cast back. */
export function dropout(c: NodeCtx): void {
  const n = c.node;
  if (c.v >= 12) return c.keep();
  if (c.v < 7 && n.attributes.has('is_test')) {
    if (attrInt(n, 'is_test', 0) === 0) c.note(`Dropout '${n.name}': is_test=0 (training mode) — run as inference (identity)`);
    c.drop('is_test');
  }
  const ratio = attrFloat(n, 'ratio');
  c.drop('ratio');
  const inputs = [n.inputs[0], ratio !== undefined ? c.floats([ratio], []) : ''];
  const mask = n.outputs[1] ?? '';
  c.note('Dropout < 12: ratio attribute → input');
  if (!mask || !c.used(mask)) {
    if (mask) c.dropValueInfo(mask);
    return c.final('Dropout', inputs, n.attributes, [n.outputs[0]]);
  }
  c.note('Dropout < 12: the inference mask is all true at opset 12 (ONNX Runtime\'s opset 7-11 kernels return all false)');
  if (c.v >= 10) return c.final('Dropout', inputs, n.attributes);
  // Dropout < 10 had a mask of the data type; since 10 it is bool.
  const d = c.dtype(n.inputs[0]);
  if (!d) c.fail(`the mask output '${mask}' is used and the data type of '${n.inputs[0]}' is unknown`);
  const boolMask = c.fresh('mask');
  c.final('Dropout', inputs, n.attributes, [n.outputs[0], boolMask]);
  c.emitTo('Cast', [boolMask], { to: I(codeFromDtype(d)) }, [mask]);
  c.note('Dropout < 10: used mask output cast from bool back to the data type');
}

/** GroupNormalization 18/21 → Reshape/ReduceMean/normalise with per-group or per-channel affine. */
export function groupNorm(c: NodeCtx): void {
  const n = c.node;
  const [x, scale, bias] = n.inputs;
  const groups = attrInt(n, 'num_groups');
  if (groups === undefined) c.fail("attribute 'num_groups' missing");
  const eps = attrFloat(n, 'epsilon', 1e-5);
  const stash = c.v >= 21 ? attrInt(n, 'stash_type', 1) : 0;
  const xd = c.dtype(x);
  const stashCast = stash === 1 && xd !== 'float32';
  if (stash !== 0 && stash !== 1) c.fail(`stash_type=${stash} is not supported`);
  let xs = x;
  if (stashCast) xs = c.emit1('Cast', [x], { to: I(1) });
  const x3 = c.emit1('Reshape', [xs, c.ints([0, groups, -1])]);
  const mean = c.emit1('ReduceMean', [x3], { axes: Is([2]), keepdims: I(1) });
  const d = c.emit1('Sub', [x3, mean]);
  const variance = c.emit1('ReduceMean', [c.emit1('Mul', [d, d])], { axes: Is([2]), keepdims: I(1) });
  const epsName = stashCast ? c.floats([eps], []) : c.like([eps], [], x);
  let norm = c.emit1('Div', [d, c.emit1('Sqrt', [c.emit1('Add', [variance, epsName])])]);
  if (stashCast) norm = xd ? c.emit1('Cast', [norm], { to: I(codeFromDtype(xd)) }) : c.emit1('CastLike', [norm, x]);
  const col = (t: string) => c.emit1('Unsqueeze', [t, c.ints([1])]);
  let y: string;
  if (c.v >= 21) {
    // per-channel affine in a [N, C, -1] view
    const nc = c.emit1('Slice', [c.emit1('Shape', [x]), c.ints([0]), c.ints([2])]);
    const view = c.emit1('Reshape', [norm, c.emit1('Concat', [nc, c.ints([-1])], { axis: I(0) })]);
    y = c.emit1('Add', [c.emit1('Mul', [view, col(scale)]), col(bias)]);
  } else {
    // opset 18: scale and bias are per group
    y = c.emit1('Add', [c.emit1('Mul', [norm, col(scale)]), col(bias)]);
  }
  c.note(`GroupNormalization-${c.v} decomposed (${c.v >= 21 ? 'per-channel' : 'per-group'} scale/bias)`);
  c.final('Reshape', [y, c.emit1('Shape', [x])], {});
}

/** MeanVarianceNormalization: the experimental op (before opset 9) is rejected. */
export function mvn(c: NodeCtx): void {
  if (c.v === 0) c.fail('experimental MeanVarianceNormalization (before opset 9) is not supported');
  c.keep();
}
