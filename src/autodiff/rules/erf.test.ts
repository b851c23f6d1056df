import { expectGradientsMatch } from '../testing/gradcheck';

// float32: ORT has no double Erf kernel. Measured max error 8.9e-4 (float32 finite-difference noise, h = 1e-2).
const F32 = { dtype: 'float32' as const };

describe('Erf rule', () => {
  it('when x spans both signs, then the gradient matches central differences in float32', async () => {
    await expectGradientsMatch({ opType: 'Erf', inputs: [{ x: [2, 3, 4], lo: -2, hi: 2 }], seed: 1, ...F32 }, 1e-2);
  });
});
