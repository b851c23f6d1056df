/**
 * Dropout: inference y = x, dx = dy; training y = x · m / (1 − r) with a random mask m, dx = dy · m / (1 − r).
 * m is the node's mask output when it has one; otherwise m = [y ≠ 0], exact except where x = 0
 * (measure zero; after a Relu those points get no gradient from the Relu anyway).
 */
import { Node, TensorValue, elementAsNumber } from '../../onnx/ir';
import { GradientRule } from '../types';
import { castTo } from './step-common';

/**
 * Whether a Dropout node samples a mask: false when training_mode (input 2) is absent or the
 * constant false, true when it is the constant true, undefined when only known at run time.
 */
export function dropoutTraining(node: Node, constant: (name: string) => TensorValue | undefined): boolean | undefined {
  const mode = node.inputs[2];
  if (!mode) return false;
  const t = constant(mode);
  return t ? elementAsNumber(t, 0) !== 0 : undefined;
}

export const dropout: GradientRule = {
  opType: 'Dropout',
  differentiable: [0],
  build: (g) => {
    const dy = g.gradOutput(0)!;
    const training = dropoutTraining(g.node, g.constant);
    if (training === false) return [dy];
    // Scale 1 / (1 − r); r (input 1) defaults to 0.5; a computed (or float16) r is read at run time.
    const c = g.hasInput(1) ? g.constant(g.input(1)) : undefined;
    const r = !g.hasInput(1) ? 0.5 : c && (c.dtype === 'float32' || c.dtype === 'float64') ? elementAsNumber(c, 0) : undefined;
    const scale = r !== undefined
      ? g.scalar(1 / (1 - r))
      : g.op('Div', [g.scalar(1), g.op('Sub', [g.scalar(1), castTo(g, g.input(1), g.gradDtype)])]);
    const y = g.output(0);
    const scaled = g.op('Mul', [dy, scale]);
    const dx = g.node.outputs[1]
      ? g.op('Where', [g.output(1), scaled, g.scalar(0)])
      : g.op('Where', [g.op('Equal', [y, g.scalar(0, g.dtype(y))]), g.scalar(0), scaled]);
    return [training ? dx : g.op('Where', [g.input(2), dx, dy])];
  },
};
