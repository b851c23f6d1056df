import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError, UsageError } from '../errors';
import {
  EvalSet,
  evalSetToNpz,
  fileSha256,
  loadEvalSet,
  parseEvalSet,
  saveEvalSet,
  sliceEvalSet,
  validateEvalSet,
} from './evalset';
import { NdArray } from './npy';
import { readNpz, writeNpz } from './npz';
import { expectError } from './testing/expect-error';

const fixturePath = (name: string) => join(__dirname, 'testdata', name);

const f32 = (shape: number[], values: number[]): NdArray => ({ dtype: 'float32', shape, data: new Float32Array(values) });
const i64 = (values: number[]): NdArray => ({ dtype: 'int64', shape: [values.length], data: BigInt64Array.from(values, BigInt) });

/** Three 2×2 samples in [0, 1] with labels 0, 1, 2. */
function baseArrays(): Record<string, NdArray> {
  return {
    x: f32([3, 2, 2], [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 0.5]),
    y: i64([0, 1, 2]),
  };
}

const parse = (arrays: Record<string, NdArray>, numClasses?: number) => parseEvalSet(writeNpz(arrays), { numClasses });

describe('loading evaluation sets written by numpy', () => {
  test('when loading an .npz with x, y, lower, upper and target then everything is materialised', () => {
    const set = loadEvalSet(fixturePath('evalset.npz'), { numClasses: 10 });
    expect(set.n).toBe(4);
    expect(set.xShape).toEqual([4, 1, 2, 2]);
    expect(set.sampleShape).toEqual([1, 2, 2]);
    expect(set.x).toBeInstanceOf(Float32Array);
    expect(set.x[0]).toBeCloseTo(0.6095693707466125, 7);
    expect(Array.from(set.y)).toEqual([3, 0, 9, 1]);
    expect(Array.from(set.target!)).toEqual([1, 1, 2, 2]);
    expect(set.lower.length).toBe(16);
    expect(set.lower.every((v) => v === 0)).toBe(true);
    // upper has shape [4, 1, 1, 1]: one bound per sample, broadcast over its 4 pixels.
    expect(Array.from(set.upper)).toEqual([1, 1, 1, 1, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 1, 1, 1, 1].map(Math.fround));
  });

  test('when x is float64 and y is int32 then they are converted and bounds default to [0, 1]', () => {
    const set = loadEvalSet(fixturePath('evalset_f64_i32.npz'));
    expect(set.x).toBeInstanceOf(Float32Array);
    expect(set.xShape).toEqual([3, 2]);
    expect(set.y).toBeInstanceOf(Int32Array);
    expect(Array.from(set.y)).toEqual([1, 0, 1]);
    expect(set.lower.every((v) => v === 0) && set.upper.every((v) => v === 1)).toBe(true);
    expect(set.target).toBeUndefined();
  });
});

describe('bounds broadcasting', () => {
  test.each([
    ['a scalar', f32([], [0.05]), () => 0.05],
    ['a [1] array', f32([1], [0.05]), () => 0.05],
    ['one bound per sample [N, 1, 1]', f32([3, 1, 1], [0, 0.05, 0.1]), (i: number) => [0, 0.05, 0.1][Math.floor(i / 4)]!],
    ['one bound per feature [2, 2]', f32([2, 2], [0, 0.05, 0.1, 0]), (i: number) => [0, 0.05, 0.1, 0][i % 4]!],
    ['one bound per column [1, 1, 2]', f32([1, 1, 2], [0, 0.05]), (i: number) => [0, 0.05][i % 2]!],
    ["x's full shape", f32([3, 2, 2], new Array(12).fill(0)), () => 0],
  ])('when the bounds are %s then they are broadcast to x', (_, pattern, expected) => {
    const lower = { ...pattern, data: (pattern.data as Float32Array).map((v) => 0 - v) };
    const upper = { ...pattern, data: (pattern.data as Float32Array).map((v) => 1 + v) };
    const set = parse({ ...baseArrays(), lower, upper });
    const want = (offset: number, sign: number) => Array.from({ length: 12 }, (_, i) => Math.fround(offset + sign * expected(i)));
    expect(Array.from(set.lower)).toEqual(want(0, -1));
    expect(Array.from(set.upper)).toEqual(want(1, 1));
  });

  test('when a bound has shape [N] for 3-d x then it does not broadcast and the message suggests [N, 1, ...]', () => {
    expectError(() => parse({ ...baseArrays(), upper: f32([3], [1, 1, 1]) }), DataError, /upper has shape \[3\], which does not broadcast to x's shape \[3, 2, 2\].*\[N, 1, \.\.\.\]/);
  });

  test('when a bound has more dimensions than x then DataError', () => {
    expectError(() => parse({ ...baseArrays(), lower: f32([1, 3, 2, 2], new Array(12).fill(0)) }), DataError, /does not broadcast/);
  });
});

describe('saving, slicing and hashing', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gauntlet-evalset-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('when a set is saved and loaded again then every field is unchanged', () => {
    const original = loadEvalSet(fixturePath('evalset.npz'));
    for (const compress of [false, true]) {
      const path = join(dir, `round-trip-${compress}.npz`);
      saveEvalSet(path, original, { compress });
      expect(loadEvalSet(path)).toEqual(original);
    }
  });

  test('when bounds are constant then they are stored as scalars', () => {
    const set = loadEvalSet(fixturePath('evalset.npz'));
    const arrays = readNpz(evalSetToNpz(set));
    expect(arrays.get('lower')!.shape).toEqual([]);
    expect(arrays.get('upper')!.shape).toEqual([4, 1, 2, 2]);
    expect(arrays.get('y')!.dtype).toBe('int64');
  });

  test('when the same set is serialised twice then the bytes and the file hash are identical', () => {
    const set = loadEvalSet(fixturePath('evalset.npz'));
    const a = join(dir, 'a.npz');
    const b = join(dir, 'b.npz');
    saveEvalSet(a, set);
    saveEvalSet(b, set);
    expect(fileSha256(a)).toBe(fileSha256(b));
    expect(fileSha256(a)).toBe(createHash('sha256').update(readFileSync(a)).digest('hex'));
  });

  test('when hashing a file then it matches the SHA-256 of its bytes', () => {
    const path = join(dir, 'abc.txt');
    writeFileSync(path, 'abc');
    expect(fileSha256(path)).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  test('when hashing a missing file then DataError', () => {
    expectError(() => fileSha256(join(dir, 'nope.npz')), DataError, /file not found/);
  });

  test('when slicing then samples start..end are copied with their labels, targets and bounds', () => {
    const set = loadEvalSet(fixturePath('evalset.npz'));
    const part = sliceEvalSet(set, 1, 3);
    expect(part.n).toBe(2);
    expect(part.xShape).toEqual([2, 1, 2, 2]);
    expect(Array.from(part.x)).toEqual(Array.from(set.x.subarray(4, 12)));
    expect(Array.from(part.y)).toEqual([0, 9]);
    expect(Array.from(part.target!)).toEqual([1, 2]);
    expect(Array.from(part.upper)).toEqual(new Array(8).fill(Math.fround(0.95)));
    expect(() => validateEvalSet(part)).not.toThrow();
    part.x[0] = 42;
    expect(set.x[4]).not.toBe(42);
  });

  test.each([
    [2, 2],
    [-1, 2],
    [0, 5],
    [0.5, 2],
  ])('when slicing with start %p and end %p then UsageError', (start, end) => {
    const set = loadEvalSet(fixturePath('evalset.npz'));
    expectError(() => sliceEvalSet(set, start, end), UsageError, /0 <= start < end <= 4/);
  });

  test('when saving an inconsistent in-memory set then DataError and nothing is written', () => {
    const set = loadEvalSet(fixturePath('evalset.npz'));
    const broken: EvalSet = { ...set, y: set.y.slice(0, 3) };
    const path = join(dir, 'broken.npz');
    expectError(() => saveEvalSet(path, broken), DataError, /expected y to have 4 elements, found 3/);
    expectError(() => loadEvalSet(path), DataError, /not found/);
  });

  test('when validating a hand-built set with x outside its bounds then DataError', () => {
    const set = loadEvalSet(fixturePath('evalset.npz'));
    const x = set.x.slice();
    x[5] = 2;
    expectError(() => validateEvalSet({ ...set, x }), DataError, /outside \[lower, upper\] at 1 position/);
  });
});

describe('arrays that are not part of an evaluation set', () => {
  test('when the archive holds extra arrays (names, metadata) then they are ignored and listed', () => {
    const u8 = (values: number[]): NdArray => ({ dtype: 'uint8', shape: [values.length], data: Uint8Array.from(values) });
    const set = parse({ ...baseArrays(), meta: u8([1, 2]), names: u8([3, 4, 5]) });
    expect(set.ignoredArrays).toEqual(['meta', 'names']);
    expect(set.n).toBe(3);
    expect(sliceEvalSet(set, 0, 2).ignoredArrays).toEqual(['meta', 'names']);
  });

  test('when there are no extra arrays then ignoredArrays is absent', () => {
    expect(parse(baseArrays()).ignoredArrays).toBeUndefined();
  });

  test.each([['uper', 'upper'], ['lowr', 'lower'], ['X', 'x'], ['Y', 'y'], ['Lower', 'lower'], ['targets', 'target']])(
    'when an array named %j looks like a misspelt %j then it is refused, not ignored (a dropped bound would change the threat model)',
    (name, near) => {
      expectError(() => parse({ ...baseArrays(), [name]: f32([], [1]) }), DataError, new RegExp(`'${name}' \\(did you mean '${near}'\\?\\)`));
    },
  );
});

describe('rejecting bad evaluation sets', () => {
  test.each<[string, () => Record<string, NdArray>, RegExp]>([
    ['x is missing', () => ({ y: i64([0]) }), /missing 'x'.*found y/],
    ['y is missing', () => ({ x: baseArrays().x! }), /missing 'y'/],
    ['an unknown array is present', () => ({ ...baseArrays(), uper: f32([], [1]) }), /'uper' \(did you mean 'upper'\?\)/],
    ['x and y disagree on N', () => ({ ...baseArrays(), y: i64([0, 1]) }), /x has N = 3 samples but y has 2 labels/],
    ['y is 2-d', () => ({ ...baseArrays(), y: { dtype: 'int64', shape: [3, 1], data: new BigInt64Array(3) } }), /y has shape \[3, 1\]; expected shape \[3\]/],
    ['y is one-hot float', () => ({ ...baseArrays(), y: f32([3, 2], [1, 0, 0, 1, 1, 0]) }), /integer class indices.*found float32 \(one-hot/],
    ['x is an integer array', () => ({ ...baseArrays(), x: { dtype: 'uint8', shape: [3, 1], data: new Uint8Array(3) } }), /x must be float32 or float64; found uint8/],
    ['x has N = 0', () => ({ x: f32([0, 2], []), y: i64([]) }), /N = 0 samples/],
    ['x is a scalar', () => ({ x: f32([], [0.5]), y: i64([0]) }), /0-d scalar/],
    ['x has empty samples', () => ({ x: f32([2, 0], []), y: i64([0, 1]) }), /empty samples/],
    ['x holds NaN and Infinity', () => ({ ...baseArrays(), x: f32([3, 2, 2], [0, NaN, 0, 0, 0, 0, 0, Infinity, 0, 0, NaN, 0]) }), /x has 3 non-finite value\(s\) \(first: NaN at index \[0, 0, 1\]\)/],
    ['upper holds Infinity', () => ({ ...baseArrays(), upper: f32([], [Infinity]) }), /upper has 12 non-finite/],
    ['lower > upper somewhere', () => ({ ...baseArrays(), lower: f32([2, 2], [0, 0, 0.6, 0]), upper: f32([2, 2], [1, 1, 0.5, 1]) }), /lower > upper at 3 position\(s\) \(first at index \[0, 1, 0\]: lower 0\.6\d* > upper 0\.5\)/],
    ['x lies outside [lower, upper]', () => ({ ...baseArrays(), upper: f32([], [0.75]) }), /x lies outside \[lower, upper\] at 3 position\(s\) \(first at index \[2, 0, 0\]: x = 0\.8\d* not in \[0, 0\.75\]/],
    ['x lies outside the default [0, 1]', () => ({ ...baseArrays(), x: f32([3, 1], [0, 255, 128]) }), /at 2 position.*defaults \[0, 1\] apply/],
    ['labels are negative', () => ({ ...baseArrays(), y: i64([0, -1, -5]) }), /y has 2 label\(s\) outside \[0, 2147483647\] \(first at index 1: -1\)/],
    ['labels exceed int32', () => ({ ...baseArrays(), y: i64([0, 2 ** 40, 1]) }), /first at index 1: 1099511627776/],
  ])('when %s then DataError', (_, arrays, message) => {
    expectError(() => parse(arrays()), DataError, message);
  });

  test('when x is exactly on a bound within the 1e-6 tolerance then it is accepted', () => {
    expect(parse({ ...baseArrays(), upper: f32([], [1 - 5e-7]) }).n).toBe(3);
  });

  test('when labels or targets reach numClasses then DataError', () => {
    expectError(() => parse(baseArrays(), 2), DataError, /y has 1 label\(s\) that are not in \[0, 1\] \(numClasses = 2\) \(first at index 2: 2\)/);
    expectError(() => parse({ ...baseArrays(), target: i64([0, 7, 1]) }, 3), DataError, /target has 1 label.*first at index 1: 7/);
    expect(parse(baseArrays(), 3).n).toBe(3);
  });

  test('when a target has the wrong length then DataError', () => {
    expectError(() => parse({ ...baseArrays(), target: i64([0]) }), DataError, /x has N = 3 samples but target has 1 labels/);
  });

  test('when numClasses is not a positive integer then UsageError', () => {
    expectError(() => parse(baseArrays(), 0), UsageError, /numClasses must be a positive integer; found 0/);
  });

  test('when x is float64 beyond float32 range then the overflow is reported as non-finite', () => {
    const x: NdArray = { dtype: 'float64', shape: [1, 1], data: new Float64Array([1e300]) };
    expectError(() => parse({ x, y: i64([0]) }), DataError, /x has 1 non-finite value/);
  });
});

describe('loadEvalSet file handling', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gauntlet-evalset-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('when the file does not exist then DataError names the path', () => {
    expectError(() => loadEvalSet(join(dir, 'missing.npz')), DataError, /evaluation set not found: .*missing\.npz/);
  });

  test('when the path is a directory then DataError', () => {
    expectError(() => loadEvalSet(dir), DataError, /is a directory/);
  });

  test('when the path is a .npy file then DataError explains that an .npz is needed', () => {
    expectError(() => loadEvalSet(fixturePath('f32_2x3.npy')), DataError, /must be an \.npz archive holding at least 'x' and 'y'/);
  });

  test('when the file is garbage then DataError is prefixed with the path', () => {
    const path = join(dir, 'garbage.npz');
    writeFileSync(path, 'definitely not a zip');
    expectError(() => loadEvalSet(path), DataError, /garbage\.npz: not an \.npz \(zip\) archive/);
  });

  test('when a load fails then the DataError carries the path in its details', () => {
    const path = join(dir, 'nan.npz');
    writeFileSync(path, writeNpz({ ...baseArrays(), lower: f32([], [NaN]) }));
    try {
      loadEvalSet(path);
      throw new Error('expected loadEvalSet to throw');
    } catch (e) {
      expect(e).toBeInstanceOf(DataError);
      expect((e as DataError).details).toMatchObject({ path, count: 12, firstIndex: 0 });
    }
  });
});
