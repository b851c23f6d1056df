import { expectGradientsMatch } from '../testing/gradcheck';

describe('Exp rule', () => {
  it('when x spans both signs, then the gradient matches central differences in float64', async () => {
    await expectGradientsMatch({ opType: 'Exp', inputs: [{ x: [2, 3, 4], lo: -2, hi: 2 }], seed: 1 });
  });
});
