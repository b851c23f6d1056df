/**
 * Outputs look like probabilities (AutoAttack checks.py `check_range_output`;
 * Carlini et al. 2019, arXiv:1902.06705 §4.3): losses on
 * softmax outputs saturate. Flagged when the graph ends in a Softmax/LogSoftmax (the runtime then
 * attacks the logits before it) or when the outputs the attacks see are themselves probabilities
 * or log-probabilities (a softmax Gauntlet could not strip).
 */
import type { Check } from '../../schema/report';
import type { ProbeEvidence } from '../probe';
import { defineCheck } from './types';

/** The check's registry entry (./index.ts). */
export const probabilityOutputs = defineCheck({
  id: 'probability-outputs',
  title: 'Outputs look like probabilities',
  explanation: {
    tests: 'whether the model outputs probabilities, which can flatten the signal attacks follow',
    flag: 'The model outputs probabilities instead of raw scores, which can make it look stronger than it is; the attacks worked on the raw scores where possible and rely on score-free measures otherwise.',
    pass: 'The model outputs raw scores, so the attacks had a clear signal to follow.',
  },
  failsByDefault: false, // masking the battery adapts to: it attacks the logits before the softmax
  evaluate: (e) => probabilityOutputsCheck(e.probe),
});

/** Share of probed rows that must be (log-)probabilities for the check to flag. */
export const PROBABILITY_ROW_SHARE = 0.99;

export function probabilityOutputsCheck(p: ProbeEvidence): Check {
  const o = p.outputs;
  const evidence = { strippedSoftmax: o.strippedSoftmax, probabilityRows: o.probabilityRows, logProbabilityRows: o.logProbabilityRows, probedPoints: p.points };
  const base = { id: probabilityOutputs.id, title: probabilityOutputs.title, evidence };
  if (o.strippedSoftmax) {
    return { ...base, status: 'flag', message: `the graph ends in ${o.strippedSoftmax}; attacks use the logits before it (adaptation 'logits')` };
  }
  if (p.points > 0 && Math.max(o.probabilityRows, o.logProbabilityRows) >= PROBABILITY_ROW_SHARE) {
    const what = o.probabilityRows >= o.logProbabilityRows ? 'probabilities' : 'log-probabilities';
    return { ...base, status: 'flag', message: `${(100 * Math.max(o.probabilityRows, o.logProbabilityRows)).toFixed(1)}% of the outputs are ${what}, from a softmax that is not the graph's last op; CE on them saturates — the margin and DLR stages are the reliable ones` };
  }
  return { ...base, status: 'pass', message: 'outputs are unnormalised logits' };
}
