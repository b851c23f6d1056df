import { expectGradientsMatch } from '../testing/gradcheck';

describe('Log rule', () => {
  it('when x is positive (small and large), then the gradient matches central differences in float64', async () => {
    await expectGradientsMatch({ opType: 'Log', inputs: [{ x: [2, 3, 4], lo: 0.1, hi: 3 }], seed: 1 });
  });
});
