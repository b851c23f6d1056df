import { CheckInput, expectGradientsMatch } from '../testing/gradcheck';
import { expectGraphGradientsMatch, graphGradcheck } from '../testing/graph-check';

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
const i64 = (values: number[]): CheckInput => ({ int64: [values.length], values });

/** Slice of x [3, 5, 7] with the given starts/ends/axes/steps (axes/steps omitted when undefined). */
const spec = (starts: number[], ends: number[], axes?: number[], steps?: number[]) => ({
  opType: 'Slice',
  inputs: [{ x: [3, 5, 7] }, i64(starts), i64(ends), axes ? i64(axes) : { absent: true as const }, steps ? i64(steps) : { absent: true as const }],
  seed: 31,
});

describe('Slice rule', () => {
  it.each([
    ['a plain range on axis 1', [1], [4], [1], undefined],
    ['negative starts and ends', [-4], [-1], [2], undefined],
    ['out-of-range starts and ends (clamped)', [-100], [100], [-1], undefined],
    ['ends past the end and negative axes', [1, 2], [1000, 6], [-2, -1], undefined],
    ['axes omitted (first axes)', [1, 0], [3, 4], undefined, undefined],
    ['explicit steps of 1', [0, 2], [2, 5], [0, 2], [1, 1]],
  ])('when slicing with %s, then dy lands on the sliced positions', async (_, starts, ends, axes, steps) => {
    await expectGradientsMatch(spec(starts, ends, axes, steps));
  });

  it.each([
    ['step 2', [0], [7], [2], [2]],
    ['step 3 from an offset', [1], [7], [2], [3]],
    ['step 2 ending before the end', [1], [4], [1], [2]],
    ['step -1 reversing the axis', [-1], [-100], [2], [-1]],
    ['step -2 from the end', [6], [0], [2], [-2]],
    ['step -3 from an out-of-range start', [100], [-100], [2], [-3]],
    ['step -2 with a negative start', [-2], [-6], [1], [-2]],
    ['mixed steps on three axes', [0, 4, 1], [3, 0, 7], [0, 1, 2], [2, -1, 3]],
  ])('when slicing with %s, then the gradient matches', async (_, starts, ends, axes, steps) => {
    await expectGradientsMatch(spec(starts, ends, axes, steps));
  });

  it('when starts and ends are INT64_MAX / INT64_MIN sentinels, then they are clamped', async () => {
    // The sentinels exceed JS numbers, so this goes through graph-check's bigint constants.
    await expectGraphGradientsMatch({
      nodes: [
        { opType: 'Slice', inputs: ['data', 'st', 'en', 'ax', 'sp'], outputs: ['y'] },
        { opType: 'Flatten', inputs: ['y'], outputs: ['out'] },
      ],
      constants: {
        st: { dtype: 'int64', dims: [3], values: [1, INT64_MAX, INT64_MIN] },
        en: { dtype: 'int64', dims: [3], values: [INT64_MAX, INT64_MIN, INT64_MAX] },
        ax: { dtype: 'int64', dims: [3], values: [1, 2, 0] }, sp: { dtype: 'int64', dims: [3], values: [1, -2, 1] },
      },
      output: 'out', xShape: [3, 5, 7], seed: 32,
    });
  });

  it('when steps are INT64_MAX / −INT64_MAX, then one element per axis is selected', async () => {
    await expectGraphGradientsMatch({
      nodes: [
        { opType: 'Slice', inputs: ['data', 'st', 'en', 'ax', 'sp'], outputs: ['y'] },
        { opType: 'Flatten', inputs: ['y'], outputs: ['out'] },
      ],
      constants: {
        st: { dtype: 'int64', dims: [2], values: [1, -2] }, en: { dtype: 'int64', dims: [2], values: [INT64_MAX, INT64_MIN] },
        ax: { dtype: 'int64', dims: [2], values: [1, 2] }, sp: { dtype: 'int64', dims: [2], values: [INT64_MAX, -INT64_MAX] },
      },
      output: 'out', xShape: [3, 5, 7], seed: 35,
    });
  });

  it('when slicing the symbolic batch axis, then the padding follows the runtime batch', async () => {
    await expectGraphGradientsMatch({
      nodes: [
        { opType: 'Slice', inputs: ['data', 'st', 'en', 'ax', 'sp'], outputs: ['y'] },
        { opType: 'Flatten', inputs: ['y'], outputs: ['out'] },
      ],
      constants: {
        st: { dtype: 'int64', dims: [2], values: [-1, 1] }, en: { dtype: 'int64', dims: [2], values: [-1000, 6] },
        ax: { dtype: 'int64', dims: [2], values: [0, 1] }, sp: { dtype: 'int64', dims: [2], values: [-1, 2] },
      },
      output: 'out', xShape: [4, 6], batched: true, seed: 33,
    });
  });

  it('when starts and ends are computed at run time in int32, then the gradient still matches', async () => {
    // starts = [D − 4] from Shape(x), cast to int32; ends = [D − 1].
    await expectGraphGradientsMatch({
      nodes: [
        { opType: 'Shape', inputs: ['data'], outputs: ['xs'] },
        { opType: 'Slice', inputs: ['xs', 'one', 'two'], outputs: ['d'] },
        { opType: 'Sub', inputs: ['d', 'four'], outputs: ['s64'] },
        { opType: 'Sub', inputs: ['d', 'one'], outputs: ['e64'] },
        { opType: 'Cast', inputs: ['s64'], outputs: ['s'], attrs: { to: 6 } },
        { opType: 'Cast', inputs: ['e64'], outputs: ['e'], attrs: { to: 6 } },
        { opType: 'Slice', inputs: ['data', 's', 'e', 'ax'], outputs: ['y'] },
        { opType: 'Flatten', inputs: ['y'], outputs: ['out'] },
      ],
      constants: {
        one: { dtype: 'int64', dims: [1], values: [1] }, two: { dtype: 'int64', dims: [1], values: [2] },
        four: { dtype: 'int64', dims: [1], values: [4] }, ax: { dtype: 'int32', dims: [1], values: [1] },
      },
      output: 'out', xShape: [2, 7], batched: true, seed: 34,
    });
  });

  it('when steps are computed at run time, then differentiation fails naming the node', async () => {
    await expect(graphGradcheck({
      nodes: [
        { opType: 'Shape', inputs: ['data'], outputs: ['xs'] },
        { opType: 'Slice', inputs: ['xs', 'zero', 'one'], outputs: ['n'] },
        { opType: 'Div', inputs: ['n', 'n'], outputs: ['sp'] },
        { opType: 'Slice', inputs: ['data', 'zero', 'two', 'one', 'sp'], outputs: ['y'] },
        { opType: 'Flatten', inputs: ['y'], outputs: ['out'] },
      ],
      constants: {
        zero: { dtype: 'int64', dims: [1], values: [0] }, one: { dtype: 'int64', dims: [1], values: [1] },
        two: { dtype: 'int64', dims: [1], values: [2] },
      },
      output: 'out', xShape: [2, 4], batched: true,
    })).rejects.toThrow(/Slice 'Slice_3'.*steps/);
  });
});
