import { expectGraphGradientsMatch } from '../testing/graph-check';
import { expectGradientsMatch, gradcheck } from '../testing/gradcheck';
import { ceGradient, gradientOf, smallModel, tensor } from '../testing/small-model';

// scale, B, mean, var for C channels (var kept positive).
const params = (c: number) => [{ float: [c], lo: 0.5, hi: 2 }, { float: [c] }, { float: [c] }, { float: [c], lo: 0.2, hi: 2 }];

describe('BatchNormalization rule', () => {
  it.each([[[2, 3, 4, 4]], [[2, 3]], [[1, 2, 5]], [[1, 2, 2, 3, 2]]])('when x is %j, then dx matches in float64', async (xs) => {
    await expectGradientsMatch({ opType: 'BatchNormalization', inputs: [{ x: xs }, ...params(xs[1])], seed: 51 });
  });

  it('when epsilon is large, then dx = dy·scale/sqrt(var + eps) equals the hand-computed 3·dy', async () => {
    // One channel, scale 3, B 0.25, mean 0.1, var 0.5, eps 0.5: y = 3(x − 0.1)/sqrt(1) + 0.25.
    // x = [0.5, −0.2] gives y = [1.45, −0.65], dy = softmax(y) − e₀ (CE, label 0) and dx = 3·dy.
    const c = (v: number) => tensor('float64', [1], [v]);
    const model = smallModel({
      xShape: [1, 1, 2],
      nodes: [{ op: 'BatchNormalization', inputs: ['data', 's', 'b', 'm', 'v'], attrs: { epsilon: { float: 0.5 } } }],
      consts: { s: c(3), b: c(0.25), m: c(0.1), v: c(0.5) },
    });
    const { runs } = await gradientOf(model, [0.5, -0.2]);
    ceGradient([1.45, -0.65]).forEach((dy, i) => expect(runs[0].grad[i]).toBeCloseTo(3 * dy, 12));
    await expectGradientsMatch({ opType: 'BatchNormalization', inputs: [{ x: [1, 1, 2] }, ...[3, 0.25, 0.1, 0.5].map((v) => ({ float: [1], values: [v] }))], attrs: { epsilon: { float: 0.5 } } });
  });

  it('when the node is in training mode, then the rule refuses with a clear error', async () => {
    await expect(gradcheck({ opType: 'BatchNormalization', inputs: [{ x: [2, 3] }, ...params(3)], attrs: { training_mode: 1 }, outputs: 3 }))
      .rejects.toThrow(/training mode/);
  });

  it('when x has a symbolic batch dim run at another size than the probe, then dx still matches', async () => {
    const c = (values: number[]) => ({ dtype: 'float' as const, dims: [2], values });
    await expectGraphGradientsMatch({
      nodes: [
        { opType: 'BatchNormalization', inputs: ['data', 's', 'b', 'm', 'v'], outputs: ['y'] },
        { opType: 'Flatten', inputs: ['y'], outputs: ['z'] },
      ],
      constants: { s: c([1.5, -0.5]), b: c([0.1, 0.2]), m: c([0.3, -0.2]), v: c([0.5, 2]) },
      output: 'z', xShape: [3, 2, 2], batched: true, seed: 53,
    });
  });
});
