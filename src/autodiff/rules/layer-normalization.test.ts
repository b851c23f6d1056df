import { expectGraphGradientsMatch } from '../testing/graph-check';
import { expectGradientsMatch } from '../testing/gradcheck';

// [x's shape, axis]: default, negative and positive axes, normalising over everything (axis 0).
const CASES: [number[], number][] = [[[2, 5], -1], [[2, 3, 4], -1], [[2, 3, 4], -2], [[2, 3, 4], 1], [[2, 2, 2, 3], 2], [[3, 4], 0]];

describe('LayerNormalization rule', () => {
  it.each(CASES)('when x is %j and axis %i, then dx (through the mean and variance) matches in float64', async (xs, axis) => {
    const normShape = xs.slice(axis < 0 ? axis + xs.length : axis);
    await expectGradientsMatch({
      opType: 'LayerNormalization', inputs: [{ x: xs }, { float: normShape, lo: 0.5, hi: 2 }, { float: normShape }], attrs: { axis }, seed: 71,
    });
  });

  it('when B is absent, scale broadcasts from a trailing shape and epsilon is large, then dx matches', async () => {
    await expectGradientsMatch({
      opType: 'LayerNormalization', inputs: [{ x: [2, 3, 4] }, { float: [4] }, { absent: true }], attrs: { axis: 1, epsilon: { float: 0.5 } }, seed: 72,
    });
  });

  it('when the node also has the Mean and InvStdDev outputs (unused), then dx through Y matches in float64', async () => {
    await expectGradientsMatch({ opType: 'LayerNormalization', inputs: [{ x: [2, 3, 4] }, { float: [4] }, { float: [4] }], outputs: 3, seed: 73 });
  });

  // Mean and InvStdDev come in stash_type, and ORT implements only stash_type = float32: these run in float32
  // (h = 1e-2); measured max error 1.4e-3.
  it.each([[1], [2]])('when output %i (Mean or InvStdDev) is the one used, then dx matches in float32', async (output) => {
    await expectGradientsMatch(
      { opType: 'LayerNormalization', inputs: [{ x: [2, 3, 4] }, { float: [4] }, { float: [4] }], outputs: 3, output, dtype: 'float32', seed: 74 },
      1e-2,
    );
  });

  it('when x has a symbolic batch dim run at another size than the probe, then dx through Y matches', async () => {
    await expectGraphGradientsMatch({
      nodes: [{ opType: 'LayerNormalization', inputs: ['data', 's', 'b'], outputs: ['y'], attrs: { axis: 1 } }, { opType: 'Flatten', inputs: ['y'], outputs: ['z'] }],
      constants: { s: { dtype: 'float', dims: [2, 3], values: [1, 2, 0.5, -1, 1.5, 0.7] }, b: { dtype: 'float', dims: [3], values: [0, 0.1, 0.2] } },
      output: 'z', xShape: [3, 2, 3], batched: true, seed: 75,
    });
  });

  // float32 as above (Mean/InvStdDev): measured max error 1.5e-3.
  it('when axis 0 (the symbolic batch axis) is normalised and Mean and InvStdDev are used, then dx uses the run-time count', async () => {
    await expectGraphGradientsMatch({
      nodes: [
        { opType: 'LayerNormalization', inputs: ['data', 's'], outputs: ['y', 'mean', 'inv'], attrs: { axis: 0 } },
        { opType: 'Add', inputs: ['y', 'mean'], outputs: ['t'] },
        { opType: 'Mul', inputs: ['t', 'inv'], outputs: ['z'] },
      ],
      constants: { s: { dtype: 'float', dims: [3], values: [1, 2, 0.5] } },
      output: 'z', xShape: [3, 3], batched: true, dtype: 'float32', seed: 76,
    }, 1e-2);
  });
});
