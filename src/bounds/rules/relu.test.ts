import { expectSound } from '../testing/property';

describe('Relu bound rule', () => {
  it('when points of random boxes (kinks at 0 included) are evaluated, then every output lies in [relu(lo), relu(hi)], exactly those', async () => {
    await expectSound({ opType: 'Relu', inputs: [{ bounded: [2, 3, 4] }], exact: true, float64: (x) => Math.max(x, 0) });
  });
});
