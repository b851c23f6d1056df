import { expectSound } from '../testing/property';

// ORT's CPU AveragePool is float32 only: no float64 reference.
describe('AveragePool bound rule', () => {
  it.each([0, 1])('when pads are counted (count_include_pad = %i), then every output lies in the interval', async (countPad) => {
    await expectSound({
      opType: 'AveragePool', inputs: [{ bounded: [1, 2, 6, 6] }],
      attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: countPad }, seed: 1 + countPad,
    });
  });
});
