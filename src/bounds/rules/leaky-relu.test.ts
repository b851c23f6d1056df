import { UnsupportedOpError } from '../../errors';
import { expectSound, unsupportedReason } from '../testing/property';

describe('LeakyRelu bound rule', () => {
  it('when α ≥ 0 (0.1, 0, 1.5), then every output at points of random boxes lies in [f(lo), f(hi)] (widened)', async () => {
    for (const [i, alpha] of [0.1, 0, 1.5].entries()) {
      await expectSound({ opType: 'LeakyRelu', inputs: [{ bounded: [2, 3, 4] }], attrs: { alpha: { float: alpha } }, float64: (x) => (x >= 0 ? x : Math.fround(alpha) * x), seed: i + 1 });
    }
  });

  it('when α < 0, then the rule refuses with UnsupportedOpError (not monotone)', async () => {
    const e = await unsupportedReason({ opType: 'LeakyRelu', inputs: [{ bounded: [2, 3] }], attrs: { alpha: { float: -0.5 } } });
    expect(e).toBeInstanceOf(UnsupportedOpError);
    expect(e.message).toMatch(/alpha < 0/);
  });
});
