import { expectGradientsMatch } from '../testing/gradcheck';
import { expectGraphGradientsMatch } from '../testing/graph-check';

describe('Concat rule', () => {
  it.each([0, 1, 2, -1, -2])('when x sits between two constants along axis %d, then its block of dy is its gradient', async (axis) => {
    const c = (shape: number[]) => ({ float: shape });
    const shape = [2, 3, 4];
    const a = ((axis % 3) + 3) % 3;
    const other = (k: number) => shape.map((d, i) => (i === a ? k : d));
    await expectGradientsMatch({ opType: 'Concat', inputs: [c(other(1)), { x: shape }, c(other(2))], attrs: { axis }, seed: 21 });
  });

  it('when x is the first or last input, then the gradient matches', async () => {
    await expectGradientsMatch({ opType: 'Concat', inputs: [{ x: [2, 3] }, { float: [2, 5] }], attrs: { axis: 1 }, seed: 22 });
    await expectGradientsMatch({ opType: 'Concat', inputs: [{ float: [4, 3] }, { x: [2, 3] }], attrs: { axis: 0 }, seed: 23 });
  });

  it('when x feeds several inputs at once, then the blocks are summed', async () => {
    await expectGradientsMatch({ opType: 'Concat', inputs: [{ x: [2, 3] }, { float: [2, 1] }, { x: [2, 3] }, { x: [2, 3] }], attrs: { axis: -1 }, seed: 24 });
  });

  it('when concat has a single input, then dy passes through', async () => {
    await expectGradientsMatch({ opType: 'Concat', inputs: [{ x: [2, 3] }], attrs: { axis: 1 }, seed: 25 });
  });

  it('when differently shaped x-dependent values and constants are mixed, then each receives its own block', async () => {
    // y = Concat(x², c (expanded to the batch), x[:, :2]·3, x) along axis 1 on x of shape [N, 3, 2].
    await expectGraphGradientsMatch({
      nodes: [
        { opType: 'Mul', inputs: ['data', 'data'], outputs: ['sq'] },
        { opType: 'Slice', inputs: ['data', 'st', 'en', 'ax'], outputs: ['head'] },
        { opType: 'Mul', inputs: ['head', 'three'], outputs: ['head3'] },
        { opType: 'Shape', inputs: ['data'], outputs: ['xs'] },
        { opType: 'Slice', inputs: ['xs', 'st', 'one'], outputs: ['n'] },
        { opType: 'Concat', inputs: ['n', 'cdims'], outputs: ['cshape'], attrs: { axis: 0 } },
        { opType: 'Expand', inputs: ['c', 'cshape'], outputs: ['cb'] },
        { opType: 'Concat', inputs: ['sq', 'cb', 'head3', 'data'], outputs: ['y'], attrs: { axis: 1 } },
        { opType: 'Flatten', inputs: ['y'], outputs: ['out'] },
      ],
      constants: {
        st: { dtype: 'int64', dims: [1], values: [0] }, en: { dtype: 'int64', dims: [1], values: [2] }, ax: { dtype: 'int64', dims: [1], values: [1] },
        one: { dtype: 'int64', dims: [1], values: [1] }, cdims: { dtype: 'int64', dims: [2], values: [4, 2] },
        three: { dtype: 'float', dims: [], values: [3] }, c: { dtype: 'float', dims: [1, 4, 2], values: [1, 2, 3, 4, 5, 6, 7, 8] },
      },
      output: 'out', xShape: [3, 3, 2], batched: true, seed: 26,
    });
  });

  it('when concatenating along a symbolic batch axis, then the split follows the runtime sizes', async () => {
    await expectGraphGradientsMatch({
      nodes: [
        { opType: 'Mul', inputs: ['data', 'two'], outputs: ['d2'] },
        { opType: 'Concat', inputs: ['data', 'd2'], outputs: ['y'], attrs: { axis: 0 } },
        { opType: 'Reshape', inputs: ['y', 'shape'], outputs: ['out'] },
      ],
      constants: { two: { dtype: 'float', dims: [], values: [2] }, shape: { dtype: 'int64', dims: [2], values: [-1, 8] } },
      output: 'out', xShape: [3, 4], batched: true, seed: 27,
    });
  });
});
