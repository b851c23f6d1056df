/**
 * Ceil: y = ⌈x⌉, a step: dx = 0 almost everywhere; BPDA dx = dy.
 * Under straightThrough the backward pass treats Ceil as the identity.
 */
import { identityStep } from './step-common';

export const ceil = identityStep('Ceil');
