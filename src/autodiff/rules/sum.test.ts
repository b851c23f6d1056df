import { expectVariadicGradientsMatch, expectFanInGradientsMatch, VARIADIC_SHAPES } from '../testing/broadcast';

const opType = 'Sum';

describe('Sum rule', () => {
  it.each(VARIADIC_SHAPES)('when x is %j among operands %j, then its (unbroadcast) gradient matches', async (xs, others) => {
    await expectVariadicGradientsMatch(opType, xs, others, 30);
  });

  it('when three operands all depend on x (one broadcast, symbolic batch), then their gradients add up', async () => {
    await expectFanInGradientsMatch(opType);
  });
});
