import { expectGradientsMatch, gradcheck } from '../testing/gradcheck';

const LO = { float: [], values: [-0.5] };
const HI = { float: [], values: [0.4] };
const NONE = { absent: true as const };

describe('Clip rule', () => {
  it.each([
    ['min and max', [LO, HI]], ['min only', [LO]], ['max only', [NONE, HI]], ['no bounds', []],
  ] as const)('when x straddles the bounds (%s), then the x gradient matches', async (_, bounds) => {
    // Seeded uniform x in [−1, 1]: no element lies within h = 1e-6 of a bound.
    await expectGradientsMatch({ opType: 'Clip', inputs: [{ x: [2, 3, 4] }, ...bounds], seed: 7 });
  });

  it('when a bound is the differentiated input, then its gradient (dy summed where x is clipped to it) matches', async () => {
    const data = { float: [2, 3, 4] };
    await expectGradientsMatch({ opType: 'Clip', inputs: [data, { x: [], lo: -0.6, hi: -0.4 }, HI], seed: 8 });
    await expectGradientsMatch({ opType: 'Clip', inputs: [data, LO, { x: [1], lo: 0.3, hi: 0.5 }], seed: 9 });
    await expectGradientsMatch({ opType: 'Clip', inputs: [data, NONE, { x: [], lo: 0.3, hi: 0.5 }], seed: 10 });
  });

  it('when x sits exactly on a bound, then no gradient passes (strictly-inside convention, as hardtanh)', async () => {
    const r = await gradcheck({ opType: 'Clip', inputs: [{ x: [1, 3], lo: 0.4, hi: 0.4 }, LO, HI], indices: [] });
    expect(Array.from(r.analytic)).toEqual([0, 0, 0]);
  });
});
