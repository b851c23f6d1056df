import { expectGradientsMatch } from '../testing/gradcheck';

// float32: ORT has no double HardSwish kernel. Measured max error 2.7e-3 (float32 finite-difference noise, h = 1e-2).
const F32 = { dtype: 'float32' as const };

describe('HardSwish rule', () => {
  it.each([[-2.9, 2.9], [3.1, 6], [-6, -3.1]])('when x ∈ [%d, %d] (one piece), then the gradient matches', async (lo, hi) => {
    await expectGradientsMatch({ opType: 'HardSwish', inputs: [{ x: [2, 3, 4], lo, hi }], seed: 1, ...F32 }, 1e-2);
  });
});
