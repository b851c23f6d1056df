import { CheckInput, expectGradientsMatch } from '../testing/gradcheck';
import { expectGraphGradientsMatch } from '../testing/graph-check';

// x's shape and the other operands' shapes; x is placed first, in the middle and last.
const CASES: [number[], number[][]][] = [
  [[2, 3], []], [[2, 3], [[2, 3]]], [[2, 3], [[3], [2, 1]]], [[2, 1, 4], [[3, 1], [4]]], [[3], [[2, 3], []]],
];

const opType = 'Max';

describe('Max rule', () => {
  it.each(CASES)('when x is %j among operands %j, then its gradient (routed to the extremum) matches', async (xs, others) => {
    const rest: CheckInput[] = others.map((s) => ({ float: s }));
    for (const [k, at] of [...new Set([0, Math.floor(rest.length / 2), rest.length])].entries()) {
      const inputs = [...rest.slice(0, at), { x: xs }, ...rest.slice(at)];
      // Seeded uniform values: no two operands tie within h = 1e-6.
      await expectGradientsMatch({ opType, inputs, seed: 20 + k });
    }
  });

  it('when x ties with the other operand, then each gets half of dy (as torch.maximum)', async () => {
    // y = [½, ½] from x = c = [½, ½]; dL/dy = softmax(y) − e₀ = [−½, ½] is split evenly: dx = [−¼, ¼].
    // Central differences agree: one side of the tie moves y, the other does not.
    const r = await expectGradientsMatch({ opType, inputs: [{ x: [1, 2], lo: 0.5, hi: 0.5 }, { float: [1, 2], values: [0.5, 0.5] }] });
    expect(Array.from(r.analytic)).toEqual([-0.25, 0.25]);
  });

  it('when three operands all depend on x (one broadcast, symbolic batch), then their gradients add up', async () => {
    await expectGraphGradientsMatch({
      nodes: [
        { opType: 'Mul', inputs: ['data', 'k'], outputs: ['scaled'] },
        { opType: 'ReduceSum', inputs: ['data', 'axes'], outputs: ['total'], attrs: { keepdims: 1 } },
        { opType: 'Max', inputs: ['data', 'scaled', 'total'], outputs: ['out'] },
      ],
      constants: { k: { dtype: 'float', dims: [4], values: [0.5, -2, 3, -0.7] }, axes: { dtype: 'int64', dims: [1], values: [1] } },
      output: 'out', xShape: [3, 4], batched: true, seed: 60,
    });
  });
});
