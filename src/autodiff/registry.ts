/**
 * The one table of how Gauntlet differentiates each ai.onnx op (STYLE.md §5).
 * Every op is exactly one of: a rule; noGradient (its outputs never carry gradient);
 * straightThrough (piecewise constant: zero gradient, or identity under BPDA); random.
 * docs/supported-ops.md is generated from this table (npm run docs:ops).
 */
import { InternalError } from '../errors';
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
import { abs } from './rules/abs';
import { celu } from './rules/celu';
import { clip } from './rules/clip';
import { elu } from './rules/elu';
import { erf } from './rules/erf';
import { hardSigmoid } from './rules/hard-sigmoid';
import { hardSwish } from './rules/hard-swish';
import { leakyRelu } from './rules/leaky-relu';
import { logSoftmax } from './rules/log-softmax';
import { max } from './rules/max';
import { mean } from './rules/mean';
import { min } from './rules/min';
import { pow } from './rules/pow';
import { prelu } from './rules/prelu';
import { reciprocal } from './rules/reciprocal';
import { selu } from './rules/selu';
import { sigmoid } from './rules/sigmoid';
import { softmax } from './rules/softmax';
import { softplus } from './rules/softplus';
import { sqrt } from './rules/sqrt';
import { sum } from './rules/sum';
import { tanh } from './rules/tanh';
import { averagePool } from './rules/average-pool';
import { batchNormalization } from './rules/batch-normalization';
import { concat } from './rules/concat';
import { convTranspose } from './rules/conv-transpose';
import { expand } from './rules/expand';
import { globalAveragePool } from './rules/global-average-pool';
import { globalMaxPool } from './rules/global-max-pool';
import { instanceNormalization } from './rules/instance-normalization';
import { layerNormalization } from './rules/layer-normalization';
import { matMul } from './rules/mat-mul';
import { maxPool } from './rules/max-pool';
import { pad } from './rules/pad';
import { reduceMean } from './rules/reduce-mean';
import { resize } from './rules/resize';
import { slice } from './rules/slice';
import { split } from './rules/split';
import { tile } from './rules/tile';
import { transpose } from './rules/transpose';
import { cast } from './rules/cast';
import { ceil } from './rules/ceil';
import { dequantizeLinear } from './rules/dequantize-linear';
import { dropout } from './rules/dropout';
import { floor } from './rules/floor';
import { quantizeLinear } from './rules/quantize-linear';
import { round } from './rules/round';
import { sign } from './rules/sign';

/** Differentiable ops with a rule. */
export const RULES: readonly GradientRule[] = [
  add, conv, div, exp, flatten, gather, gemm, identity, log, mul, neg, reduceMax, reduceSum, relu,
  reshape, squeeze, sub, topK, unsqueeze, where,
  abs, celu, clip, elu, erf, hardSigmoid, hardSwish, leakyRelu, logSoftmax, max, mean, min, pow, prelu,
  reciprocal, selu, sigmoid, softmax, softplus, sqrt, sum, tanh,
  averagePool,
  batchNormalization,
  concat,
  convTranspose,
  expand,
  globalAveragePool,
  globalMaxPool,
  instanceNormalization,
  layerNormalization,
  matMul,
  maxPool,
  pad,
  reduceMean,
  resize,
  slice,
  split,
  tile,
  transpose,
  cast, // between float types; the builder treats a cast to an integer type as straight-through
];

/** Ops whose outputs never carry gradient (shape arithmetic, comparisons, index computation). */
export const NO_GRADIENT: readonly string[] = [
  'Shape', 'Size', 'ArgMax', 'ArgMin', 'Equal', 'Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual',
  'And', 'Or', 'Xor', 'Not', 'IsNaN', 'IsInf', 'ConstantOfShape', 'Constant', 'Range', 'OneHot',
  'NonZero', 'EyeLike',
];

/** Piecewise-constant ops: zero true gradient; identity-like rule under straightThrough (BPDA). */
export const STRAIGHT_THROUGH: readonly GradientRule[] = [
  round, floor, ceil, sign, quantizeLinear, dequantizeLinear,
];

/** Random ops: kept in the graph; gradients are per-draw samples (EOT averages them). */
export const RANDOM: readonly { opType: string; rule?: GradientRule }[] = [
  // Samplers: no gradient reaches x through them (Random*Like read only x's shape; Bernoulli samples).
  { opType: 'RandomNormal' }, { opType: 'RandomUniform' }, { opType: 'RandomNormalLike' }, { opType: 'RandomUniformLike' },
  { opType: 'Bernoulli' },
  // Random in training mode only (training_mode constant true): the builder reports it then.
  { opType: 'Dropout', rule: dropout },
];

const TABLE: Map<string, OpClass> = (() => {
  const t = new Map<string, OpClass>();
  const put = (op: string, c: OpClass) => {
    if (t.has(op)) throw new InternalError(`registry: op ${op} registered twice`);
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
