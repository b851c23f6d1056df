import { expectGradientsMatch } from '../testing/gradcheck';
import { BROADCAST_SHAPES } from '../testing/broadcast';

describe('Div rule', () => {
  it.each(BROADCAST_SHAPES)('when x is %j and the other operand %j, then both operand gradients match in float64', async (xs, cs) => {
    // Operands kept in [0.5, 1.5] (away from Div's pole at 0).
    const other = { float: cs, lo: 0.5, hi: 1.5 };
    await expectGradientsMatch({ opType: 'Div', inputs: [{ x: xs, lo: 0.5, hi: 1.5 }, other], seed: 11 });
    await expectGradientsMatch({ opType: 'Div', inputs: [other, { x: xs, lo: 0.5, hi: 1.5 }], seed: 12 });
  });
});
