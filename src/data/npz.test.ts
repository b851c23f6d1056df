import { zipSync } from 'fflate';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError, UsageError } from '../errors';
import { encodeNpy, NdArray } from './npy';
import { readNpz, writeNpz } from './npz';
import { expectError } from './testing/expect-error';

const fixture = (name: string): Uint8Array => readFileSync(join(__dirname, 'testdata', name));

const values = (a: NdArray | undefined) => Array.from(a!.data as ArrayLike<number | bigint>);

/** Offsets of every central-directory file header (signature PK\1\2) in a zip. */
function centralHeaders(zip: Uint8Array): number[] {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const offsets: number[] = [];
  for (let i = 0; i + 4 <= zip.length; i++) if (view.getUint32(i, true) === 0x02014b50) offsets.push(i);
  return offsets;
}

/** A copy of `zip` with field `field` (byte offset within each central header) set to `value`. */
function patchCentral(zip: Uint8Array, field: number, value: number, bytes: 2 | 4 = 4): Uint8Array {
  const out = zip.slice();
  const view = new DataView(out.buffer);
  for (const at of centralHeaders(out)) {
    if (bytes === 4) view.setUint32(at + field, value, true);
    else view.setUint16(at + field, value, true);
  }
  return out;
}

const UNCOMPRESSED_SIZE = 24;
const METHOD = 10;

const allDtypes: Record<string, NdArray> = {
  f32: { dtype: 'float32', shape: [2, 3], data: new Float32Array([-1.5, 0, 2.25, 3, -0, 1e-30]) },
  f64: { dtype: 'float64', shape: [3], data: new Float64Array([1e-300, -2.5, 3]) },
  f64_scalar: { dtype: 'float64', shape: [], data: new Float64Array([7.25]) },
  i64: { dtype: 'int64', shape: [3], data: new BigInt64Array([-(2n ** 62n), 0n, 2n ** 62n + 1n]) },
  i32: { dtype: 'int32', shape: [3], data: new Int32Array([-(2 ** 31), 0, 2 ** 31 - 1]) },
  u8: { dtype: 'uint8', shape: [2, 3], data: new Uint8Array([0, 51, 102, 153, 204, 255]) },
  i8: { dtype: 'int8', shape: [3], data: new Int8Array([-128, 0, 127]) },
  b: { dtype: 'bool', shape: [4], data: new Uint8Array([1, 0, 1, 1]) },
  f16: { dtype: 'float16', shape: [4], data: new Float32Array([0.5, -65504, 2 ** -24, Infinity]) },
  empty: { dtype: 'float32', shape: [2, 0, 3], data: new Float32Array(0) },
};

function expectSameArrays(actual: Map<string, NdArray>, expected: Record<string, NdArray>): void {
  expect([...actual.keys()].sort()).toEqual(Object.keys(expected).sort());
  for (const [key, a] of Object.entries(expected)) {
    const b = actual.get(key)!;
    expect({ key, dtype: b.dtype, shape: b.shape }).toEqual({ key, dtype: a.dtype, shape: a.shape });
    expect(values(b)).toEqual(values(a));
  }
}

describe('readNpz on archives written by numpy', () => {
  test.each(['all_dtypes.npz', 'all_dtypes_compressed.npz'])(
    'when reading %s (np.savez / np.savez_compressed) then every dtype is decoded',
    (name) => {
      expectSameArrays(readNpz(fixture(name)), allDtypes);
    },
  );
});

describe('writeNpz / readNpz round trips', () => {
  test.each([false, true])('when writing every dtype with compress=%s then reading gives the same arrays', (compress) => {
    expectSameArrays(readNpz(writeNpz(allDtypes, { compress })), allDtypes);
  });

  test('when writing the same arrays twice then the bytes are identical', () => {
    expect(Buffer.from(writeNpz(allDtypes)).equals(Buffer.from(writeNpz(allDtypes)))).toBe(true);
  });

  test('when compress is true then zeros shrink', () => {
    const zeros = { z: { dtype: 'float32', shape: [4096], data: new Float32Array(4096) } as NdArray };
    expect(writeNpz(zeros, { compress: true }).length).toBeLessThan(1000);
    expect(writeNpz(zeros).length).toBeGreaterThan(4096 * 4);
  });

  test('when the archive is empty then readNpz returns an empty map', () => {
    expect(readNpz(writeNpz({})).size).toBe(0);
  });

  test('when a member name contains a folder then the key keeps it', () => {
    const arrays = readNpz(zipSync({ 'sub/x.npy': encodeNpy(allDtypes.i8!) }));
    expect([...arrays.keys()]).toEqual(['sub/x']);
  });

  test('when an array name is empty or an array is inconsistent then writeNpz throws DataError', () => {
    expectError(() => writeNpz({ '': allDtypes.i8! }), DataError, /non-empty array names/);
    const bad = { dtype: 'int8', shape: [5], data: new Int8Array(3) } as NdArray;
    expectError(() => writeNpz({ w: bad }), DataError, /array 'w': encodeNpy: shape \[5\] has 5 elements/);
  });
});

describe('readNpz on hostile input', () => {
  const small = writeNpz({ x: allDtypes.f32!, y: allDtypes.i64! }, { compress: true });

  test('when the bytes are garbage then DataError', () => {
    const garbage = new Uint8Array(4096).map((_, i) => (i * 7919) % 251);
    expectError(() => readNpz(garbage), DataError, /not an \.npz \(zip\) archive/);
    expectError(() => readNpz(new Uint8Array(0)), DataError, /found an empty file/);
  });

  test('when garbage starts with the zip signature then DataError', () => {
    const fake = new Uint8Array(200);
    fake.set([0x50, 0x4b, 0x03, 0x04]);
    expectError(() => readNpz(fake), DataError, /not a valid \.npz/);
  });

  test('when the archive is truncated then DataError', () => {
    for (const cut of [10, small.length / 2, small.length - 5]) {
      expectError(() => readNpz(small.subarray(0, Math.floor(cut))), DataError, /truncated|corrupt|not a valid/);
    }
  });

  test('when given a single .npy file then the message says so', () => {
    expectError(() => readNpz(encodeNpy(allDtypes.i8!)), DataError, /single \.npy file/);
  });

  test('when a member is not an .npy file then DataError', () => {
    expectError(() => readNpz(zipSync({ 'notes.txt': new Uint8Array([104, 105]) })), DataError, /unexpected \.npz member 'notes\.txt'/);
  });

  test('when a member is not a valid .npy then the error names the member', () => {
    expectError(() => readNpz(zipSync({ 'x.npy': new Uint8Array([1, 2, 3]) })), DataError, /member 'x\.npy': not an NPY file/);
  });

  test('when a member uses an unsupported compression method then DataError', () => {
    expectError(() => readNpz(patchCentral(small, METHOD, 14, 2)), DataError, /compression method 14/);
  });

  test('when two members have the same name then DataError', () => {
    const zip = zipSync({ 'a.npy': encodeNpy(allDtypes.i8!), 'b.npy': encodeNpy(allDtypes.i8!) });
    const renamed = zip.map((byte, i) => (byte === 0x62 && zip[i + 1] === 0x2e && zip[i + 2] === 0x6e ? 0x61 : byte));
    expectError(() => readNpz(renamed), DataError, /member 'a\.npy' appears twice/);
  });

  test('when the end record declares more entries than exist then DataError instead of a long loop', () => {
    const out = small.slice();
    const view = new DataView(out.buffer);
    const eocd = out.length - 22;
    expect(view.getUint32(eocd, true)).toBe(0x06054b50);
    view.setUint16(eocd + 8, 0xffff, true);
    view.setUint16(eocd + 10, 0xffff, true);
    expectError(() => readNpz(out), DataError, /more entries than fit|unexpected \.npz member ''/);
  });

  test('when maxUncompressedBytes is not a positive number then UsageError', () => {
    expectError(() => readNpz(small, { maxUncompressedBytes: 0 }), UsageError, /positive number, found 0/);
    expectError(() => readNpz(small, { maxUncompressedBytes: NaN }), UsageError, /found NaN/);
  });
});

describe('readNpz CRC-32 check', () => {
  const stored = writeNpz({ x: allDtypes.f32!, y: allDtypes.i64! });
  const deflated = writeNpz({ x: allDtypes.f32!, y: allDtypes.i64! }, { compress: true });
  /** Offset of the last byte of the last member's contents (stored archive: the last byte of its raw .npy data). */
  const lastValue = (zip: Uint8Array) => {
    const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
    const local = [...zip.keys()].filter((i) => i + 4 <= zip.length && view.getUint32(i, true) === 0x04034b50).pop()!;
    return local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true) + view.getUint32(local + 18, true) - 1;
  };

  test('when a stored member has one byte flipped then DataError naming the member', () => {
    const bad = stored.slice();
    bad[lastValue(bad)] ^= 0x01;
    expectError(() => readNpz(bad), DataError, /member 'y\.npy' fails its CRC-32 check \(declared [0-9a-f]{8}, contents [0-9a-f]{8}\)/);
    expect(readNpz(stored).get('y')!.shape).toEqual([3]); // the intact archive reads
  });

  test('when the central directory declares another CRC-32 for a deflated member then DataError', () => {
    expectError(() => readNpz(patchCentral(deflated, 16, 0x12345678)), DataError, /member 'x\.npy' fails its CRC-32 check \(declared 12345678/);
    expect(readNpz(deflated).get('x')!.shape).toEqual([2, 3]);
  });

  test('archives written by numpy pass the check', () => {
    expect(() => readNpz(fixture('all_dtypes.npz'))).not.toThrow();
    expect(() => readNpz(fixture('all_dtypes_compressed.npz'))).not.toThrow();
  });
});

describe('readNpz zip-bomb defence', () => {
  // 4 MiB of zeros deflates to about 4 KiB.
  const bomb = writeNpz({ z: { dtype: 'uint8', shape: [4 << 20], data: new Uint8Array(4 << 20) } }, { compress: true });

  test('when a highly compressible member declares more than the limit then it is refused before inflating', () => {
    expect(bomb.length).toBeLessThan(16 << 10);
    expectError(() => readNpz(bomb, { maxUncompressedBytes: 1 << 20 }), DataError, /declare 4194432 uncompressed bytes.*refusing to inflate/);
  });

  test('when the same member is within the limit then it is read', () => {
    expect(readNpz(bomb, { maxUncompressedBytes: 8 << 20 }).get('z')!.shape).toEqual([4 << 20]);
  });

  test('when a member declares about 4 GiB then the default 2 GiB limit refuses it without allocating', () => {
    const huge = patchCentral(bomb, UNCOMPRESSED_SIZE, 0xfffffff0);
    expectError(() => readNpz(huge), DataError, /declare 4294967280 uncompressed bytes.*limit of 2147483648/);
  });

  test('when several members are each under the limit but together over it then DataError', () => {
    const zip = writeNpz({ a: allDtypes.f32!, b: allDtypes.f32!, c: allDtypes.f32! });
    const oneMember = encodeNpy(allDtypes.f32!).length;
    expectError(() => readNpz(zip, { maxUncompressedBytes: oneMember * 2 }), DataError, /in total, more than the limit/);
  });

  test('when a member inflates to more than it declares then the read fails with DataError', () => {
    // fflate inflates into a buffer of the declared size, so the excess never lands in memory;
    // the cut-off .npy then fails its own size check.
    expectError(() => readNpz(patchCentral(bomb, UNCOMPRESSED_SIZE, 1000)), DataError, /member 'z\.npy'.*(truncated|fails its CRC-32 check)/);
  });

  test('when a member inflates to less than it declares then DataError', () => {
    expectError(() => readNpz(patchCentral(bomb, UNCOMPRESSED_SIZE, (4 << 20) + 4096)), DataError, /declares 4198400 uncompressed bytes but inflates to 4194432/);
  });
});
