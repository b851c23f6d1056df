/**
 * The reliability checks, in report order. Adding one is a file (a `defineCheck` with its id,
 * title, plain-language explanation, `failsByDefault` and `evaluate`), its test, and an entry here:
 * the audit runs every entry, the policy's `failOnFlags` accepts its id, the built-in policy fails
 * on it when `failsByDefault` says so, and the PDF prints its explanation.
 */
import type { Check } from '../../schema/report';
import { blackBoxBeatsWhiteBox } from './black-box';
import { dataTooEasy } from './data-too-easy';
import { fullBoxNotZero } from './full-box';
import { hypocriticalFakeable } from './hypocritical-fakeable';
import { nonMonotoneEps } from './non-monotone-eps';
import { notConverged } from './not-converged';
import { probabilityOutputs } from './probability-outputs';
import { randomizedOutputs } from './randomized-outputs';
import type { AuditEvidence } from './types';
import { zeroGradients } from './zero-gradients';

export const CHECKS = [
  probabilityOutputs, randomizedOutputs, zeroGradients, blackBoxBeatsWhiteBox, nonMonotoneEps,
  fullBoxNotZero, notConverged, hypocriticalFakeable, dataTooEasy,
] as const;

/** Id of a check the audit reports. */
export type CheckId = (typeof CHECKS)[number]['id'];

/** Ids of every check the audit reports (report.checks[].id, policy `failOnFlags`), in report order. */
export const CHECK_IDS: readonly CheckId[] = CHECKS.map((c) => c.id);

/**
 * Ids of the checks whose flag fails the built-in policy's gate (`failsByDefault`), in their
 * `failsByDefault.order`: DEFAULT_POLICY.failOnFlags.
 */
export const DEFAULT_FAIL_ON_FLAGS: readonly CheckId[] = CHECKS
  .flatMap((c) => (c.failsByDefault ? [{ id: c.id, order: c.failsByDefault.order }] : []))
  .sort((a, b) => a.order - b.order)
  .map((c) => c.id);

/** Every check's outcome, in report order. */
export function evaluateChecks(evidence: AuditEvidence): Check[] {
  return CHECKS.map((c) => c.evaluate(evidence));
}

export type { AuditEvidence, CheckDefinition, CheckExplanation, EpsOutcome, FullBoxOutcome } from './types';
