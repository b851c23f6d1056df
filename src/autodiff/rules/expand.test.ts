import { expectGradientsMatch } from '../testing/gradcheck';
import { expectGraphGradientsMatch } from '../testing/graph-check';

describe('Expand rule', () => {
  it.each([
    [[3, 1], [2, 3, 4]],
    [[1, 4], [3, 4]],
    [[2, 1, 4], [2, 3, 4]],
    [[4], [2, 3, 4]],
    [[2, 3], [2, 3]],
    [[2, 3], [1, 1]],
    [[3, 1], [1, 5]],
    [[], [2, 3]],
  ])('when x is %j and the target shape %j, then dx sums dy over the broadcast axes', async (xs, target) => {
    await expectGradientsMatch({ opType: 'Expand', inputs: [{ x: xs }, { int64: [target.length], values: target }], seed: 61 });
  });

  it('when the target shape carries the symbolic batch, then dx follows the runtime batch', async () => {
    // x [N, 1, 3] expanded to [N, 4, 3] with a constant [1, 4, 1] target (bidirectional broadcast).
    await expectGraphGradientsMatch({
      nodes: [
        { opType: 'Expand', inputs: ['data', 'shape'], outputs: ['y'] },
        { opType: 'Flatten', inputs: ['y'], outputs: ['out'] },
      ],
      constants: { shape: { dtype: 'int64', dims: [3], values: [1, 4, 1] } },
      output: 'out', xShape: [3, 1, 3], batched: true, seed: 62,
    });
  });
});
