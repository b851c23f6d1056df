/**
 * LayerNormalization (opset 17): y = x̂·scale + B, x̂ standardised over axes [axis, rank);
 *   dx = r·(u − mean u − x̂·mean(u·x̂)),  u = dy·scale, r = 1/sqrt(var + ε)  (normalization-common.ts)
 * The optional outputs Mean = μ and InvStdDev = r add dMean/n and −dInvStdDev·r²·x̂/n.
 */
import { attrFloat, attrInt } from '../../onnx/ir';
import { GradientRule } from '../types';
import { standardise, standardiseGrad } from './normalization-common';

export const layerNormalization: GradientRule = {
  opType: 'LayerNormalization',
  differentiable: [0],
  build: (g) => {
    const [x, scale] = [g.input(0), g.input(1)];
    const rank = g.rank(x);
    const a = attrInt(g.node, 'axis', -1);
    const axis = a < 0 ? a + rank : a;
    const axes = [...Array(rank - axis).keys()].map((k) => k + axis);
    const s = standardise(g, x, axes, attrFloat(g.node, 'epsilon', 1e-5));
    const parts: string[] = [];
    const dy = g.gradOutput(0);
    if (dy) parts.push(standardiseGrad(g, s, g.op('Mul', [dy, scale]), axes));
    // Mean/InvStdDev are in stash_type (float32 by default) even for float64 x.
    const to = g.gradDtype === 'float64' ? 11 : 1;
    const statGrad = (i: number) => {
      const d = g.gradOutput(i);
      return d && g.dtype(g.output(i)) !== g.gradDtype ? g.op('Cast', [d], { to }) : d;
    };
    const [dMean, dInv] = [statGrad(1), statGrad(2)];
    if (dMean || dInv) {
      // Both have x's shape with the normalised axes kept as 1; n = elements per statistic
      // (static unless axis 0, the dynamic batch axis, is normalised too).
      const n = axis > 0 ? g.scalar(g.shape(x).slice(axis).reduce((p, q) => p * q, 1)) : g.op('Cast', [g.op('Size', [x])], { to });
      if (dMean) parts.push(g.op('Expand', [g.op('Div', [dMean, n]), g.shapeOf(x)]));
      if (dInv) {
        const r2 = g.op('Mul', [s.invStd, s.invStd]);
        parts.push(g.op('Mul', [s.xHat, g.op('Mul', [dInv, g.op('Neg', [g.op('Div', [r2, n])])])]));
      }
    }
    return [parts.length === 1 ? parts[0] : g.op('Sum', parts)];
  },
};
