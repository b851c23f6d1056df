import { expectGradientsMatch, gradcheck } from '../testing/gradcheck';

describe('Sigmoid rule', () => {
  it('when x spans both signs, then the gradient matches central differences in float64', async () => {
    await expectGradientsMatch({ opType: 'Sigmoid', inputs: [{ x: [2, 3, 4], lo: -4, hi: 4 }], seed: 1 });
  });

  it('when x = [0, 0], then the gradient is the hand-computed [−1/8, 1/8]', async () => {
    // y = σ(0) = [½, ½]; the checker's loss is CE(y, label 0), so dL/dy = softmax(y) − e₀ = [−½, ½];
    // dx = dL/dy · y(1 − y) = [−½, ½] · ¼.
    const r = await gradcheck({ opType: 'Sigmoid', inputs: [{ x: [1, 2], lo: 0, hi: 0 }] });
    expect(r.analytic[0]).toBeCloseTo(-0.125, 12);
    expect(r.analytic[1]).toBeCloseTo(0.125, 12);
  });
});
