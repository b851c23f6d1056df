/**
 * ReduceMean (axes attribute up to opset 17; absent/empty axes = all): y = Σ_axes x / n;
 *   dx = expand(dy with reduced axes kept, shape(x)) / n,  n = #elements reduced into each y.
 */
import { GradientRule } from '../types';
import { attrReduction, expandReduced } from './reduce-common';

export const reduceMean: GradientRule = {
  opType: 'ReduceMean',
  differentiable: [0],
  build: (g) => {
    const x = g.input(0);
    const { axes, keepdims } = attrReduction(g);
    const dx = expandReduced(g, g.gradOutput(0)!, axes, keepdims);
    // n is static unless the (dynamic) batch axis is reduced: then Size(x)/Size(y) at run time.
    const n = axes.includes(0)
      ? g.op('Cast', [g.op('Div', [g.op('Size', [x]), g.op('Size', [g.output(0)])])], { to: g.gradDtype === 'float64' ? 11 : 1 })
      : g.scalar(axes.reduce((p, a) => p * g.shape(x)[a], 1));
    return [g.op('Div', [dx, n])];
  },
};
