/**
 * Evaluation data implausibly easy (../integrity.ts; Tao et al. 2022, arXiv:2107.07759): the model's
 * logit margins on the supplied evaluation set are stochastically larger than on an auditor-held
 * reference set of the same task (one-sided two-sample Kolmogorov–Smirnov test).
 */
import type { Check, Report } from '../../schema/report';
import { defineCheck } from './types';

/** The check's registry entry (./index.ts). */
export const dataTooEasy = defineCheck({
  id: 'data-too-easy',
  title: 'Evaluation data implausibly easy compared with the reference set',
  explanation: {
    tests: 'whether the supplied test images are unusually easy compared with an independent reference set',
    flag: 'The supplied test images are much easier for the model than an independent reference set, which can inflate every figure in this report.',
    pass: 'The supplied test images are about as hard for the model as an independent reference set.',
  },
  failsByDefault: { order: 5 }, // the evaluation data may flatter the model
  evaluate: (e) => integrityCheck(e.integrity, e.integritySkipped),
});

/** The check from the integrity comparison (null: not measured; `skipped` says why). */
export function integrityCheck(i: Report['integrity'], skipped: string | null): Check {
  const base = { id: dataTooEasy.id, title: dataTooEasy.title };
  if (!i) return { ...base, status: 'skipped', message: skipped ?? 'not measured', evidence: {} };
  const evidence = {
    reference: i.reference.name, ownerAccuracy: i.owner.accuracy, referenceAccuracy: i.referenceStats.accuracy,
    ownerMedianMargin: i.owner.medianMargin, referenceMedianMargin: i.referenceStats.medianMargin,
    ownerMeanConfidence: i.owner.meanConfidence, referenceMeanConfidence: i.referenceStats.meanConfidence,
    ksStatistic: i.ks.statistic, ksPValue: i.ks.pValue,
  };
  return { ...base, evidence, status: i.flagged ? 'flag' : 'pass', message: i.message };
}
