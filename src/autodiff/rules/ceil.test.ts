import { expectStraightThrough } from '../testing/step-check';

describe('Ceil rule (straight-through)', () => {
  it('when straightThrough is off, then no gradient flows through Ceil and it is reported; when on, then the gradient is the identity path\'s', async () => {
    await expectStraightThrough({
      op: 'Ceil', nodes: [{ op: 'Ceil', inputs: ['data'] }], xShape: [2, 3], lo: -3, hi: 3,
      surrogatePoint: (x) => x.map(Math.ceil),
    });
  });
});
