/**
 * The converter table: op type → converter. Each converter receives a clone of the node
 * (consumed_inputs already dropped) and its since-version `c.v` at the declared opset, and must
 * emit nodes producing the node's outputs. An op with a semantic version bump and no entry here is
 * rejected by the canonicaliser.
 */
import { Converter } from '../context';
import { averagePool, gridSample, lpPool, resize, roiAlign, upsample } from './spatial';
import { axesAttrToInput, concat, dft, pad, reduceAxesInputToAttr, reshape, slice, split, topK } from './axes';
import { clip, gelu, gemm, legacyBroadcast, mish, prelu, softmaxLike, thresholdedRelu } from './elementwise';
import { batchNorm, dropout, groupNorm, mvn } from './normalization';
import { cast, castLike, quantize } from './types';
import {
  affine, imageScaler, parametricSoftplus, rnn, scaledTanh, scaleOp, scan, scatter, scatterReduce, tile,
} from './legacy';

/** Experimental ops of opsets 1-9 (no since-version) that have a converter. */
export const EXPERIMENTAL = new Set(['ImageScaler', 'Scale', 'Affine', 'ScaledTanh', 'ParametricSoftplus', 'ThresholdedRelu', 'MeanVarianceNormalization']);

/** Op type → converter. */
export const CONVERTERS: Record<string, Converter> = {
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
