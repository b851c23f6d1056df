/**
 * Final Softmax/LogSoftmax → attack the logits. Losses on probabilities saturate (the CE
 * gradient of a confident softmax output underflows), which hides adversarial directions
 * (Carlini & Wagner 2017, arXiv:1608.04644 §V; Carlini et al. 2019, arXiv:1902.06705 §4.3).
 * The runtime already takes the logits before a trailing Softmax/LogSoftmax (classifier.ts);
 * this rule records it, since it changes what the losses see.
 */
import { AdaptationRule } from './types';

export const logitsRule: AdaptationRule = {
  id: 'logits',
  reason: 'losses on softmax outputs saturate and mask gradients; argmax is unchanged by removing a final softmax (Carlini & Wagner 2017, arXiv:1608.04644)',
  detect(info) {
    return info.strippedSoftmax ? `the graph ends in ${info.strippedSoftmax}` : null;
  },
  apply(_b, info) {
    return `every loss is computed on the input of the final ${info.strippedSoftmax} (predictions are unchanged)`;
  },
};
