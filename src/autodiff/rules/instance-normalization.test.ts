import { expectGraphGradientsMatch } from '../testing/graph-check';
import { expectGradientsMatch } from '../testing/gradcheck';

// ORT's CPU provider has no float64 InstanceNormalization kernel, so the check runs in float32
// (h = 1e-2; smaller steps are worse, rounding-dominated); measured max error 2.1e-3.
const BOUND = 1e-2;

describe('InstanceNormalization rule', () => {
  it.each([[[2, 3, 3, 4]], [[1, 2, 6]], [[1, 2, 2, 3, 2]]])('when x is %j, then dx (through the instance mean and variance) matches in float32', async (xs) => {
    const c = xs[1];
    await expectGradientsMatch(
      { opType: 'InstanceNormalization', inputs: [{ x: xs }, { float: [c], lo: 0.5, hi: 2 }, { float: [c] }], dtype: 'float32', seed: 61 },
      BOUND,
    );
  });

  it('when epsilon is large and scale negative, then dx still matches', async () => {
    await expectGradientsMatch(
      {
        opType: 'InstanceNormalization', inputs: [{ x: [1, 2, 5] }, { float: [2], values: [-1.5, 0.7] }, { float: [2] }],
        attrs: { epsilon: { float: 0.3 } }, dtype: 'float32', seed: 62,
      },
      BOUND,
    );
  });

  it('when x has a symbolic batch dim run at another size than the probe, then dx still matches', async () => {
    const c = (values: number[]) => ({ dtype: 'float' as const, dims: [2], values });
    await expectGraphGradientsMatch({
      nodes: [
        { opType: 'InstanceNormalization', inputs: ['data', 's', 'b'], outputs: ['y'] },
        { opType: 'Flatten', inputs: ['y'], outputs: ['z'] },
      ],
      constants: { s: c([1.5, -0.5]), b: c([0.1, 0.2]) },
      output: 'z', xShape: [3, 2, 4], batched: true, dtype: 'float32', seed: 63,
    }, BOUND);
  });
});
