import { expectStraightThrough } from '../testing/step-check';

describe('Sign rule (straight-through)', () => {
  it('when straightThrough is off, then no gradient flows through Sign and it is reported; when on, then the gradient is the identity path\'s', async () => {
    await expectStraightThrough({
      op: 'Sign', nodes: [{ op: 'Sign', inputs: ['data'] }], xShape: [2, 3], lo: -1, hi: 1,
      surrogatePoint: (x) => x.map(Math.sign),
    });
  });
});
