import { expectGradientsMatch } from '../testing/gradcheck';
import { expectGraphGradientsMatch } from '../testing/graph-check';

describe('Split rule', () => {
  it.each([
    ['equal parts on axis 1, output 0', 1, undefined, 3, 0],
    ['equal parts on axis 1, output 2', 1, undefined, 3, 2],
    ['equal parts on axis -1, output 1', -1, undefined, 2, 1],
    ['explicit sizes [1, 3, 2] on axis 2, output 1', 2, [1, 3, 2], 3, 1],
    ['explicit sizes [2, 1] on axis 0, output 1', 0, [2, 1], 2, 1],
  ])('when only one output reaches the loss (%s), then the others contribute zeros', async (_, axis, sizes, outputs, output) => {
    await expectGradientsMatch({
      opType: 'Split',
      inputs: [{ x: [3, 6, 6] }, sizes ? { int64: [sizes.length], values: sizes } : { absent: true }],
      attrs: { axis }, outputs, output, seed: 41,
    });
  });

  it('when Split has a single output, then dy passes through', async () => {
    await expectGradientsMatch({ opType: 'Split', inputs: [{ x: [2, 4] }], attrs: { axis: 1 }, outputs: 1, seed: 42 });
  });

  it('when every output reaches the loss in a new order, then their gradients are concatenated back', async () => {
    // y = Concat(c·y₂, y₀, y₁²) for [y₀, y₁, y₂] = Split(x, [1, 2, 1], axis 1), x of shape [N, 4, 3].
    await expectGraphGradientsMatch({
      nodes: [
        { opType: 'Split', inputs: ['data', 'sizes'], outputs: ['y0', 'y1', 'y2'], attrs: { axis: 1 } },
        { opType: 'Mul', inputs: ['y2', 'c'], outputs: ['y2c'] },
        { opType: 'Mul', inputs: ['y1', 'y1'], outputs: ['y1sq'] },
        { opType: 'Concat', inputs: ['y2c', 'y0', 'y1sq'], outputs: ['y'], attrs: { axis: 1 } },
        { opType: 'Flatten', inputs: ['y'], outputs: ['out'] },
      ],
      constants: { sizes: { dtype: 'int64', dims: [3], values: [1, 2, 1] }, c: { dtype: 'float', dims: [], values: [2.5] } },
      output: 'out', xShape: [3, 4, 3], batched: true, seed: 43,
    });
  });

  it('when splitting along the symbolic batch axis with no gradient for the first half, then the zeros follow the runtime batch', async () => {
    // Equal halves along axis 0; only the second half is used: dx is zero on the first half.
    await expectGraphGradientsMatch({
      nodes: [
        { opType: 'Split', inputs: ['data'], outputs: ['a', 'b'], attrs: { axis: 0 } },
        { opType: 'Concat', inputs: ['b', 'b'], outputs: ['y'], attrs: { axis: 0 } },
        { opType: 'Flatten', inputs: ['y'], outputs: ['out'] },
      ],
      output: 'out', xShape: [4, 3], batched: true, seed: 44,
    });
  });
});
