import { expectGradientsMatch } from '../testing/gradcheck';

describe('Squeeze rule', () => {
  it.each([
    [[2, 1, 3], [1]],
    [[2, 1, 3, 1], [-1, 1]],
    [[1, 4, 1], [0, 2]],
  ])('when squeezing %j on axes %j, then dx is dy reshaped back', async (xs, axes) => {
    await expectGradientsMatch({ opType: 'Squeeze', inputs: [{ x: xs }, { int64: [axes.length], values: axes }], seed: 111 });
  });

  it('when axes are absent, then every size-1 axis is removed and the gradient matches', async () => {
    await expectGradientsMatch({ opType: 'Squeeze', inputs: [{ x: [1, 3, 1, 2] }], seed: 112 });
  });
});
