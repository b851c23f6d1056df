/** Shapes and checks for broadcasting rules: binary ops, and variadic ops (Sum, Mean, Max, Min). */
import { CheckInput, expectGradientsMatch } from './gradcheck';
import { expectGraphGradientsMatch } from './graph-check';

/** Shape pairs for checking binary broadcasting rules: x's shape against the other operand's. */
export const BROADCAST_SHAPES: [number[], number[]][] = [
  [[2, 3], [2, 3]], [[2, 3], [3]], [[2, 3], [1, 3]], [[2, 1, 4], [3, 1]], [[3], [2, 3]], [[1, 3], [2, 1]], [[2, 3], []],
];

/** For variadic rules: x's shape and the other operands' shapes (x is placed first, in the middle and last). */
export const VARIADIC_SHAPES: [number[], number[][]][] = [
  [[2, 3], []], [[2, 3], [[2, 3]]], [[2, 3], [[3], [2, 1]]], [[2, 1, 4], [[3, 1], [4]]], [[3], [[2, 3], []]],
];

/** Options of the variadic checks: float32 where ORT has no double kernel, with the caller's bound. */
export interface VariadicCheckOptions {
  dtype?: 'float64' | 'float32';
  bound?: number;
}

/**
 * Checks a variadic op's gradient with x of shape `xs` placed first, in the middle and last among
 * float constants of the shapes `others` (seeded `seed`, `seed + 1`, … per place).
 */
export async function expectVariadicGradientsMatch(
  opType: string, xs: number[], others: number[][], seed: number, o: VariadicCheckOptions = {},
): Promise<void> {
  const rest: CheckInput[] = others.map((s) => ({ float: s }));
  for (const [k, at] of [...new Set([0, Math.floor(rest.length / 2), rest.length])].entries()) {
    const inputs = [...rest.slice(0, at), { x: xs }, ...rest.slice(at)];
    await expectGradientsMatch({ opType, inputs, seed: seed + k, dtype: o.dtype }, o.bound);
  }
}

/**
 * Checks a variadic op whose three operands all depend on x [3, 4] (x; x·k with k [4]; x summed
 * over axis 1, kept as [3, 1] and broadcast), with a symbolic batch: the gradients must add up.
 */
export async function expectFanInGradientsMatch(opType: string, o: VariadicCheckOptions = {}): Promise<void> {
  await expectGraphGradientsMatch({
    nodes: [
      { opType: 'Mul', inputs: ['data', 'k'], outputs: ['scaled'] },
      { opType: 'ReduceSum', inputs: ['data', 'axes'], outputs: ['total'], attrs: { keepdims: 1 } },
      { opType, inputs: ['data', 'scaled', 'total'], outputs: ['out'] },
    ],
    constants: { k: { dtype: 'float', dims: [4], values: [0.5, -2, 3, -0.7] }, axes: { dtype: 'int64', dims: [1], values: [1] } },
    output: 'out', xShape: [3, 4], batched: true, seed: 60, dtype: o.dtype,
  }, o.bound);
}
