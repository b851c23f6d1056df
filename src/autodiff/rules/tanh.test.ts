import { expectGradientsMatch } from '../testing/gradcheck';

describe('Tanh rule', () => {
  it('when x spans both signs, then the gradient matches central differences in float64', async () => {
    await expectGradientsMatch({ opType: 'Tanh', inputs: [{ x: [2, 3, 4], lo: -2, hi: 2 }], seed: 1 });
  });
});
