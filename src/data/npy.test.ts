import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../errors';
import { floatToHalfBits, halfBitsToFloat } from './float16';
import { encodeNpy, MAX_HEADER_BYTES, NdArray, parseNpy } from './npy';
import { parsePyLiteral } from './pyliteral';
import { expectError } from './testing/expect-error';

const fixture = (name: string): Uint8Array => readFileSync(join(__dirname, 'testdata', name));

/** Builds an NPY file by hand: magic, version, header length, the header text and raw data. */
function craftNpy(header: string, data: Uint8Array = new Uint8Array(0), major = 1): Uint8Array {
  const text = new TextEncoder().encode(header + '\n');
  const preamble = major === 1 ? 10 : 12;
  const out = new Uint8Array(preamble + text.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, text.length, true);
  else view.setUint32(8, text.length, true);
  out.set(text, preamble);
  out.set(data, preamble + text.length);
  return out;
}

const f4Header = (shape: string) => `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;

const expectDataError = (fn: () => unknown, message: RegExp): void => expectError(fn, DataError, message);

const samples: NdArray[] = [
  { dtype: 'float32', shape: [2, 3], data: new Float32Array([-1.5, 0, 2.25, 3, -0, 1e-30]) },
  { dtype: 'float64', shape: [3], data: new Float64Array([1e-300, -2.5, Number.MAX_VALUE]) },
  { dtype: 'int64', shape: [3], data: new BigInt64Array([-(2n ** 63n), 0n, 2n ** 63n - 1n]) },
  { dtype: 'int32', shape: [1, 3], data: new Int32Array([-(2 ** 31), 0, 2 ** 31 - 1]) },
  { dtype: 'uint8', shape: [2, 2], data: new Uint8Array([0, 1, 128, 255]) },
  { dtype: 'int8', shape: [3], data: new Int8Array([-128, 0, 127]) },
  { dtype: 'bool', shape: [4], data: new Uint8Array([1, 0, 1, 1]) },
  { dtype: 'float16', shape: [4], data: new Float32Array([0.5, -65504, 2 ** -24, Infinity]) },
  { dtype: 'float64', shape: [], data: new Float64Array([7.25]) },
  { dtype: 'float32', shape: [2, 0, 3], data: new Float32Array(0) },
];

describe('parseNpy on files written by numpy', () => {
  test('when reading a float32 [2, 3] array then dtype, shape and values match', () => {
    const a = parseNpy(fixture('f32_2x3.npy'));
    expect(a.dtype).toBe('float32');
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.data as Float32Array)).toEqual([0, 0.25, 0.5, 0.75, 1, 1.25]);
  });

  test.each(['i32_v2.npy', 'i32_v3.npy'])('when reading format version 2.0/3.0 (%s) then the data is read', (name) => {
    const a = parseNpy(fixture(name));
    expect(a.dtype).toBe('int32');
    expect(Array.from(a.data as Int32Array)).toEqual([-2, -1, 0, 1, 2]);
  });

  test('when re-encoding a numpy file then the bytes are identical to what numpy wrote', () => {
    const bytes = fixture('f32_2x3.npy');
    expect(Buffer.from(encodeNpy(parseNpy(bytes))).equals(Buffer.from(bytes))).toBe(true);
  });

  test('when the file is Fortran-ordered then it is rejected', () => {
    expectDataError(() => parseNpy(fixture('fortran.npy')), /Fortran .*only C order/);
  });

  test('when the file is big-endian then it is rejected with a clear message', () => {
    expectDataError(() => parseNpy(fixture('bigendian.npy')), /big-endian \('>f4'\); only little-endian/);
  });

  test('when the file holds pickled objects then it is rejected', () => {
    expectDataError(() => parseNpy(fixture('object.npy')), /dtype object/);
  });

  test('when the dtype is structured then it is rejected', () => {
    expectDataError(() => parseNpy(fixture('structured.npy')), /structured/);
  });

  test('when the dtype is a unicode string then it is rejected as unsupported', () => {
    expectDataError(() => parseNpy(fixture('unicode.npy')), /unsupported NPY dtype '<U2'/);
  });
});

describe('encodeNpy / parseNpy round trips', () => {
  test.each(samples.map((a) => [`${a.dtype} ${JSON.stringify(a.shape)}`, a] as const))(
    'when a %s array is encoded and parsed then it comes back unchanged',
    (_, a) => {
      const back = parseNpy(encodeNpy(a));
      expect(back.dtype).toBe(a.dtype);
      expect(back.shape).toEqual(a.shape);
      expect(back.data.constructor).toBe(a.data.constructor);
      expect(Array.from(back.data as ArrayLike<number | bigint>)).toEqual(Array.from(a.data as ArrayLike<number | bigint>));
    },
  );

  test('when encoding then the header is padded so the data starts on a 64-byte boundary', () => {
    for (const a of samples) {
      const bytes = encodeNpy(a);
      const headerLength = bytes[8]! | (bytes[9]! << 8);
      expect((10 + headerLength) % 64).toBe(0);
      expect(bytes[10 + headerLength - 1]).toBe(0x0a);
    }
  });

  test('when the file starts at an odd byte offset then the data is copied into aligned storage', () => {
    const encoded = encodeNpy(samples[1]!);
    const buffer = new Uint8Array(encoded.length + 3);
    buffer.set(encoded, 3);
    const a = parseNpy(buffer.subarray(3));
    expect(Array.from(a.data as Float64Array)).toEqual(Array.from(samples[1]!.data as Float64Array));
    expect(a.data.byteOffset % 8).toBe(0);
  });

  test('when the source is a subarray view then encodeNpy writes only the viewed elements', () => {
    const whole = new Int32Array([9, 1, 2, 9]);
    const a = parseNpy(encodeNpy({ dtype: 'int32', shape: [2], data: whole.subarray(1, 3) }));
    expect(Array.from(a.data as Int32Array)).toEqual([1, 2]);
  });

  test('when a bool array holds non-zero bytes other than 1 then they are written as 1', () => {
    const a = parseNpy(encodeNpy({ dtype: 'bool', shape: [3], data: new Uint8Array([0, 7, 255]) }));
    expect(Array.from(a.data as Uint8Array)).toEqual([0, 1, 1]);
  });
});

describe('encodeNpy input checks', () => {
  test('when data length does not match the shape then DataError', () => {
    expectDataError(() => encodeNpy({ dtype: 'float32', shape: [2, 2], data: new Float32Array(3) }), /4 elements but data has 3/);
  });

  test('when the storage type does not match the dtype then DataError', () => {
    expectDataError(() => encodeNpy({ dtype: 'int32', shape: [2], data: new Float32Array(2) }), /Int32Array, found a Float32Array/);
  });

  test('when the dtype is unknown then DataError', () => {
    const bogus = { dtype: 'complex64', shape: [1], data: new Float32Array(1) } as unknown as NdArray;
    expectDataError(() => encodeNpy(bogus), /dtype among/);
  });

  test('when a shape dimension is negative or fractional then DataError', () => {
    expectDataError(() => encodeNpy({ dtype: 'uint8', shape: [-1], data: new Uint8Array(0) }), /non-negative integers, found -1/);
    expectDataError(() => encodeNpy({ dtype: 'uint8', shape: [1.5], data: new Uint8Array(0) }), /found 1.5/);
  });
});

describe('parseNpy on hostile input', () => {
  const valid = encodeNpy({ dtype: 'float32', shape: [4], data: new Float32Array([1, 2, 3, 4]) });

  test('when the file is truncated then DataError says so', () => {
    expectDataError(() => parseNpy(valid.subarray(0, valid.length - 1)), /truncated.*16 bytes, found 15/);
  });

  test('when the file is cut inside the header then DataError', () => {
    expectDataError(() => parseNpy(valid.subarray(0, 40)), /truncated: header declares/);
    expectDataError(() => parseNpy(valid.subarray(0, 9)), /truncated/);
  });

  test('when there are bytes after the data then DataError', () => {
    const longer = new Uint8Array(valid.length + 4);
    longer.set(valid);
    expectDataError(() => parseNpy(longer), /trailing bytes/);
  });

  test('when the bytes are garbage or empty then DataError names the magic', () => {
    expectDataError(() => parseNpy(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])), /not an NPY file: expected magic.*found 01 02/);
    expectDataError(() => parseNpy(new Uint8Array(0)), /found an empty file/);
  });

  test('when given a zip archive then the message hints at .npz', () => {
    expectDataError(() => parseNpy(fixture('all_dtypes.npz')), /looks like a zip/);
  });

  test('when the input is not a Uint8Array then DataError', () => {
    expectDataError(() => parseNpy('hello' as unknown as Uint8Array), /expected a Uint8Array, found the string/);
  });

  test('when the header declares more elements than the data holds then DataError', () => {
    expectDataError(() => parseNpy(craftNpy(f4Header('(1000,)'), new Uint8Array(16))), /4000 bytes, found 16/);
  });

  test('when the header length field exceeds the file then DataError', () => {
    const lying = valid.slice();
    new DataView(lying.buffer).setUint16(8, 5000, true);
    expectDataError(() => parseNpy(lying), /header declares 5000 bytes/);
  });

  test('when the header is larger than the limit then DataError', () => {
    const huge = craftNpy(f4Header('(0,)') + ' '.repeat(MAX_HEADER_BYTES), new Uint8Array(0), 2);
    expectDataError(() => parseNpy(huge), /more than the 10000 accepted/);
  });

  test('when the shape is absurd then DataError is thrown before allocating', () => {
    expectDataError(() => parseNpy(craftNpy(f4Header('(2147483649,)'))), /more than 2\^31 elements/);
    expectDataError(() => parseNpy(craftNpy(f4Header('(100000, 100000)'))), /more than 2\^31 elements/);
    expectDataError(() => parseNpy(craftNpy(f4Header('(99999999999999999999,)'))), /integer below 2\^53/);
    expectDataError(() => parseNpy(craftNpy(f4Header('(-3,)'))), /non-negative integers, found -3/);
    expectDataError(() => parseNpy(craftNpy(f4Header('(2.5,)'))), /expected an integer/);
  });

  test('when the format version is unknown then DataError', () => {
    const v4 = valid.slice();
    v4[6] = 4;
    expectDataError(() => parseNpy(v4), /version 4.0 \(expected 1.0, 2.0 or 3.0\)/);
  });

  test.each([
    ['a key is missing', `{'descr': '<f4', 'shape': (0,)}`, /exactly the keys.*found 'descr', 'shape'/],
    ['there is an extra key', `{'descr': '<f4', 'fortran_order': False, 'shape': (0,), 'x': 1}`, /exactly the keys/],
    ['a key is duplicated', `{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (0,)}`, /duplicate 'descr'/],
    ['the header is not a dict', `[1, 2]`, /expected a dict, found a list/],
    ['the shape is a list', `{'descr': '<f4', 'fortran_order': False, 'shape': [0]}`, /shape to be a tuple/],
    ['fortran_order is not a bool', `{'descr': '<f4', 'fortran_order': 0, 'shape': (0,)}`, /True or False, found a int/],
    ['a string is unterminated', `{'descr': '<f4, 'fortran_order': False}`, /not a valid Python literal/],
    ['there is code instead of a literal', `__import__('os').system('true')`, /not a valid Python literal/],
    ['there is text after the dict', `{'descr': '<f4', 'fortran_order': False, 'shape': (0,)} junk`, /expected end of header/],
    ['the descr is native-order', `{'descr': '=f4', 'fortran_order': False, 'shape': (0,)}`, /byte order '='/],
    ['the descr is unknown', `{'descr': '<u2', 'fortran_order': False, 'shape': (0,)}`, /unsupported NPY dtype '<u2'/],
  ])('when %s then DataError', (_, header, message) => {
    expectDataError(() => parseNpy(craftNpy(header)), message);
  });

  test('when a bool array holds a byte other than 0 or 1 then DataError', () => {
    const header = `{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }`;
    expectDataError(() => parseNpy(craftNpy(header, new Uint8Array([0, 1, 2]))), /found 2 at element 2/);
  });

  test('when a 1-byte dtype has any byte-order mark then it is accepted', () => {
    const header = `{'descr': '>u1', 'fortran_order': False, 'shape': (2,), }`;
    expect(Array.from(parseNpy(craftNpy(header, new Uint8Array([5, 6]))).data as Uint8Array)).toEqual([5, 6]);
  });

  test('when the header was written by Python 2 (long integers, double quotes) then it is accepted', () => {
    const header = `{"descr": "<f4", "fortran_order": False, "shape": (2L,)}`;
    expect(parseNpy(craftNpy(header, new Uint8Array(8))).shape).toEqual([2]);
  });
});

describe('parsePyLiteral', () => {
  test('when parsing tuples then (), (3,) and (2, 3) are tuples and (3) is an integer', () => {
    expect(parsePyLiteral('()')).toEqual({ kind: 'tuple', items: [] });
    expect(parsePyLiteral('(3,)')).toEqual({ kind: 'tuple', items: [{ kind: 'int', value: 3 }] });
    expect(parsePyLiteral('( 2 , 3 )')).toEqual({ kind: 'tuple', items: [{ kind: 'int', value: 2 }, { kind: 'int', value: 3 }] });
    expect(parsePyLiteral('(3)')).toEqual({ kind: 'int', value: 3 });
  });

  test('when nesting is absurdly deep then DataError instead of a stack overflow', () => {
    expectDataError(() => parsePyLiteral('('.repeat(5000)), /nesting depth/);
  });

  test('when a string has escapes then DataError', () => {
    expectDataError(() => parsePyLiteral(`'a\\'b'`), /without escape/);
  });
});

describe('float16 conversion', () => {
  test('when every half bit pattern is widened and narrowed again then it is unchanged (NaN stays NaN)', () => {
    for (let h = 0; h < 0x10000; h++) {
      const value = halfBitsToFloat(h);
      const back = floatToHalfBits(value);
      if (Number.isNaN(value)) expect(Number.isNaN(halfBitsToFloat(back))).toBe(true);
      else if (back !== h) throw new Error(`half 0x${h.toString(16)} → ${value} → 0x${back.toString(16)}`);
    }
  });

  test('when a float is between halves then it rounds to nearest, ties to even', () => {
    expect(halfBitsToFloat(floatToHalfBits(1 + 2 ** -11))).toBe(1); // tie → even
    expect(halfBitsToFloat(floatToHalfBits(1 + 3 * 2 ** -11))).toBe(1 + 2 * 2 ** -10); // tie → even (up)
    expect(halfBitsToFloat(floatToHalfBits(65519))).toBe(65504);
    expect(halfBitsToFloat(floatToHalfBits(65520))).toBe(Infinity);
    expect(halfBitsToFloat(floatToHalfBits(2 ** -25))).toBe(0); // tie with zero → even
    expect(halfBitsToFloat(floatToHalfBits(1.5 * 2 ** -25))).toBe(2 ** -24);
    expect(halfBitsToFloat(floatToHalfBits(-1e-10))).toBe(-0);
  });
});
