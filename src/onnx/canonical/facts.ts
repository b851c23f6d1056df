/**
 * Facts: constants, dtypes and ranks visible in a graph (and its outer scopes), from declared
 * value infos, initializers, Constant nodes and a light forward inference under the declared opset.
 */
import {
  Dim, DType, Graph, Node, TensorValue, attrInt, attrInts, attrTensor, tensorFromNumbers, tensorToNumbers,
} from '../ir';
import { codeFromTypeName, dtypeFromCode } from '../dtype';
import { onnxSinceVersion } from './history';

/** Constants, dtypes and shapes of the values of one graph; lookups fall back to the outer scope. */
export class Facts {
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
export function constantNodeValue(n: Node): TensorValue | undefined {
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

/** A shape of `rank` unknown dims. */
export function unknownDims(rank: number): Dim[] {
  return Array.from({ length: rank }, () => null);
}

/**
 * Light forward inference of dtypes and ranks under the ORIGINAL (declared-opset) semantics.
 * Only what canonicalisation needs; unknown stays unknown.
 */
export function inferFacts(g: Graph, facts: Facts, opset: number): void {
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
        const code = to?.type === 'int' ? to.value : to?.type === 'string' ? codeFromTypeName(to.value) : undefined;
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
