/**
 * Split (opset 13+: optional `split` sizes input, else equal parts, one per output): yᵢ = i-th block of x along axis;
 * dx = Concat(dyᵢ) along axis, with zeros of yᵢ's runtime shape for outputs that do not reach the loss.
 */
import { attrInt } from '../../onnx/ir';
import { GradientRule, RuleContext } from '../types';

/** Zeros in the gradient dtype with the runtime shape of forward value `like`. */
export function zerosLike(g: RuleContext, like: string): string {
  const value = g.gradDtype === 'float64' ? new Float64Array([0]) : new Float32Array([0]);
  return g.op('ConstantOfShape', [g.shapeOf(like)], { value: { tensor: { dtype: g.gradDtype, dims: [1], data: value } } });
}

export const split: GradientRule = {
  opType: 'Split',
  differentiable: [0],
  build: (g) => {
    const n = g.node.outputs.length;
    const a = attrInt(g.node, 'axis', 0);
    const axis = a < 0 ? a + g.rank(g.input(0)) : a;
    const parts = g.node.outputs.map((y, i) => g.gradOutput(i) ?? zerosLike(g, y));
    return [n === 1 ? parts[0] : g.op('Concat', parts, { axis })];
  },
};
