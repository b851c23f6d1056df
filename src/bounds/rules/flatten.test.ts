import { expectSound } from '../testing/property';

describe('Flatten bound rule', () => {
  it.each([0, 1, 2])('when axis = %i, then the bounds are exactly [flatten(lo), flatten(hi)] and contain every output', async (axis) => {
    await expectSound({ opType: 'Flatten', inputs: [{ bounded: [2, 3, 4] }], attrs: { axis }, exact: true, float64: 'ort', seed: axis + 1 });
  });
});
