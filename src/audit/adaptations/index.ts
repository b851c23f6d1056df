/**
 * Graph- and probe-driven adaptations, in the order they are applied. Adding one is a file and
 * an entry here. `adapt` rewrites a battery and returns what it did, with the reasons, for the report.
 */
import type { Adaptation } from '../../schema/report';
import type { ModelInfo } from '../../model/model';
import type { Battery } from '../battery';
import type { ProbeEvidence } from '../probe';
import { bpdaRule } from './bpda';
import { eotRule } from './eot';
import { fewClassesRule } from './few-classes';
import { logitsRule } from './logits';
import { scaleInvariantRule } from './scale-invariant';
import { smoothTransferRule } from './smooth-transfer';
import { AdaptationEnv, AdaptationRule } from './types';

// few-classes comes after scale-invariant-losses, which may add APGD-DLR stages.
export const ADAPTATIONS: readonly AdaptationRule[] = [logitsRule, scaleInvariantRule, bpdaRule, smoothTransferRule, eotRule, fewClassesRule];

/** Applies every rule whose trigger is present; the battery is rewritten in place. */
export function adapt(b: Battery, info: ModelInfo, probe: ProbeEvidence, env: AdaptationEnv = { smoothSurrogate: false }): Adaptation[] {
  const out: Adaptation[] = [];
  for (const rule of ADAPTATIONS) {
    const trigger = rule.detect(info, probe, env);
    if (trigger === null) continue;
    out.push({ id: rule.id, trigger, reason: rule.reason, effect: rule.apply(b, info, probe, env) });
  }
  return out;
}
export type { AdaptationEnv, AdaptationRule } from './types';
