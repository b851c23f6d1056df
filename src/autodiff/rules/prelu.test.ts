import { expectGradientsMatch } from '../testing/gradcheck';
import { expectGraphGradientsMatch } from '../testing/graph-check';

// Slope shapes that broadcast (unidirectionally) to x = [2, 3, 4].
const SLOPES: [number[]][] = [[[2, 3, 4]], [[3, 1]], [[4]], [[1]], [[]]];

describe('PRelu rule', () => {
  it.each(SLOPES)('when x has mixed signs and the slope is %j, then the x gradient matches', async (slope) => {
    // Seeded uniform x in [−1, 1]: no element lies within h = 1e-6 of the kink at 0.
    await expectGradientsMatch({ opType: 'PRelu', inputs: [{ x: [2, 3, 4] }, { float: slope, lo: 0.1, hi: 0.5 }], seed: 5 });
  });

  it.each(SLOPES)('when the slope %j is the differentiated input, then its summed gradient matches', async (slope) => {
    await expectGradientsMatch({ opType: 'PRelu', inputs: [{ float: [2, 3, 4] }, { x: slope, lo: 0.1, hi: 0.5 }], seed: 6 });
  });

  it('when the slope is per channel and x-dependent (symbolic batch), then both gradients add up', async () => {
    // slope = sigmoid(reducesum over batch and width of x): shape [1, 2, 1] against x [N, 2, 4].
    await expectGraphGradientsMatch({
      nodes: [
        { opType: 'ReduceSum', inputs: ['data', 'axes'], outputs: ['total'], attrs: { keepdims: 1 } },
        { opType: 'Sigmoid', inputs: ['total'], outputs: ['slope'] },
        { opType: 'PRelu', inputs: ['data', 'slope'], outputs: ['out'] },
      ],
      constants: { axes: { dtype: 'int64', dims: [2], values: [0, 2] } },
      output: 'out', xShape: [3, 2, 4], batched: true, seed: 7,
    });
  });
});
