import { z } from 'zod';
import { describeIssues, listIssues } from './zod';

describe('zod issue formatting', () => {
  const schema = z.object({ list: z.array(z.object({ n: z.number() })) });
  const error = schema.safeParse({ list: [{ n: 'x' }] }).error!;

  it('when the style is dots (the default), then indices are path segments', () => {
    expect(describeIssues(error)).toMatch(/^list\.0\.n: /);
  });

  it('when the style is brackets, then indices are subscripts', () => {
    expect(listIssues(error, '(root)', 'brackets')[0]!.path).toBe('list[0].n');
  });

  it('when the path is empty, then the root name stands for it', () => {
    const top = z.object({}).safeParse([]).error!;
    expect(describeIssues(top, '(root)')).toMatch(/^\(root\): /);
    expect(listIssues(top, '(policy)', 'brackets')[0]!.path).toBe('(policy)');
  });
});
