/**
 * Graph- and probe-driven adaptations, in the order they are applied. Adding one is a file and
 * an entry here. `adapt` rewrites a battery and returns what it did, with the reasons, for the report.
 */
import type { Adaptation } from '../../report/schema';
import type { ModelInfo } from '../../runtime/model';
import type { Battery } from '../battery';
import type { ProbeEvidence } from '../probe';
import { bpdaRule } from './bpda';
import { eotRule } from './eot';
import { logitsRule } from './logits';
import { scaleInvariantRule } from './scale-invariant';
import { AdaptationRule } from './types';

export const ADAPTATIONS: readonly AdaptationRule[] = [logitsRule, scaleInvariantRule, bpdaRule, eotRule];

/** Applies every rule whose trigger is present; the battery is rewritten in place. */
export function adapt(b: Battery, info: ModelInfo, probe: ProbeEvidence): Adaptation[] {
  const out: Adaptation[] = [];
  for (const rule of ADAPTATIONS) {
    const trigger = rule.detect(info, probe);
    if (trigger === null) continue;
    out.push({ id: rule.id, trigger, reason: rule.reason, effect: rule.apply(b, info, probe) });
  }
  return out;
}
export type { AdaptationRule } from './types';
