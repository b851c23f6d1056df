/** Mapping between ONNX TensorProto.DataType codes and Gauntlet's DType names. */
import { DType } from './ir';

const CODE_TO_DTYPE: Record<number, DType> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64',
  8: 'string', 9: 'bool', 10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 16: 'bfloat16',
};
const DTYPE_TO_CODE = Object.fromEntries(
  Object.entries(CODE_TO_DTYPE).map(([code, name]) => [name, Number(code)]),
) as Record<DType, number>;

/** ONNX data-type code → DType, or undefined for types Gauntlet does not hold (complex, float8, int4). */
export function dtypeFromCode(code: number): DType | undefined {
  return CODE_TO_DTYPE[code];
}

/** DType → ONNX data-type code. */
export function codeFromDtype(dtype: DType): number {
  return DTYPE_TO_CODE[dtype];
}
