import { checkModel, expectGradientsMatch } from '../testing/gradcheck';
import { expectGraphGradientsMatch } from '../testing/graph-check';

const idx = (dims: number[], values: number[]) => ({ int64: dims, values });

describe('Gather rule', () => {
  it.each([
    ['a scalar index on axis 0', [3, 4], idx([], [1]), 0],
    ['a scalar negative index on axis 1', [3, 4], idx([], [-1]), 1],
    ['1-D indices on axis 0', [4, 3], idx([2], [3, 1]), 0],
    ['1-D indices on axis 1', [2, 5, 2], idx([3], [4, 0, 2]), 1],
    ['1-D indices on axis −1', [2, 3, 4], idx([2], [3, 0]), -1],
    ['2-D indices on axis 1', [2, 5], idx([2, 2], [0, 4, 3, 1]), 1],
    ['2-D indices on axis 0', [4, 3], idx([2, 3], [0, 1, 2, 3, 2, 1]), 0],
    ['negative indices', [3, 5], idx([3], [-1, -5, 2]), 1],
    ['repeated indices', [4, 3], idx([4], [2, 0, 2, 2]), 0],
    ['repeated and negative indices on axis −1', [2, 4], idx([2, 2], [-1, 3, 0, -4]), -1],
  ])('when gathering with %s, then dy is scatter-added back', async (_, shape, indices, axis) => {
    await expectGradientsMatch({ opType: 'Gather', inputs: [{ x: shape }, indices], attrs: { axis }, seed: 161 });
  });

  it('when indices repeat, then the gradients of the copies add up (by hand)', async () => {
    // x = [a, b, c], idx = [2, 0, 2]: y = [c, a, c]; with dz = softmax(y) − e₀: da = dz₁, db = 0, dc = dz₀ + dz₂.
    const spec = { opType: 'Gather', inputs: [{ x: [3] }, idx([3], [2, 0, 2])], attrs: { axis: 0 }, seed: 162 };
    const { x } = checkModel(spec);
    const e = [x[2], x[0], x[2]].map(Math.exp);
    const s = e.reduce((p, q) => p + q, 0);
    const dz = e.map((v, i) => v / s - (i === 0 ? 1 : 0));
    const { analytic } = await expectGradientsMatch(spec);
    [dz[1], 0, dz[0] + dz[2]].forEach((v, i) => expect(analytic[i]).toBeCloseTo(v, 12));
  });

  it('when gathering along a non-batch axis of a symbolic batch, then dx takes the runtime shape', async () => {
    await expectGraphGradientsMatch({
      nodes: [
        { opType: 'Gather', inputs: ['data', 'i'], outputs: ['y'], attrs: { axis: 1 } },
        { opType: 'Flatten', inputs: ['y'], outputs: ['out'] },
      ],
      constants: { i: { dtype: 'int64', dims: [2, 2], values: [0, 2, 2, -1] } },
      output: 'out', xShape: [3, 4, 2], batched: true, seed: 163,
    });
  });

  it('when gathering along the symbolic batch axis, then indices are normalised by the runtime batch', async () => {
    // y = x · x[−1] (the last row, broadcast over the batch). Probed at batch 2, run at batch 4:
    // index −1 must address row 3, not the probe's row 1.
    await expectGraphGradientsMatch({
      nodes: [
        { opType: 'Gather', inputs: ['data', 'i'], outputs: ['last'], attrs: { axis: 0 } },
        { opType: 'Mul', inputs: ['data', 'last'], outputs: ['out'] },
      ],
      constants: { i: { dtype: 'int64', dims: [1], values: [-1] } },
      output: 'out', xShape: [4, 3], batched: true, seed: 164,
    });
  });
});
