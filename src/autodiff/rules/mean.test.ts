import { expectVariadicGradientsMatch, expectFanInGradientsMatch, VARIADIC_SHAPES } from '../testing/broadcast';

const opType = 'Mean';
// float32: ORT has no double Mean kernel. Measured max error 4.0e-4 (float32 finite-difference noise, h = 1e-2).
const F32 = { dtype: 'float32' as const, bound: 1e-2 };

describe('Mean rule', () => {
  it.each(VARIADIC_SHAPES)('when x is %j among operands %j, then its (unbroadcast) gradient matches', async (xs, others) => {
    await expectVariadicGradientsMatch(opType, xs, others, 30, F32);
  });

  it('when three operands all depend on x (one broadcast, symbolic batch), then their gradients add up', async () => {
    await expectFanInGradientsMatch(opType, F32);
  });
});
