import { expectSound } from '../testing/property';

describe('Sub bound rule', () => {
  it('when both operands are bounded, then every difference at points of random boxes lies in [lo_a − hi_b, hi_a − lo_b] (widened)', async () => {
    await expectSound({ opType: 'Sub', inputs: [{ bounded: [2, 3, 4] }, { bounded: [2, 3, 4] }], float64: 'ort' });
  });

  it('when the constant is subtracted from, or subtracts, the bounded operand, then every difference lies in the interval', async () => {
    await expectSound({ opType: 'Sub', inputs: [{ bounded: [2, 3, 4] }, { float: [4], lo: -5, hi: 5 }], float64: 'ort', seed: 2 });
    await expectSound({ opType: 'Sub', inputs: [{ float: [3, 1], lo: -5, hi: 5 }, { bounded: [2, 3, 4] }], float64: 'ort', seed: 3 });
  });
});
