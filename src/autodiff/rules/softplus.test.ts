import { expectGradientsMatch } from '../testing/gradcheck';

// float32: ORT has no double Softplus kernel. Measured max error 3.4e-3 (float32 finite-difference noise, h = 1e-2).
const F32 = { dtype: 'float32' as const };

describe('Softplus rule', () => {
  it('when x spans both signs, then the gradient matches central differences in float32', async () => {
    await expectGradientsMatch({ opType: 'Softplus', inputs: [{ x: [2, 3, 4], lo: -3, hi: 3 }], seed: 1, ...F32 }, 1e-2);
  });
});
