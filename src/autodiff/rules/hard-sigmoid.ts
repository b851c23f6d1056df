/**
 * HardSigmoid: y = max(0, min(1, α·x + β)) (α = 0.2, β = 0.5); dx = α·dy where 0 < α·x + β < 1, else 0
 * (strictly inside, as PyTorch's hardsigmoid_backward).
 */
import { attrFloat } from '../../onnx/ir';
import { GradientRule } from '../types';

export const hardSigmoid: GradientRule = {
  opType: 'HardSigmoid',
  differentiable: [0],
  build: (g) => {
    const [x, dy] = [g.input(0), g.gradOutput(0)!];
    const alpha = attrFloat(g.node, 'alpha', 0.2);
    const beta = attrFloat(g.node, 'beta', 0.5);
    const dt = g.dtype(x);
    const z = g.op('Add', [g.op('Mul', [x, g.scalar(alpha, dt)]), g.scalar(beta, dt)]);
    const inside = g.op('And', [g.op('Greater', [z, g.scalar(0, dt)]), g.op('Less', [z, g.scalar(1, dt)])]);
    return [g.op('Where', [inside, g.op('Mul', [dy, g.scalar(alpha)]), g.scalar(0)])];
  },
};
