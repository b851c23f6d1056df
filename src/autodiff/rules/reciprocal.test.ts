import { expectGradientsMatch } from '../testing/gradcheck';

describe('Reciprocal rule', () => {
  it('when x is bounded away from 0 on either side, then the gradient matches in float64', async () => {
    await expectGradientsMatch({ opType: 'Reciprocal', inputs: [{ x: [2, 3, 4], lo: 0.5, hi: 2 }], seed: 1 });
    await expectGradientsMatch({ opType: 'Reciprocal', inputs: [{ x: [2, 3, 4], lo: -2, hi: -0.5 }], seed: 2 });
  });
});
