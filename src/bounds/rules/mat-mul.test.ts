import { UnsupportedOpError } from '../../errors';
import { expectSound, unsupportedReason } from '../testing/property';

// The widening scales with Σ|w|·|x| (float-error.ts), not with |y| (sums may cancel).
const AFFINE_WIDTH = 1e-2;

describe('MatMul bound rule', () => {
  it('when X is bounded and W constant (X·W, batched X too), then every output lies in the interval', async () => {
    await expectSound({ opType: 'MatMul', inputs: [{ bounded: [3, 5] }, { float: [5, 4] }], float64: 'ort', degenerateWidth: AFFINE_WIDTH });
    await expectSound({ opType: 'MatMul', inputs: [{ bounded: [2, 3, 5] }, { float: [5, 2], lo: -3, hi: 3 }], float64: 'ort', degenerateWidth: AFFINE_WIDTH, seed: 2 });
  });

  it('when W is constant on the left (W·X), then every output lies in the interval', async () => {
    await expectSound({ opType: 'MatMul', inputs: [{ float: [4, 3] }, { bounded: [3, 5] }], float64: 'ort', degenerateWidth: AFFINE_WIDTH, seed: 3 });
  });

  it('when both operands are bounded, then the rule refuses with UnsupportedOpError', async () => {
    const e = await unsupportedReason({ opType: 'MatMul', inputs: [{ bounded: [2, 3] }, { bounded: [3, 2] }] });
    expect(e).toBeInstanceOf(UnsupportedOpError);
    expect(e.message).toMatch(/product of two bounded tensors/);
  });
});
