/**
 * The registry is one table (STYLE.md §5): every op once, every rule file tested, and a missing
 * rule is an error that names the op and node and lists what is supported.
 */
import * as fs from 'fs';
import * as path from 'path';
import { UnsupportedOpError } from '../errors';
import { probeShapes } from '../runtime/probe';
import { buildGradientModel } from './builder';
import { NO_GRADIENT, RANDOM, RULES, STRAIGHT_THROUGH, classify, registryTable, supportedOps } from './registry';
import { ruleFiles, rulesSourceDir } from './supported-ops';
import { smallModel } from './testing/small-model';

describe('gradient registry', () => {
  it('when the table is built, then every op of RULES, NO_GRADIENT, STRAIGHT_THROUGH and RANDOM appears exactly once', () => {
    const lists: Record<string, string[]> = {
      RULES: RULES.map((r) => r.opType),
      NO_GRADIENT: [...NO_GRADIENT],
      STRAIGHT_THROUGH: STRAIGHT_THROUGH.map((r) => r.opType),
      RANDOM: RANDOM.map((r) => r.opType),
    };
    const seen = new Map<string, string[]>();
    for (const [list, ops] of Object.entries(lists)) for (const op of ops) seen.set(op, [...(seen.get(op) ?? []), list]);
    const twice = [...seen].filter(([, where]) => where.length > 1).map(([op, where]) => `${op} (${where.join(', ')})`);
    expect(twice).toEqual([]);
    expect(registryTable().size).toBe(seen.size);
    expect(supportedOps()).toEqual([...seen.keys()].sort());
  });

  it('when an op is looked up, then its kind follows the list it is in', () => {
    expect(classify('Relu').kind).toBe('rule');
    expect(classify('Cast').kind).toBe('rule');
    expect(classify('ArgMax').kind).toBe('noGradient');
    expect(classify('Round').kind).toBe('straightThrough');
    expect(classify('QuantizeLinear').kind).toBe('straightThrough');
    expect(classify('RandomNormalLike')).toEqual({ kind: 'random', rule: undefined });
    expect(classify('Dropout').kind).toBe('random');
    expect(classify('NoSuchOp').kind).toBe('unknown');
  });

  it('when rules/ is scanned, then every file exporting a GradientRule has a test file beside it', () => {
    const dir = rulesSourceDir();
    const missing = [...ruleFiles().keys()].filter((base) => !fs.existsSync(path.join(dir, `${base}.test.ts`)));
    expect(missing.map((b) => `rules/${b}.test.ts`)).toEqual([]);
  });

  it('when the table has a rule, then a file in rules/ exports it, and its opType is the key it is registered under', () => {
    const fromFiles = new Set([...ruleFiles().values()].flat());
    const orphans: string[] = [];
    for (const [op, c] of registryTable()) {
      const rule = c.kind === 'rule' || c.kind === 'straightThrough' || c.kind === 'random' ? c.rule : undefined;
      if (rule && (!fromFiles.has(rule) || rule.opType !== op)) orphans.push(op);
    }
    expect(orphans).toEqual([]);
  });

  it('when an op without an entry lies on the input→logits path, then UnsupportedOpError names the op and node and lists the supported ops', async () => {
    // Det: [4, 2, 2] → [4] scores; float32 because ONNX Runtime's Det has no double kernel.
    expect(classify('Det').kind).toBe('unknown');
    const model = smallModel({ dtype: 'float32', xShape: [4, 2, 2], nodes: [{ op: 'Det', inputs: ['data'] }] });
    const shapes = await probeShapes(model, { inputShape: [4, 2, 2] });
    let err: unknown;
    try { buildGradientModel(model, { loss: 'ce', shapes }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(UnsupportedOpError);
    const msg = (err as Error).message;
    expect(msg).toContain('no gradient rule for op Det');
    expect(msg).toContain("node 'Det_0'");
    expect(msg).toContain(`Supported: ${supportedOps().join(', ')}`);
    expect((err as UnsupportedOpError).details).toEqual({ opType: 'Det', node: 'Det_0' });
  });
});
