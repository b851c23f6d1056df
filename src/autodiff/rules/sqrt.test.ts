import { expectGradientsMatch } from '../testing/gradcheck';

describe('Sqrt rule', () => {
  it('when x is positive, then the gradient matches central differences in float64', async () => {
    await expectGradientsMatch({ opType: 'Sqrt', inputs: [{ x: [2, 3, 4], lo: 0.1, hi: 2 }], seed: 1 });
  });
});
