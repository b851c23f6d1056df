/**
 * Converters that move axes, shapes, sizes and counts between attributes and inputs: Squeeze /
 * Unsqueeze / ReduceSum (< 13), the other reductions (18), Split, Slice, Pad, Reshape, Concat, TopK
 * and DFT.
 */
import { attrFloat, attrInt, attrInts, attrString } from '../../ir';
import { I, Is, NodeCtx, normAxis } from '../context';

/** Squeeze/Unsqueeze/ReduceSum < 13: axes attribute → int64 input. */
export function axesAttrToInput(c: NodeCtx): void {
  if (c.v >= 13) return c.keep();
  const n = c.node;
  const axes = attrInts(n, 'axes');
  c.drop('axes');
  if (axes === undefined && n.opType === 'Unsqueeze') c.fail('Unsqueeze without axes');
  c.note(`${n.opType} < 13: axes attribute → input`);
  c.final(n.opType, [n.inputs[0], axes !== undefined ? c.ints(axes) : ''], n.attributes);
}

/** Reduce ops other than ReduceSum: opset 18 moved axes to an input; 17 has the attribute. */
export function reduceAxesInputToAttr(c: NodeCtx): void {
  if (c.v < 18) return c.keep();
  const n = c.node;
  const noop = attrInt(n, 'noop_with_empty_axes', 0);
  c.drop('noop_with_empty_axes');
  let axes: number[] = [];
  if (n.inputs[1]) {
    const k = c.constInts(n.inputs[1]);
    if (!k) c.fail(`axes input '${n.inputs[1]}' is not a constant (initializer or Constant node); opset 17 needs the axes as an attribute`);
    axes = k;
  }
  if (axes.length === 0 && noop) {
    // A reduction over no axes: every element is its own group (the ONNX reference and ONNX
    // Runtime apply the op's elementwise part: |x| for L1/L2, x² for SumSquare, log x for LogSum).
    const x = n.inputs[0];
    c.note(`${n.opType} 18 with empty axes and noop_with_empty_axes=1 → elementwise equivalent`);
    switch (n.opType) {
      case 'ReduceL1': case 'ReduceL2': return c.final('Abs', [x], {});
      case 'ReduceSumSquare': return c.final('Mul', [x, x], {});
      case 'ReduceLogSum': return c.final('Log', [x], {});
      default: return c.final('Identity', [x], {});
    }
  }
  if (axes.length > 0) n.attributes.set('axes', Is(axes));
  c.note(`${n.opType} 18: axes input → attribute`);
  c.final(n.opType, [n.inputs[0]], n.attributes);
}

/** Split < 13: split attribute → input; Split 18: num_outputs dropped or made an explicit split. */
export function split(c: NodeCtx): void {
  const n = c.node;
  if (c.v < 13) {
    const s = attrInts(n, 'split');
    c.drop('split');
    const sIn = n.inputs[1] ?? ''; // Split-1 took `split` as an optional input
    if (s !== undefined) c.note('Split < 13: split attribute → input');
    return c.final('Split', [n.inputs[0], s !== undefined ? c.ints(s) : sIn], n.attributes);
  }
  if (c.v < 18) return c.keep();
  const num = attrInt(n, 'num_outputs');
  if (num === undefined) return c.keep();
  c.drop('num_outputs');
  if (n.inputs[1]) c.fail('both num_outputs and a split input are given');
  if (num !== n.outputs.length) c.fail(`num_outputs=${num} but the node has ${n.outputs.length} outputs`);
  const shape = c.dims(n.inputs[0]);
  const axisAttr = attrInt(n, 'axis', 0);
  const axis = shape ? normAxis(c, axisAttr, shape.length, 'axis') : axisAttr;
  const size = axis >= 0 ? shape?.[axis] : undefined;
  if (typeof size === 'number' && size % num !== 0) {
    const chunk = Math.ceil(size / num);
    const sizes = Array.from({ length: num }, (_, i) => Math.max(0, Math.min(chunk, size - i * chunk)));
    c.note('Split 18: uneven num_outputs split of a static axis → explicit split input');
    return c.final('Split', [n.inputs[0], c.ints(sizes)], n.attributes);
  }
  if (typeof size !== 'number') {
    c.note('Split 18: num_outputs dropped (axis size unknown statically: an uneven split fails at run time under opset 17)');
  } else {
    c.note('Split 18: num_outputs dropped (even split)');
  }
  c.final('Split', [n.inputs[0]], n.attributes);
}

/** Slice < 10: starts/ends/axes attributes → int64 inputs. */
export function slice(c: NodeCtx): void {
  if (c.v >= 10) return c.keep();
  const n = c.node;
  const starts = attrInts(n, 'starts'), ends = attrInts(n, 'ends'), axes = attrInts(n, 'axes');
  if (!starts || !ends) c.fail('starts/ends attributes missing');
  c.drop('starts', 'ends', 'axes');
  c.note('Slice < 10: starts/ends/axes attributes → inputs');
  c.final('Slice', [n.inputs[0], c.ints(starts), c.ints(ends), axes ? c.ints(axes) : ''], n.attributes);
}

/** Pad < 11: pads/value attributes → inputs; Pad 18+: axes input → full pads vector. */
export function pad(c: NodeCtx): void {
  const n = c.node;
  const mode = attrString(n, 'mode', 'constant');
  if (c.v < 11) {
    const pads = attrInts(n, c.v < 2 ? 'paddings' : 'pads') ?? attrInts(n, 'pads');
    if (!pads) c.fail('pads attribute missing');
    const value = attrFloat(n, 'value', 0);
    c.drop('pads', 'paddings', 'value');
    const cv = mode === 'constant' && value !== 0 ? c.like([value], [], n.inputs[0]) : '';
    c.note('Pad < 11: pads/value attributes → inputs');
    return c.final('Pad', [n.inputs[0], c.ints(pads), cv], n.attributes);
  }
  if (c.v < 18) return c.keep();
  if (mode === 'wrap') c.fail("mode 'wrap' (opset 19) has no opset-17 equivalent");
  const axesName = n.inputs[3] ?? '';
  if (!axesName) return c.final('Pad', n.inputs.slice(0, 3), n.attributes);
  const axes = c.constInts(axesName);
  const pads = c.constInts(n.inputs[1] ?? '');
  if (!axes) c.fail(`axes input '${axesName}' is not a constant`);
  if (!pads) c.fail(`pads input '${n.inputs[1]}' must be a constant when axes is given`);
  if (pads.length !== 2 * axes.length) c.fail(`pads has ${pads.length} values for ${axes.length} axes`);
  const rank = c.rank(n.inputs[0]);
  if (rank === undefined) c.fail(`the rank of '${n.inputs[0]}' is unknown; the opset-17 Pad needs pads for every axis (declare the input shape)`);
  const full = new Array(2 * rank).fill(0);
  axes.forEach((a, i) => {
    const ax = normAxis(c, a, rank, 'axis');
    full[ax] = pads[i];
    full[ax + rank] = pads[axes.length + i];
  });
  c.note('Pad 18: axes input → full pads vector');
  c.final('Pad', [n.inputs[0], c.ints(full), n.inputs[2] ?? ''], n.attributes);
}

/** Reshape < 5: shape attribute → input. */
export function reshape(c: NodeCtx): void {
  if (c.v >= 5) return c.keep();
  const n = c.node;
  const shape = attrInts(n, 'shape');
  if (!shape) c.fail("attribute 'shape' missing");
  c.drop('shape');
  c.note('Reshape < 5: shape attribute → input');
  c.final('Reshape', [n.inputs[0], c.ints(shape)], n.attributes);
}

/** Concat < 4: the default axis 1 made explicit. */
export function concat(c: NodeCtx): void {
  if (c.v < 4 && !c.has('axis')) {
    c.node.attributes.set('axis', I(1));
    c.note('Concat < 4: default axis 1 made explicit');
  }
  c.keep();
}

/** TopK < 10: k attribute → int64 input. */
export function topK(c: NodeCtx): void {
  if (c.v >= 10) return c.keep();
  const n = c.node;
  const k = attrInt(n, 'k');
  if (k === undefined) c.fail("attribute 'k' missing");
  c.drop('k');
  c.note('TopK < 10: k attribute → input');
  c.final('TopK', [n.inputs[0], c.ints([k])], n.attributes);
}

/** DFT 20: axis input → attribute. */
export function dft(c: NodeCtx): void {
  const n = c.node;
  if (c.v < 20) return c.keep();
  const axisName = n.inputs[2] ?? '';
  let axis = -2;
  if (axisName) {
    const a = c.constInts(axisName);
    if (!a || a.length !== 1) c.fail(`axis input '${axisName}' is not a constant scalar`);
    axis = a[0];
  }
  if (axis < 0) axis = normAxis(c, axis, c.rank(n.inputs[0]), 'axis');
  n.attributes.set('axis', I(axis));
  c.note('DFT 20: axis input → attribute');
  c.final('DFT', [n.inputs[0], n.inputs[1] ?? ''], n.attributes);
}
