import { expectSound } from '../testing/property';

describe('Pad bound rule', () => {
  it('when mode = constant with a value, then the bounds are exactly [pad(lo), pad(hi)] and contain every output', async () => {
    await expectSound({ opType: 'Pad', inputs: [{ bounded: [1, 2, 4, 4] }, { int64: [8], values: [0, 0, 1, 2, 0, 0, 2, 1] }, { float: [], values: [-0.75] }], attrs: { mode: 'constant' }, exact: true, float64: 'ort' });
  });

  it.each(['reflect', 'edge'])('when mode = %s, then the bounds are exactly [pad(lo), pad(hi)]', async (mode) => {
    await expectSound({ opType: 'Pad', inputs: [{ bounded: [1, 2, 4, 4] }, { int64: [8], values: [0, 0, 2, 1, 0, 0, 1, 2] }], attrs: { mode }, exact: true, float64: 'ort', seed: mode.length });
  });
});
