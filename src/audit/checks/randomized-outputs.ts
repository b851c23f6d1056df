/**
 * Randomized outputs (AutoAttack checks.py `check_randomized`; Athalye et al. 2018,
 * arXiv:1802.00420 §5.3 on stochastic gradients): the same input gives different logits.
 * Flagged from the graph (random ops reachable from the input) or from two forward passes.
 */
import type { Check } from '../../report/schema';
import type { ProbeEvidence } from '../probe';

export function randomizedOutputsCheck(p: ProbeEvidence): Check {
  const r = p.randomness;
  const evidence = { randomOps: r.graphOps.join(', ') || null, maxLogitDiff: r.maxLogitDiff, predictionFlips: r.predictionFlips, probedPoints: p.points };
  const base = { id: 'randomized-outputs', title: 'Randomized outputs', evidence };
  if (r.graphOps.length > 0 || r.maxLogitDiff > 0) {
    const why = r.graphOps.length > 0 ? `random ops ${r.graphOps.join(', ')}` : 'two forward passes of the same inputs differ';
    return { ...base, status: 'flag', message: `${why} (max |Δ logit| ${r.maxLogitDiff.toPrecision(3)}, ${(100 * r.predictionFlips).toFixed(1)}% of predictions flip between two passes); attacks use EOT and success is judged by a majority of fresh draws` };
  }
  return { ...base, status: 'pass', message: 'two forward passes give bit-identical logits' };
}
