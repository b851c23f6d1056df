import { expectGradientsMatch } from '../testing/gradcheck';

describe('Abs rule', () => {
  it('when x is positive or negative (away from the kink at 0), then the gradient matches in float64', async () => {
    await expectGradientsMatch({ opType: 'Abs', inputs: [{ x: [2, 3, 4], lo: 0.05, hi: 1 }], seed: 1 });
    await expectGradientsMatch({ opType: 'Abs', inputs: [{ x: [2, 3, 4], lo: -1, hi: -0.05 }], seed: 2 });
  });
});
