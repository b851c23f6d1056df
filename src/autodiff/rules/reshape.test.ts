import { expectGradientsMatch } from '../testing/gradcheck';
import { expectGraphGradientsMatch } from '../testing/graph-check';

describe('Reshape rule', () => {
  it.each([
    [[2, 3, 4], [6, 4]],
    [[2, 3, 4], [4, -1]],
    [[2, 3, 4], [0, 12]],
    [[2, 3, 4], [24]],
    [[6], [1, 2, 3, 1]],
  ])('when x %j is reshaped to %j, then dx is dy reshaped back', async (xs, target) => {
    await expectGradientsMatch({ opType: 'Reshape', inputs: [{ x: xs }, { int64: [target.length], values: target }], seed: 101 });
  });

  it('when the target keeps a symbolic batch with 0 / −1, then dx follows the runtime batch', async () => {
    await expectGraphGradientsMatch({
      nodes: [
        { opType: 'Reshape', inputs: ['data', 'shape'], outputs: ['y'] },
        { opType: 'Mul', inputs: ['y', 'y'], outputs: ['out'] },
      ],
      constants: { shape: { dtype: 'int64', dims: [2], values: [0, -1] } },
      output: 'out', xShape: [3, 2, 3], batched: true, seed: 102,
    });
  });
});
