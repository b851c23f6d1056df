import { CheckInput, expectGradientsMatch } from '../testing/gradcheck';
import { expectGraphGradientsMatch } from '../testing/graph-check';

// x's shape and the other operands' shapes; x is placed first, in the middle and last.
const CASES: [number[], number[][]][] = [
  [[2, 3], []], [[2, 3], [[2, 3]]], [[2, 3], [[3], [2, 1]]], [[2, 1, 4], [[3, 1], [4]]], [[3], [[2, 3], []]],
];

const opType = 'Sum';

describe('Sum rule', () => {
  it.each(CASES)('when x is %j among operands %j, then its (unbroadcast) gradient matches', async (xs, others) => {
    const rest: CheckInput[] = others.map((s) => ({ float: s }));
    for (const [k, at] of [...new Set([0, Math.floor(rest.length / 2), rest.length])].entries()) {
      const inputs = [...rest.slice(0, at), { x: xs }, ...rest.slice(at)];
      await expectGradientsMatch({ opType, inputs, seed: 30 + k });
    }
  });

  it('when three operands all depend on x (one broadcast, symbolic batch), then their gradients add up', async () => {
    await expectGraphGradientsMatch({
      nodes: [
        { opType: 'Mul', inputs: ['data', 'k'], outputs: ['scaled'] },
        { opType: 'ReduceSum', inputs: ['data', 'axes'], outputs: ['total'], attrs: { keepdims: 1 } },
        { opType: 'Sum', inputs: ['data', 'scaled', 'total'], outputs: ['out'] },
      ],
      constants: { k: { dtype: 'float', dims: [4], values: [0.5, -2, 3, -0.7] }, axes: { dtype: 'int64', dims: [1], values: [1] } },
      output: 'out', xShape: [3, 4], batched: true, seed: 60,
    });
  });
});
