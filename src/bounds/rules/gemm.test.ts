import { expectSound } from '../testing/property';

// The widening scales with Σ|b|·|a| (float-error.ts), not with |y|: a degenerate box may be as
// wide as 1e-3·(1 + |y|) where the sum cancels.
const AFFINE_WIDTH = 1e-2;

describe('Gemm bound rule', () => {
  it('when A is bounded and B, C are constants, then every output at points of random boxes lies in the interval', async () => {
    await expectSound({ opType: 'Gemm', inputs: [{ bounded: [3, 5] }, { float: [5, 4] }, { float: [4], lo: -2, hi: 2 }], float64: 'ort', degenerateWidth: AFFINE_WIDTH });
  });

  it('when transB, a negative alpha, a beta and a [1, N] bias are set, then every output lies in the interval', async () => {
    await expectSound({
      opType: 'Gemm', inputs: [{ bounded: [3, 5] }, { float: [4, 5] }, { float: [1, 4], lo: -2, hi: 2 }],
      attrs: { transB: 1, alpha: -0.75, beta: 1.5 }, float64: 'ort', degenerateWidth: AFFINE_WIDTH, seed: 2,
    });
  });

  it('when there is no bias, then every output lies in the interval', async () => {
    await expectSound({ opType: 'Gemm', inputs: [{ bounded: [2, 6] }, { float: [6, 3], lo: -3, hi: 3 }], float64: 'ort', degenerateWidth: AFFINE_WIDTH, seed: 3 });
  });
});
