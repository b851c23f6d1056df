import { expectSound } from '../testing/property';

describe('Add bound rule', () => {
  it('when both operands are bounded, then every sum at points of random boxes lies in the interval', async () => {
    await expectSound({ opType: 'Add', inputs: [{ bounded: [2, 3, 4] }, { bounded: [2, 3, 4] }], float64: 'ort' });
  });

  it('when one operand is a broadcast constant (either side), then every sum lies in the interval', async () => {
    await expectSound({ opType: 'Add', inputs: [{ bounded: [2, 3, 4] }, { float: [4], lo: -5, hi: 5 }], float64: 'ort', seed: 2 });
    await expectSound({ opType: 'Add', inputs: [{ float: [3, 1], lo: -5, hi: 5 }, { bounded: [2, 3, 4] }], float64: 'ort', seed: 3 });
  });
});
