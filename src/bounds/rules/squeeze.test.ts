import { expectSound } from '../testing/property';

describe('Squeeze bound rule', () => {
  it('when constant axes drop unit dimensions, then the bounds are exactly [squeeze(lo), squeeze(hi)]', async () => {
    await expectSound({ opType: 'Squeeze', inputs: [{ bounded: [2, 1, 4, 1] }, { int64: [2], values: [1, -1] }], exact: true, float64: 'ort' });
  });
});
