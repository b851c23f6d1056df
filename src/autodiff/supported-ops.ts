/**
 * docs/supported-ops.md, generated from the registry table so the doc cannot drift (STYLE.md §5):
 * every op with its kind and the first line of its rule file's derivation comment. The rule files
 * are found by scanning rules/ for modules that export a GradientRule (also used by the registry
 * test: every such file must have a test beside it).
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

const KIND: Record<OpClass['kind'], string> = {
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

const cell = (s: string) => s.replace(/\|/g, '\\|');

/** The Markdown of docs/supported-ops.md. */
export function supportedOpsMarkdown(): string {
  const fileOf = new Map<GradientRule, string>();
  for (const [base, rules] of ruleFiles()) for (const r of rules) if (!fileOf.has(r)) fileOf.set(r, base);
  const table = registryTable();
  const ops = [...table.keys()].sort();
  const counts = new Map<string, number>();
  const rows = ops.map((op) => {
    const c = table.get(op)!;
    counts.set(c.kind, (counts.get(c.kind) ?? 0) + 1);
    const rule = c.kind === 'rule' || c.kind === 'straightThrough' || c.kind === 'random' ? c.rule : undefined;
    const file = rule && fileOf.get(rule);
    const text = file ? derivationLine(file) : NO_RULE[c.kind] ?? '';
    return `| ${op} | ${KIND[c.kind]} | ${cell(text)} |`;
  });
  const summary = (Object.keys(KIND) as OpClass['kind'][]).map((k) => `${counts.get(k) ?? 0} ${KIND[k]}`).join(', ');
  return [
    '# Supported ops',
    '',
    'Generated from the gradient registry (`src/autodiff/registry.ts`) by `npm run docs:ops`',
    '(or `npx tsx scripts/supported-ops.ts > docs/supported-ops.md`); do not edit by hand.',
    '',
    'Kinds:',
    '',
    '- **gradient rule**: differentiated exactly (the rule file, `src/autodiff/rules/<op>.ts`, opens with the derivation).',
    '- **no gradient**: outputs never carry gradient (shape arithmetic, comparisons, indices). ArgMax/ArgMin on the',
    '  input→logits path are reported as non-differentiable.',
    '- **straight-through (BPDA)**: piecewise constant, true gradient zero; the builder reports the node as',
    '  non-differentiable and, with `straightThrough`, uses the rule\'s identity-like gradient (Athalye et al. 2018,',
    '  https://arxiv.org/abs/1802.00420). A Cast to an integer type is treated the same way.',
    '- **random (EOT)**: kept in the graph and reported; gradients are per-draw samples, to be averaged over draws.',
    '  Dropout is random only in training mode.',
    '',
    'Ops with no entry raise UnsupportedOpError when they lie on the input→logits path.',
    '',
    `${ops.length} ops: ${summary}.`,
    '',
    '| Op | Kind | Derivation |',
    '|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
