import * as fs from 'fs';
import * as path from 'path';
import { boundRule, boundedOps } from '../bounds/registry';
import { supportedOpsMarkdown } from './supported-ops';

describe('docs/supported-ops.md', () => {
  it('when generated from the registry, then it equals the committed doc (regenerate: npm run docs:ops)', () => {
    const committed = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'supported-ops.md'), 'utf8');
    expect(committed).toBe(supportedOpsMarkdown());
  });

  it('when a rule file opens with a derivation, then its first line is in the table', () => {
    const md = supportedOpsMarkdown();
    expect(md).toContain('| Relu | gradient rule | Relu: y = max(x, 0); dx = dy · [x > 0]');
    expect(md).toContain('| Round | straight-through (BPDA) | Round: y = round(x) (half to even)');
    expect(md).toContain('| ArgMax | no gradient |');
    expect(md).toContain('| RandomNormalLike | random (EOT) |');
  });

  it('when an op has a bound rule, then its Bounds cell reads IBP (and CROWN where the rule has linear bounds), and is blank otherwise', () => {
    const rows = new Map(supportedOpsMarkdown().split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Op ')).map((l) => {
      const cells = l.slice(2, -2).split(' | ');
      return [cells[0], cells[cells.length - 1]] as const;
    }));
    for (const op of boundedOps()) expect([op, rows.get(op)]).toEqual([op, boundRule(op)!.crown ? 'IBP, CROWN' : 'IBP']);
    expect(rows.get('Conv')).toBe('IBP, CROWN');
    expect(rows.get('Softmax')).toBe('');
    expect(rows.get('ArgMax')).toBe('');
  });
});
