import type { AttrInput } from '../../onnx/graph-writer';
import { expectGradientsMatch } from '../testing/gradcheck';
import { expectGraphGradientsMatch } from '../testing/graph-check';
import { ceGradient, gradientOf, smallModel, tensor } from '../testing/small-model';

const CASES: [string, number[], Record<string, AttrInput>][] = [
  ['one axis, keepdims', [2, 3, 4], { axes: [1] }],
  ['one axis, keepdims = 0', [2, 3, 4], { axes: [2], keepdims: 0 }],
  ['negative axes', [2, 3, 4], { axes: [-1, -2], keepdims: 0 }],
  ['the batch axis', [3, 2, 2], { axes: [0, 2] }],
  ['the batch axis, keepdims = 0', [3, 4], { axes: [0], keepdims: 0 }],
  ['unsorted axes', [2, 3, 2, 2], { axes: [3, 1], keepdims: 0 }],
];

describe('ReduceMean rule', () => {
  it.each(CASES)('when reducing over %s, then dx matches in float64', async (_, xs, attrs) => {
    await expectGradientsMatch({ opType: 'ReduceMean', inputs: [{ x: xs }], attrs, seed: 81 });
  });

  // A full reduction leaves a single value, so it is checked inside z = mean(x)·c (two logits) by hand.
  it.each([[{}], [{ axes: [] }], [{ axes: [0, 1], keepdims: 0 }]])(
    'when %j reduces every axis, then each dx is dm/6 as computed by hand',
    async (attrs: Record<string, AttrInput>) => {
      // x = [[1, 2, 3], [4, 5, 9]]: m = mean = 4, z = m·[1, −1] = [4, −4]; CE with label 0 gives
      // dz = softmax(z) − e₀, dm = dz·c = dz₀ − dz₁, and every dx = dm/6.
      const model = smallModel({
        xShape: [2, 3],
        nodes: [{ op: 'ReduceMean', inputs: ['data'], attrs }, { op: 'Reshape', inputs: ['v0', 'one'] }, { op: 'Mul', inputs: ['v1', 'c'] }],
        consts: { c: tensor('float64', [2], [1, -1]), one: tensor('int64', [1], [1]) },
      });
      const { runs } = await gradientOf(model, [1, 2, 3, 4, 5, 9]);
      const dz = ceGradient([4, -4]);
      for (const v of runs[0].grad) expect(v).toBeCloseTo((dz[0] - dz[1]) / 6, 12);
    },
  );

  it('when the symbolic batch axis is reduced and run at another size than the probe, then dx uses the run-time count', async () => {
    await expectGraphGradientsMatch({
      nodes: [
        { opType: 'ReduceMean', inputs: ['data'], outputs: ['m'], attrs: { axes: [0], keepdims: 1 } },
        { opType: 'Add', inputs: ['data', 'm'], outputs: ['y'] },
      ],
      output: 'y', xShape: [3, 4], batched: true, seed: 82,
    });
  });
});
