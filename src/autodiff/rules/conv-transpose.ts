/**
 * ConvTranspose (input gradient only; weights and bias are parameters):
 *   y[o] = Σ_{i,k: o = i·s + k·d − pb} W[k]·x[i]   (pb = leading pad, per spatial axis)
 *   dx[i] = Σ_k W[k]·dy[i·s + k·d − pb] = conv(dy, W; s, d, pads [pb, pe'], group)
 * W is [C_in, C_out/group, k…], exactly Conv's [M, C/group, k…] with M = C_in. pe' is just large
 * enough for conv to reach x's size; the output_padding tail carries no gradient.
 */
import { attrInt, attrInts, attrString } from '../../onnx/ir';
import { GradientRule } from '../types';
import { convGeometry } from './conv';

export const convTranspose: GradientRule = {
  opType: 'ConvTranspose',
  differentiable: [0],
  build: (g) => {
    const { w, xs, ys, n, kernel, strides, dilations } = convGeometry(g);
    const outputPadding = attrInts(g.node, 'output_padding', Array(n).fill(0));
    const autoPad = attrString(g.node, 'auto_pad', 'NOTSET');
    const explicit = attrInts(g.node, 'pads', Array(2 * n).fill(0));
    const derived = autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER' || attrInts(g.node, 'output_shape') !== undefined;
    const begin: number[] = [], end: number[] = [];
    for (let i = 0; i < n; i++) {
      const [inSize, outSize, s, d] = [xs[2 + i], ys[2 + i], strides[i], dilations[i]];
      const span = (kernel[i] - 1) * d + 1;
      let pb: number;
      if (derived) {
        // Pads generated from the output size (spec and ORT agree: SAME_UPPER puts the odd one at the end).
        const total = Math.max(0, s * (inSize - 1) + outputPadding[i] + span - outSize);
        pb = autoPad === 'SAME_UPPER' ? Math.floor(total / 2) : total - Math.floor(total / 2);
      } else {
        pb = autoPad === 'VALID' ? 0 : explicit[i];
      }
      begin.push(pb);
      // conv(dy) then has floor((out + pb + pe' − span)/s) + 1 = inSize positions: out − span + pb exceeds
      // s·(inSize − 1) only by output_padding < s (ORT rejects output_padding ≥ stride).
      end.push(Math.max(0, s * (inSize - 1) + span - outSize - pb));
    }
    const dx = g.op('Conv', [g.gradOutput(0)!, w], {
      strides, dilations, pads: [...begin, ...end], group: attrInt(g.node, 'group', 1), kernel_shape: kernel,
    });
    return [dx];
  },
};
