import { expectGradientsMatch } from '../testing/gradcheck';
import { expectGraphGradientsMatch } from '../testing/graph-check';

describe('Softmax rule', () => {
  it.each([[0], [1], [-2], [-3]])('when x is [2, 3, 4] and axis is %p, then the gradient matches', async (axis) => {
    await expectGradientsMatch({ opType: 'Softmax', inputs: [{ x: [2, 3, 4], lo: -2, hi: 2 }], attrs: { axis }, seed: 40 });
  });

  // A Softmax on the last axis at the graph's end is stripped as the classifier's own (the loss then sees
  // its input), so the last-axis cases put a Mul after it, as in an attention block.
  it.each([[undefined], [-1], [2]])('when the Softmax is mid-graph on the last axis (axis %p) with a symbolic batch, then the gradient matches', async (axis) => {
    await expectGraphGradientsMatch({
      nodes: [
        { opType: 'Softmax', inputs: ['data'], outputs: ['s'], attrs: axis === undefined ? {} : { axis } },
        { opType: 'Mul', inputs: ['s', 'k'], outputs: ['out'] },
      ],
      constants: { k: { dtype: 'float', dims: [4], values: [3, -1, 2, 0.5] } },
      output: 'out', xShape: [3, 2, 4], batched: true, lo: -2, hi: 2, seed: 41,
    });
  });
});
