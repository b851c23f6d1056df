/** Small helpers shared by several rules. */
import { UnsupportedOpError } from '../../errors';
import { codeFromDtype } from '../../onnx/dtype';
import { RuleContext } from '../types';

/** dy reshaped back to the runtime shape of input 0 (for ops that only relabel elements). */
export function reshapeToInput(g: RuleContext): string {
  return g.op('Reshape', [g.gradOutput(0)!, g.shapeOf(g.input(0))]);
}

/** Normalises possibly-negative axes against a rank. */
export function normAxes(axes: number[], rank: number): number[] {
  return axes.map((a) => (a < 0 ? a + rank : a));
}

/**
 * dy where `cond` holds, else 0, as dy · Cast(cond): ORT's Where with a broadcast scalar 0 is
 * ~2.5× slower than Cast + Mul (bench/grad_ops.ts). Identical for finite dy; where dy is ±inf
 * or NaN and `cond` is false the result is NaN (inf·0) instead of Where's 0.
 */
export function maskGrad(g: RuleContext, cond: string): string {
  const dy = g.gradOutput(0)!;
  return g.op('Mul', [dy, g.op('Cast', [cond], { to: codeFromDtype(g.gradDtype) })]);
}

/**
 * Reads a constant int input (axes, pads, ...).
 * @throws UnsupportedOpError naming op, node and input when it is computed at run time.
 */
export function constInts(g: RuleContext, inputIndex: number, what: string): number[] {
  const t = g.constant(g.input(inputIndex));
  if (!t) {
    throw new UnsupportedOpError(
      `${g.node.opType} '${g.node.name}': ${what} (input ${inputIndex}) must be a constant for differentiation`,
      { opType: g.node.opType, node: g.node.name, input: inputIndex },
    );
  }
  return Array.from(t.data as ArrayLike<number | bigint>, Number);
}
