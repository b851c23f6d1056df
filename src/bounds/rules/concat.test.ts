import { expectSound } from '../testing/property';

describe('Concat bound rule', () => {
  it('when two bounded inputs and a constant are joined, then the bounds are exactly [concat(lo…), concat(hi…)]', async () => {
    await expectSound({ opType: 'Concat', inputs: [{ bounded: [2, 3, 4] }, { float: [2, 2, 4], lo: -5, hi: 5 }, { bounded: [2, 1, 4] }], attrs: { axis: 1 }, exact: true, float64: 'ort' });
  });
});
