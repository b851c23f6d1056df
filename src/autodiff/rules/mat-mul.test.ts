import { ceGradient, gradientOf, smallModel, tensor } from '../testing/small-model';
import { expectGradientsMatch } from '../testing/gradcheck';
import { expectGraphGradientsMatch } from '../testing/graph-check';

// [A's shape, B's shape]: plain, batched, broadcast batch dims, and the 1-D cases.
const SHAPES: [number[], number[]][] = [
  [[2, 3], [3, 4]], [[2, 2, 3], [3, 4]], [[3], [3, 4]], [[2, 3], [3]], [[3, 2], [2, 1]],
  [[2, 1, 2, 3], [3, 3, 2]], [[1, 2, 3], [2, 3, 4]], [[3], [2, 3, 4]], [[2, 2, 3], [3]], [[2, 1, 4], [1, 4, 2]],
];

describe('MatMul rule', () => {
  it.each(SHAPES)('when A is %j and B %j, then both operand gradients match in float64', async (as, bs) => {
    await expectGradientsMatch({ opType: 'MatMul', inputs: [{ x: as }, { float: bs }], seed: 5 });
    await expectGradientsMatch({ opType: 'MatMul', inputs: [{ float: as }, { x: bs }], seed: 6 });
  });

  it('when both operands are 1-D (a scalar product), then dx = dy·b as computed by hand', async () => {
    // logits z = (x·b)·c with x = [1, 0, 2], b = [1, 2, 3], c = [1, −1]: s = x·b = 7, z = [7, −7];
    // CE with label 0: dz = softmax(z) − e₀, ds = dz·c, dx = ds·b.
    const model = smallModel({
      xShape: [3],
      nodes: [{ op: 'MatMul', inputs: ['data', 'b'] }, { op: 'Unsqueeze', inputs: ['v0', 'axis0'] }, { op: 'Mul', inputs: ['v1', 'c'] }],
      consts: { b: tensor('float64', [3], [1, 2, 3]), c: tensor('float64', [2], [1, -1]), axis0: tensor('int64', [1], [0]) },
    });
    const { runs } = await gradientOf(model, [1, 0, 2]);
    const dz = ceGradient([7, -7]);
    const ds = dz[0] - dz[1];
    runs[0].grad.forEach((v, i) => expect(v).toBeCloseTo(ds * [1, 2, 3][i], 12));
  });

  it('when x has a symbolic batch dim run at another size than the probe, then the gradient of either operand still matches', async () => {
    for (const [data, w] of [[['data', 'w'], [3, 4]], [['w', 'data'], [2, 3]]] as const) {
      await expectGraphGradientsMatch({
        nodes: [{ opType: 'MatMul', inputs: [...data], outputs: ['y'] }, { opType: 'Flatten', inputs: ['y'], outputs: ['z'] }],
        constants: { w: { dtype: 'float', dims: [...w], values: Array.from({ length: w[0] * w[1] }, (_, i) => Math.sin(i + 1)) } },
        output: 'z', xShape: data[0] === 'data' ? [3, 2, 3] : [3, 3, 4], batched: true, seed: 7,
      });
    }
  });
});
