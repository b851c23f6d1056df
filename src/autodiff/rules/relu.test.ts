import { expectGradientsMatch } from '../testing/gradcheck';

describe('Relu rule', () => {
  it('when x has both signs, then the gradient matches central differences in float64', async () => {
    // x kept away from the kink at 0, where the one-sided derivatives differ.
    await expectGradientsMatch({ opType: 'Relu', inputs: [{ x: [2, 3, 4], lo: 0.05, hi: 1 }], seed: 3 });
    await expectGradientsMatch({ opType: 'Relu', inputs: [{ x: [2, 3, 4], lo: -1, hi: -0.05 }], seed: 4 });
  });
});
