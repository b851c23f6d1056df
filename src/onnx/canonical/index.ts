/**
 * canonicalize: rewrite a model declared at any ai.onnx opset 1..22 into an equivalent model
 * whose every node has ai.onnx OPSET 17 semantics (the only semantics the gradient rules know),
 * importing {'' → 17} at IR version ≥ 8.
 *
 * Conversion is node by node, from the op version in force at the model's declared opset
 * (HISTORY_TEXT below, after onnx/defs/operator_sets.h and docs/Changelog.md) to the version in
 * force at opset 17. Version bumps that only widen types, or add an attribute/input whose
 * default keeps the old behaviour, need nothing; every other bump has a converter here or is
 * rejected with a ModelError naming op, node and opset. Names of existing node outputs never
 * change; helper values, nodes and initializers get fresh names unique across the whole model
 * (all subgraphs). The input model is not mutated (tensor payloads are shared, not copied).
 *
 * Upgrades (declared opset < 17):
 * - any `consumed_inputs` attribute (opset < 6/7): dropped.
 * - Add/Sub/Mul/Div/Pow/And/Or/Xor/Equal/Greater/Less < 7 (`broadcast`/`axis`): numpy broadcasting;
 *   with `axis`, B gets trailing 1-dims (a reshaped initializer, or Unsqueeze) so it aligns at
 *   `axis` of A; needs the ranks of A and B (else ModelError).
 * - Gemm < 7: `broadcast` dropped (legacy suffix broadcasting of C is numpy-compatible); C stays.
 * - PRelu < 7 (a 1-D slope is per channel, axis 1): the slope gets trailing 1-dims for numpy
 *   (unidirectional) broadcasting; needs the input's rank.
 * - Cast < 6: `to` string ('FLOAT', …) → data-type code. Concat < 4: missing axis → 1.
 * - Reshape < 5: `shape` attr → input. Pad < 2: `paddings` → `pads`.
 * - Pad < 11: pads/value attrs → inputs (value omitted when 0 or mode ≠ constant).
 * - Clip < 11: min/max attrs → scalar inputs in the input's dtype.
 * - Slice < 10: starts/ends/axes attrs → int64 inputs. TopK < 10: k attr → int64 input.
 * - Dropout: `is_test` (< 7) dropped (is_test=0 noted: run as inference), ratio attr (< 12) → input;
 *   a used `mask` output of Dropout < 10 (type T there, bool since 10) gets a Cast back. The
 *   inference mask is all true (opset-12 definition; ONNX Runtime's opset 7-11 kernels gave false).
 * - BatchNormalization: `spatial` (< 9) must be 1 (else ModelError) and is dropped; `is_test`
 *   (< 7) dropped; training outputs (mean/var/saved_*, < 14) dropped when unused, ModelError when used.
 * - Squeeze/Unsqueeze/ReduceSum < 13: axes attr → int64 input. Split < 13: split attr → input.
 * - Softmax/LogSoftmax/Hardmax < 13 (coerce to 2-D at `axis`): Flatten(axis) → op(axis=-1) →
 *   Reshape(Shape(x)); a plain op(axis=-1) when `axis` is known to be the last axis.
 * - Upsample (7, 9, 10; and experimental 1) → Resize-13 (scales input, asymmetric coordinates,
 *   nearest_mode floor). Resize 10 → 13 form (asymmetric; nearest: floor when upsampling, ceil
 *   when downsampling, as ONNX Runtime's opset-10 kernel; needs constant scales in nearest mode).
 *   Resize 11-17: tf_half_pixel_for_nn (removed in 13) → half_pixel with the equivalent
 *   nearest_mode where one exists (floor → round_prefer_ceil, round_prefer_floor → ceil), else
 *   ModelError; empty constant roi/scales → omitted inputs.
 * - LpPool/GlobalLpPool < 2: float p → int p. RoiAlign < 16: coordinate_transformation_mode =
 *   'output_half_pixel' (the old behaviour; 16 changed the default). Scatter (9-10, deprecated) →
 *   ScatterElements. GRU/LSTM/RNN < 7: `output_sequence` dropped.
 * - Experimental ops of opsets 1-9: ImageScaler, Scale, Affine, ScaledTanh, ParametricSoftplus →
 *   Mul/Add/Tanh/Softplus; ThresholdedRelu kept (same as ThresholdedRelu-10). Other experimental
 *   ops (Crop, ATen, GRUUnit, ConstantFill, GivenTensorFill, DynamicSlice, MVN-1) → ModelError.
 *   Tile-1 (tiles/axis inputs) and Scan-8 (batch axis) → ModelError.
 *
 * Downgrades (declared opset 18..22):
 * - ReduceMean/Max/Min/Prod/L1/L2/LogSum/LogSumExp/SumSquare 18: axes input → attribute (needs a
 *   constant: initializer or Constant node, else ModelError); absent/empty axes with
 *   noop_with_empty_axes=1 (a reduction over no axes) → Identity, or Abs (L1, L2), x·x (SumSquare),
 *   Log (LogSum) as the ONNX reference and ONNX Runtime compute it. ReduceSum keeps its 13 form.
 * - Split 18: num_outputs dropped when the split is even or the axis size is unknown (the 17 form
 *   then splits evenly and ONNX Runtime rejects uneven sizes at run time); an uneven split of a
 *   statically known axis becomes an explicit split input.
 * - Pad 18/19/21: axes input → full pads vector (needs constant pads and axes and the input's
 *   rank; without axes nothing changes); mode 'wrap' (19) → ModelError.
 * - Resize 18/19: antialias must be 0; keep_aspect_ratio_policy must be 'stretch' when `sizes` is
 *   used; `axes` → full-rank scales (constant when possible, else ScatterElements over ones) or
 *   sizes (ScatterElements over Shape(X)); half_pixel_symmetric (19) → ModelError.
 * - AveragePool 19 / LpPool 18: dilations must be all 1 (LpPool: ceil_mode 0); dropped.
 * - Cast/CastLike 19/21: `saturate` dropped (it only affects float8 targets); float8/int4 → ModelError.
 * - QuantizeLinear/DequantizeLinear 19/21: block_size must be 0; saturate dropped; output_dtype
 *   dropped when implied (an int8 output without zero point gets a zero zero-point); non-float32
 *   scales → ModelError.
 * - Gelu 20 → 0.5·x·(1+Erf(x·(1/√2))) or 0.5·x·(1+Tanh(√(2/π)·(x+0.044715·x³))).
 * - GroupNormalization 18 (scale/bias per group) and 21 (per channel; stash_type) → Reshape to
 *   [N, G, -1], ReduceMean/Sub/Mul/Sqrt/Div, per-group or per-channel affine, Reshape back.
 * - Mish 18 → x·Tanh(Softplus(x)). GridSample 20: modes linear/cubic → bilinear/bicubic (4-D only).
 *   DFT 20: axis input → attribute (constant). ScatterElements/ScatterND 18: reduction max/min →
 *   ModelError. Everything else bumped in 18-22 only widened types (bfloat16, float8, int4, string
 *   Equal, optional inputs of OptionalGetElement…): kept.
 * - Ops with no opset-17 counterpart (Col2Im, CenterCropPad, Bitwise*, DeformConv, AffineGrid,
 *   ImageDecoder, string ops) → ModelError.
 *
 * Rejected everywhere: nodes of any other domain (ai.onnx.ml, com.microsoft, model-local
 * functions): ModelError "custom operator domain 'X' (op Y, node Z) is not supported".
 * Declared opsets above 22 → ModelError.
 *
 * Subgraphs (If/Loop/Scan bodies) are canonicalized recursively with the same rules; values
 * they read from outer scopes are visible to constant/rank lookups.
 *
 * Rank and dtype facts (needed by a few conversions) come from declared value infos, graph
 * inputs/outputs, initializers, Constant nodes, a light forward inference over common ops and,
 * optionally, `opts.shapes` (e.g. a shape probe of the ORIGINAL model; only ranks and dtypes are
 * used, never its concrete sizes).
 */
import { ModelError } from '../../errors';
import {
  Attribute, Dim, DType, Graph, Model, Node, TensorValue, ValueInfo,
  attrFloat, attrFloats, attrInt, attrInts, attrString, attrTensor, tensorFromNumbers, tensorToNumbers,
} from '../ir';
import { codeFromDtype, dtypeFromCode } from '../dtype';

/** The opset every canonical model imports. */
export const CANONICAL_OPSET = 17;
/** The newest declared ai.onnx opset canonicalize accepts. */
export const MAX_SOURCE_OPSET = 22;

export interface CanonicalizeOptions {
  /**
   * Known dtype and shape of values (e.g. runtime/probe.ts `probeShapes` of the original model).
   * Only the rank and dtype are used: a probe's sizes are those of one synthetic batch.
   */
  shapes?: ReadonlyMap<string, { dtype?: DType; shape?: readonly number[] }>;
}

export interface CanonicalResult {
  model: Model;
  /** What was converted, dropped or assumed (aggregated; one line per kind of change). */
  notes: string[];
}

// ---------------------------------------------------------------------------------------------
// Operator version history of ai.onnx (opsets 1..22).
// Each op lists the opset versions in which it (re)appeared. Suffixes on a version v:
//   '='  only widened types / documentation: same semantics both ways;
//   '+'  adds something whose default keeps the previous behaviour (or removes `consumed_inputs`,
//        which is dropped everywhere): an older node means the same under v, not vice versa;
//   none semantic change: a converter below handles it (or rejects).
// ---------------------------------------------------------------------------------------------
const HISTORY_TEXT: Record<string, string> = {
  Abs: '1 6+ 13=', Acos: '7 22=', Acosh: '9 22=', Add: '1 6+ 7 13= 14=', And: '1 7',
  ArgMax: '1 11+ 12+ 13=', ArgMin: '1 11+ 12+ 13=', Asin: '7 22=', Asinh: '9 22=', Atan: '7 22=', Atanh: '9 22=',
  AveragePool: '1 7+ 10+ 11+ 19 22=', BatchNormalization: '1 6 7 9 14+ 15=', Bernoulli: '15 22=', BitShift: '11',
  BitwiseAnd: '18', BitwiseNot: '18', BitwiseOr: '18', BitwiseXor: '18', BlackmanWindow: '17',
  Cast: '1 6 9= 13= 19 21', CastLike: '15 19 21', Ceil: '1 6+ 13=', Celu: '12', CenterCropPad: '18',
  Clip: '1 6+ 11 12= 13=', Col2Im: '18', Compress: '9 11+', Concat: '1 4 11+ 13=', ConcatFromSequence: '11',
  Constant: '1 9= 11+ 12+ 13= 19= 21=', ConstantOfShape: '9 20= 21=', Conv: '1 11+ 22=', ConvInteger: '10',
  ConvTranspose: '1 11+ 22=', Cos: '7 22=', Cosh: '9 22=', CumSum: '11 14=', DFT: '17 20', DeformConv: '19 22=',
  DepthToSpace: '1 11+ 13=', DequantizeLinear: '10 13+ 19 21', Det: '11 22=', Div: '1 6+ 7 13= 14=',
  Dropout: '1 6+ 7 10 12 13= 22=', DynamicQuantizeLinear: '11', Einsum: '12', Elu: '1 6+ 22=', Equal: '1 7 11= 13= 19=',
  Erf: '9 13=', Exp: '1 6+ 13=', Expand: '8 13=', EyeLike: '9 22=', Flatten: '1 9= 11+ 13= 21=', Floor: '1 6+ 13=',
  GRU: '1 3+ 7 14+ 22=', Gather: '1 11+ 13=', GatherElements: '11 13=', GatherND: '11 12+ 13=', Gelu: '20',
  Gemm: '1 6+ 7 9= 11+ 13=', GlobalAveragePool: '1 22=', GlobalLpPool: '1 2 22=', GlobalMaxPool: '1 22=',
  Greater: '1 7 9= 13=', GreaterOrEqual: '12 16=', GridSample: '16 20 22=', GroupNormalization: '18 21',
  HardSigmoid: '1 6+ 22=', HardSwish: '14 22=', Hardmax: '1 11+ 13', Identity: '1 13= 14= 16= 19= 21=',
  If: '1 11+ 13= 16= 19= 21=', ImageDecoder: '20', InstanceNormalization: '1 6+ 22=', IsInf: '10 20=',
  IsNaN: '9 13= 20=', LRN: '1 13=', LSTM: '1 7 14+ 22=', LayerNormalization: '17', LeakyRelu: '1 6+ 16=',
  Less: '1 7 9= 13=', LessOrEqual: '12 16=', Log: '1 6+ 13=', LogSoftmax: '1 11+ 13', Loop: '1 11+ 13= 16= 19= 21=',
  LpNormalization: '1 22=', LpPool: '1 2 11+ 18 22=', MatMul: '1 9= 13=', MatMulInteger: '10',
  Max: '1 6+ 8+ 12= 13=', MaxPool: '1 8+ 10+ 11+ 12= 22=', MaxRoiPool: '1 22=', MaxUnpool: '9 11+ 22=',
  Mean: '1 6+ 8+ 13=', MeanVarianceNormalization: '9 13=', MelWeightMatrix: '17', Min: '1 6+ 8+ 12= 13=',
  Mish: '18 22=', Mod: '10 13=', Mul: '1 6+ 7 13= 14=', Multinomial: '7 22=', Neg: '1 6+ 13=',
  NegativeLogLikelihoodLoss: '12 13= 22=', NonMaxSuppression: '10 11+', NonZero: '9 13=', Not: '1', OneHot: '9 11+',
  Optional: '15', OptionalGetElement: '15 18=', OptionalHasElement: '15 18=', Or: '1 7', PRelu: '1 6+ 7 9= 16=',
  Pad: '1 2 11 13= 18 19 21=', Pow: '1 7 12= 13= 15=', QLinearConv: '10', QLinearMatMul: '10 21=',
  QuantizeLinear: '10 13+ 19 21', RNN: '1 7 14+ 22=', RandomNormal: '1 22=', RandomNormalLike: '1 22=',
  RandomUniform: '1 22=', RandomUniformLike: '1 22=', Range: '11', Reciprocal: '1 6+ 13=',
  ReduceL1: '1 11+ 13= 18', ReduceL2: '1 11+ 13= 18', ReduceLogSum: '1 11+ 13= 18', ReduceLogSumExp: '1 11+ 13= 18',
  ReduceMax: '1 11+ 12= 13= 18 20=', ReduceMean: '1 11+ 13= 18', ReduceMin: '1 11+ 12= 13= 18 20=',
  ReduceProd: '1 11+ 13= 18', ReduceSum: '1 11+ 13', ReduceSumSquare: '1 11+ 13= 18', RegexFullMatch: '20',
  Relu: '1 6+ 13= 14=', Reshape: '1 5 13= 14+ 19= 21=', Resize: '10 11 13 18 19', ReverseSequence: '10',
  RoiAlign: '10 16 22=', Round: '11 22=', STFT: '17', Scan: '8 9 11+ 16= 19= 21=', Scatter: '9 11',
  ScatterElements: '11 13= 16+ 18', ScatterND: '11 13= 16+ 18', Selu: '1 6+ 22=', SequenceAt: '11',
  SequenceConstruct: '11', SequenceEmpty: '11', SequenceErase: '11', SequenceInsert: '11', SequenceLength: '11',
  SequenceMap: '17', Shape: '1 13= 15+ 19= 21=', Shrink: '9', Sigmoid: '1 6+ 13=', Sign: '9 13=', Sin: '7 22=',
  Sinh: '9 22=', Size: '1 13= 19= 21=', Slice: '1 10 11+ 13=', Softmax: '1 11+ 13', SoftmaxCrossEntropyLoss: '12 13=',
  Softplus: '1 22=', Softsign: '1 22=', SpaceToDepth: '1 13=', Split: '1 2 11+ 13 18', SplitToSequence: '11',
  Sqrt: '1 6+ 13=', Squeeze: '1 11+ 13 21=', StringConcat: '20', StringNormalizer: '10', StringSplit: '20',
  Sub: '1 6+ 7 13= 14=', Sum: '1 6+ 8+ 13=', Tan: '7 22=', Tanh: '1 6+ 13=', TfIdfVectorizer: '9',
  ThresholdedRelu: '10 22=', Tile: '1 6 13=', TopK: '1 10 11+', Transpose: '1 13= 21=', Trilu: '14', Unique: '11',
  Unsqueeze: '1 11+ 13 21=', Upsample: '1 7 9 10', Where: '9 16=', Xor: '1 7', AffineGrid: '20',
};

type Bump = { version: number; kind: 'semantic' | 'upgrade-safe' | 'types' };

const HISTORY: ReadonlyMap<string, readonly Bump[]> = new Map(
  Object.entries(HISTORY_TEXT).map(([op, text]) => [
    op,
    text.split(' ').map((tok): Bump => {
      const version = parseInt(tok, 10);
      const kind = tok.endsWith('=') ? 'types' : tok.endsWith('+') ? 'upgrade-safe' : 'semantic';
      return { version, kind };
    }),
  ]),
);

/** The version of `opType` in force at ai.onnx `opset` (its since-version), or undefined if it did not exist yet. */
export function onnxSinceVersion(opType: string, opset: number): number | undefined {
  const h = HISTORY.get(opType);
  if (!h) return undefined;
  let v: number | undefined;
  for (const b of h) if (b.version <= opset) v = b.version;
  return v;
}

/** Ops canonicalize knows (for documentation and tests). */
export function knownOnnxOps(): string[] {
  return [...HISTORY.keys()].sort();
}

/** Version bumps between the since-versions `from` and `to` that change meaning in that direction. */
function semanticBumps(opType: string, from: number, to: number): number[] {
  const h = HISTORY.get(opType) ?? [];
  if (from === to) return [];
  if (from < to) return h.filter((b) => b.version > from && b.version <= to && b.kind === 'semantic').map((b) => b.version);
  // Downgrade: a newer node must mean the same under the older version: only type-only bumps are safe.
  return h.filter((b) => b.version > to && b.version <= from && b.kind !== 'types').map((b) => b.version);
}

// Experimental ops (opsets 1-9, no versioning), with what happens to them.
const EXPERIMENTAL_REJECTED = new Set(['ATen', 'Crop', 'ConstantFill', 'GivenTensorFill', 'GRUUnit', 'DynamicSlice']);
const NO_OPSET17_EQUIVALENT = new Set([
  'Col2Im', 'CenterCropPad', 'BitwiseAnd', 'BitwiseOr', 'BitwiseXor', 'BitwiseNot', 'DeformConv', 'AffineGrid',
  'ImageDecoder', 'RegexFullMatch', 'StringConcat', 'StringSplit',
]);

// ---------------------------------------------------------------------------------------------
// Attribute helpers
// ---------------------------------------------------------------------------------------------
const I = (value: number): Attribute => ({ type: 'int', value });
const S = (value: string): Attribute => ({ type: 'string', value });
const Is = (value: number[]): Attribute => ({ type: 'ints', value });

type Attrs = Record<string, Attribute>;

function cloneNode(n: Node): Node {
  return { ...n, inputs: [...n.inputs], outputs: [...n.outputs], attributes: new Map(n.attributes) };
}

/** Drops trailing omitted ('') inputs. */
function trimInputs(inputs: string[]): string[] {
  const out = [...inputs];
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}

const CAST_NAMES: Record<string, number> = {
  FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8, BOOL: 9, FLOAT16: 10,
  DOUBLE: 11, UINT32: 12, UINT64: 13, COMPLEX64: 14, COMPLEX128: 15, BFLOAT16: 16,
};

/** float32 → IEEE half bits (round to nearest even). */
function toHalfBits(v: number): number {
  const f = new Float32Array([v]);
  const x = new Uint32Array(f.buffer)[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && (half & 1))) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1))) half++;
  return sign | half;
}

/** A numeric tensor of any dtype from JS numbers (float16/bfloat16 encoded to their bits). */
function numericTensor(dtype: DType, dims: number[], values: readonly number[]): TensorValue {
  if (dtype === 'float16') return { dtype, dims, data: Uint16Array.from(values, toHalfBits) };
  if (dtype === 'bfloat16') {
    return {
      dtype, dims,
      data: Uint16Array.from(values, (v) => {
        const x = new Uint32Array(new Float32Array([v]).buffer)[0];
        return (x + 0x7fff + ((x >>> 16) & 1)) >>> 16;
      }),
    };
  }
  if (dtype === 'bool') return { dtype, dims, data: Uint8Array.from(values, (v) => (v ? 1 : 0)) };
  return tensorFromNumbers(dtype, dims, values);
}

// ---------------------------------------------------------------------------------------------
// Facts: constants, dtypes and ranks visible in a graph (and its outer scopes).
// ---------------------------------------------------------------------------------------------
class Facts {
  readonly consts = new Map<string, TensorValue>();
  readonly dtypes = new Map<string, DType>();
  readonly shapes = new Map<string, Dim[]>();
  /** Names that are initializers of this very graph (candidates for pruning). */
  readonly ownInitializers = new Set<string>();

  constructor(readonly parent?: Facts) {}

  constant(name: string): TensorValue | undefined {
    if (!name) return undefined;
    return this.consts.get(name) ?? this.parent?.constant(name);
  }
  dtype(name: string): DType | undefined {
    if (!name) return undefined;
    return this.dtypes.get(name) ?? this.parent?.dtype(name);
  }
  shape(name: string): Dim[] | undefined {
    if (!name) return undefined;
    return this.shapes.get(name) ?? this.parent?.shape(name);
  }
  rank(name: string): number | undefined {
    return this.shape(name)?.length;
  }
  setDtype(name: string, d: DType | undefined): void {
    if (name && d && !this.dtypes.has(name)) this.dtypes.set(name, d);
  }
  setShape(name: string, s: Dim[] | undefined): void {
    if (name && s && !this.shapes.has(name)) this.shapes.set(name, s);
  }
}

/** The constant tensor a Constant node defines, if it is numeric. */
function constantNodeValue(n: Node): TensorValue | undefined {
  const t = attrTensor(n, 'value');
  if (t) return t;
  const a = n.attributes;
  const vf = a.get('value_float');
  if (vf && vf.type === 'float') return tensorFromNumbers('float32', [], [vf.value]);
  const vfs = a.get('value_floats');
  if (vfs && vfs.type === 'floats') return tensorFromNumbers('float32', [vfs.value.length], vfs.value);
  const vi = a.get('value_int');
  if (vi && vi.type === 'int') return tensorFromNumbers('int64', [], [vi.value]);
  const vis = a.get('value_ints');
  if (vis && vis.type === 'ints') return tensorFromNumbers('int64', [vis.value.length], vis.value);
  return undefined;
}

const SAME_SHAPE_AS_INPUT0 = new Set([
  'Abs', 'Acos', 'Acosh', 'Asin', 'Asinh', 'Atan', 'Atanh', 'BatchNormalization', 'Cast', 'CastLike', 'Ceil', 'Celu',
  'Clip', 'Cos', 'Cosh', 'CumSum', 'Dropout', 'Elu', 'Erf', 'Exp', 'Floor', 'Gelu', 'HardSigmoid', 'HardSwish',
  'Hardmax', 'Identity', 'InstanceNormalization', 'IsInf', 'IsNaN', 'LRN', 'LayerNormalization', 'LeakyRelu', 'Log',
  'LogSoftmax', 'LpNormalization', 'MeanVarianceNormalization', 'Mish', 'Neg', 'Not', 'PRelu', 'Reciprocal', 'Relu',
  'Round', 'Selu', 'Shrink', 'Sigmoid', 'Sign', 'Sin', 'Sinh', 'Softmax', 'Softplus', 'Softsign', 'Sqrt', 'Tan',
  'Tanh', 'ThresholdedRelu', 'Trilu', 'GroupNormalization', 'ImageScaler', 'Affine', 'ScaledTanh',
  'ParametricSoftplus', 'Scale', 'BitwiseNot',
]);
const SAME_RANK_AS_INPUT0 = new Set([
  'Conv', 'ConvTranspose', 'MaxPool', 'AveragePool', 'LpPool', 'GlobalAveragePool', 'GlobalMaxPool', 'GlobalLpPool',
  'Pad', 'Resize', 'Upsample', 'DepthToSpace', 'SpaceToDepth', 'Transpose', 'Slice', 'Split', 'Tile', 'Concat',
  'ReverseSequence', 'GatherElements', 'ScatterElements', 'Scatter', 'ScatterND', 'MaxUnpool', 'TopK', 'GridSample',
  'CenterCropPad', 'Col2Im', 'DeformConv', 'QuantizeLinear', 'DequantizeLinear', 'Compress',
]);
const BROADCASTING = new Set([
  'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Mod', 'Max', 'Min', 'Sum', 'Mean', 'Equal', 'Greater', 'Less', 'GreaterOrEqual',
  'LessOrEqual', 'And', 'Or', 'Xor', 'Where', 'BitShift', 'BitwiseAnd', 'BitwiseOr', 'BitwiseXor',
]);
const BOOL_OUT = new Set(['Equal', 'Greater', 'Less', 'GreaterOrEqual', 'LessOrEqual', 'And', 'Or', 'Xor', 'Not', 'IsNaN', 'IsInf']);
const REDUCE_OPS = new Set([
  'ReduceL1', 'ReduceL2', 'ReduceLogSum', 'ReduceLogSumExp', 'ReduceMax', 'ReduceMean', 'ReduceMin', 'ReduceProd',
  'ReduceSum', 'ReduceSumSquare',
]);

function unknownDims(rank: number): Dim[] {
  return Array.from({ length: rank }, () => null);
}

/**
 * Light forward inference of dtypes and ranks under the ORIGINAL (declared-opset) semantics.
 * Only what canonicalisation needs; unknown stays unknown.
 */
function inferFacts(g: Graph, facts: Facts, opset: number): void {
  for (const n of g.nodes) {
    if (n.domain !== '') continue;
    const v = onnxSinceVersion(n.opType, opset) ?? 0;
    const in0 = n.inputs[0] ?? '';
    const d0 = facts.dtype(in0);
    const s0 = facts.shape(in0);
    const out = n.outputs;
    const intsOf = (name: string): number[] | undefined => {
      const t = facts.constant(name);
      return t && t.dtype !== 'string' ? tensorToNumbers(t) : undefined;
    };
    // dtypes
    switch (n.opType) {
      case 'Constant': {
        const t = constantNodeValue(n);
        if (t) { facts.setDtype(out[0], t.dtype); facts.setShape(out[0], [...t.dims]); }
        break;
      }
      case 'Cast': {
        const to = n.attributes.get('to');
        const code = to?.type === 'int' ? to.value : to?.type === 'string' ? CAST_NAMES[to.value.toUpperCase()] : undefined;
        facts.setDtype(out[0], code !== undefined ? dtypeFromCode(code) : undefined);
        break;
      }
      case 'CastLike': facts.setDtype(out[0], facts.dtype(n.inputs[1] ?? '')); break;
      case 'Shape': case 'Size': case 'NonZero': case 'ArgMax': case 'ArgMin':
        facts.setDtype(out[0], 'int64'); break;
      case 'TopK': facts.setDtype(out[0], d0); facts.setDtype(out[1] ?? '', 'int64'); break;
      case 'MaxPool': facts.setDtype(out[0], d0); facts.setDtype(out[1] ?? '', 'int64'); break;
      case 'Dropout': facts.setDtype(out[0], d0); facts.setDtype(out[1] ?? '', v >= 10 ? 'bool' : d0); break;
      case 'ConstantOfShape': {
        const t = attrTensor(n, 'value');
        facts.setDtype(out[0], t ? t.dtype : 'float32');
        break;
      }
      case 'QuantizeLinear': {
        const zp = facts.dtype(n.inputs[2] ?? '');
        const od = attrInt(n, 'output_dtype', 0);
        facts.setDtype(out[0], zp ?? (od ? dtypeFromCode(od) : 'uint8'));
        break;
      }
      case 'DequantizeLinear': facts.setDtype(out[0], facts.dtype(n.inputs[1] ?? '')); break;
      case 'Where': facts.setDtype(out[0], facts.dtype(n.inputs[1] ?? '')); break;
      case 'MatMulInteger': case 'ConvInteger': facts.setDtype(out[0], 'int32'); break;
      case 'QLinearConv': case 'QLinearMatMul': facts.setDtype(out[0], facts.dtype(n.inputs[n.inputs.length - 1] ?? '')); break;
      case 'DynamicQuantizeLinear': facts.setDtype(out[0], 'uint8'); facts.setDtype(out[1] ?? '', 'float32'); facts.setDtype(out[2] ?? '', 'uint8'); break;
      case 'OneHot': facts.setDtype(out[0], facts.dtype(n.inputs[2] ?? '')); break;
      case 'EyeLike': case 'RandomNormalLike': case 'RandomUniformLike': {
        const dt = attrInt(n, 'dtype');
        facts.setDtype(out[0], dt !== undefined ? dtypeFromCode(dt) : d0);
        break;
      }
      case 'RandomNormal': case 'RandomUniform': facts.setDtype(out[0], dtypeFromCode(attrInt(n, 'dtype', 1))); break;
      case 'If': case 'Loop': case 'Scan': break; // outputs come from declared value infos only
      default:
        if (BOOL_OUT.has(n.opType)) facts.setDtype(out[0], 'bool');
        else for (const o of out) facts.setDtype(o, d0);
    }
    // ranks
    const r = (name: string) => facts.rank(name);
    let outShape: Dim[] | undefined;
    if (SAME_SHAPE_AS_INPUT0.has(n.opType)) outShape = s0;
    else if (SAME_RANK_AS_INPUT0.has(n.opType)) outShape = s0 && unknownDims(s0.length);
    else if (BROADCASTING.has(n.opType)) {
      const ins = n.inputs.filter(Boolean);
      if (v < 7 && ['Add', 'Sub', 'Mul', 'Div', 'Pow', 'And', 'Or', 'Xor', 'Equal', 'Greater', 'Less'].includes(n.opType)) {
        outShape = s0 && unknownDims(s0.length);
      } else if (v < 8 && ['Max', 'Min', 'Sum', 'Mean'].includes(n.opType)) {
        outShape = s0 && unknownDims(s0.length);
      } else {
        const ranks = ins.map(r);
        if (ranks.every((x) => x !== undefined)) outShape = unknownDims(Math.max(0, ...(ranks as number[])));
      }
    } else {
      switch (n.opType) {
        case 'Gemm': case 'Flatten': outShape = [null, null]; break;
        case 'MatMul': {
          const [ra, rb] = [r(n.inputs[0]), r(n.inputs[1])];
          if (ra !== undefined && rb !== undefined) {
            outShape = unknownDims(ra === 1 ? rb - 1 : rb === 1 ? ra - 1 : Math.max(ra, rb));
          }
          break;
        }
        case 'Shape': outShape = [s0 ? s0.length : null]; break;
        case 'Size': outShape = []; break;
        case 'Reshape': {
          const shp = v < 5 ? attrInts(n, 'shape') : intsOf(n.inputs[1] ?? '');
          if (shp) outShape = unknownDims(shp.length);
          else { const rs = facts.shape(n.inputs[1] ?? ''); if (rs && typeof rs[0] === 'number') outShape = unknownDims(rs[0]); }
          break;
        }
        case 'Squeeze': case 'Unsqueeze': {
          const axes = v < 13 ? attrInts(n, 'axes') : intsOf(n.inputs[1] ?? '');
          if (s0 && axes) outShape = unknownDims(s0.length + (n.opType === 'Squeeze' ? -axes.length : axes.length));
          break;
        }
        case 'Gather': {
          const ri = r(n.inputs[1] ?? '');
          if (s0 && ri !== undefined) outShape = unknownDims(s0.length + ri - 1);
          break;
        }
        case 'ArgMax': case 'ArgMin':
          if (s0) outShape = unknownDims(attrInt(n, 'keepdims', 1) ? s0.length : s0.length - 1);
          break;
        case 'Expand': {
          const shp = intsOf(n.inputs[1] ?? '');
          if (s0 && shp) outShape = unknownDims(Math.max(s0.length, shp.length));
          break;
        }
        case 'ConstantOfShape': {
          const shp = intsOf(in0);
          if (shp) outShape = shp.map((x) => x);
          else if (s0 && typeof s0[0] === 'number') outShape = unknownDims(s0[0]);
          break;
        }
        default:
          if (REDUCE_OPS.has(n.opType) && s0) {
            if (attrInt(n, 'keepdims', 1)) outShape = unknownDims(s0.length);
            else {
              const axesFromInput = (n.opType === 'ReduceSum' && v >= 13) || v >= 18;
              const axes = axesFromInput ? (n.inputs[1] ? intsOf(n.inputs[1]) : []) : attrInts(n, 'axes', []);
              if (axes) outShape = axes.length === 0 ? (attrInt(n, 'noop_with_empty_axes', 0) ? s0 : []) : unknownDims(s0.length - axes.length);
            }
          }
      }
    }
    if (outShape) {
      facts.setShape(out[0], outShape);
      if (n.opType === 'Split' || n.opType === 'TopK') for (const o of out.slice(1)) facts.setShape(o, outShape);
    }
    if (n.opType === 'MaxPool' || (n.opType === 'Dropout' && out[1])) if (s0) facts.setShape(out[1] ?? '', unknownDims(s0.length));
  }
}

// ---------------------------------------------------------------------------------------------
// Notes
// ---------------------------------------------------------------------------------------------
class Notes {
  private readonly counts = new Map<string, number>();
  add(msg: string): void {
    this.counts.set(msg, (this.counts.get(msg) ?? 0) + 1);
  }
  list(): string[] {
    return [...this.counts].map(([m, n]) => (n > 1 ? `${m} (${n} nodes)` : m));
  }
}

// ---------------------------------------------------------------------------------------------
// The converter
// ---------------------------------------------------------------------------------------------

/** Per-graph output under construction. */
interface GraphOut {
  nodes: Node[];
  initializers: Map<string, TensorValue>;
  /** Value infos to remove (outputs a conversion dropped or whose type changed). */
  dropInfo: Set<string>;
  /** Initializers a downgrade read as constants (pruned if nothing references them afterwards). */
  consumed: Set<string>;
  constCache: Map<string, string>;
}

/** What a converter sees and may do for one node. */
class NodeCtx {
  constructor(
    private readonly c: Canonicalizer,
    readonly node: Node,
    /** Since-version of the node's op at the declared opset (0: experimental op). */
    readonly v: number,
    readonly facts: Facts,
    private readonly out: GraphOut,
    private readonly uses: ReadonlyMap<string, number>,
  ) {}

  get opset(): number { return this.c.opset; }

  fail(msg: string): never {
    const n = this.node;
    throw new ModelError(`${n.opType} node '${n.name}' (opset ${this.c.opset}): ${msg}`, {
      node: n.name, opType: n.opType, opset: this.c.opset,
    });
  }
  note(msg: string): void { this.c.notes.add(msg); }

  fresh(suffix: string): string { return this.c.fresh(`${this.node.name}/${suffix}`); }

  /** Emits a helper node with fresh outputs; returns them. */
  emit(opType: string, inputs: string[], attrs: Attrs = {}, nOutputs = 1): string[] {
    const outputs = Array.from({ length: nOutputs }, () => this.fresh(opType));
    this.out.nodes.push({
      name: this.fresh(`${opType}_node`), opType, domain: '', inputs: trimInputs(inputs), outputs,
      attributes: new Map(Object.entries(attrs)),
    });
    return outputs;
  }
  emit1(opType: string, inputs: string[], attrs: Attrs = {}): string {
    return this.emit(opType, inputs, attrs, 1)[0];
  }
  /** Emits the node producing the original outputs, under the original node name. */
  final(opType: string, inputs: string[], attributes: Map<string, Attribute> | Attrs, outputs = this.node.outputs): void {
    this.out.nodes.push({
      name: this.node.name, opType, domain: '', inputs: trimInputs(inputs), outputs: [...outputs],
      attributes: attributes instanceof Map ? attributes : new Map(Object.entries(attributes)),
    });
  }
  /** Emits a node writing to the given (existing) output names. */
  emitTo(opType: string, inputs: string[], attrs: Attrs, outputs: string[]): void {
    this.out.nodes.push({
      name: this.fresh(`${opType}_node`), opType, domain: '', inputs: trimInputs(inputs), outputs,
      attributes: new Map(Object.entries(attrs)),
    });
  }
  /** Emits the (possibly edited) node itself. */
  keep(): void {
    this.final(this.node.opType, this.node.inputs, this.node.attributes);
  }
  drop(...attrs: string[]): void {
    for (const a of attrs) this.node.attributes.delete(a);
  }
  has(attr: string): boolean { return this.node.attributes.has(attr); }

  /** A constant initializer (shared between identical small constants of this graph). */
  constant(prefix: string, t: TensorValue): string {
    const key = t.data.length <= 64 ? `${t.dtype}|${t.dims.join(',')}|${Array.from(t.data as ArrayLike<unknown>).join(',')}` : undefined;
    const hit = key ? this.out.constCache.get(key) : undefined;
    if (hit) return hit;
    const name = this.c.fresh(`canonical/${prefix}`);
    this.out.initializers.set(name, t);
    if (key) this.out.constCache.set(key, name);
    return name;
  }
  ints(values: number[], dims: number[] = [values.length]): string {
    return this.constant('int64', tensorFromNumbers('int64', dims, values));
  }
  floats(values: number[], dims: number[] = [values.length], dtype: DType = 'float32'): string {
    return this.constant(dtype, numericTensor(dtype, dims, values));
  }
  /** A constant holding `values` in the dtype of value `like` (CastLike when that dtype is unknown). */
  like(values: number[], dims: number[], like: string): string {
    const d = this.facts.dtype(like);
    if (d && d !== 'string') return this.constant(d, numericTensor(d, dims, values));
    this.note('constants for values of unknown dtype are cast with CastLike');
    return this.emit1('CastLike', [this.floats(values, dims, 'float64'), like]);
  }

  /** Constant value of an input, or undefined (marks an initializer as read, for pruning). */
  constValue(name: string): TensorValue | undefined {
    const t = this.facts.constant(name);
    if (t && this.facts.ownInitializers.has(name)) this.out.consumed.add(name);
    return t;
  }
  constInts(name: string): number[] | undefined {
    const t = this.constValue(name);
    return t && t.dtype !== 'string' ? tensorToNumbers(t) : undefined;
  }
  rank(name: string): number | undefined { return this.facts.rank(name); }
  dtype(name: string): DType | undefined { return this.facts.dtype(name); }
  dims(name: string): Dim[] | undefined { return this.facts.shape(name); }
  /** Whether a value is read by any node (any subgraph) or is a graph output. */
  used(name: string): boolean { return !!name && (this.uses.get(name) ?? 0) > 0; }
  dropValueInfo(name: string): void { if (name) this.out.dropInfo.add(name); }
}

type Converter = (c: NodeCtx) => void;

class Canonicalizer {
  readonly notes = new Notes();
  private readonly names: Set<string>;
  private counter = 0;

  constructor(readonly opset: number, model: Model, private readonly opts: CanonicalizeOptions) {
    this.names = new Set();
    collectNames(model.graph, this.names);
  }

  fresh(base: string): string {
    let name: string;
    do name = `${base}_${this.counter++}`; while (this.names.has(name));
    this.names.add(name);
    return name;
  }

  graph(g: Graph, outer: Facts | undefined): Graph {
    const facts = new Facts(outer);
    for (const [k, t] of g.initializers) {
      facts.consts.set(k, t); facts.dtypes.set(k, t.dtype); facts.shapes.set(k, [...t.dims]); facts.ownInitializers.add(k);
    }
    for (const n of g.nodes) {
      if (n.opType === 'Constant' && n.domain === '') {
        const t = constantNodeValue(n);
        if (t) facts.consts.set(n.outputs[0], t);
      }
    }
    for (const vi of [...g.inputs, ...g.outputs, ...g.valueInfo.values()]) {
      facts.setDtype(vi.name, vi.dtype);
      facts.setShape(vi.name, vi.shape ? [...vi.shape] : undefined);
    }
    for (const [k, m] of this.opts.shapes ?? []) {
      facts.setDtype(k, m.dtype);
      if (m.shape) facts.setShape(k, unknownDims(m.shape.length));
    }
    inferFacts(g, facts, this.opset);

    const uses = new Map<string, number>();
    countUses(g, uses);
    const out: GraphOut = {
      nodes: [], initializers: new Map(), dropInfo: new Set(), consumed: new Set(), constCache: new Map(),
    };
    for (const original of g.nodes) {
      const node = cloneNode(original);
      for (const [k, a] of node.attributes) {
        if (a.type === 'graph') node.attributes.set(k, { type: 'graph', value: this.graph(a.value, facts) });
      }
      this.convert(node, facts, out, uses);
    }

    const initializers = new Map(g.initializers);
    for (const [k, t] of out.initializers) initializers.set(k, t);
    if (out.consumed.size > 0) {
      const refs = new Map<string, number>();
      const probe: Graph = { ...g, nodes: out.nodes, initializers };
      countUses(probe, refs);
      for (const k of out.consumed) {
        if (!refs.get(k)) { initializers.delete(k); this.notes.add('constant axes/pads initializers folded into attributes were removed'); }
      }
    }
    const valueInfo = new Map<string, ValueInfo>();
    for (const [k, vi] of g.valueInfo) if (!out.dropInfo.has(k)) valueInfo.set(k, vi);
    return {
      name: g.name, nodes: out.nodes, inputs: g.inputs.map((v) => ({ ...v })), outputs: g.outputs.map((v) => ({ ...v })),
      initializers, valueInfo,
    };
  }

  private convert(node: Node, facts: Facts, out: GraphOut, uses: ReadonlyMap<string, number>): void {
    const where = `(op ${node.opType}, node '${node.name}')`;
    if (node.domain !== '') {
      throw new ModelError(`custom operator domain '${node.domain}' ${where} is not supported`, {
        domain: node.domain, opType: node.opType, node: node.name,
      });
    }
    if (node.attributes.has('consumed_inputs')) {
      node.attributes.delete('consumed_inputs');
      this.notes.add('legacy consumed_inputs attributes dropped');
    }
    const op = node.opType;
    const converter = CONVERTERS[op];
    const history = HISTORY.get(op);
    if (!history) {
      if (converter && EXPERIMENTAL.has(op)) { converter(new NodeCtx(this, node, 0, facts, out, uses)); return; }
      if (EXPERIMENTAL_REJECTED.has(op)) {
        throw new ModelError(`experimental operator ${op} (node '${node.name}', opset ${this.opset}) has no opset-17 equivalent`, { node: node.name, opType: op });
      }
      throw new ModelError(`unknown ai.onnx operator ${op} (node '${node.name}', opset ${this.opset})`, { node: node.name, opType: op });
    }
    const v = onnxSinceVersion(op, this.opset);
    if (v === undefined) {
      // ThresholdedRelu and MeanVarianceNormalization existed as experimental ops before their official versions.
      if (converter && EXPERIMENTAL.has(op)) { converter(new NodeCtx(this, node, 0, facts, out, uses)); return; }
      throw new ModelError(`operator ${op} (node '${node.name}') does not exist at opset ${this.opset} (introduced in opset ${history[0].version})`);
    }
    const target = onnxSinceVersion(op, CANONICAL_OPSET);
    if (target === undefined && !converter) {
      throw new ModelError(`${op} node '${node.name}' (opset ${this.opset}): ${op}-${v} has no opset-17 equivalent`);
    }
    if (converter) {
      converter(new NodeCtx(this, node, v, facts, out, uses));
      return;
    }
    const bumps = semanticBumps(op, v, target!);
    if (bumps.length > 0) {
      throw new ModelError(`${op} node '${node.name}' (opset ${this.opset}): ${op}-${v} differs from ${op}-${target} (changed in opset ${bumps.join(', ')}) and no conversion is implemented`);
    }
    out.nodes.push(node);
  }
}

function collectNames(g: Graph, names: Set<string>): void {
  for (const v of [...g.inputs, ...g.outputs]) names.add(v.name);
  for (const k of g.initializers.keys()) names.add(k);
  for (const k of g.valueInfo.keys()) names.add(k);
  for (const n of g.nodes) {
    names.add(n.name);
    for (const x of n.inputs) if (x) names.add(x);
    for (const x of n.outputs) if (x) names.add(x);
    for (const a of n.attributes.values()) if (a.type === 'graph') collectNames(a.value, names);
  }
}

/** Counts reads of every value in g and its subgraphs, plus graph outputs (of g and subgraphs). */
function countUses(g: Graph, uses: Map<string, number>): void {
  const add = (x: string) => { if (x) uses.set(x, (uses.get(x) ?? 0) + 1); };
  for (const o of g.outputs) add(o.name);
  for (const n of g.nodes) {
    for (const x of n.inputs) add(x);
    for (const a of n.attributes.values()) if (a.type === 'graph') countUses(a.value, uses);
  }
}

// ---------------------------------------------------------------------------------------------
// Converters. Each receives a clone of the node (consumed_inputs already dropped) and its
// since-version `c.v` at the declared opset, and must emit nodes producing the node's outputs.
// ---------------------------------------------------------------------------------------------

/** Normalises a possibly negative axis; needs the rank only for negative axes. */
function normAxis(c: NodeCtx, axis: number, rank: number | undefined, what: string): number {
  if (axis >= 0) return axis;
  if (rank === undefined) c.fail(`${what} ${axis} is negative and the rank of the input is unknown (declare its shape)`);
  return axis + rank;
}

function legacyBroadcast(c: NodeCtx): void {
  if (c.v >= 7) return c.keep();
  const n = c.node;
  const broadcast = attrInt(n, 'broadcast', 0);
  const axis = attrInt(n, 'axis');
  c.drop('broadcast', 'axis');
  if (!broadcast || axis === undefined) {
    // Same shapes, or suffix matching: both are numpy broadcasting.
    c.note(`${n.opType} < 7: legacy broadcast attributes dropped (numpy broadcasting is equivalent)`);
    return c.keep();
  }
  const [a, b] = n.inputs;
  const ra = c.rank(a), rb = c.rank(b);
  if (ra === undefined || rb === undefined) {
    c.fail(`legacy broadcast with axis=${axis} needs the ranks of both inputs ('${a}': ${ra ?? 'unknown'}, '${b}': ${rb ?? 'unknown'}); declare their shapes`);
  }
  const ax = axis < 0 ? axis + ra : axis;
  const trailing = ra - ax - rb;
  if (ax < 0 || trailing < 0) c.fail(`legacy broadcast of a rank-${rb} operand at axis ${axis} of a rank-${ra} operand is impossible`);
  let b2 = b;
  if (trailing > 0) {
    const init = c.facts.ownInitializers.has(b) ? c.constValue(b) : undefined;
    if (init) {
      b2 = c.constant('broadcast', { dtype: init.dtype, dims: [...init.dims, ...Array(trailing).fill(1)], data: init.data });
    } else {
      b2 = c.emit1('Unsqueeze', [b, c.ints(Array.from({ length: trailing }, (_, i) => rb + i))]);
    }
  }
  c.note(`${n.opType} < 7: legacy broadcast at an axis rewritten as numpy broadcasting`);
  c.final(n.opType, [a, b2], n.attributes);
}

function axesAttrToInput(c: NodeCtx): void {
  if (c.v >= 13) return c.keep();
  const n = c.node;
  const axes = attrInts(n, 'axes');
  c.drop('axes');
  if (axes === undefined && n.opType === 'Unsqueeze') c.fail('Unsqueeze without axes');
  c.note(`${n.opType} < 13: axes attribute → input`);
  c.final(n.opType, [n.inputs[0], axes !== undefined ? c.ints(axes) : ''], n.attributes);
}

/** Reduce ops other than ReduceSum: opset 18 moved axes to an input; 17 has the attribute. */
function reduceAxesInputToAttr(c: NodeCtx): void {
  if (c.v < 18) return c.keep();
  const n = c.node;
  const noop = attrInt(n, 'noop_with_empty_axes', 0);
  c.drop('noop_with_empty_axes');
  let axes: number[] = [];
  if (n.inputs[1]) {
    const k = c.constInts(n.inputs[1]);
    if (!k) c.fail(`axes input '${n.inputs[1]}' is not a constant (initializer or Constant node); opset 17 needs the axes as an attribute`);
    axes = k;
  }
  if (axes.length === 0 && noop) {
    // A reduction over no axes: every element is its own group (the ONNX reference and ONNX
    // Runtime apply the op's elementwise part: |x| for L1/L2, x² for SumSquare, log x for LogSum).
    const x = n.inputs[0];
    c.note(`${n.opType} 18 with empty axes and noop_with_empty_axes=1 → elementwise equivalent`);
    switch (n.opType) {
      case 'ReduceL1': case 'ReduceL2': return c.final('Abs', [x], {});
      case 'ReduceSumSquare': return c.final('Mul', [x, x], {});
      case 'ReduceLogSum': return c.final('Log', [x], {});
      default: return c.final('Identity', [x], {});
    }
  }
  if (axes.length > 0) n.attributes.set('axes', Is(axes));
  c.note(`${n.opType} 18: axes input → attribute`);
  c.final(n.opType, [n.inputs[0]], n.attributes);
}

function split(c: NodeCtx): void {
  const n = c.node;
  if (c.v < 13) {
    const s = attrInts(n, 'split');
    c.drop('split');
    const sIn = n.inputs[1] ?? ''; // Split-1 took `split` as an optional input
    if (s !== undefined) c.note('Split < 13: split attribute → input');
    return c.final('Split', [n.inputs[0], s !== undefined ? c.ints(s) : sIn], n.attributes);
  }
  if (c.v < 18) return c.keep();
  const num = attrInt(n, 'num_outputs');
  if (num === undefined) return c.keep();
  c.drop('num_outputs');
  if (n.inputs[1]) c.fail('both num_outputs and a split input are given');
  if (num !== n.outputs.length) c.fail(`num_outputs=${num} but the node has ${n.outputs.length} outputs`);
  const shape = c.dims(n.inputs[0]);
  const axisAttr = attrInt(n, 'axis', 0);
  const axis = shape ? normAxis(c, axisAttr, shape.length, 'axis') : axisAttr;
  const size = axis >= 0 ? shape?.[axis] : undefined;
  if (typeof size === 'number' && size % num !== 0) {
    const chunk = Math.ceil(size / num);
    const sizes = Array.from({ length: num }, (_, i) => Math.max(0, Math.min(chunk, size - i * chunk)));
    c.note('Split 18: uneven num_outputs split of a static axis → explicit split input');
    return c.final('Split', [n.inputs[0], c.ints(sizes)], n.attributes);
  }
  if (typeof size !== 'number') {
    c.note('Split 18: num_outputs dropped (axis size unknown statically: an uneven split fails at run time under opset 17)');
  } else {
    c.note('Split 18: num_outputs dropped (even split)');
  }
  c.final('Split', [n.inputs[0]], n.attributes);
}

function slice(c: NodeCtx): void {
  if (c.v >= 10) return c.keep();
  const n = c.node;
  const starts = attrInts(n, 'starts'), ends = attrInts(n, 'ends'), axes = attrInts(n, 'axes');
  if (!starts || !ends) c.fail('starts/ends attributes missing');
  c.drop('starts', 'ends', 'axes');
  c.note('Slice < 10: starts/ends/axes attributes → inputs');
  c.final('Slice', [n.inputs[0], c.ints(starts), c.ints(ends), axes ? c.ints(axes) : ''], n.attributes);
}

function pad(c: NodeCtx): void {
  const n = c.node;
  const mode = attrString(n, 'mode', 'constant');
  if (c.v < 11) {
    const pads = attrInts(n, c.v < 2 ? 'paddings' : 'pads') ?? attrInts(n, 'pads');
    if (!pads) c.fail('pads attribute missing');
    const value = attrFloat(n, 'value', 0);
    c.drop('pads', 'paddings', 'value');
    const cv = mode === 'constant' && value !== 0 ? c.like([value], [], n.inputs[0]) : '';
    c.note('Pad < 11: pads/value attributes → inputs');
    return c.final('Pad', [n.inputs[0], c.ints(pads), cv], n.attributes);
  }
  if (c.v < 18) return c.keep();
  if (mode === 'wrap') c.fail("mode 'wrap' (opset 19) has no opset-17 equivalent");
  const axesName = n.inputs[3] ?? '';
  if (!axesName) return c.final('Pad', n.inputs.slice(0, 3), n.attributes);
  const axes = c.constInts(axesName);
  const pads = c.constInts(n.inputs[1] ?? '');
  if (!axes) c.fail(`axes input '${axesName}' is not a constant`);
  if (!pads) c.fail(`pads input '${n.inputs[1]}' must be a constant when axes is given`);
  if (pads.length !== 2 * axes.length) c.fail(`pads has ${pads.length} values for ${axes.length} axes`);
  const rank = c.rank(n.inputs[0]);
  if (rank === undefined) c.fail(`the rank of '${n.inputs[0]}' is unknown; the opset-17 Pad needs pads for every axis (declare the input shape)`);
  const full = new Array(2 * rank).fill(0);
  axes.forEach((a, i) => {
    const ax = normAxis(c, a, rank, 'axis');
    full[ax] = pads[i];
    full[ax + rank] = pads[axes.length + i];
  });
  c.note('Pad 18: axes input → full pads vector');
  c.final('Pad', [n.inputs[0], c.ints(full), n.inputs[2] ?? ''], n.attributes);
}

function clip(c: NodeCtx): void {
  if (c.v >= 11) return c.keep();
  const n = c.node;
  const min = attrFloat(n, 'min'), max = attrFloat(n, 'max');
  c.drop('min', 'max');
  c.note('Clip < 11: min/max attributes → inputs');
  c.final('Clip', [
    n.inputs[0],
    min !== undefined ? c.like([min], [], n.inputs[0]) : '',
    max !== undefined ? c.like([max], [], n.inputs[0]) : '',
  ], n.attributes);
}

/** Resize-13 node for Upsample / Resize-10 (asymmetric coordinates). */
function resizeFromLegacy(c: NodeCtx, scalesName: string, scales: number[] | undefined, what: string): void {
  const n = c.node;
  let mode = attrString(n, 'mode', 'nearest');
  if (mode === 'bilinear') mode = 'linear';
  if (mode !== 'nearest' && mode !== 'linear') c.fail(`mode '${mode}' is not supported`);
  const attrs: Attrs = { mode: S(mode), coordinate_transformation_mode: S('asymmetric') };
  if (mode === 'nearest') {
    if (n.opType === 'Upsample') attrs.nearest_mode = S('floor'); // scales ≥ 1: truncation
    else {
      if (!scales) c.fail('nearest mode with non-constant scales: rounding (floor when upsampling, ceil when downsampling) cannot be chosen statically');
      const down = scales.some((s) => s < 1), up = scales.some((s) => s > 1);
      if (down && up) c.fail('nearest mode mixing upsampling and downsampling axes has no opset-13 equivalent');
      attrs.nearest_mode = S(down ? 'ceil' : 'floor');
    }
  }
  c.note(`${what} → Resize-13 (asymmetric coordinates)`);
  c.final('Resize', [n.inputs[0], '', scalesName], attrs);
}

function upsample(c: NodeCtx): void {
  const n = c.node;
  if (c.v < 7) {
    const hs = attrFloat(n, 'height_scale'), ws = attrFloat(n, 'width_scale');
    if (hs === undefined || ws === undefined) c.fail('height_scale/width_scale missing');
    const s = [1, 1, hs, ws];
    return resizeFromLegacy(c, c.floats(s), s, 'Upsample-1');
  }
  if (c.v < 9) {
    const s = attrFloats(n, 'scales');
    if (!s) c.fail('scales attribute missing');
    return resizeFromLegacy(c, c.floats(s), s, 'Upsample-7');
  }
  const s = c.constInts(n.inputs[1] ?? '');
  return resizeFromLegacy(c, n.inputs[1], s, `Upsample-${c.v}`);
}

function resize(c: NodeCtx): void {
  const n = c.node;
  if (c.v === 10) return resizeFromLegacy(c, n.inputs[1], c.constInts(n.inputs[1] ?? ''), 'Resize-10');
  const inputs = [...n.inputs];
  // Empty constant roi/scales (required inputs in 11) become omitted inputs.
  for (const i of [1, 2]) {
    const t = inputs[i] ? c.facts.constant(inputs[i]) : undefined;
    if (t && t.data.length === 0) inputs[i] = '';
  }
  let ctm = attrString(n, 'coordinate_transformation_mode', 'half_pixel');
  const mode = attrString(n, 'mode', 'nearest');
  if (ctm === 'tf_half_pixel_for_nn') {
    // x_orig = (x+0.5)/s = y + 0.5 with y the half_pixel coordinate: floor(y+0.5) = round_prefer_ceil(y)
    // and round_prefer_floor(y+0.5) = ceil(y); the other nearest modes have no half_pixel equivalent.
    const nm = attrString(n, 'nearest_mode', 'round_prefer_floor');
    const map: Record<string, string> = { floor: 'round_prefer_ceil', round_prefer_floor: 'ceil' };
    if (mode !== 'nearest' || !map[nm]) c.fail(`coordinate_transformation_mode 'tf_half_pixel_for_nn' (removed in opset 13) with mode '${mode}', nearest_mode '${nm}' has no equivalent`);
    n.attributes.set('coordinate_transformation_mode', S('half_pixel'));
    n.attributes.set('nearest_mode', S(map[nm]));
    ctm = 'half_pixel';
    c.note('Resize tf_half_pixel_for_nn (removed in opset 13) → half_pixel with the equivalent nearest_mode');
  }
  if (c.v < 18) return c.final('Resize', inputs, n.attributes);
  // 18/19 → 13
  if (attrInt(n, 'antialias', 0) !== 0) c.fail('antialias=1 (opset 18) has no opset-17 equivalent');
  if (ctm === 'half_pixel_symmetric') c.fail("coordinate_transformation_mode 'half_pixel_symmetric' (opset 19) has no opset-17 equivalent");
  const policy = attrString(n, 'keep_aspect_ratio_policy', 'stretch');
  const sizesName = inputs[3] ?? '';
  if (policy !== 'stretch' && sizesName) c.fail(`keep_aspect_ratio_policy '${policy}' (opset 18) has no opset-17 equivalent`);
  if (policy !== 'stretch') c.note('Resize 18: keep_aspect_ratio_policy dropped (it only applies to sizes; scales are used)');
  const axes = attrInts(n, 'axes');
  c.drop('antialias', 'keep_aspect_ratio_policy', 'axes');
  if (axes) {
    if (ctm === 'tf_crop_and_resize' && inputs[1]) c.fail('axes with tf_crop_and_resize (roi per axis) is not supported');
    const x = inputs[0];
    const rank = c.rank(x);
    if (inputs[2]) {
      const s = c.constInts(inputs[2]);
      if (s && rank !== undefined) {
        const full = new Array(rank).fill(1);
        axes.forEach((a, i) => (full[normAxis(c, a, rank, 'axis')] = s[i]));
        inputs[2] = c.floats(full);
      } else {
        const ones = c.emit1('ConstantOfShape', [c.emit1('Shape', [c.emit1('Shape', [x])])], {
          value: { type: 'tensor', value: tensorFromNumbers('float32', [1], [1]) },
        });
        inputs[2] = c.emit1('ScatterElements', [ones, c.ints(axes), inputs[2]], { axis: I(0) });
      }
    }
    if (sizesName) inputs[3] = c.emit1('ScatterElements', [c.emit1('Shape', [x]), c.ints(axes), sizesName], { axis: I(0) });
    c.note('Resize 18: axes attribute → full-rank scales/sizes');
  }
  c.note(`Resize-${c.v} → Resize-13 form`);
  c.final('Resize', inputs, n.attributes);
}

function batchNorm(c: NodeCtx): void {
  const n = c.node;
  if (c.v >= 14) return c.keep();
  if (c.v < 9) {
    const spatial = attrInt(n, 'spatial', 1);
    if (spatial !== 1) c.fail(`spatial=${spatial} (per-activation normalisation) has no opset-17 equivalent; only spatial=1 is supported`);
    if (c.has('spatial')) c.note('BatchNormalization < 9: spatial=1 dropped');
    c.drop('spatial');
  }
  if (c.v < 7 && n.attributes.has('is_test')) {
    if (attrInt(n, 'is_test', 0) === 0) c.note(`BatchNormalization '${n.name}': is_test=0 (training mode) — run as inference with the stored statistics`);
    c.drop('is_test');
  }
  const extra = n.outputs.slice(1).filter(Boolean);
  const usedExtra = extra.filter((o) => c.used(o));
  if (usedExtra.length > 0) c.fail(`training-mode outputs (${usedExtra.join(', ')}) are used; only inference BatchNormalization is supported`);
  for (const o of extra) c.dropValueInfo(o);
  if (extra.length > 0) c.note('BatchNormalization < 14: unused training outputs dropped');
  c.final('BatchNormalization', n.inputs, n.attributes, [n.outputs[0]]);
}

function dropout(c: NodeCtx): void {
  const n = c.node;
  if (c.v >= 12) return c.keep();
  if (c.v < 7 && n.attributes.has('is_test')) {
    if (attrInt(n, 'is_test', 0) === 0) c.note(`Dropout '${n.name}': is_test=0 (training mode) — run as inference (identity)`);
    c.drop('is_test');
  }
  const ratio = attrFloat(n, 'ratio');
  c.drop('ratio');
  const inputs = [n.inputs[0], ratio !== undefined ? c.floats([ratio], []) : ''];
  const mask = n.outputs[1] ?? '';
  c.note('Dropout < 12: ratio attribute → input');
  if (!mask || !c.used(mask)) {
    if (mask) c.dropValueInfo(mask);
    return c.final('Dropout', inputs, n.attributes, [n.outputs[0]]);
  }
  c.note('Dropout < 12: the inference mask is all true at opset 12 (ONNX Runtime\'s opset 7-11 kernels return all false)');
  if (c.v >= 10) return c.final('Dropout', inputs, n.attributes);
  // Dropout < 10 had a mask of the data type; since 10 it is bool.
  const d = c.dtype(n.inputs[0]);
  if (!d) c.fail(`the mask output '${mask}' is used and the data type of '${n.inputs[0]}' is unknown`);
  const boolMask = c.fresh('mask');
  c.final('Dropout', inputs, n.attributes, [n.outputs[0], boolMask]);
  c.emitTo('Cast', [boolMask], { to: I(codeFromDtype(d)) }, [mask]);
  c.note('Dropout < 10: used mask output cast from bool back to the data type');
}

function softmaxLike(c: NodeCtx): void {
  const n = c.node;
  if (c.v >= 13) return c.keep();
  const axis = attrInt(n, 'axis', 1);
  const x = n.inputs[0];
  const rank = c.rank(x);
  const last = axis === -1 || (rank !== undefined && axis === rank - 1);
  if (last) {
    c.note(`${n.opType} < 13 over the last axis → ${n.opType}(axis=-1)`);
    return c.final(n.opType, [x], { axis: I(-1) });
  }
  const flat = c.emit1('Flatten', [x], { axis: I(axis) });
  const y = c.emit1(n.opType, [flat], { axis: I(-1) });
  c.note(`${n.opType} < 13 (2-D coercion) → Flatten → ${n.opType}(axis=-1) → Reshape`);
  c.final('Reshape', [y, c.emit1('Shape', [x])], {});
}

function gemm(c: NodeCtx): void {
  if (c.v < 7 && c.has('broadcast')) {
    c.drop('broadcast');
    c.note('Gemm < 7: broadcast attribute dropped (numpy broadcasting of C is equivalent)');
  }
  c.keep();
}

function prelu(c: NodeCtx): void {
  if (c.v >= 7) return c.keep();
  const n = c.node;
  const [x, slope] = n.inputs;
  const sd = c.dims(slope);
  if (!sd) c.fail(`the shape of slope '${slope}' is unknown; PRelu < 7 broadcasts a 1-D slope per channel`);
  if (sd.length !== 1) return c.keep(); // scalar, or already shaped like (a suffix of) the input
  const rx = c.rank(x);
  if (rx === undefined) c.fail(`the rank of '${x}' is unknown; PRelu < 7 applies a 1-D slope per channel (declare the input shape)`);
  if (rx <= 2) return c.keep();
  const init = c.facts.ownInitializers.has(slope) ? c.constValue(slope) : undefined;
  const slope2 = init
    ? c.constant('slope', { dtype: init.dtype, dims: [...init.dims, ...Array(rx - 2).fill(1)], data: init.data })
    : c.emit1('Unsqueeze', [slope, c.ints(Array.from({ length: rx - 2 }, (_, i) => i + 1))]);
  c.note('PRelu < 7: per-channel slope reshaped for numpy broadcasting');
  c.final('PRelu', [x, slope2], n.attributes);
}

function cast(c: NodeCtx): void {
  const n = c.node;
  const to = n.attributes.get('to');
  let code: number | undefined;
  if (to?.type === 'string') {
    const key = to.value.toUpperCase().replace(/^TENSORPROTO\./, '');
    code = CAST_NAMES[key];
    if (code === undefined) c.fail(`unknown 'to' type '${to.value}'`);
    n.attributes.set('to', I(code));
    c.note('Cast < 6: string `to` → data-type code');
  } else if (to?.type === 'int') code = to.value;
  if (code === undefined) c.fail("attribute 'to' missing");
  if (code > 16) c.fail(`cast to data type ${code} (float8/int4/float4, opset ≥ 19) has no opset-17 equivalent`);
  if (c.has('saturate')) { c.drop('saturate'); c.note('Cast 19: saturate dropped (only affects float8 targets)'); }
  c.keep();
}

function castLike(c: NodeCtx): void {
  if (c.has('saturate')) { c.drop('saturate'); c.note('CastLike 19: saturate dropped (only affects float8 targets)'); }
  c.keep();
}

function concat(c: NodeCtx): void {
  if (c.v < 4 && !c.has('axis')) {
    c.node.attributes.set('axis', I(1));
    c.note('Concat < 4: default axis 1 made explicit');
  }
  c.keep();
}

function topK(c: NodeCtx): void {
  if (c.v >= 10) return c.keep();
  const n = c.node;
  const k = attrInt(n, 'k');
  if (k === undefined) c.fail("attribute 'k' missing");
  c.drop('k');
  c.note('TopK < 10: k attribute → input');
  c.final('TopK', [n.inputs[0], c.ints([k])], n.attributes);
}

function reshape(c: NodeCtx): void {
  if (c.v >= 5) return c.keep();
  const n = c.node;
  const shape = attrInts(n, 'shape');
  if (!shape) c.fail("attribute 'shape' missing");
  c.drop('shape');
  c.note('Reshape < 5: shape attribute → input');
  c.final('Reshape', [n.inputs[0], c.ints(shape)], n.attributes);
}

function lpPool(c: NodeCtx): void {
  const n = c.node;
  if (c.v < 2) {
    const p = attrFloat(n, 'p', 2);
    if (!Number.isInteger(p)) c.fail(`p=${p} is not an integer; opset ≥ 2 only supports integer p`);
    n.attributes.set('p', I(p));
    c.note(`${n.opType}-1: float p → int p`);
  }
  if (n.opType === 'LpPool' && c.v >= 18) {
    if (attrInt(n, 'ceil_mode', 0) !== 0) c.fail('ceil_mode=1 (opset 18) has no opset-17 equivalent');
    const dil = attrInts(n, 'dilations');
    if (dil && dil.some((d) => d !== 1)) c.fail(`dilations [${dil}] (opset 18) have no opset-17 equivalent`);
    c.drop('ceil_mode', 'dilations');
  }
  c.keep();
}

function averagePool(c: NodeCtx): void {
  if (c.v >= 19) {
    const dil = attrInts(c.node, 'dilations');
    if (dil && dil.some((d) => d !== 1)) c.fail(`dilations [${dil}] (opset 19) have no opset-17 equivalent`);
    if (dil) { c.drop('dilations'); c.note('AveragePool 19: unit dilations dropped'); }
  }
  c.keep();
}

function quantize(c: NodeCtx): void {
  const n = c.node;
  if (c.v < 19) return c.keep();
  const q = n.opType === 'QuantizeLinear';
  if (attrInt(n, 'block_size', 0) !== 0) c.fail(`blocked quantization (block_size=${attrInt(n, 'block_size')}, opset 21) has no opset-17 equivalent`);
  c.drop('block_size');
  if (c.has('saturate')) c.drop('saturate');
  const scaleType = c.dtype(n.inputs[1] ?? '');
  if (scaleType && scaleType !== 'float32') c.fail(`scale of type ${scaleType} (opset ≥ 19); opset 17 only has float32 scales`);
  const dataType = c.dtype(n.inputs[0]);
  if (q && dataType && dataType !== 'float32' && dataType !== 'int32') c.fail(`input of type ${dataType}; opset 17 quantizes float32/int32`);
  if (!q && dataType && !['int8', 'uint8', 'int32'].includes(dataType)) c.fail(`input of type ${dataType}; opset 17 dequantizes int8/uint8/int32`);
  const od = attrInt(n, 'output_dtype', 0);
  c.drop('output_dtype');
  const inputs = [...n.inputs];
  if (od !== 0) {
    const want = dtypeFromCode(od);
    if (!q) {
      if (want !== 'float32') c.fail(`output_dtype ${want ?? od}; opset 17 dequantizes to float32`);
    } else if (inputs[2]) {
      const zp = c.dtype(inputs[2]);
      if (zp && zp !== want) c.fail(`output_dtype ${want ?? od} differs from the zero point's type ${zp}`);
    } else if (want === 'int8') {
      const sd = c.dims(inputs[1]);
      if (!sd || sd.some((d) => typeof d !== 'number')) c.fail('int8 output without zero point: the shape of the scale is unknown');
      inputs[2] = c.constant('zero_point', tensorFromNumbers('int8', sd as number[], new Array((sd as number[]).reduce((a, b) => a * b, 1)).fill(0)));
    } else if (want !== 'uint8') c.fail(`output_dtype ${want ?? od}; opset 17 quantizes to uint8/int8`);
  }
  c.note(`${n.opType}-${c.v} → 13 form`);
  c.final(n.opType, inputs, n.attributes);
}

function gelu(c: NodeCtx): void {
  const n = c.node;
  const x = n.inputs[0];
  const approx = attrString(n, 'approximate', 'none');
  const k = (v: number) => c.like([v], [], x);
  let inner: string;
  if (approx === 'none') {
    inner = c.emit1('Erf', [c.emit1('Mul', [x, k(Math.SQRT1_2)])]);
  } else if (approx === 'tanh') {
    const x3 = c.emit1('Mul', [c.emit1('Mul', [x, x]), x]);
    const s = c.emit1('Add', [x, c.emit1('Mul', [x3, k(0.044715)])]);
    inner = c.emit1('Tanh', [c.emit1('Mul', [s, k(Math.sqrt(2 / Math.PI))])]);
  } else c.fail(`approximate='${approx}' is not 'none' or 'tanh'`);
  const half = c.emit1('Mul', [x, k(0.5)]);
  c.note(`Gelu (approximate=${approx}) decomposed`);
  c.final('Mul', [half, c.emit1('Add', [inner, k(1)])], {});
}

function mish(c: NodeCtx): void {
  const x = c.node.inputs[0];
  c.note('Mish decomposed to x·tanh(softplus(x))');
  c.final('Mul', [x, c.emit1('Tanh', [c.emit1('Softplus', [x])])], {});
}

function groupNorm(c: NodeCtx): void {
  const n = c.node;
  const [x, scale, bias] = n.inputs;
  const groups = attrInt(n, 'num_groups');
  if (groups === undefined) c.fail("attribute 'num_groups' missing");
  const eps = attrFloat(n, 'epsilon', 1e-5);
  const stash = c.v >= 21 ? attrInt(n, 'stash_type', 1) : 0;
  const xd = c.dtype(x);
  const stashCast = stash === 1 && xd !== 'float32';
  if (stash !== 0 && stash !== 1) c.fail(`stash_type=${stash} is not supported`);
  let xs = x;
  if (stashCast) xs = c.emit1('Cast', [x], { to: I(1) });
  const x3 = c.emit1('Reshape', [xs, c.ints([0, groups, -1])]);
  const mean = c.emit1('ReduceMean', [x3], { axes: Is([2]), keepdims: I(1) });
  const d = c.emit1('Sub', [x3, mean]);
  const variance = c.emit1('ReduceMean', [c.emit1('Mul', [d, d])], { axes: Is([2]), keepdims: I(1) });
  const epsName = stashCast ? c.floats([eps], []) : c.like([eps], [], x);
  let norm = c.emit1('Div', [d, c.emit1('Sqrt', [c.emit1('Add', [variance, epsName])])]);
  if (stashCast) norm = xd ? c.emit1('Cast', [norm], { to: I(codeFromDtype(xd)) }) : c.emit1('CastLike', [norm, x]);
  const col = (t: string) => c.emit1('Unsqueeze', [t, c.ints([1])]);
  let y: string;
  if (c.v >= 21) {
    // per-channel affine in a [N, C, -1] view
    const nc = c.emit1('Slice', [c.emit1('Shape', [x]), c.ints([0]), c.ints([2])]);
    const view = c.emit1('Reshape', [norm, c.emit1('Concat', [nc, c.ints([-1])], { axis: I(0) })]);
    y = c.emit1('Add', [c.emit1('Mul', [view, col(scale)]), col(bias)]);
  } else {
    // opset 18: scale and bias are per group
    y = c.emit1('Add', [c.emit1('Mul', [norm, col(scale)]), col(bias)]);
  }
  c.note(`GroupNormalization-${c.v} decomposed (${c.v >= 21 ? 'per-channel' : 'per-group'} scale/bias)`);
  c.final('Reshape', [y, c.emit1('Shape', [x])], {});
}

function gridSample(c: NodeCtx): void {
  const n = c.node;
  if (c.v < 20) return c.keep();
  const rank = c.rank(n.inputs[0]);
  if (rank !== undefined && rank !== 4) c.fail(`${rank}-D input (opset 20 N-D GridSample); opset 17 supports 4-D only`);
  const mode = attrString(n, 'mode', 'linear');
  const map: Record<string, string> = { linear: 'bilinear', cubic: 'bicubic', nearest: 'nearest', bilinear: 'bilinear', bicubic: 'bicubic' };
  if (!map[mode]) c.fail(`mode '${mode}' is not supported`);
  n.attributes.set('mode', S(map[mode]));
  c.note('GridSample 20: mode names → opset-16 names');
  c.keep();
}

function dft(c: NodeCtx): void {
  const n = c.node;
  if (c.v < 20) return c.keep();
  const axisName = n.inputs[2] ?? '';
  let axis = -2;
  if (axisName) {
    const a = c.constInts(axisName);
    if (!a || a.length !== 1) c.fail(`axis input '${axisName}' is not a constant scalar`);
    axis = a[0];
  }
  if (axis < 0) axis = normAxis(c, axis, c.rank(n.inputs[0]), 'axis');
  n.attributes.set('axis', I(axis));
  c.note('DFT 20: axis input → attribute');
  c.final('DFT', [n.inputs[0], n.inputs[1] ?? ''], n.attributes);
}

function scatterReduce(c: NodeCtx): void {
  const r = attrString(c.node, 'reduction', 'none');
  if (c.v >= 18 && (r === 'max' || r === 'min')) c.fail(`reduction='${r}' (opset 18) has no opset-17 equivalent`);
  c.keep();
}

function roiAlign(c: NodeCtx): void {
  if (c.v < 16) {
    c.node.attributes.set('coordinate_transformation_mode', S('output_half_pixel'));
    c.note("RoiAlign < 16: coordinate_transformation_mode='output_half_pixel' made explicit (the old behaviour)");
  }
  c.keep();
}

function rnn(c: NodeCtx): void {
  if (c.v < 7 && c.has('output_sequence')) { c.drop('output_sequence'); c.note(`${c.node.opType} < 7: output_sequence dropped`); }
  c.keep();
}

function scatter(c: NodeCtx): void {
  c.note('Scatter (deprecated) → ScatterElements');
  c.final('ScatterElements', c.node.inputs, c.node.attributes);
}

function tile(c: NodeCtx): void {
  if (c.v < 6) c.fail('Tile-1 (tiles/axis inputs) is not supported');
  c.keep();
}

function scan(c: NodeCtx): void {
  if (c.v < 9) c.fail('Scan-8 (batched, with sequence_lens) is not supported');
  c.keep();
}

function mvn(c: NodeCtx): void {
  if (c.v === 0) c.fail('experimental MeanVarianceNormalization (before opset 9) is not supported');
  c.keep();
}

function thresholdedRelu(c: NodeCtx): void {
  if (c.v === 0) c.note('experimental ThresholdedRelu kept as ThresholdedRelu-10 (same semantics)');
  c.keep();
}

// Experimental affine-type ops of opsets 1-9.
function imageScaler(c: NodeCtx): void {
  const n = c.node;
  const x = n.inputs[0];
  const scale = attrFloat(n, 'scale', 1);
  const bias = attrFloats(n, 'bias') ?? [];
  c.note('experimental ImageScaler → Mul/Add');
  if (bias.length === 0) return c.final('Mul', [x, c.like([scale], [], x)], {});
  const y = c.emit1('Mul', [x, c.like([scale], [], x)]);
  c.final('Add', [y, c.like(bias, [1, bias.length, 1, 1], x)], {});
}
function scaleOp(c: NodeCtx): void {
  const x = c.node.inputs[0];
  c.note('experimental Scale → Mul');
  c.final('Mul', [x, c.like([attrFloat(c.node, 'scale', 1)], [], x)], {});
}
function affine(c: NodeCtx): void {
  const x = c.node.inputs[0];
  c.note('experimental Affine → Mul/Add');
  const ax = c.emit1('Mul', [x, c.like([attrFloat(c.node, 'alpha', 1)], [], x)]);
  c.final('Add', [ax, c.like([attrFloat(c.node, 'beta', 0)], [], x)], {});
}
function scaledTanh(c: NodeCtx): void {
  const x = c.node.inputs[0];
  c.note('experimental ScaledTanh → Mul/Tanh');
  const t = c.emit1('Tanh', [c.emit1('Mul', [x, c.like([attrFloat(c.node, 'beta', 1)], [], x)])]);
  c.final('Mul', [t, c.like([attrFloat(c.node, 'alpha', 1)], [], x)], {});
}
function parametricSoftplus(c: NodeCtx): void {
  const x = c.node.inputs[0];
  c.note('experimental ParametricSoftplus → Mul/Softplus');
  const t = c.emit1('Softplus', [c.emit1('Mul', [x, c.like([attrFloat(c.node, 'beta', 1)], [], x)])]);
  c.final('Mul', [t, c.like([attrFloat(c.node, 'alpha', 1)], [], x)], {});
}

const EXPERIMENTAL = new Set(['ImageScaler', 'Scale', 'Affine', 'ScaledTanh', 'ParametricSoftplus', 'ThresholdedRelu', 'MeanVarianceNormalization']);

const CONVERTERS: Record<string, Converter> = {
  Add: legacyBroadcast, Sub: legacyBroadcast, Mul: legacyBroadcast, Div: legacyBroadcast, Pow: legacyBroadcast,
  And: legacyBroadcast, Or: legacyBroadcast, Xor: legacyBroadcast, Equal: legacyBroadcast, Greater: legacyBroadcast,
  Less: legacyBroadcast,
  Squeeze: axesAttrToInput, Unsqueeze: axesAttrToInput, ReduceSum: axesAttrToInput,
  ReduceMean: reduceAxesInputToAttr, ReduceMax: reduceAxesInputToAttr, ReduceMin: reduceAxesInputToAttr,
  ReduceProd: reduceAxesInputToAttr, ReduceL1: reduceAxesInputToAttr, ReduceL2: reduceAxesInputToAttr,
  ReduceLogSum: reduceAxesInputToAttr, ReduceLogSumExp: reduceAxesInputToAttr, ReduceSumSquare: reduceAxesInputToAttr,
  Split: split, Slice: slice, Pad: pad, Clip: clip, Upsample: upsample, Resize: resize,
  BatchNormalization: batchNorm, Dropout: dropout,
  Softmax: softmaxLike, LogSoftmax: softmaxLike, Hardmax: softmaxLike,
  Gemm: gemm, PRelu: prelu, Cast: cast, CastLike: castLike, Concat: concat, TopK: topK, Reshape: reshape,
  LpPool: lpPool, GlobalLpPool: lpPool, AveragePool: averagePool,
  QuantizeLinear: quantize, DequantizeLinear: quantize,
  Gelu: gelu, Mish: mish, GroupNormalization: groupNorm, GridSample: gridSample, DFT: dft,
  ScatterElements: scatterReduce, ScatterND: scatterReduce, RoiAlign: roiAlign,
  GRU: rnn, LSTM: rnn, RNN: rnn, Scatter: scatter, Tile: tile, Scan: scan,
  MeanVarianceNormalization: mvn, ThresholdedRelu: thresholdedRelu,
  ImageScaler: imageScaler, Scale: scaleOp, Affine: affine, ScaledTanh: scaledTanh, ParametricSoftplus: parametricSoftplus,
};

/** Op types with a converter (for tests: every semantic bump must be covered). */
export function convertedOps(): string[] {
  return Object.keys(CONVERTERS).sort();
}

/** Ops whose version history has a semantic change between some opset 1..22 and opset 17. */
export function opsNeedingConversion(): string[] {
  const out: string[] = [];
  for (const op of HISTORY.keys()) {
    const t = onnxSinceVersion(op, CANONICAL_OPSET);
    const versions = HISTORY.get(op)!.map((b) => b.version);
    const needs = t === undefined ? !NO_OPSET17_EQUIVALENT.has(op) : versions.some((v) => semanticBumps(op, v, t).length > 0);
    if (needs) out.push(op);
  }
  return out.sort();
}

/**
 * Returns an equivalent model with opset-17 semantics (see the file comment). Throws ModelError
 * for anything that cannot be expressed at opset 17.
 */
export function canonicalize(model: Model, opts: CanonicalizeOptions = {}): CanonicalResult {
  const opset = model.opsetImports.get('') ?? model.opsetImports.get('ai.onnx');
  if (opset === undefined) {
    const hasDefault = anyNode(model.graph, (n) => n.domain === '');
    if (hasDefault) throw new ModelError('the model uses ai.onnx operators but does not import the ai.onnx opset');
  }
  const declared = opset ?? CANONICAL_OPSET;
  if (declared > MAX_SOURCE_OPSET) {
    throw new ModelError(`ai.onnx opset ${declared} is newer than opset ${MAX_SOURCE_OPSET}, the newest Gauntlet converts; re-export at opset ≤ ${MAX_SOURCE_OPSET}`);
  }
  if (declared < 1) throw new ModelError(`invalid ai.onnx opset ${declared}`);
  const c = new Canonicalizer(declared, model, opts);
  const graph = c.graph(model.graph, undefined);
  if (declared !== CANONICAL_OPSET) c.notes.add(`converted from ai.onnx opset ${declared} to opset ${CANONICAL_OPSET}`);
  const dropped = [...model.opsetImports.keys()].filter((d) => d !== '' && d !== 'ai.onnx');
  if (dropped.length > 0) c.notes.add(`unused opset imports dropped: ${dropped.join(', ')}`);
  return {
    model: {
      irVersion: Math.max(model.irVersion, 8),
      opsetImports: new Map([['', CANONICAL_OPSET]]),
      producerName: model.producerName,
      producerVersion: model.producerVersion,
      graph,
    },
    notes: c.notes.list(),
  };
}

function anyNode(g: Graph, pred: (n: Node) => boolean): boolean {
  return g.nodes.some((n) => pred(n) || [...n.attributes.values()].some((a) => a.type === 'graph' && anyNode(a.value, pred)));
}
