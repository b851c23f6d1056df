/**
 * Randomized outputs (AutoAttack checks.py `check_randomized`; Athalye et al. 2018,
 * arXiv:1802.00420 §5.3 on stochastic gradients): the same input gives different logits.
 * Flagged from the graph (random ops reachable from the input) or from two forward passes.
 */
import type { Check } from '../../schema/report';
import type { ProbeEvidence } from '../probe';
import { defineCheck } from './types';

/** The check's registry entry (./index.ts). */
export const randomizedOutputs = defineCheck({
  id: 'randomized-outputs',
  title: 'Randomized outputs',
  explanation: {
    tests: 'whether the model answers the same image differently from one run to the next',
    flag: 'The model answers the same image differently from one run to the next, which can hide its weaknesses; the attacks therefore averaged over many runs and a break counts only if most fresh runs confirm it.',
    pass: 'The model gives the same answer every time it sees the same image, so chance cannot hide its weaknesses.',
  },
  failsByDefault: false, // masking the battery adapts to: expectation over transformation (EOT)
  evaluate: (e) => randomizedOutputsCheck(e.probe),
});

export function randomizedOutputsCheck(p: ProbeEvidence): Check {
  const r = p.randomness;
  const evidence = { randomOps: r.graphOps.join(', ') || null, maxLogitDiff: r.maxLogitDiff, predictionFlips: r.predictionFlips, probedPoints: p.points };
  const base = { id: randomizedOutputs.id, title: randomizedOutputs.title, evidence };
  if (r.graphOps.length > 0 || r.maxLogitDiff > 0) {
    const why = r.graphOps.length > 0 ? `random ops ${r.graphOps.join(', ')}` : 'two forward passes of the same inputs differ';
    return { ...base, status: 'flag', message: `${why} (max |Δ logit| ${r.maxLogitDiff.toPrecision(3)}, ${(100 * r.predictionFlips).toFixed(1)}% of predictions flip between two passes); attacks use EOT and success is judged by a majority of fresh draws` };
  }
  return { ...base, status: 'pass', message: 'two forward passes give bit-identical logits' };
}
