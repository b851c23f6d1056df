import { expectGradientsMatch } from '../testing/gradcheck';

// float32: ORT has no double Selu kernel. Measured max error 3.0e-3 (float32 finite-difference noise, h = 1e-2).
const F32 = { dtype: 'float32' as const };

describe('Selu rule', () => {
  it.each([[{}], [{ alpha: { float: 1.5 }, gamma: { float: 0.8 } }]])(
    'when x lies on either side of 0 and attrs %j, then the gradient matches', async (attrs) => {
      await expectGradientsMatch({ opType: 'Selu', inputs: [{ x: [2, 3, 4], lo: 0.05, hi: 2 }], attrs, seed: 1, ...F32 }, 1e-2);
      await expectGradientsMatch({ opType: 'Selu', inputs: [{ x: [2, 3, 4], lo: -2, hi: -0.05 }], attrs, seed: 2, ...F32 }, 1e-2);
    });
});
