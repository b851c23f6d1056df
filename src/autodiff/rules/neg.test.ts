import { expectGradientsMatch } from '../testing/gradcheck';

describe('Neg rule', () => {
  it('when x spans both signs, then the gradient matches central differences in float64', async () => {
    await expectGradientsMatch({ opType: 'Neg', inputs: [{ x: [2, 3, 4] }], seed: 1 });
  });
});
