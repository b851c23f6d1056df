import { expectSound } from '../testing/property';

describe('Transpose bound rule', () => {
  it('when a permutation moves the batch axis, then the bounds are exactly [transpose(lo), transpose(hi)]', async () => {
    await expectSound({ opType: 'Transpose', inputs: [{ bounded: [2, 3, 4] }], attrs: { perm: [2, 0, 1] }, exact: true, float64: 'ort' });
  });
});
