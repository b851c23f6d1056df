import { expectGradientsMatch } from '../testing/gradcheck';

describe('LeakyRelu rule', () => {
  it.each([[{}], [{ alpha: { float: 0.2 } }]])('when x has both signs and attrs %j, then the gradient matches', async (attrs) => {
    // Each side of the kink at 0 separately, plus mixed signs kept at |x| ≥ 0.05.
    await expectGradientsMatch({ opType: 'LeakyRelu', inputs: [{ x: [2, 3, 4], lo: 0.05, hi: 1 }], attrs, seed: 1 });
    await expectGradientsMatch({ opType: 'LeakyRelu', inputs: [{ x: [2, 3, 4], lo: -1, hi: -0.05 }], attrs, seed: 2 });
  });
});
