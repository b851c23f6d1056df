import { CheckInput, expectGradientsMatch } from '../testing/gradcheck';
import { expectGraphGradientsMatch } from '../testing/graph-check';

const axes = (values: number[]): CheckInput => ({ int64: [values.length], values });

describe('ReduceSum rule', () => {
  it.each([
    [[1], 1], [[1], 0], [[-1], 1], [[-1], 0], [[0, 2], 1], [[0, 2], 0], [[2, -3], 0],
  ])('when reducing [2, 3, 4] over axes %j with keepdims %d, then dy is spread over the reduced axes', async (ax, keepdims) => {
    await expectGradientsMatch({ opType: 'ReduceSum', inputs: [{ x: [2, 3, 4] }, axes(ax)], attrs: { keepdims }, seed: 131 });
  });

  it('when axes are absent and noop_with_empty_axes = 1, then ReduceSum is the identity and dy passes through', async () => {
    await expectGradientsMatch({ opType: 'ReduceSum', inputs: [{ x: [2, 3] }], attrs: { noop_with_empty_axes: 1 }, seed: 132 });
    await expectGradientsMatch({ opType: 'ReduceSum', inputs: [{ x: [2, 3] }, { int64: [0], values: [] }], attrs: { noop_with_empty_axes: 1 }, seed: 133 });
  });

  it.each([
    ['absent', 0], ['absent', 1], ['empty', 0], ['empty', 1],
  ])('when axes are %s (keepdims %d), then all axes are reduced and every element receives dy', async (kind, keepdims) => {
    // A total is a single value: y = x · Σx (broadcast) gives at least two logits and feeds dy through both paths.
    await expectGraphGradientsMatch({
      nodes: [
        { opType: 'ReduceSum', inputs: kind === 'absent' ? ['data'] : ['data', 'none'], outputs: ['total'], attrs: { keepdims } },
        { opType: 'Mul', inputs: ['data', 'total'], outputs: ['out'] },
      ],
      constants: { none: { dtype: 'int64', dims: [0], values: [] } },
      output: 'out', xShape: [2, 3], seed: 134,
    });
  });

  it('when reducing a non-batch axis of a symbolic batch, then dx takes the runtime shape', async () => {
    await expectGraphGradientsMatch({
      nodes: [{ opType: 'ReduceSum', inputs: ['data', 'ax'], outputs: ['out'], attrs: { keepdims: 0 } }],
      constants: { ax: { dtype: 'int64', dims: [1], values: [2] } },
      output: 'out', xShape: [3, 2, 4], batched: true, seed: 135,
    });
  });
});
