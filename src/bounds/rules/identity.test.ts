import { expectSound } from '../testing/property';

describe('Identity bound rule', () => {
  it('when points of random boxes are evaluated, then the bounds are exactly [lo, hi] and contain every output', async () => {
    await expectSound({ opType: 'Identity', inputs: [{ bounded: [2, 3, 4] }], exact: true, float64: (x) => x });
  });
});
