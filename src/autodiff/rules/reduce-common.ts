/** Shared by the Reduce* rules: bring a reduced gradient back to the input's shape. */
import { RuleContext } from '../types';

/** Reinserts reduced axes (when keepdims = 0) and expands dy over the input's runtime shape. */
export function expandReduced(g: RuleContext, dy: string, axes: number[], keepdims: boolean): string {
  const kept = keepdims ? dy : g.op('Unsqueeze', [dy, g.ints([...axes].sort((a, b) => a - b))]);
  return g.op('Expand', [kept, g.shapeOf(g.input(0))]);
}

/** The reduced output reshaped so that it broadcasts against the input (keepdims form). */
export function keptOutput(g: RuleContext, axes: number[], keepdims: boolean): string {
  return keepdims ? g.output(0) : g.op('Unsqueeze', [g.output(0), g.ints([...axes].sort((a, b) => a - b))]);
}
