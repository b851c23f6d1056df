/**
 * The bound registry is one table (STYLE.md §5, §17): every op once, every rule file registered
 * and tested beside it, and boundMethods (docs/supported-ops.md's Bounds column) covers it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { BOUND_RULES, boundMethods, boundRule, boundedOps } from './registry';
import type { BoundRule } from './types';

const RULES_DIR = path.join(__dirname, 'rules');

function isBoundRule(v: unknown): v is BoundRule {
  const r = v as BoundRule;
  return typeof v === 'object' && v !== null && typeof r.opType === 'string' && typeof r.ibp === 'function';
}

/** rules/<base>.ts modules exporting a BoundRule: base → its rules. */
function ruleFiles(): Map<string, BoundRule[]> {
  const out = new Map<string, BoundRule[]>();
  for (const f of fs.readdirSync(RULES_DIR).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).sort()) {
    const base = f.slice(0, -3);
    const rules = Object.values(require(path.join(RULES_DIR, base)) as Record<string, unknown>).filter(isBoundRule);
    if (rules.length) out.set(base, rules);
  }
  return out;
}

describe('bound registry', () => {
  it('when the table is built, then every op appears exactly once and lookups find its rule', () => {
    const ops = BOUND_RULES.map((r) => r.opType);
    expect(ops.filter((op, i) => ops.indexOf(op) !== i)).toEqual([]);
    expect(boundedOps()).toEqual([...ops].sort());
    for (const r of BOUND_RULES) expect(boundRule(r.opType)).toBe(r);
    expect(boundRule('Softmax')).toBeUndefined();
  });

  it('when rules/ is scanned, then every file exporting a BoundRule is registered and has a property test beside it', () => {
    const files = ruleFiles();
    const registered = new Set(BOUND_RULES);
    const unregistered = [...files].filter(([, rules]) => rules.some((r) => !registered.has(r))).map(([b]) => b);
    expect(unregistered).toEqual([]);
    expect(new Set([...files.values()].flat()).size).toBe(BOUND_RULES.length);
    const untested = [...files.keys()].filter((b) => !fs.existsSync(path.join(RULES_DIR, `${b}.test.ts`)));
    expect(untested.map((b) => `rules/${b}.test.ts`)).toEqual([]);
  });

  it('when the methods per op are listed, then every bounded op has IBP, CROWN where its rule has linear bounds, and no other op appears', () => {
    expect([...boundMethods().keys()]).toEqual(boundedOps());
    for (const [op, methods] of boundMethods()) expect(methods).toEqual(boundRule(op)!.crown ? ['IBP', 'CROWN'] : ['IBP']);
    expect(boundMethods().get('Relu')).toEqual(['IBP', 'CROWN']);
  });
});
