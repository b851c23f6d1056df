/**
 * canonicalize: rewrite a model declared at any ai.onnx opset 1..22 into an equivalent model
 * whose every node has ai.onnx OPSET 17 semantics (the only semantics the gradient rules know),
 * importing {'' → 17} at IR version ≥ 8.
 *
 * Conversion is node by node, from the op version in force at the model's declared opset
 * (history.ts, after onnx/defs/operator_sets.h and docs/Changelog.md) to the version in
 * force at opset 17. Version bumps that only widen types, or add an attribute/input whose
 * default keeps the old behaviour, need nothing; every other bump has a converter (converters/) or is
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
 *
 * Layout: history.ts (op versions and their arithmetic), facts.ts (constants, dtypes, ranks),
 * context.ts (NodeCtx: what a converter sees and may do), canonicaliser.ts (the graph walk and
 * `canonicalize`), converters/ (one file per concern) and converters/index.ts (the op → converter
 * table).
 */
export { canonicalize } from './canonicaliser';
export type { CanonicalizeOptions, CanonicalResult } from './canonicaliser';
export { CANONICAL_OPSET, MAX_SOURCE_OPSET, knownOnnxOps, onnxSinceVersion, opsNeedingConversion } from './history';
export { convertedOps } from './converters';
