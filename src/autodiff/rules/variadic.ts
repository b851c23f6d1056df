/** Shared by the variadic elementwise rules (Sum, Mean, Min, Max). */
import { RuleContext } from '../types';

/** Every input index a variadic op may realistically have (all are differentiable). */
export const VARIADIC_INPUTS: readonly number[] = [...Array(1024).keys()];

/**
 * Min/Max: dxᵢ = unbroadcast(dy · [xᵢ = y] / #{j : xⱼ = y}): inputs tied at the extremum share dy
 * equally (as PyTorch's torch.maximum/minimum, which split a two-way tie half-half).
 */
export function extremumGrads(g: RuleContext): string[] {
  const n = g.node.inputs.length;
  const [y, dy] = [g.output(0), g.gradOutput(0)!];
  if (n === 1) return [dy];
  const to = g.gradDtype === 'float64' ? 11 : 1;
  const hits = g.node.inputs.map((_, i) => g.op('Cast', [g.op('Equal', [g.input(i), y])], { to }));
  const share = g.op('Div', [dy, g.op('Sum', hits)]);
  return hits.map((hit, i) => g.unbroadcast(g.op('Mul', [share, hit]), g.input(i)));
}
