/**
 * BatchNormalization in inference mode: y = (x − mean)/√(var + ε)·γ + β = s·x + t per channel,
 * s = γ/√(var + ε), t = β − mean·s (computed in float64, stored in float32). Affine, so
 * [s·c + t − |s|·r, s·c + t + |s|·r]. The magnitude also counts |mean|·|s|, |β| and |t| and the
 * widening 8 terms, covering the rounding of s and t and of the model's own evaluation of the
 * normalisation formula (../float-error.ts).
 * CROWN: the adjoint multiplies the rows by s per channel; the offset is t.
 */
import { attrFloat, tensorFromNumbers, tensorToNumbers } from '../../onnx/ir';
import type { BoundRule } from '../types';
import { centreRadius } from './common';
import type { CrownContext } from '../types';

export const batchNormalization: BoundRule = {
  opType: 'BatchNormalization',
  ibp: (ctx) => {
    const { s, t, mean: m, beta: b } = bnAffine(ctx);
    const rank = ctx.shape(ctx.node.inputs[0]).length;
    const perChannel = (values: number[]) => ctx.constantOf(tensorFromNumbers('float32', [values.length, ...Array(Math.max(0, rank - 2)).fill(1)], values));
    const S = perChannel(s), T = perChannel(t);
    const absS = perChannel(s.map(Math.abs));
    const extra = perChannel(m.map((mi, i) => Math.abs(mi * s[i]) + Math.abs(b[i]) + Math.abs(t[i])));
    const { c, r } = centreRadius(ctx, ctx.interval(0));
    const yc = ctx.op('Add', [ctx.op('Mul', [c, S]), T]);
    const yr = ctx.op('Mul', [r, absS]);
    const mag = ctx.op('Add', [ctx.op('Mul', [ctx.op('Add', [ctx.op('Abs', [c]), r]), absS]), extra]);
    return [ctx.outward(ctx.op('Sub', [yc, yr]), ctx.op('Add', [yc, yr]), mag, 8)];
  },
  crown: {
    kind: 'linear',
    backward: (ctx, A) => {
      const { s } = bnAffine(ctx);
      const rank = ctx.inShape(0).length;
      return [ctx.op('Mul', [A, ctx.float64([s.length, ...Array(Math.max(0, rank - 1)).fill(1)], s)])];
    },
    offset: (ctx) => {
      const { t } = bnAffine(ctx);
      const out = ctx.outShape();
      const per = out.slice(1).reduce((p, d) => p * d, 1);
      return Float64Array.from({ length: t.length * per }, (_, i) => t[Math.floor(i / per)]);
    },
  },
};

/** s = γ/√(var + ε) and t = β − mean·s per channel, in float64 (with mean and β), for both methods. */
function bnAffine(ctx: Pick<CrownContext, 'node' | 'constant' | 'unsupported'>): { s: number[]; t: number[]; mean: number[]; beta: number[] } {
  if (ctx.node.outputs.filter(Boolean).length > 1) return ctx.unsupported('training mode (running statistics as outputs)');
  const [gamma, beta, mean, variance] = [1, 2, 3, 4].map((i) => ctx.constant(i));
  if (!gamma || !beta || !mean || !variance) return ctx.unsupported('scale, bias, mean and variance must be constants');
  const eps = attrFloat(ctx.node, 'epsilon', 1e-5);
  const g = tensorToNumbers(gamma), b = tensorToNumbers(beta), m = tensorToNumbers(mean), v = tensorToNumbers(variance);
  const s = g.map((gi, i) => gi / Math.sqrt(v[i] + eps));
  return { s, t: b.map((bi, i) => bi - m[i] * s[i]), mean: m, beta: b };
}
