/**
 * Pow (broadcasting): y = aᵇ; da = unbroadcast(dy · b · a^(b−1)),
 * db = unbroadcast(dy · y · ln a) with 0 where a = 0 and b ≥ 0 (as PyTorch); db only for a float exponent.
 */
import { DType, isFloat, tensorToNumbers } from '../../onnx/ir';
import { GradientRule } from '../types';

/** TensorProto.DataType codes of the float dtypes. */
const ONNX_FLOAT_CODES: Partial<Record<DType, number>> = { float32: 1, float16: 10, float64: 11, bfloat16: 16 };

export const pow: GradientRule = {
  opType: 'Pow',
  differentiable: [0, 1],
  build: (g) => {
    const [a, b, y, dy] = [g.input(0), g.input(1), g.output(0), g.gradOutput(0)!];
    const to = g.gradDtype === 'float64' ? 11 : 1;
    // The exponent in the base's float dtype: folded when constant (any dtype), else cast if needed.
    const known = g.constant(b);
    const [bf, bm1] = known
      ? [g.floats(tensorToNumbers(known), known.dims), g.floats(tensorToNumbers(known).map((v) => v - 1), known.dims)]
      : (() => {
        const f = g.dtype(b) === g.gradDtype ? b : g.op('Cast', [b], { to });
        return [f, g.op('Sub', [f, g.scalar(1)])];
      })();
    const da = g.unbroadcast(g.op('Mul', [dy, g.op('Mul', [bf, g.op('Pow', [a, bm1])])]), a);
    if (!isFloat(g.dtype(b))) return [da, undefined];
    const aDt = g.dtype(a);
    const baseZero = g.op('And', [
      g.op('Equal', [a, g.scalar(0, aDt)]),
      g.op('GreaterOrEqual', [bf, g.scalar(0)]),
    ]);
    const yLnA = g.op('Where', [baseZero, g.scalar(0), g.op('Mul', [y, g.op('Log', [a])])]);
    const db = g.unbroadcast(g.op('Mul', [dy, yLnA]), b);
    return [da, g.dtype(b) === g.gradDtype ? db : g.op('Cast', [db], { to: ONNX_FLOAT_CODES[g.dtype(b)] ?? 1 })];
  },
};
