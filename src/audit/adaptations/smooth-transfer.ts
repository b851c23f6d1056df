/**
 * Piecewise-constant ops, second answer: a transfer attack from the smooth straight-through
 * surrogate (the model with its rounding/quantisation replaced by the identity,
 * ../smooth-surrogate.ts). BPDA on the true forward pass sees a loss that is flat between
 * rounding steps, which stalls step-size control; on the surrogate the attack's whole search is
 * smooth, and runAttack verifies every candidate on the true model (Athalye, Carlini, Wagner
 * 2018, arXiv:1802.00420 §4.1; Papernot et al. 2016, arXiv:1605.07277).
 */
import { AdaptationRule } from './types';

export const smoothTransferRule: AdaptationRule = {
  id: 'transfer',
  reason: 'BPDA alone evaluates the loss on the quantised model, which is flat between steps; a transfer attack crafted entirely on the smooth straight-through surrogate and verified on the true model covers that gap (Athalye et al. 2018, arXiv:1802.00420)',
  detect(info, _probe, env) {
    return info.nonDifferentiable.length > 0 && env.smoothSurrogate
      ? `piecewise-constant ops reachable from the input: ${info.nonDifferentiable.join(', ')}` : null;
  },
  apply(b) {
    const first = b.stages.find((s) => s.attack === 'apgd-ce' || s.attack === 'apgd-dlr');
    const inner = first?.attack ?? 'apgd-ce';
    const { straightThrough: _st, eot: _eot, ...params } = first?.params ?? {};
    const at = b.stages.findIndex((s) => s.attack === 'square');
    b.stages.splice(at < 0 ? b.stages.length : at, 0, { attack: 'transfer', params: { attack: inner, params }, origin: 'transfer', surrogate: 'smooth' });
    return `${inner} crafted on the smooth surrogate (rounding replaced by the identity), verified on the model, added before the black-box stage`;
  },
};
