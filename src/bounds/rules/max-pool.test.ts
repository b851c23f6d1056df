import { expectSound } from '../testing/property';

describe('MaxPool bound rule', () => {
  it('when kernel, strides and pads are set, then every output lies in [maxpool(lo), maxpool(hi)], exactly those', async () => {
    await expectSound({ opType: 'MaxPool', inputs: [{ bounded: [1, 2, 6, 6] }], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, exact: true, float64: 'ort' });
  });

  it('when the windows overlap with dilations, then the bounds are still exact', async () => {
    await expectSound({ opType: 'MaxPool', inputs: [{ bounded: [2, 1, 5, 5] }], attrs: { kernel_shape: [2, 2], dilations: [2, 1] }, exact: true, float64: 'ort', seed: 2 });
  });
});
