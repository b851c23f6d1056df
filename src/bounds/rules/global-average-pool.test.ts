import { expectSound } from '../testing/property';

// ORT's CPU GlobalAveragePool is float32 only: no float64 reference.
describe('GlobalAveragePool bound rule', () => {
  it('when points of random boxes are evaluated, then every channel mean lies in the interval', async () => {
    await expectSound({ opType: 'GlobalAveragePool', inputs: [{ bounded: [2, 3, 5, 5] }] });
  });
});
