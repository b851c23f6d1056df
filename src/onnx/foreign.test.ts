import { foreignModelFormat, foreignModelMessage } from './foreign';

const bytes = (...parts: (string | number[])[]) => Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...Buffer.from(p, 'latin1')] : p)));

function safetensors(header: string): Uint8Array {
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  return bytes([...len], header, [0, 0, 0, 0]);
}

describe('foreignModelFormat', () => {
  it.each([
    ['model.pt', /PyTorch/], ['weights.PTH', /PyTorch/], ['m.safetensors', /safetensors/], ['m.h5', /HDF5/],
    ['m.keras', /Keras/], ['export/saved_model.pb', /SavedModel/], ['frozen.pb', /TensorFlow graph/], ['m.tflite', /Lite/],
  ])('when the file is named %s then the format is named from the extension', (name, want) => {
    expect(foreignModelFormat(null, name)).toMatch(want);
  });

  it.each([
    ['HDF5', bytes([0x89], 'HDF\r\n\x1a\n', [0, 0, 0, 0]), /HDF5/],
    ['a PyTorch zip', bytes('PK\x03\x04', [0, 0, 0, 0, 0, 0], 'archive/data.pkl'), /PyTorch/],
    ['a Keras v3 zip', bytes('PK\x03\x04', [0, 0, 0, 0, 0, 0], 'metadata.json config.json model.weights.h5'), /Keras/],
    ['a legacy pickle', bytes([0x80, 0x02], 'cfoo\nbar\n'), /pickle/],
    ['safetensors', safetensors('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'), /safetensors/],
    ['TFLite', bytes([0x1c, 0, 0, 0], 'TFL3', [0, 0]), /Lite/],
  ])('when the bytes are %s then the format is named from the magic bytes', (_, b, want) => {
    expect(foreignModelFormat(b, 'upload-without-extension')).toMatch(want);
  });

  it('when the file is ONNX then no format is named', () => {
    // ModelProto starts with field 1 (ir_version, varint): 0x08.
    expect(foreignModelFormat(bytes([0x08, 0x07, 0x12, 0x04], 'test', [0x3a, 0x00, 0x7b, 0x00]), 'model.onnx')).toBeNull();
    expect(foreignModelFormat(null, 'model.onnx')).toBeNull();
  });

  it('when a message is built then it names the file, the format, the exporters and the doc', () => {
    expect(foreignModelMessage('m.pt', 'a PyTorch checkpoint (.pt/.pth)')).toBe(
      'm.pt is a PyTorch checkpoint (.pt/.pth), not an ONNX model; export it to ONNX first (PyTorch: torch.onnx.export; TensorFlow/Keras: tf2onnx) — see docs/bring-your-own-model.md',
    );
  });
});
