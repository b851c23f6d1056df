import { expectGradientsMatch } from '../testing/gradcheck';

// float32: ORT has no double HardSigmoid kernel. Measured max error 1.9e-3 (float32 finite-difference noise, h = 1e-2).
const F32 = { dtype: 'float32' as const };

describe('HardSigmoid rule', () => {
  it('when αx + β lies strictly inside (0, 1), then the gradient matches', async () => {
    // Default α = 0.2, β = 0.5: the linear part is x ∈ (−2.5, 2.5).
    await expectGradientsMatch({ opType: 'HardSigmoid', inputs: [{ x: [2, 3, 4], lo: -2.4, hi: 2.4 }], seed: 1, ...F32 }, 1e-2);
    await expectGradientsMatch({
      opType: 'HardSigmoid', inputs: [{ x: [2, 3, 4], lo: -0.9, hi: 0.9 }], attrs: { alpha: { float: 0.5 }, beta: { float: 0.5 } }, seed: 2, ...F32,
    }, 1e-2);
  });

  it('when the input saturates on either side, then the gradient is 0', async () => {
    const lo = await expectGradientsMatch({ opType: 'HardSigmoid', inputs: [{ x: [2, 3], lo: -5, hi: -2.6 }], seed: 3, ...F32 }, 1e-2);
    const hi = await expectGradientsMatch({ opType: 'HardSigmoid', inputs: [{ x: [2, 3], lo: 2.6, hi: 5 }], seed: 4, ...F32 }, 1e-2);
    expect([...lo.analytic, ...hi.analytic].every((v) => v === 0)).toBe(true);
  });
});
