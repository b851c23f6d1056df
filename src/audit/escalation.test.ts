import { parseParams, getAttack } from '../attacks';
import type { ReportStage } from '../schema/report';
import { notConvergedCheck } from './checks/not-converged';
import { ROUND_SEED_STRIDE, escalate, escalationStep, roundContext, roundOrigin } from './escalation';

// Only the fields the escalation and the check read (a cast: the stage schema is growing in parallel).
const stage = (round: number, attacked: number, broken: number): ReportStage => ({
  attack: 'apgd-ce', params: {}, origin: roundOrigin(round), attacked, broken, robustAccuracyAfter: 0, forwardCalls: 0, gradientCalls: 0, seconds: 0,
}) as ReportStage;

/** A fake convergence stage: round r breaks breaks[r − 1] of the points still robust. */
function fakeRounds(breaks: number[], robust = 100) {
  const ran: number[] = [];
  const run = async (r: number) => {
    ran.push(r);
    const b = breaks[r - 1] ?? 0;
    const s = stage(r, robust, b);
    robust -= b;
    return s;
  };
  return { ran, run };
}

describe('escalation of the convergence stage', () => {
  it('when round 1 breaks points and round 2 breaks none then it stops after round 2 and not-converged passes', async () => {
    const f = fakeRounds([5, 0, 7]);
    const rounds = await escalate(3, 500, f.run);
    expect(f.ran).toEqual([1, 2]);
    expect(rounds.map((r) => r.origin)).toEqual(['convergence', 'convergence-2']);
    expect(notConvergedCheck(rounds, 500, 3).status).toBe('pass');
  });

  it('when every allowed round breaks points then the budget runs out and not-converged flags', async () => {
    const f = fakeRounds([9, 6, 4, 2]);
    const rounds = await escalate(3, 500, f.run);
    expect(f.ran).toEqual([1, 2, 3]);
    const c = notConvergedCheck(rounds, 500, 3);
    expect(c.status).toBe('flag');
    expect(c.evidence).toMatchObject({ brokenPerRound: '9, 6, 4', rounds: 3, maxRounds: 3, broken: 19 });
  });

  it('when round 1 breaks nothing, or only within the tolerance (≤ 0.5 % or < 2 points), then no further round runs', async () => {
    const f = fakeRounds([0, 5]);
    expect((await escalate(3, 500, f.run)).length).toBe(1);
    expect(f.ran).toEqual([1]);
    // 2 of 500 = 0.4 %: what the check passes ends the escalation (it never turns a pass into a flag).
    const g = fakeRounds([2, 9, 9]);
    const rounds = await escalate(3, 500, g.run);
    expect(g.ran).toEqual([1]);
    expect(notConvergedCheck(rounds, 500, 3).status).toBe('pass');
    const one = fakeRounds([1, 9]);
    expect((await escalate(3, 100, one.run)).length).toBe(1);
  });

  it('when the budget is not an integer ≥ 1 then it is refused', async () => {
    await expect(escalate(0, 500, fakeRounds([]).run)).rejects.toThrow(/rounds must be an integer ≥ 1/);
  });

  it('round r adds as many new restarts as all earlier rounds (total doubles), with its own origin and random stream', () => {
    const base = { attack: 'apgd-ce', params: { steps: 100, restarts: 2 }, origin: 'convergence' };
    expect(escalationStep(base, 1)).toEqual(base);
    expect(escalationStep(base, 2)).toEqual({ attack: 'apgd-ce', params: { steps: 100, restarts: 2 }, origin: 'convergence-2' });
    expect(escalationStep(base, 3).params).toEqual({ steps: 100, restarts: 4 });
    expect(escalationStep(base, 4).params).toEqual({ steps: 100, restarts: 8 });
    const unset = escalationStep({ attack: 'apgd-dlr', params: { straightThrough: true }, origin: 'convergence' }, 3);
    expect(unset.params).toEqual({ straightThrough: true, restarts: 2 });
    expect(() => parseParams(getAttack('apgd-dlr'), unset.params)).not.toThrow();
    // Through a transfer step, the inner attack's effort grows.
    const t = escalationStep({ attack: 'transfer', params: { attack: 'fab-t', params: { restarts: 1 } }, origin: 'convergence' }, 3);
    expect(t.params).toEqual({ attack: 'fab-t', params: { restarts: 2 } });
    // No effort parameter at all (FGSM: one step): unchanged params, only the origin and the random stream differ.
    expect(escalationStep({ attack: 'fgsm', params: { loss: 'cw' }, origin: 'convergence' }, 3)).toEqual({ attack: 'fgsm', params: { loss: 'cw' }, origin: 'convergence-3' });
    expect(base.params.restarts).toBe(2); // the battery's step is not mutated
    expect(roundContext({ seed: 7 }, 1).seed).toBe(7);
    expect(roundContext({ seed: 7 }, 3).seed).toBe(7 + 2 * ROUND_SEED_STRIDE);
  });
});
