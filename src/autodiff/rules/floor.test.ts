import { expectStraightThrough } from '../testing/step-check';

describe('Floor rule (straight-through)', () => {
  it('when straightThrough is off, then no gradient flows through Floor and it is reported; when on, then the gradient is the identity path\'s', async () => {
    await expectStraightThrough({
      op: 'Floor', nodes: [{ op: 'Floor', inputs: ['data'] }], xShape: [2, 3], lo: -3, hi: 3,
      surrogatePoint: (x) => x.map(Math.floor),
    });
  });
});
