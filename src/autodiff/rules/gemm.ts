/**
 * Gemm: Y = α·A'·B' + β·C with A' = transA ? Aᵀ : A, B' = transB ? Bᵀ : B.
 *   dA = α·dY·B'ᵀ (transA = 0)   or α·B'·dYᵀ (transA = 1)
 *   dB = α·A'ᵀ·dY (transB = 0)   or α·dYᵀ·A' (transB = 1)
 *   dC = unbroadcast(β·dY)
 */
import { attrFloat, attrInt } from '../../onnx/ir';
import { GradientRule } from '../types';

export const gemm: GradientRule = {
  opType: 'Gemm',
  differentiable: [0, 1, 2],
  build: (g) => {
    const [a, b, dy] = [g.input(0), g.input(1), g.gradOutput(0)!];
    const alpha = attrFloat(g.node, 'alpha', 1);
    const beta = attrFloat(g.node, 'beta', 1);
    const tA = attrInt(g.node, 'transA', 0);
    const tB = attrInt(g.node, 'transB', 0);
    const gemm = (p: string, q: string, transA: number, transB: number) =>
      g.op('Gemm', [p, q], { alpha: { float: alpha }, transA, transB });
    const da = tA ? gemm(b, dy, tB, 1) : gemm(dy, b, 0, tB ? 0 : 1);
    const db = tB ? gemm(dy, a, 1, tA) : gemm(a, dy, tA ? 0 : 1, 0);
    const dc = g.hasInput(2)
      ? g.unbroadcast(beta === 1 ? dy : g.op('Mul', [dy, g.scalar(beta)]), g.input(2))
      : undefined;
    return [da, db, dc];
  },
};
