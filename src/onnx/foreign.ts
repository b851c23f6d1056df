/**
 * Recognises model files that are not ONNX (PyTorch, safetensors, Keras/HDF5, TensorFlow,
 * TFLite) by name and magic bytes, so the user is told what they gave and how to export it
 * (docs/bring-your-own-model.md) instead of a protobuf decoding error.
 */

/** Where the export instructions live. */
export const BYOM_DOC = 'docs/bring-your-own-model.md';

const BY_EXTENSION: [RegExp, string][] = [
  [/\.(pt|pth)$/i, 'a PyTorch checkpoint (.pt/.pth)'],
  [/\.safetensors$/i, 'a safetensors weights file'],
  [/\.(h5|hdf5)$/i, 'a Keras/HDF5 model (.h5)'],
  [/\.keras$/i, 'a Keras model (.keras)'],
  [/(^|[\\/])saved_model\.pb(txt)?$/i, 'a TensorFlow SavedModel'],
  [/\.pb$/i, 'a TensorFlow graph (.pb)'],
  [/\.tflite$/i, 'a TensorFlow Lite model (.tflite)'],
  [/\.(pkl|pickle|joblib)$/i, 'a Python pickle'],
];

/**
 * The format of a model file that is not ONNX, from its name (when given) and first bytes, or
 * null when it may be ONNX.
 */
export function foreignModelFormat(bytes: Uint8Array | null, name?: string): string | null {
  if (name) for (const [re, format] of BY_EXTENSION) if (re.test(name) && !/\.onnx$/i.test(name)) return format;
  if (!bytes || bytes.length < 8) return null;
  const ascii = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
  if (bytes[0] === 0x89 && ascii(1, 4) === 'HDF') return 'a Keras/HDF5 model (.h5)';
  if (ascii(0, 4) === 'PK\x03\x04') return zipFormat(bytes);
  if (ascii(4, 8) === 'TFL3') return 'a TensorFlow Lite model (.tflite)';
  if (bytes[0] === 0x80 && bytes[1] >= 2 && bytes[1] <= 5) return 'a Python pickle (a legacy PyTorch checkpoint?)';
  if (isSafetensors(bytes)) return 'a safetensors weights file';
  return null;
}

/** The one-line message for a non-ONNX model at `path`. */
export function foreignModelMessage(path: string, format: string): string {
  return `${path} is ${format}, not an ONNX model; export it to ONNX first (PyTorch: torch.onnx.export; TensorFlow/Keras: tf2onnx) — see ${BYOM_DOC}`;
}

/** PyTorch's zip checkpoints hold `<name>/data.pkl`; Keras v3 `.keras` files hold config.json and model.weights.h5. */
function zipFormat(bytes: Uint8Array): string {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 1 << 20)).toString('latin1');
  if (head.includes('data.pkl') || head.includes('.data/version')) return 'a PyTorch checkpoint (.pt/.pth, zip)';
  if (head.includes('model.weights.h5') || head.includes('config.json')) return 'a Keras model (.keras)';
  return 'a zip archive';
}

/** safetensors: an 8-byte little-endian header length, then that many bytes of JSON starting with '{'. */
function isSafetensors(bytes: Uint8Array): boolean {
  if (bytes[8] !== 0x7b) return false;
  const len = Number(Buffer.from(bytes.buffer, bytes.byteOffset, 8).readBigUInt64LE(0));
  if (len < 2 || 8 + len > bytes.length || len > 100 << 20) return false;
  try {
    const header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, len).toString('utf8')) as unknown;
    return header !== null && typeof header === 'object';
  } catch {
    return false;
  }
}
