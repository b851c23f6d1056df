import { expectGradientsMatch } from '../testing/gradcheck';
import { expectVariadicGradientsMatch, expectFanInGradientsMatch, VARIADIC_SHAPES } from '../testing/broadcast';

const opType = 'Min';

describe('Min rule', () => {
  it.each(VARIADIC_SHAPES)('when x is %j among operands %j, then its gradient (routed to the extremum) matches', async (xs, others) => {
    // Seeded uniform values: no two operands tie within h = 1e-6.
    await expectVariadicGradientsMatch(opType, xs, others, 20);
  });

  it('when x ties with the other operand, then each gets half of dy (as torch.minimum)', async () => {
    // y = [½, ½] from x = c = [½, ½]; dL/dy = softmax(y) − e₀ = [−½, ½] is split evenly: dx = [−¼, ¼].
    // Central differences agree: one side of the tie moves y, the other does not.
    const r = await expectGradientsMatch({ opType, inputs: [{ x: [1, 2], lo: 0.5, hi: 0.5 }, { float: [1, 2], values: [0.5, 0.5] }] });
    expect(Array.from(r.analytic)).toEqual([-0.25, 0.25]);
  });

  it('when three operands all depend on x (one broadcast, symbolic batch), then their gradients add up', async () => {
    await expectFanInGradientsMatch(opType);
  });
});
