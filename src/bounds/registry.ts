/**
 * The one table of the ops Gauntlet can bound (one rule per op, rules/<op>.ts). An op on the
 * input→logits path without an entry makes the model's points "not certified", with the op
 * named as the reason. docs/supported-ops.md's "bounds" column is generated from this table.
 */
import type { BoundRule } from './types';
import { add } from './rules/add';
import { averagePool } from './rules/average-pool';
import { batchNormalization } from './rules/batch-normalization';
import { concat } from './rules/concat';
import { conv } from './rules/conv';
import { div } from './rules/div';
import { flatten } from './rules/flatten';
import { gemm } from './rules/gemm';
import { globalAveragePool } from './rules/global-average-pool';
import { identity } from './rules/identity';
import { leakyRelu } from './rules/leaky-relu';
import { matMul } from './rules/mat-mul';
import { maxPool } from './rules/max-pool';
import { mul } from './rules/mul';
import { pad } from './rules/pad';
import { relu } from './rules/relu';
import { reshape } from './rules/reshape';
import { sigmoid } from './rules/sigmoid';
import { slice } from './rules/slice';
import { squeeze } from './rules/squeeze';
import { sub } from './rules/sub';
import { tanh } from './rules/tanh';
import { transpose } from './rules/transpose';
import { unsqueeze } from './rules/unsqueeze';

export const BOUND_RULES: readonly BoundRule[] = [
  add, averagePool, batchNormalization, concat, conv, div, flatten, gemm, globalAveragePool, identity,
  leakyRelu, matMul, maxPool, mul, pad, relu, reshape, sigmoid, slice, squeeze, sub, tanh, transpose, unsqueeze,
];

const BY_OP = new Map(BOUND_RULES.map((r) => [r.opType, r]));

/** The bound rule of an op type, if any. */
export function boundRule(opType: string): BoundRule | undefined {
  return BY_OP.get(opType);
}

/** Op types with a bound rule, sorted. */
export function boundedOps(): string[] {
  return [...BY_OP.keys()].sort();
}

/**
 * The bound-propagation methods with a rule, by op type (docs/supported-ops.md's "Bounds"
 * column): 'IBP' for every rule of this table, 'CROWN' where the rule has linear bounds.
 */
export function boundMethods(): ReadonlyMap<string, readonly string[]> {
  return new Map(boundedOps().map((op) => [op, BY_OP.get(op)!.crown ? ['IBP', 'CROWN'] : ['IBP']]));
}
