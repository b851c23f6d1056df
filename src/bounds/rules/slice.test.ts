import { expectSound } from '../testing/property';

describe('Slice bound rule', () => {
  it('when constant starts, ends, axes and steps (a negative step) select elements, then the bounds are exactly [slice(lo), slice(hi)]', async () => {
    await expectSound({
      opType: 'Slice',
      inputs: [{ bounded: [2, 5, 6] }, { int64: [2], values: [1, -1] }, { int64: [2], values: [4, 0] }, { int64: [2], values: [1, 2] }, { int64: [2], values: [2, -2] }],
      exact: true, float64: 'ort',
    });
  });
});
