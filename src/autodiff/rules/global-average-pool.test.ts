import { expectGradientsMatch } from '../testing/gradcheck';

// ORT's CPU provider has no float64 GlobalAveragePool kernel, so the check runs in float32 (h = 1e-2);
// measured max error 3.4e-4.
describe('GlobalAveragePool rule', () => {
  it.each([[[2, 3, 4, 4]], [[1, 3, 5]], [[1, 2, 2, 3, 2]], [[2, 4, 1, 1]]])('when x is %j, then dx matches in float32', async (xs) => {
    await expectGradientsMatch({ opType: 'GlobalAveragePool', inputs: [{ x: xs }], dtype: 'float32', seed: 91 }, 1e-2);
  });
});
