/**
 * Fewer than 4 classes → margin losses where DLR is undefined. AutoAttack's DLR loss divides by
 * z_π1 − z_π3 (needs ≥ 3 classes) and its targeted form by z_π1 − (z_π3 + z_π4)/2 (needs ≥ 4;
 * Croce & Hein 2020, arXiv:2003.01690, eqs. 6–7; fra31/auto-attack#70: AutoAttack itself
 * crashes there). Substitutes, each the un-normalised numerator of the loss it replaces:
 *   APGD-T (targeted DLR, < 4 classes)  → APGD-T on the targeted CW margin z_t − max_{j≠t} z_j,
 *   APGD-DLR (< 3 classes)              → APGD-T on that margin toward the one other class
 *                                          (with 2 classes: z_other − z_y, the untargeted margin).
 * APGD's step size is sign-based (ℓ∞) or normalised (ℓ2) and its checkpoints compare losses of
 * one run, so dropping DLR's scale normalisation changes no step. The attacks clamp their
 * targets to classes − 1 (APGD-T, FAB-T); the rule writes the clamped count into the parameters
 * so the report shows what ran. Models with ≥ 4 classes are untouched.
 */
import { AdaptationRule, rewriteSteps } from './types';

export const fewClassesRule: AdaptationRule = {
  id: 'few-classes',
  reason: "the DLR loss needs ≥ 3 classes and the targeted DLR loss ≥ 4 (Croce & Hein 2020, arXiv:2003.01690, eqs. 6–7); their numerator, the logit margin (Carlini & Wagner 2017, arXiv:1608.04644), is defined for any number of classes",
  detect(info) {
    return info.numClasses < 4 ? `the model has ${info.numClasses} classes` : null;
  },
  apply(b, info) {
    const changes = new Set<string>();
    /** The replacement of one attack and its parameters, or null to keep it. */
    const C = info.numClasses;
    /** Target count as the attacks clamp it (classes − 1), written out so the report shows what ran. */
    const targets = (params: Record<string, unknown>) => Math.min(typeof params.targetClasses === 'number' ? params.targetClasses : 9, C - 1);
    const replace = (attack: string, params: Record<string, unknown>): [string, Record<string, unknown>] | null => {
      if (attack === 'apgd-t' && (params.loss ?? 'dlr') === 'dlr') {
        changes.add('APGD-T targeted DLR → targeted CW margin');
        return ['apgd-t', { ...params, loss: 'cw', targetClasses: targets(params) }];
      }
      if (attack === 'fab-t' && targets(params) !== params.targetClasses) return ['fab-t', { ...params, targetClasses: targets(params) }];
      if (attack === 'apgd-dlr' && C < 3) {
        changes.add('APGD-DLR → APGD-T on the CW margin toward the other class');
        return ['apgd-t', { ...params, loss: 'cw', targetClasses: 1 }];
      }
      return null;
    };
    b.minimalNorms = { ...b.minimalNorms, targetClasses: targets(b.minimalNorms) };
    rewriteSteps(b, (s) => {
      if (s.attack === 'transfer') {
        // BPDA and smooth-surrogate stages wrap the attack: { attack, params }.
        const inner = s.params as { attack?: string; params?: Record<string, unknown> };
        const r = typeof inner.attack === 'string' ? replace(inner.attack, inner.params ?? {}) : null;
        return r ? { ...s, params: { ...s.params, attack: r[0], params: r[1] } } : s;
      }
      const r = replace(s.attack, s.params);
      return r ? { ...s, attack: r[0], params: r[1] } : s;
    });
    changes.add(`APGD-T and FAB-T targets: ${C - 1} (classes − 1)`);
    return [...changes].join('; ');
  },
};
