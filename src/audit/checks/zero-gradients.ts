/**
 * Zero or vanishing gradients (AutoAttack checks.py `check_zero_gradients`; Carlini et al.
 * 2019, arXiv:1902.06705 §4.4): a large share of points whose input gradient is exactly zero
 * means gradient attacks cannot move them — masking by saturation (huge logits) or by
 * piecewise-constant ops (rounding, quantisation).
 */
import type { Check } from '../../report/schema';
import type { ProbeEvidence } from '../probe';

/** Share of probed points with an exactly-zero gradient that flags. */
export const ZERO_GRADIENT_SHARE = 0.1;

export function zeroGradientsCheck(p: ProbeEvidence): Check {
  const g = p.gradients;
  const evidence = {
    ceZeroShare: g.ceZero, cwZeroShare: g.cwZero, ceZeroShareStraightThrough: g.ceZeroStraightThrough,
    medianCeGradMeanAbs: Number.isFinite(g.medianCeGradMeanAbs) ? g.medianCeGradMeanAbs : null,
    medianLogitMargin: Number.isFinite(g.medianMargin) ? g.medianMargin : null, probedPoints: p.points,
  };
  const base = { id: 'zero-gradients', title: 'Zero or vanishing gradients', evidence };
  if (p.points === 0) return { ...base, status: 'skipped', message: 'no clean-correct point to probe' };
  const worst = Math.max(g.ceZero, g.cwZero);
  if (worst >= ZERO_GRADIENT_SHARE) {
    const cause = g.cwZero >= ZERO_GRADIENT_SHARE
      ? (g.ceZeroStraightThrough !== null && g.ceZeroStraightThrough < ZERO_GRADIENT_SHARE ? 'piecewise-constant ops (straight-through gradients are non-zero: BPDA)' : 'the model itself')
      : 'saturated logits (the margin gradient is non-zero: scale-invariant losses)';
    return { ...base, status: 'flag', message: `the input gradient is exactly 0 on ${(100 * g.ceZero).toFixed(1)}% (CE) / ${(100 * g.cwZero).toFixed(1)}% (CW margin) of ${p.points} probed points; cause: ${cause}` };
  }
  return { ...base, status: 'pass', message: `non-zero gradients on ${(100 * (1 - worst)).toFixed(1)}% of ${p.points} probed points` };
}
