/** Softplus: y = ln(1 + eˣ); dx = dy · σ(x), σ the logistic sigmoid. */
import { GradientRule } from '../types';

export const softplus: GradientRule = {
  opType: 'Softplus',
  differentiable: [0],
  build: (g) => [g.op('Mul', [g.gradOutput(0)!, g.op('Sigmoid', [g.input(0)])])],
};
