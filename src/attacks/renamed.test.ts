import { z } from 'zod';
import { UsageError } from '../errors';
import { ATTACKS, getAttack, paramFields, parseParams } from '.';
import { withRenamed } from './renamed';

describe('deprecated parameter names', () => {
  it('when fab-t is given the old `iterations`, then it parses as `steps`', () => {
    const p = parseParams(getAttack('fab-t'), { iterations: 7, targetClasses: 2 }) as Record<string, unknown>;
    expect(p).toMatchObject({ steps: 7, targetClasses: 2 });
    expect(p).not.toHaveProperty('iterations');
    expect(p).toEqual(parseParams(getAttack('fab-t'), { steps: 7, targetClasses: 2 }));
  });

  it('when square is given the old `nQueries`, then it parses as `queries`', () => {
    const p = parseParams(getAttack('square'), { nQueries: 300 }) as Record<string, unknown>;
    expect(p).toEqual({ queries: 300, pInit: 0.8, restarts: 1 });
  });

  it('when an old name comes with its new name, then UsageError names the new parameter', () => {
    expect(() => parseParams(getAttack('fab-t'), { iterations: 7, steps: 7 })).toThrow(UsageError);
    expect(() => parseParams(getAttack('fab-t'), { iterations: 7, steps: 7 })).toThrow(/iterations.*'iterations' was renamed 'steps'; give only 'steps'/);
    expect(() => parseParams(getAttack('square'), { nQueries: 10, queries: 10 })).toThrow(/'nQueries' was renamed 'queries'/);
  });

  it('when an old name holds an invalid value, then the error names the new parameter', () => {
    expect(() => parseParams(getAttack('fab-t'), { iterations: 0 })).toThrow(/steps/);
    expect(() => parseParams(getAttack('square'), { nQueries: 1.5 })).toThrow(/queries/);
  });

  it('when a transfer step names the inner attack\'s old parameter, then it is accepted', () => {
    expect(() => parseParams(ATTACKS.transfer, { attack: 'fab-t', params: { iterations: 5 } })).not.toThrow();
    expect(() => parseParams(ATTACKS.transfer, { attack: 'fab-t', params: { iterations: 5, steps: 5 } })).toThrow(/params\.iterations/);
  });

  it('when paramFields reads a renamed schema, then it lists the new names only', () => {
    expect(paramFields(getAttack('fab-t')).map((f) => f.key)).toEqual(expect.arrayContaining(['steps', 'restarts', 'targetClasses']));
    expect(paramFields(getAttack('fab-t')).map((f) => f.key)).not.toContain('iterations');
    expect(paramFields(getAttack('square')).map((f) => f.key)).toEqual(['queries', 'pInit', 'restarts']);
    expect(paramFields(getAttack('square'))[0]).toMatchObject({ default: 5000, optional: true });
  });

  it('when every gradient attack counts iterations, then it calls them `steps`; score-based budgets are `queries`', () => {
    for (const [name, def] of Object.entries(ATTACKS)) {
      const keys = paramFields(def).map((f) => f.key);
      for (const old of ['iterations', 'nIter', 'iters', 'nQueries', 'maxQueries', 'nRestarts']) expect([name, keys.includes(old)]).toEqual([name, false]);
    }
    expect(paramFields(getAttack('square')).map((f) => f.key)).toContain('queries');
    for (const name of ['pgd', 'alt-pgd', 'apgd-ce', 'apgd-dlr', 'apgd-t', 'fab-t']) {
      expect([name, paramFields(getAttack(name)).map((f) => f.key)]).toEqual([name, expect.arrayContaining(['steps', 'restarts'])]);
    }
  });

  it('when the input is not an object, then withRenamed leaves it to the schema', () => {
    const s = withRenamed(z.strictObject({ b: z.number().default(1) }), { a: 'b' });
    expect(s.safeParse(undefined).success).toBe(false);
    expect(s.safeParse([1]).success).toBe(false);
    expect(s.parse({ a: 2 })).toEqual({ b: 2 });
  });
});
