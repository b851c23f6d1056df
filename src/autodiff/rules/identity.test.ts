import { expectGradientsMatch, gradcheck } from '../testing/gradcheck';

describe('Identity rule', () => {
  it('when x spans both signs, then the gradient matches central differences in float64', async () => {
    await expectGradientsMatch({ opType: 'Identity', inputs: [{ x: [2, 3, 4] }], seed: 1 });
  });

  it('when x = [0, 0, 0], then the gradient is the hand-computed softmax(x) − e₀ = [−2/3, 1/3, 1/3]', async () => {
    const r = await gradcheck({ opType: 'Identity', inputs: [{ x: [1, 3], lo: 0, hi: 0 }], indices: [] });
    expect(r.analytic[0]).toBeCloseTo(-2 / 3, 12);
    expect(r.analytic[1]).toBeCloseTo(1 / 3, 12);
    expect(r.analytic[2]).toBeCloseTo(1 / 3, 12);
  });
});
