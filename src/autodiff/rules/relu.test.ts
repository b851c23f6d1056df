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
});
