import { expectGradientsMatch } from '../testing/gradcheck';
import { expectGraphGradientsMatch } from '../testing/graph-check';

const k = (v: number) => ({ int64: [1], values: [v] });

// Random inputs have no ties, so the selection is locally constant.
describe('TopK rule', () => {
  it.each([
    ['the last axis (default), largest', [3, 5], 2, {}],
    ['axis 0, largest', [4, 3], 2, { axis: 0 }],
    ['axis 1 of a 3-D tensor, smallest', [2, 4, 3], 3, { axis: 1, largest: 0 }],
    ['axis −2, smallest, unsorted', [2, 5, 2], 2, { axis: -2, largest: 0, sorted: 0 }],
    ['k equal to the whole axis', [2, 4], 4, { axis: -1 }],
  ])('when taking the top k along %s, then dy is scattered back to the chosen elements', async (_, shape, kk, attrs) => {
    await expectGradientsMatch({ opType: 'TopK', inputs: [{ x: shape }, k(kk)], attrs, outputs: 2, seed: 151 });
  });

  it('when the batch is symbolic, then the scatter follows the runtime batch', async () => {
    await expectGraphGradientsMatch({
      nodes: [{ opType: 'TopK', inputs: ['data', 'k'], outputs: ['out', 'idx'], attrs: { axis: 1 } }],
      constants: { k: { dtype: 'int64', dims: [1], values: [3] } },
      output: 'out', xShape: [3, 5], batched: true, seed: 152,
    });
  });
});
