import { expectSound } from '../testing/property';

describe('Reshape bound rule', () => {
  it('when the shape is a constant (with -1 and 0), then the bounds are exactly [reshape(lo), reshape(hi)]', async () => {
    await expectSound({ opType: 'Reshape', inputs: [{ bounded: [2, 3, 4] }, { int64: [3], values: [0, -1, 2] }], exact: true, float64: 'ort' });
  });
});
