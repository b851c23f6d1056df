import { UnsupportedOpError } from '../../errors';
import { expectSound, unsupportedReason } from '../testing/property';

describe('Div bound rule', () => {
  it('when the bounded operand is divided by constants of either sign (small ones included), then every quotient lies in the interval', async () => {
    await expectSound({ opType: 'Div', inputs: [{ bounded: [2, 3, 4] }, { float: [4], values: [-3, 0.01, 0.229, -1e3] }], float64: 'ort' });
  });

  it('when the divisor is bounded, then the rule refuses with UnsupportedOpError', async () => {
    const e = await unsupportedReason({ opType: 'Div', inputs: [{ bounded: [2, 3] }, { bounded: [2, 3] }] });
    expect(e).toBeInstanceOf(UnsupportedOpError);
    expect(e.message).toMatch(/divisor depends on the model input/);
    const byConstant = await unsupportedReason({ opType: 'Div', inputs: [{ float: [2, 3] }, { bounded: [2, 3] }] });
    expect(byConstant).toBeInstanceOf(UnsupportedOpError);
  });

  it('when a divisor entry is 0, then the rule refuses with UnsupportedOpError', async () => {
    const e = await unsupportedReason({ opType: 'Div', inputs: [{ bounded: [2, 2] }, { float: [2], values: [1, 0] }] });
    expect(e).toBeInstanceOf(UnsupportedOpError);
    expect(e.message).toMatch(/zero or non-finite/);
  });
});
