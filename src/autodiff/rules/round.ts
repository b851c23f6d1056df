/**
 * Round: y = round(x) (half to even), a step: dx = 0 almost everywhere; BPDA dx = dy.
 * Under straightThrough the backward pass treats Round as the identity (Athalye et al. 2018).
 */
import { identityStep } from './step-common';

export const round = identityStep('Round');
