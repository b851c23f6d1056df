import { expectGradientsMatch } from '../testing/gradcheck';

// Broadcast matrix: x's shape against the other operand's, both orders.
const SHAPES: [number[], number[]][] = [
  [[2, 3], [2, 3]], [[2, 3], [3]], [[2, 3], [1, 3]], [[2, 1, 4], [3, 1]], [[3], [2, 3]], [[1, 3], [2, 1]], [[2, 3], []],
];

describe.each(['Add', 'Sub', 'Mul', 'Div'])('%s rule', (opType) => {
  it.each(SHAPES)('when x is %j and the other operand %j, then both operand gradients match', async (xs, cs) => {
    const other = { float: cs, lo: 0.5, hi: 1.5 };
    await expectGradientsMatch({ opType, inputs: [{ x: xs, lo: 0.5, hi: 1.5 }, other], seed: 11 });
    await expectGradientsMatch({ opType, inputs: [other, { x: xs, lo: 0.5, hi: 1.5 }], seed: 12 });
  });
});
