/**
 * Converters for deprecated and experimental ops (Scatter, the affine-type ops of opsets 1-9) and
 * for versions kept or rejected as a whole (ScatterElements/ND reductions, RNN output_sequence,
 * Tile-1, Scan-8).
 */
import { attrFloat, attrFloats, attrString } from '../../ir';
import { NodeCtx } from '../context';

/** Scatter (9-10, deprecated) → ScatterElements. */
export function scatter(c: NodeCtx): void {
  c.note('Scatter (deprecated) → ScatterElements');
  c.final('ScatterElements', c.node.inputs, c.node.attributes);
}

/** ScatterElements/ScatterND 18: reduction max/min rejected. */
export function scatterReduce(c: NodeCtx): void {
  const r = attrString(c.node, 'reduction', 'none');
  if (c.v >= 18 && (r === 'max' || r === 'min')) c.fail(`reduction='${r}' (opset 18) has no opset-17 equivalent`);
  c.keep();
}

/** GRU/LSTM/RNN < 7: output_sequence dropped. */
export function rnn(c: NodeCtx): void {
  if (c.v < 7 && c.has('output_sequence')) { c.drop('output_sequence'); c.note(`${c.node.opType} < 7: output_sequence dropped`); }
  c.keep();
}

/** Tile-1 (tiles/axis inputs) rejected. */
export function tile(c: NodeCtx): void {
  if (c.v < 6) c.fail('Tile-1 (tiles/axis inputs) is not supported');
  c.keep();
}

/** Scan-8 (batched, with sequence_lens) rejected. */
export function scan(c: NodeCtx): void {
  if (c.v < 9) c.fail('Scan-8 (batched, with sequence_lens) is not supported');
  c.keep();
}

/** Experimental ImageScaler → Mul/Add. */
export function imageScaler(c: NodeCtx): void {
  const n = c.node;
  const x = n.inputs[0];
  const scale = attrFloat(n, 'scale', 1);
  const bias = attrFloats(n, 'bias') ?? [];
  c.note('experimental ImageScaler → Mul/Add');
  if (bias.length === 0) return c.final('Mul', [x, c.like([scale], [], x)], {});
  const y = c.emit1('Mul', [x, c.like([scale], [], x)]);
  c.final('Add', [y, c.like(bias, [1, bias.length, 1, 1], x)], {});
}

/** Experimental Scale → Mul. */
export function scaleOp(c: NodeCtx): void {
  const x = c.node.inputs[0];
  c.note('experimental Scale → Mul');
  c.final('Mul', [x, c.like([attrFloat(c.node, 'scale', 1)], [], x)], {});
}

/** Experimental Affine → Mul/Add. */
export function affine(c: NodeCtx): void {
  const x = c.node.inputs[0];
  c.note('experimental Affine → Mul/Add');
  const ax = c.emit1('Mul', [x, c.like([attrFloat(c.node, 'alpha', 1)], [], x)]);
  c.final('Add', [ax, c.like([attrFloat(c.node, 'beta', 0)], [], x)], {});
}

/** Experimental ScaledTanh → Mul/Tanh. */
export function scaledTanh(c: NodeCtx): void {
  const x = c.node.inputs[0];
  c.note('experimental ScaledTanh → Mul/Tanh');
  const t = c.emit1('Tanh', [c.emit1('Mul', [x, c.like([attrFloat(c.node, 'beta', 1)], [], x)])]);
  c.final('Mul', [t, c.like([attrFloat(c.node, 'alpha', 1)], [], x)], {});
}

/** Experimental ParametricSoftplus → Mul/Softplus. */
export function parametricSoftplus(c: NodeCtx): void {
  const x = c.node.inputs[0];
  c.note('experimental ParametricSoftplus → Mul/Softplus');
  const t = c.emit1('Softplus', [c.emit1('Mul', [x, c.like([attrFloat(c.node, 'beta', 1)], [], x)])]);
  c.final('Mul', [t, c.like([attrFloat(c.node, 'alpha', 1)], [], x)], {});
}
