import { expectGradientsMatch } from '../testing/gradcheck';
import { expectGraphGradientsMatch } from '../testing/graph-check';

describe('Pow rule', () => {
  it.each([[2], [0.5], [-1.3], [3]])('when the exponent is the constant %d and the base positive, then the base gradient matches', async (e) => {
    await expectGradientsMatch({ opType: 'Pow', inputs: [{ x: [2, 3, 4], lo: 0.5, hi: 1.5 }, { float: [], values: [e] }], seed: 1 });
  });

  it('when the exponent is an integer (float or int64) and the base negative, then the base gradient matches', async () => {
    await expectGradientsMatch({ opType: 'Pow', inputs: [{ x: [2, 3], lo: -1.5, hi: -0.5 }, { float: [], values: [3] }], seed: 2 });
    await expectGradientsMatch({ opType: 'Pow', inputs: [{ x: [2, 3], lo: -1.5, hi: -0.5 }, { int64: [], values: [2] }], seed: 3 });
  });

  it.each([[[2, 3], [3]], [[2, 3], [2, 1]], [[3], [2, 3]], [[2, 1, 3], [4, 1]]])(
    'when the base is %j and the exponent %j (broadcasting), then both gradients match', async (as, bs) => {
      await expectGradientsMatch({ opType: 'Pow', inputs: [{ x: as, lo: 0.5, hi: 1.5 }, { float: bs, lo: -2, hi: 2 }], seed: 4 });
      await expectGradientsMatch({ opType: 'Pow', inputs: [{ float: as, lo: 0.5, hi: 1.5 }, { x: bs, lo: -2, hi: 2 }], seed: 5 });
    });

  it('when base and exponent are both x (y = xˣ, symbolic batch), then the two gradients add up', async () => {
    await expectGraphGradientsMatch({
      nodes: [{ opType: 'Pow', inputs: ['data', 'data'], outputs: ['out'] }],
      output: 'out', xShape: [3, 4], batched: true, lo: 0.5, hi: 1.5, seed: 6,
    });
  });
});
