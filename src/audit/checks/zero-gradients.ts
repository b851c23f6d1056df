/**
 * Zero or vanishing gradients (AutoAttack checks.py `check_zero_gradients`; Carlini et al.
 * 2019, arXiv:1902.06705 §4.4): a large share of points whose input gradient is exactly zero
 * means gradient attacks cannot move them — masking by saturation (huge logits) or by
 * piecewise-constant ops (rounding, quantisation).
 *
 * The check reports the symptom whatever the audit did about it (it is informational: the default
 * gate does not fail on it); its message says which adaptation, if any, answered it — BPDA for
 * piecewise-constant ops, scale-invariant losses for saturation (../adaptations) — since a
 * symptom the battery was rewritten for is not the same finding as one it was not.
 */
import type { Check } from '../../schema/report';
import type { ProbeEvidence } from '../probe';
import { defineCheck } from './types';

/** The check's registry entry (./index.ts). */
export const zeroGradients = defineCheck({
  id: 'zero-gradients',
  title: 'Zero or vanishing gradients',
  explanation: {
    tests: 'whether the model withholds the signal that tells an attack how to change an image',
    flag: 'For many images the model gives the attacks no signal about how to change the image, a known way of looking robust without being robust; the figures rely on the workarounds listed under adaptations.',
    pass: 'The attacks received a usable signal on nearly every image, so this common way of hiding weaknesses is absent.',
  },
  failsByDefault: false, // masking the battery adapts to: BPDA or scale-invariant losses
  evaluate: (e) => zeroGradientsCheck(e.probe, e.adaptations),
});

/** Share of probed points with an exactly-zero gradient that flags. */
export const ZERO_GRADIENT_SHARE = 0.1;

/** Adaptations that answer a zero-gradient cause. */
const ANSWERS: Record<string, string> = { bpda: 'BPDA (straight-through gradients)', 'scale-invariant-losses': 'scale-invariant losses (DLR/CW)' };

/** `adaptations`: ids of the adaptations the audit applied (omitted: unknown, the message says nothing about them). */
export function zeroGradientsCheck(p: ProbeEvidence, adaptations?: readonly string[]): Check {
  const g = p.gradients;
  const evidence = {
    ceZeroShare: g.ceZero, cwZeroShare: g.cwZero, ceZeroShareStraightThrough: g.ceZeroStraightThrough,
    medianCeGradMeanAbs: Number.isFinite(g.medianCeGradMeanAbs) ? g.medianCeGradMeanAbs : null,
    medianLogitMargin: Number.isFinite(g.medianMargin) ? g.medianMargin : null, probedPoints: p.points,
  };
  const base = { id: zeroGradients.id, title: zeroGradients.title, evidence };
  if (p.points === 0) return { ...base, status: 'skipped', message: 'no clean-correct point to probe' };
  const worst = Math.max(g.ceZero, g.cwZero);
  if (worst >= ZERO_GRADIENT_SHARE) {
    const st = (v: number | null | undefined) => v !== null && v !== undefined && v < ZERO_GRADIENT_SHARE;
    const cause = g.cwZero >= ZERO_GRADIENT_SHARE
      ? (st(g.ceZeroStraightThrough) ? 'piecewise-constant ops (straight-through gradients are non-zero: BPDA)'
        : st(g.cwZeroStraightThrough) ? 'piecewise-constant ops and saturated logits (the straight-through margin gradient is non-zero: BPDA with scale-invariant losses)'
          : 'the model itself')
      : 'saturated logits (the margin gradient is non-zero: scale-invariant losses)';
    let handled = '';
    if (adaptations) {
      const used = adaptations.filter((a) => a in ANSWERS).map((a) => ANSWERS[a]);
      handled = used.length ? `; the battery was adapted: ${used.join(' + ')}` : '; no adaptation answers it: gradient attacks may be blind here';
    }
    return { ...base, status: 'flag', message: `the input gradient is exactly 0 on ${(100 * g.ceZero).toFixed(1)}% (CE) / ${(100 * g.cwZero).toFixed(1)}% (CW margin) of ${p.points} probed points; cause: ${cause}${handled}` };
  }
  return { ...base, status: 'pass', message: `non-zero gradients on ${(100 * (1 - worst)).toFixed(1)}% of ${p.points} probed points` };
}
