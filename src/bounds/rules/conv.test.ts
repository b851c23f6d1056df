import { expectSound } from '../testing/property';

// ORT's CPU Conv is float32 only: the float64 reference is not available. The widening scales
// with Σ|w|·|x| (float-error.ts), not with |y| (sums may cancel).
const AFFINE_WIDTH = 1e-2;

describe('Conv bound rule', () => {
  it('when strides, asymmetric pads, dilations and a bias are set, then every output lies in the interval', async () => {
    await expectSound({
      opType: 'Conv', inputs: [{ bounded: [1, 2, 7, 7] }, { float: [3, 2, 3, 3] }, { float: [3], lo: -2, hi: 2 }],
      attrs: { strides: [2, 1], pads: [1, 0, 2, 1], dilations: [1, 2], group: 1 }, degenerateWidth: AFFINE_WIDTH,
    });
  });

  it('when there is no bias and a 1×1 kernel, then every output lies in the interval', async () => {
    await expectSound({ opType: 'Conv', inputs: [{ bounded: [2, 3, 4, 4] }, { float: [2, 3, 1, 1], lo: -3, hi: 3 }], degenerateWidth: AFFINE_WIDTH, seed: 2 });
  });
});
