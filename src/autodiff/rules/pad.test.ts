import { CheckInput, checkModel, expectGradientsMatch } from '../testing/gradcheck';
import { expectGraphGradientsMatch, graphGradcheck } from '../testing/graph-check';

const pads = (values: number[]): CheckInput => ({ int64: [values.length], values });

describe.each(['constant', 'edge', 'reflect'])('Pad rule in %s mode', (mode) => {
  it.each([
    ['one axis', [2, 5], [0, 2, 0, 1]],
    ['both spatial axes of NCHW', [2, 3, 4, 5], [0, 0, 1, 3, 0, 0, 2, 1]],
    ['the widest reflectable pads (D − 1)', [2, 4, 3], [0, 3, 2, 0, 3, 2]],
    ['pads at the front only', [3, 4], [2, 1, 0, 0]],
    ['pads at the back only', [3, 4], [0, 0, 1, 3]],
    ['cropping only (negative pads)', [2, 6, 5], [0, -2, 0, 0, -1, -3]],
    ['cropping one side and padding the other', [2, 6, 5], [0, -2, 3, 0, 2, -1]],
    ['cropping and padding both axes', [3, 7], [-1, -2, 1, 2]],
  ])('when padding %s, then the gradient matches central differences', async (_, shape, p) => {
    await expectGradientsMatch({ opType: 'Pad', inputs: [{ x: shape }, pads(p)], attrs: { mode }, seed: 51 });
  });
});

describe('Pad rule', () => {
  it('when a constant pad value is given, then dx is unaffected by it', async () => {
    await expectGradientsMatch({
      opType: 'Pad', inputs: [{ x: [2, 3, 4] }, pads([0, 1, 2, 0, 2, 1]), { float: [], values: [0.7] }], attrs: { mode: 'constant' }, seed: 52,
    });
  });

  it('when x is padded edge-wise at the front, then the border element collects the band (by hand)', async () => {
    // y = Pad([x₀, x₁, x₂], [2, 0], edge) = [x₀, x₀, x₀, x₁, x₂]; with dz = softmax(y) − e₀ (CE, label 0):
    // dx₀ = dz₀ + dz₁ + dz₂, dx₁ = dz₃, dx₂ = dz₄.
    const spec = { opType: 'Pad', inputs: [{ x: [3] }, pads([2, 0])], attrs: { mode: 'edge' }, seed: 53 };
    const { x } = checkModel(spec);
    const y = [x[0], x[0], x[0], x[1], x[2]];
    const e = y.map(Math.exp);
    const total = e.reduce((p, q) => p + q, 0);
    const dz = e.map((v, k) => v / total - (k === 0 ? 1 : 0));
    const { analytic } = await expectGradientsMatch(spec);
    [dz[0] + dz[1] + dz[2], dz[3], dz[4]].forEach((v, k) => expect(analytic[k]).toBeCloseTo(v, 12));
  });

  it('when the pad value depends on x, then it receives Σdy over the padded positions', async () => {
    // c = x[0, 0] (as a scalar); y = Pad(x, [1, 0, 0, 2], c).
    await expectGraphGradientsMatch({
      nodes: [
        { opType: 'Slice', inputs: ['data', 'zeros', 'ones', 'axes'], outputs: ['c11'] },
        { opType: 'Reshape', inputs: ['c11', 'scalar'], outputs: ['c'] },
        { opType: 'Pad', inputs: ['data', 'pads', 'c'], outputs: ['y'], attrs: { mode: 'constant' } },
        { opType: 'Flatten', inputs: ['y'], outputs: ['out'] },
      ],
      constants: {
        zeros: { dtype: 'int64', dims: [2], values: [0, 0] }, ones: { dtype: 'int64', dims: [2], values: [1, 1] },
        axes: { dtype: 'int64', dims: [2], values: [0, 1] }, scalar: { dtype: 'int64', dims: [0], values: [] },
        pads: { dtype: 'int64', dims: [4], values: [1, 0, 0, 2] },
      },
      output: 'out', xShape: [3, 4], seed: 54,
    });
  });

  it('when constant-mode pads are computed at run time, then the gradient still matches', async () => {
    // pads = [0, D − 3, 0, 1] on x [N, D] with D = 5 (the Shape-derived pad is 2).
    await expectGraphGradientsMatch({
      nodes: [
        { opType: 'Shape', inputs: ['data'], outputs: ['xs'] },
        { opType: 'Slice', inputs: ['xs', 'one', 'two'], outputs: ['d'] },
        { opType: 'Sub', inputs: ['d', 'three'], outputs: ['p'] },
        { opType: 'Concat', inputs: ['zero', 'p', 'zero', 'one'], outputs: ['pads'], attrs: { axis: 0 } },
        { opType: 'Pad', inputs: ['data', 'pads'], outputs: ['y'] },
        { opType: 'Flatten', inputs: ['y'], outputs: ['out'] },
      ],
      constants: {
        zero: { dtype: 'int64', dims: [1], values: [0] }, one: { dtype: 'int64', dims: [1], values: [1] },
        two: { dtype: 'int64', dims: [1], values: [2] }, three: { dtype: 'int64', dims: [1], values: [3] },
      },
      output: 'out', xShape: [3, 5], batched: true, seed: 55,
    });
  });

  it('when reflect-mode pads are computed at run time, then differentiation fails naming the node', async () => {
    await expect(graphGradcheck({
      nodes: [
        { opType: 'Shape', inputs: ['data'], outputs: ['xs'] },
        { opType: 'Slice', inputs: ['xs', 'zero', 'one'], outputs: ['n'] },
        { opType: 'Div', inputs: ['n', 'n'], outputs: ['p'] },
        { opType: 'Concat', inputs: ['zero', 'p', 'zero', 'p'], outputs: ['pads'], attrs: { axis: 0 } },
        { opType: 'Pad', inputs: ['data', 'pads'], outputs: ['y'], attrs: { mode: 'reflect' } },
        { opType: 'Flatten', inputs: ['y'], outputs: ['out'] },
      ],
      constants: { zero: { dtype: 'int64', dims: [1], values: [0] }, one: { dtype: 'int64', dims: [1], values: [1] } },
      output: 'out', xShape: [2, 4], batched: true,
    })).rejects.toThrow(/Pad 'Pad_4'.*pads/);
  });

  it('when the batch axis is symbolic, then edge and reflect gradients follow the runtime batch', async () => {
    for (const mode of ['edge', 'reflect']) {
      await expectGraphGradientsMatch({
        nodes: [
          { opType: 'Pad', inputs: ['data', 'pads'], outputs: ['y'], attrs: { mode } },
          { opType: 'Flatten', inputs: ['y'], outputs: ['out'] },
        ],
        constants: { pads: { dtype: 'int64', dims: [6], values: [0, 2, -1, 0, 1, 2] } },
        output: 'out', xShape: [3, 4, 5], batched: true, seed: 56,
      });
    }
  });
});
