/** Host-side tensors exchanged with ONNX Runtime (plain typed arrays, transferable to workers). */
import { DType } from '../onnx/ir';

export type HostData = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | BigUint64Array;

export interface HostTensor {
  dtype: DType;
  dims: number[];
  data: HostData;
}

export function hostTensor(dtype: DType, dims: number[], data: HostData): HostTensor {
  return { dtype, dims, data };
}
