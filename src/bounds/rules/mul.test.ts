import { UnsupportedOpError } from '../../errors';
import { expectSound, unsupportedReason } from '../testing/property';

describe('Mul bound rule', () => {
  it('when the bounded operand is scaled by a constant of either sign (either side, broadcast), then every product lies in the interval', async () => {
    await expectSound({ opType: 'Mul', inputs: [{ bounded: [2, 3, 4] }, { float: [4], values: [-3, -0.25, 0, 7.5] }], float64: 'ort' });
    await expectSound({ opType: 'Mul', inputs: [{ float: [3, 1], lo: -4, hi: 4 }, { bounded: [2, 3, 4] }], float64: 'ort', seed: 2 });
  });

  it('when both operands are bounded, then the rule refuses with UnsupportedOpError', async () => {
    const e = await unsupportedReason({ opType: 'Mul', inputs: [{ bounded: [2, 3] }, { bounded: [2, 3] }] });
    expect(e).toBeInstanceOf(UnsupportedOpError);
    expect(e.message).toMatch(/product of two bounded tensors/);
  });
});
