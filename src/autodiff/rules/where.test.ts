import { expectGradientsMatch } from '../testing/gradcheck';
import { expectGraphGradientsMatch } from '../testing/graph-check';

const pattern = (n: number) => Array.from({ length: n }, (_, i) => i % 3 !== 1);
const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

// Shapes of condition, x and the other branch (all broadcast together).
const SHAPES: [number[], number[], number[]][] = [
  [[2, 3], [2, 3], [2, 3]], [[2, 3], [3], [2, 3]], [[2, 3], [2, 1], []], [[1, 3], [2, 1], [2, 3]],
  [[3], [2, 3], [1]], [[2, 1, 4], [3, 1], [4]], [[], [2, 3], [3]],
];

describe('Where rule', () => {
  it.each(SHAPES)('when the condition is %j, x is %j and the other branch %j, then x as either branch gets the right gradient', async (cs, xs, os) => {
    const cond = { bool: cs, values: pattern(prod(cs)) };
    await expectGradientsMatch({ opType: 'Where', inputs: [cond, { x: xs }, { float: os }], seed: 50 });
    await expectGradientsMatch({ opType: 'Where', inputs: [cond, { float: os }, { x: xs }], seed: 51 });
  });

  it('when the condition is all false, then the x branch gets a zero gradient', async () => {
    const r = await expectGradientsMatch({
      opType: 'Where', inputs: [{ bool: [2, 3], values: Array(6).fill(false) }, { x: [2, 3] }, { float: [2, 3] }],
    });
    expect(Array.from(r.analytic).every((v) => v === 0)).toBe(true);
  });

  it('when both branches depend on x (symbolic batch), then their gradients add up', async () => {
    await expectGraphGradientsMatch({
      nodes: [
        { opType: 'Mul', inputs: ['data', 'k'], outputs: ['scaled'] },
        { opType: 'Greater', inputs: ['data', 'zero'], outputs: ['cond'] },
        { opType: 'Where', inputs: ['cond', 'data', 'scaled'], outputs: ['out'] },
      ],
      constants: { k: { dtype: 'float', dims: [4], values: [0.5, -2, 3, 1.5] }, zero: { dtype: 'float', dims: [], values: [0] } },
      output: 'out', xShape: [3, 4], batched: true, seed: 52,
    });
  });
});
