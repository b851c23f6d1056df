/** Evaluation data: NPY/NPZ codecs and the canonical evaluation set. */
export { encodeNpy, parseNpy, MAX_ELEMENTS, MAX_HEADER_BYTES } from './npy';
export type { NdArray, NdArrayData, NpyDType } from './npy';
export { readNpz, writeNpz, DEFAULT_MAX_UNCOMPRESSED_BYTES } from './npz';
export type { ReadNpzOptions, WriteNpzOptions } from './npz';
export {
  BOUNDS_TOLERANCE,
  EVALSET_KEYS,
  evalSetFromArrays,
  evalSetToNpz,
  fileSha256,
  loadEvalSet,
  parseEvalSet,
  saveEvalSet,
  sliceEvalSet,
  validateEvalSet,
} from './evalset';
export type { EvalSet, EvalSetOptions, SaveEvalSetOptions } from './evalset';
export { checkFits } from './fits';
