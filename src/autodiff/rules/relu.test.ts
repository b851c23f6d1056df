import { expectGradientsMatch } from '../testing/gradcheck';
import { ceGradient, gradientOf, smallModel } from '../testing/small-model';

describe('Relu rule', () => {
  it('when x has both signs, then the gradient matches central differences in float64', async () => {
    // x kept away from the kink at 0, where the one-sided derivatives differ.
    await expectGradientsMatch({ opType: 'Relu', inputs: [{ x: [2, 3, 4], lo: 0.05, hi: 1 }], seed: 3 });
    await expectGradientsMatch({ opType: 'Relu', inputs: [{ x: [2, 3, 4], lo: -1, hi: -0.05 }], seed: 4 });
  });

  it('when x is negative or exactly 0, then dx is 0 there and dy elsewhere (by hand)', async () => {
    // The mask is read from y = relu(x) (y > 0 ⇔ x > 0): dx = [0, 0, dy₂, dy₃], 0 at the kink as in PyTorch.
    for (const dtype of ['float32', 'float64'] as const) {
      const model = smallModel({ xShape: [1, 4], dtype, nodes: [{ op: 'Relu', inputs: ['data'] }] });
      const { runs } = await gradientOf(model, [-1, 0, 0.5, 2]);
      const dy = ceGradient([0, 0, 0.5, 2]);
      [0, 0, dy[2], dy[3]].forEach((v, i) => expect(runs[0].grad[i]).toBeCloseTo(v, 6));
    }
  });

  it('when y is a denormal or the smallest float32, then the float32 mask is still exactly 0 or 1 (by hand)', async () => {
    // 2⁻¹⁴⁹ (the smallest denormal), 3·10⁻³⁹ (denormal) and 2⁻¹²⁶ (the smallest normal) get dy; −1e-45, −0 and 0 get 0.
    const x = [-1e-45, -0, 0, 2 ** -149, 3e-39, 2 ** -126, 0.5, 2];
    const model = smallModel({ xShape: [1, 8], dtype: 'float32', nodes: [{ op: 'Relu', inputs: ['data'] }] });
    const { runs } = await gradientOf(model, x);
    const dy = ceGradient(x.map((v) => Math.max(Math.fround(v), 0)));
    expect(runs[0].grad.slice(0, 3).map(Math.abs)).toEqual([0, 0, 0]);
    // A fractional mask (e.g. clip(α·y) with a too small α) would scale these by α·y < 1.
    for (let i = 3; i < 8; i++) expect(runs[0].grad[i]).toBeCloseTo(dy[i], 7);
  });
});
