import { expectSound } from '../testing/property';

// The widening scales with |s|·|x| + |mean·s| + |β| + |t| (rule comment), not with |y|: a degenerate
// box may be wider than 1e-4·(1 + |y|) with |s| up to 20.
describe('BatchNormalization bound rule', () => {
  it('when scale, bias, mean and variance are constants (negative scales, small variances), then every output lies in the interval', async () => {
    await expectSound({
      opType: 'BatchNormalization',
      inputs: [{ bounded: [2, 3, 3, 3] }, { float: [3], values: [1.5, -0.5, 2] }, { float: [3], lo: -1, hi: 1 }, { float: [3], lo: -2, hi: 2 }, { float: [3], values: [0.01, 1, 4] }],
      attrs: { epsilon: { float: 1e-5 } }, float64: 'ort', degenerateWidth: 1e-3,
    });
  });
});
