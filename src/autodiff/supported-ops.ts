/**
 * The gradient registry's side of docs/supported-ops.md (STYLE.md §5): every op with its kind and
 * the first line of its rule file's derivation comment; src/model/supported-ops.ts joins it with
 * the bound rules (autodiff must not import bounds). The rule files are found by scanning rules/
 * for modules that export a GradientRule (also used by the registry test: every such file must
 * have a test beside it).
 */
import { InternalError } from '../errors';
import * as fs from 'fs';
import * as path from 'path';
import { registryTable } from './registry';
import { GradientRule, OpClass } from './types';

/** The repository's src/autodiff/rules (the sources, also when this module runs from dist/). */
export function rulesSourceDir(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new InternalError(`supported-ops: no package.json above ${__dirname}`);
    dir = up;
  }
  return path.join(dir, 'src', 'autodiff', 'rules');
}

function isGradientRule(v: unknown): v is GradientRule {
  const r = v as GradientRule;
  return typeof v === 'object' && v !== null && typeof r.opType === 'string' && Array.isArray(r.differentiable) && typeof r.build === 'function';
}

/** Every module in rules/ that exports a GradientRule: base name (e.g. 'reduce-max') → its rules. */
export function ruleFiles(): Map<string, GradientRule[]> {
  const out = new Map<string, GradientRule[]>();
  const bases = fs.readdirSync(rulesSourceDir())
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
  for (const base of bases) {
    const mod = require(path.join(__dirname, 'rules', base)) as Record<string, unknown>;
    const rules = Object.values(mod).filter(isGradientRule);
    if (rules.length) out.set(base, rules);
  }
  return out;
}

/** First line of the leading comment of rules/<base>.ts, e.g. "Relu: y = max(x, 0); dx = dy · [x > 0] …". */
export function derivationLine(base: string): string {
  const src = fs.readFileSync(path.join(rulesSourceDir(), `${base}.ts`), 'utf8');
  const m = /^\s*\/\*\*([\s\S]*?)\*\//.exec(src);
  const lines = (m?.[1] ?? '').split('\n').map((l) => l.replace(/^\s*\*?\s?/, '').trim()).filter(Boolean);
  return lines[0] ?? '';
}

/** How the doc names each kind of gradient entry. */
export const GRADIENT_KIND_LABELS: Readonly<Record<OpClass['kind'], string>> = {
  rule: 'gradient rule',
  noGradient: 'no gradient',
  straightThrough: 'straight-through (BPDA)',
  random: 'random (EOT)',
};

/** Text for ops without a rule file. */
const NO_RULE: Partial<Record<OpClass['kind'], string>> = {
  noGradient: 'outputs carry no gradient (indices, shapes, comparisons)',
  random: 'sampled: no gradient reaches the input through it',
};

/** One op of the gradient registry as docs/supported-ops.md shows it. */
export interface GradientOpRow {
  op: string;
  kind: OpClass['kind'];
  /** The first line of the rule file's derivation comment, or why the op has no rule file. */
  derivation: string;
}

/** Every op of the gradient registry, sorted by op type. */
export function gradientOpRows(): GradientOpRow[] {
  const fileOf = new Map<GradientRule, string>();
  for (const [base, rules] of ruleFiles()) for (const r of rules) if (!fileOf.has(r)) fileOf.set(r, base);
  const table = registryTable();
  return [...table.keys()].sort().map((op) => {
    const c = table.get(op)!;
    const rule = c.kind === 'rule' || c.kind === 'straightThrough' || c.kind === 'random' ? c.rule : undefined;
    const file = rule && fileOf.get(rule);
    return { op, kind: c.kind, derivation: file ? derivationLine(file) : NO_RULE[c.kind] ?? '' };
  });
}
