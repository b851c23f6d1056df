import { expectGradientsMatch } from '../testing/gradcheck';

describe('Unsqueeze rule', () => {
  it.each([
    [[2, 3], [0]],
    [[2, 3], [1]],
    [[2, 3], [-1]],
    [[2, 3], [0, 3]],
    [[2, 3], [-1, -4]],
  ])('when unsqueezing %j at axes %j, then dx is dy reshaped back', async (xs, axes) => {
    await expectGradientsMatch({ opType: 'Unsqueeze', inputs: [{ x: xs }, { int64: [axes.length], values: axes }], seed: 121 });
  });
});
