/** Shared by the Reduce* rules: which axes a node reduces, and bringing a reduced gradient back to the input's shape. */
import { attrInt, attrInts } from '../../onnx/ir';
import { RuleContext } from '../types';
import { normAxes } from './common';

/**
 * The axes a Reduce* node with the `axes` attribute (opset ≤ 17) reduces, normalised and in the
 * given order (absent or empty: all of x's axes), and whether it keeps them (keepdims, default 1).
 */
export function attrReduction(g: RuleContext): { axes: number[]; keepdims: boolean } {
  const rank = g.rank(g.input(0));
  const given = attrInts(g.node, 'axes');
  const axes = given && given.length ? normAxes(given, rank) : [...Array(rank).keys()];
  return { axes, keepdims: attrInt(g.node, 'keepdims', 1) === 1 };
}

/** Reinserts reduced axes (when keepdims = 0) and expands dy over the input's runtime shape. */
export function expandReduced(g: RuleContext, dy: string, axes: number[], keepdims: boolean): string {
  const kept = keepdims ? dy : g.op('Unsqueeze', [dy, g.ints([...axes].sort((a, b) => a - b))]);
  return g.op('Expand', [kept, g.shapeOf(g.input(0))]);
}

/** The reduced output reshaped so that it broadcasts against the input (keepdims form). */
export function keptOutput(g: RuleContext, axes: number[], keepdims: boolean): string {
  return keepdims ? g.output(0) : g.op('Unsqueeze', [g.output(0), g.ints([...axes].sort((a, b) => a - b))]);
}
