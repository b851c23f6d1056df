import { expectGradientsMatch } from '../testing/gradcheck';
import { expectGraphGradientsMatch } from '../testing/graph-check';

describe('Flatten rule', () => {
  it.each([0, 1, 2, 3, -1, -3])('when flattening [2, 3, 2, 2] at axis %d, then dx is dy reshaped back', async (axis) => {
    await expectGradientsMatch({ opType: 'Flatten', inputs: [{ x: [2, 3, 2, 2] }], attrs: { axis }, seed: 91 });
  });

  it('when axis is absent, then the default axis 1 is used', async () => {
    await expectGradientsMatch({ opType: 'Flatten', inputs: [{ x: [2, 3, 2] }], seed: 92 });
  });

  it('when the batch is symbolic, then dx takes the runtime shape', async () => {
    await expectGraphGradientsMatch({
      nodes: [{ opType: 'Flatten', inputs: ['data'], outputs: ['out'] }],
      output: 'out', xShape: [3, 2, 2], batched: true, seed: 93,
    });
  });
});
