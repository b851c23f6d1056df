/**
 * The one table of how Gauntlet differentiates each ai.onnx op (STYLE.md §5).
 * Every op is exactly one of: a rule; noGradient (its outputs never carry gradient);
 * straightThrough (piecewise constant: zero gradient, or identity under BPDA); random.
 * docs/supported-ops.md is generated from this table (npm run docs:ops).
 */
import { GradientRule, OpClass } from './types';
import { add } from './rules/add';
import { conv } from './rules/conv';
import { div } from './rules/div';
import { exp } from './rules/exp';
import { flatten } from './rules/flatten';
import { gather } from './rules/gather';
import { gemm } from './rules/gemm';
import { identity } from './rules/identity';
import { log } from './rules/log';
import { mul } from './rules/mul';
import { neg } from './rules/neg';
import { reduceMax } from './rules/reduce-max';
import { reduceSum } from './rules/reduce-sum';
import { relu } from './rules/relu';
import { reshape } from './rules/reshape';
import { squeeze } from './rules/squeeze';
import { sub } from './rules/sub';
import { topK } from './rules/topk';
import { unsqueeze } from './rules/unsqueeze';
import { where } from './rules/where';
// --- section: elementwise rules (helper A) ---
// --- end section: elementwise rules ---
// --- section: structural rules (helper B) ---
// --- end section: structural rules ---
// --- section: straight-through and random rules (helper C) ---
// --- end section: straight-through and random rules ---

/** Differentiable ops with a rule. */
export const RULES: readonly GradientRule[] = [
  add, conv, div, exp, flatten, gather, gemm, identity, log, mul, neg, reduceMax, reduceSum, relu,
  reshape, squeeze, sub, topK, unsqueeze, where,
  // --- section: elementwise list (helper A) ---
  // --- end section: elementwise list ---
  // --- section: structural list (helper B) ---
  // --- end section: structural list ---
];

/** Ops whose outputs never carry gradient (shape arithmetic, comparisons, index computation). */
export const NO_GRADIENT: readonly string[] = [
  'Shape', 'Size', 'ArgMax', 'ArgMin', 'Equal', 'Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual',
  'And', 'Or', 'Xor', 'Not', 'IsNaN', 'IsInf', 'ConstantOfShape', 'Constant', 'Range', 'OneHot',
  'NonZero', 'EyeLike',
];

/** Piecewise-constant ops: zero true gradient; identity-like rule under straightThrough (BPDA). */
export const STRAIGHT_THROUGH: readonly GradientRule[] = [
  // --- section: straight-through list (helper C) ---
  // --- end section: straight-through list ---
];

/** Random ops: kept in the graph; gradients are per-draw samples (EOT averages them). */
export const RANDOM: readonly { opType: string; rule?: GradientRule }[] = [
  // --- section: random list (helper C) ---
  // --- end section: random list ---
];

const TABLE: Map<string, OpClass> = (() => {
  const t = new Map<string, OpClass>();
  const put = (op: string, c: OpClass) => {
    if (t.has(op)) throw new Error(`registry: op ${op} registered twice`);
    t.set(op, c);
  };
  for (const rule of RULES) put(rule.opType, { kind: 'rule', rule });
  for (const op of NO_GRADIENT) put(op, { kind: 'noGradient' });
  for (const rule of STRAIGHT_THROUGH) put(rule.opType, { kind: 'straightThrough', rule });
  for (const r of RANDOM) put(r.opType, { kind: 'random', rule: r.rule });
  return t;
})();

/** How `opType` is differentiated; ops with no entry have no rule (the builder reports them). */
export function classify(opType: string): OpClass | { kind: 'unknown' } {
  return TABLE.get(opType) ?? { kind: 'unknown' };
}

/** Every op type with an entry, sorted. */
export function supportedOps(): string[] {
  return [...TABLE.keys()].sort();
}

/** The full table, for docs and registry tests. */
export function registryTable(): ReadonlyMap<string, OpClass> {
  return TABLE;
}
