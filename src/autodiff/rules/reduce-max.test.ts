import { expectGradientsMatch } from '../testing/gradcheck';
import { expectGraphGradientsMatch, graphGradcheck } from '../testing/graph-check';

// Random inputs have no ties, where the maximum is not differentiable.
describe('ReduceMax rule', () => {
  it.each([
    [[1], 1], [[1], 0], [[-1], 1], [[-1], 0], [[0, 2], 1], [[0, 2], 0], [[-3, 1], 0],
  ])('when reducing [2, 3, 4] over axes %j with keepdims %d, then dy goes to the maxima', async (axes, keepdims) => {
    await expectGradientsMatch({ opType: 'ReduceMax', inputs: [{ x: [2, 3, 4] }], attrs: { axes, keepdims }, seed: 141 });
  });

  it.each([0, 1])('when axes are absent (keepdims %d), then the global maximum receives dy', async (keepdims) => {
    // y = x · max(x) (broadcast): two paths into x, at least two logits.
    await expectGraphGradientsMatch({
      nodes: [
        { opType: 'ReduceMax', inputs: ['data'], outputs: ['m'], attrs: { keepdims } },
        { opType: 'Mul', inputs: ['data', 'm'], outputs: ['out'] },
      ],
      output: 'out', xShape: [2, 3], seed: 142,
    });
  });

  it('when the input is tied, then the tied maxima share dy equally (by hand)', async () => {
    // x = [[1, 3, 3], [2, 0, 2]]: y = max over axis 1 = [3, 2], used as the logits; dz = softmax(y) − e₀.
    // Each row's maximum is tied twice, so each tied entry receives dz / 2 (the numeric check does not apply at ties).
    const e = [Math.exp(3), Math.exp(2)];
    const dz = [e[0] / (e[0] + e[1]) - 1, e[1] / (e[0] + e[1])];
    const { analytic } = await graphGradcheck({
      nodes: [{ opType: 'ReduceMax', inputs: ['data'], outputs: ['out'], attrs: { axes: [1], keepdims: 0 } }],
      output: 'out', xShape: [2, 3], x: [1, 3, 3, 2, 0, 2],
    });
    [0, dz[0] / 2, dz[0] / 2, dz[1] / 2, 0, dz[1] / 2].forEach((v, k) => expect(analytic[k]).toBeCloseTo(v, 12));
  });
});
