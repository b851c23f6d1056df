/**
 * Sign: y = sign(x) ∈ {−1, 0, 1}, a step: dx = 0 for x ≠ 0; BPDA dx = dy.
 * Under straightThrough the backward pass treats Sign as the identity.
 */
import { identityStep } from './step-common';

export const sign = identityStep('Sign');
