import { expectSound } from '../testing/property';

describe('Unsqueeze bound rule', () => {
  it('when constant axes add unit dimensions, then the bounds are exactly [unsqueeze(lo), unsqueeze(hi)]', async () => {
    await expectSound({ opType: 'Unsqueeze', inputs: [{ bounded: [2, 3] }, { int64: [2], values: [0, 3] }], exact: true, float64: 'ort' });
  });
});
