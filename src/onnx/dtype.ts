/** Mapping between ONNX TensorProto.DataType codes, their enum names and Gauntlet's DType names. */
import { DType } from './ir';

/** ONNX TensorProto.DataType code → [enum name, DType (absent for types Gauntlet does not hold)]. */
const DATA_TYPES: Record<number, readonly [string, DType?]> = {
  1: ['FLOAT', 'float32'], 2: ['UINT8', 'uint8'], 3: ['INT8', 'int8'], 4: ['UINT16', 'uint16'], 5: ['INT16', 'int16'],
  6: ['INT32', 'int32'], 7: ['INT64', 'int64'], 8: ['STRING', 'string'], 9: ['BOOL', 'bool'], 10: ['FLOAT16', 'float16'],
  11: ['DOUBLE', 'float64'], 12: ['UINT32', 'uint32'], 13: ['UINT64', 'uint64'], 14: ['COMPLEX64'], 15: ['COMPLEX128'],
  16: ['BFLOAT16', 'bfloat16'],
};
const CODE_TO_DTYPE: Record<number, DType> = Object.fromEntries(
  Object.entries(DATA_TYPES).flatMap(([code, [, dtype]]) => (dtype ? [[code, dtype]] : [])),
);
const DTYPE_TO_CODE = Object.fromEntries(
  Object.entries(CODE_TO_DTYPE).map(([code, name]) => [name, Number(code)]),
) as Record<DType, number>;
const NAME_TO_CODE = new Map(Object.entries(DATA_TYPES).map(([code, [name]]) => [name, Number(code)]));

/** ONNX data-type code → DType, or undefined for types Gauntlet does not hold (complex, float8, int4). */
export function dtypeFromCode(code: number): DType | undefined {
  return CODE_TO_DTYPE[code];
}

/** DType → ONNX data-type code. */
export function codeFromDtype(dtype: DType): number {
  return DTYPE_TO_CODE[dtype];
}

/**
 * ONNX data-type enum name, case-insensitive ('FLOAT', 'double': how Cast < 6 wrote its `to`) →
 * code, or undefined for names of types after BFLOAT16 or unknown names.
 */
export function codeFromTypeName(name: string): number | undefined {
  return NAME_TO_CODE.get(name.toUpperCase());
}
