import { checkModel, expectGradientsMatch } from '../testing/gradcheck';
import { expectGraphGradientsMatch } from '../testing/graph-check';

describe('Tile rule', () => {
  it.each([
    [[2, 3], [1, 2]],
    [[2, 3], [3, 1]],
    [[2, 3, 2], [2, 1, 3]],
    [[2, 3], [1, 1]],
    [[4], [3]],
    [[1, 3], [2, 2]],
  ])('when x is %j and repeats %j, then dx sums dy over the tiles', async (xs, reps) => {
    await expectGradientsMatch({ opType: 'Tile', inputs: [{ x: xs }, { int64: [reps.length], values: reps }], seed: 71 });
  });

  it('when x = [a, b] is tiled twice, then each element collects both copies (by hand)', async () => {
    // y = [a, b, a, b]; with dz = softmax(y) − e₀: da = dz₀ + dz₂, db = dz₁ + dz₃.
    const spec = { opType: 'Tile', inputs: [{ x: [2] }, { int64: [1], values: [2] }], seed: 72 };
    const { x } = checkModel(spec);
    const e = [x[0], x[1], x[0], x[1]].map(Math.exp);
    const total = e.reduce((p, q) => p + q, 0);
    const dz = e.map((v, k) => v / total - (k === 0 ? 1 : 0));
    const { analytic } = await expectGradientsMatch(spec);
    expect(analytic[0]).toBeCloseTo(dz[0] + dz[2], 12);
    expect(analytic[1]).toBeCloseTo(dz[1] + dz[3], 12);
  });

  it('when the batch is symbolic and repeats are computed at run time, then the gradient matches', async () => {
    // repeats = [1, 2, D] with D = x.shape[2], read from Shape(x).
    await expectGraphGradientsMatch({
      nodes: [
        { opType: 'Shape', inputs: ['data'], outputs: ['xs'] },
        { opType: 'Slice', inputs: ['xs', 'two', 'three'], outputs: ['d'] },
        { opType: 'Concat', inputs: ['one', 'two', 'd'], outputs: ['reps'], attrs: { axis: 0 } },
        { opType: 'Tile', inputs: ['data', 'reps'], outputs: ['y'] },
        { opType: 'Flatten', inputs: ['y'], outputs: ['out'] },
      ],
      constants: {
        one: { dtype: 'int64', dims: [1], values: [1] }, two: { dtype: 'int64', dims: [1], values: [2] },
        three: { dtype: 'int64', dims: [1], values: [3] },
      },
      output: 'out', xShape: [3, 2, 3], batched: true, seed: 73,
    });
  });
});
