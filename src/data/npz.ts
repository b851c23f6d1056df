/**
 * Reader and writer for NumPy's `.npz` archives (a zip of `.npy` members, as written by
 * `np.savez` / `np.savez_compressed`), built on fflate.
 *
 * Zip-bomb defence: the archive is read twice with fflate's `unzipSync`. The first pass only
 * lists members (fflate's filter sees each member's name, compression method and the sizes
 * declared in the central directory, and nothing is inflated); the declared uncompressed
 * sizes are checked against the limit. Only then are members inflated, into buffers of their
 * declared size, and the actual sizes are checked again. Each inflated member's CRC-32 is then
 * checked against the one its central-directory entry declares (fflate does not check it).
 */
import { crc32 } from 'node:zlib';
import { unzipSync, UnzipFileInfo, zipSync, Zippable } from 'fflate';
import { DataError, GauntletError, UsageError } from '../errors';
import { encodeNpy, NdArray, parseNpy } from './npy';

/** Default cap on the total uncompressed size of an archive's members: 2 GiB. */
export const DEFAULT_MAX_UNCOMPRESSED_BYTES = 2 * 1024 ** 3;

export interface ReadNpzOptions {
  /** Cap on the summed uncompressed size of all members (default 2 GiB). */
  maxUncompressedBytes?: number;
  /** Read only these arrays (names without `.npy`); others are skipped unparsed. */
  only?: readonly string[];
}

export interface WriteNpzOptions {
  /** Deflate members like `np.savez_compressed` (default false: stored, like `np.savez`). */
  compress?: boolean;
}

const NPY_SUFFIX = '.npy';
/** Smallest possible central-directory entry; bounds how many entries a file can hold. */
const MIN_CENTRAL_ENTRY_BYTES = 46;
const ZIP_LOCAL_MAGIC = [0x50, 0x4b, 0x03, 0x04];
const ZIP_EMPTY_MAGIC = [0x50, 0x4b, 0x05, 0x06];
/** Fixed timestamp so that writing the same arrays always gives the same bytes (and hash). */
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);

/**
 * Reads every array in an `.npz` archive.
 * @returns Arrays keyed by member name without the `.npy` suffix ("x.npy" → "x"), in archive order.
 * @throws DataError for anything that is not a well-formed archive of valid `.npy` members,
 *   or whose members (declared or actual) exceed `maxUncompressedBytes` in total.
 */
export function readNpz(bytes: Uint8Array, opts: ReadNpzOptions = {}): Map<string, NdArray> {
  const limit = checkLimit(opts.maxUncompressedBytes);
  checkZipMagic(bytes);
  const members = listMembers(bytes).filter(
    (m) => !opts.only || opts.only.includes(m.name.slice(0, -NPY_SUFFIX.length)),
  );
  checkDeclaredSizes(members, limit);
  const inflated = inflateMembers(bytes, members);
  checkActualSizes(members, inflated, limit);
  checkCrcs(bytes, members, inflated);
  const arrays = new Map<string, NdArray>();
  for (const member of members) {
    arrays.set(member.name.slice(0, -NPY_SUFFIX.length), parseMember(member.name, inflated[member.name]!));
  }
  return arrays;
}

/**
 * Builds an `.npz` archive (readable by `np.load`) with one `<key>.npy` member per entry.
 * Output is deterministic: members carry a fixed 1980-01-01 timestamp.
 * @throws DataError when a key is empty or an array is inconsistent (see encodeNpy).
 */
export function writeNpz(arrays: Record<string, NdArray>, opts: WriteNpzOptions = {}): Uint8Array {
  const level = opts.compress ? 6 : 0;
  const files: Zippable = {};
  for (const [key, array] of Object.entries(arrays)) {
    if (key.length === 0) throw new DataError('writeNpz: expected non-empty array names, found an empty name');
    try {
      files[key + NPY_SUFFIX] = [encodeNpy(array), { level }];
    } catch (e) {
      throw withContext(e, `array '${key}'`);
    }
  }
  return zipSync(files, { mtime: FIXED_MTIME });
}

// ---------------------------------------------------------------------------------------------

function checkLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_MAX_UNCOMPRESSED_BYTES;
  if (typeof limit !== 'number' || !Number.isFinite(limit) || limit <= 0) {
    throw new UsageError(`readNpz: expected maxUncompressedBytes to be a positive number, found ${String(limit)}`);
  }
  return limit;
}

function checkZipMagic(bytes: Uint8Array): void {
  if (!(bytes instanceof Uint8Array)) {
    throw new DataError(`readNpz: expected a Uint8Array, found ${bytes === null ? 'null' : typeof bytes}`);
  }
  const startsWith = (magic: number[]) => magic.every((b, i) => bytes[i] === b);
  if (startsWith(ZIP_LOCAL_MAGIC) || startsWith(ZIP_EMPTY_MAGIC)) return;
  const hint = bytes[0] === 0x93 && bytes[1] === 0x4e ? ' (this looks like a single .npy file, not an .npz archive)' : '';
  const found = bytes.length === 0 ? 'an empty file' : Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new DataError(`not an .npz (zip) archive: expected it to start with 50 4b 03 04 ("PK\\3\\4"), found ${found}${hint}`);
}

/** First pass: list the members from the central directory without inflating anything. */
function listMembers(bytes: Uint8Array): UnzipFileInfo[] {
  const members: UnzipFileInfo[] = [];
  const names = new Set<string>();
  const maxEntries = Math.floor(bytes.length / MIN_CENTRAL_ENTRY_BYTES);
  unzipOrThrow(bytes, (info) => {
    if (names.size >= maxEntries) {
      throw new DataError(`corrupt zip: the central directory declares more entries than fit in ${bytes.length} bytes`);
    }
    if (names.has(info.name)) throw new DataError(`corrupt .npz: member '${info.name}' appears twice`);
    names.add(info.name);
    if (!info.name.endsWith('/')) members.push(checkMember(info, bytes.length));
    return false;
  });
  return members;
}

/** Validates one member's name, compression method and compressed size. */
function checkMember(info: UnzipFileInfo, archiveBytes: number): UnzipFileInfo {
  if (!info.name.endsWith(NPY_SUFFIX) || info.name.length === NPY_SUFFIX.length) {
    throw new DataError(`unexpected .npz member '${info.name}': expected only '<name>.npy' members`);
  }
  if (info.compression !== 0 && info.compression !== 8) {
    throw new DataError(`.npz member '${info.name}' uses zip compression method ${info.compression}; expected 0 (stored) or 8 (deflate)`);
  }
  if (info.size > archiveBytes) {
    throw new DataError(`.npz is truncated: member '${info.name}' declares ${info.size} compressed bytes but the archive has ${archiveBytes}`);
  }
  return info;
}

function checkDeclaredSizes(members: UnzipFileInfo[], limit: number): void {
  const total = members.reduce((sum, m) => sum + m.originalSize, 0);
  if (total > limit) {
    const largest = members.reduce((a, b) => (b.originalSize > a.originalSize ? b : a));
    throw new DataError(
      `.npz members declare ${total} uncompressed bytes in total, more than the limit of ${limit} ` +
        `(largest: '${largest.name}', ${largest.originalSize} bytes); refusing to inflate`,
      { declaredBytes: total, limit },
    );
  }
}

/** Second pass: inflate the members listed in the first pass (fflate allocates their declared size). */
function inflateMembers(bytes: Uint8Array, members: UnzipFileInfo[]): Record<string, Uint8Array> {
  const wanted = new Set(members.map((m) => m.name));
  return unzipOrThrow(bytes, (info) => wanted.has(info.name));
}

function checkActualSizes(members: UnzipFileInfo[], inflated: Record<string, Uint8Array>, limit: number): void {
  let total = 0;
  for (const member of members) {
    const actual = inflated[member.name]?.length ?? 0;
    if (actual !== member.originalSize) {
      throw new DataError(
        `corrupt .npz: member '${member.name}' declares ${member.originalSize} uncompressed bytes but inflates to ${actual}`,
      );
    }
    total += actual;
  }
  if (total > limit) {
    throw new DataError(`.npz members inflate to ${total} bytes, more than the limit of ${limit}`);
  }
}

/**
 * The CRC-32 each central-directory entry declares, by member name (decoded as fflate does:
 * UTF-8 when general-purpose flag bit 11 is set, else Latin-1). Entries are read from the end
 * record's offset (the Zip64 end record's when the 32-bit field is saturated).
 */
export function declaredCrcs(bytes: Uint8Array): Map<string, number> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) throw new DataError('corrupt .npz: no zip end-of-central-directory record');
  let count = view.getUint16(eocd + 10, true);
  let offset = view.getUint32(eocd + 16, true);
  if ((offset === 0xffffffff || count === 0xffff) && eocd >= 20 && view.getUint32(eocd - 20, true) === 0x07064b50) {
    const z64 = Number(view.getBigUint64(eocd - 12, true));
    if (z64 + 56 <= bytes.length && view.getUint32(z64, true) === 0x06064b50) {
      count = Number(view.getBigUint64(z64 + 32, true));
      offset = Number(view.getBigUint64(z64 + 48, true));
    }
  }
  const crcs = new Map<string, number>();
  const utf8 = new TextDecoder('utf-8'), latin1 = new TextDecoder('latin1');
  for (let k = 0, at = offset; k < count; k++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== 0x02014b50) {
      throw new DataError(`corrupt .npz: central-directory entry ${k} is missing or truncated`);
    }
    const flags = view.getUint16(at + 8, true);
    const nameLen = view.getUint16(at + 28, true), extraLen = view.getUint16(at + 30, true), commentLen = view.getUint16(at + 32, true);
    const raw = bytes.subarray(at + 46, at + 46 + nameLen);
    crcs.set((flags & 0x800 ? utf8 : latin1).decode(raw), view.getUint32(at + 16, true));
    at += 46 + nameLen + extraLen + commentLen;
  }
  return crcs;
}

/** Rejects a member whose inflated bytes do not have the CRC-32 its central-directory entry declares. */
function checkCrcs(bytes: Uint8Array, members: UnzipFileInfo[], inflated: Record<string, Uint8Array>): void {
  const declared = declaredCrcs(bytes);
  for (const m of members) {
    const want = declared.get(m.name);
    const got = crc32(inflated[m.name]!) >>> 0;
    if (want === undefined) throw new DataError(`corrupt .npz: member '${m.name}' has no central-directory entry`);
    if (got !== want) {
      throw new DataError(`corrupt .npz: member '${m.name}' fails its CRC-32 check (declared ${hex8(want)}, contents ${hex8(got)}); the file was damaged or altered`);
    }
  }
}

const hex8 = (v: number) => v.toString(16).padStart(8, '0');

/** Runs fflate's unzipSync, turning its errors (plain Errors) into DataErrors. */
function unzipOrThrow(bytes: Uint8Array, filter: (info: UnzipFileInfo) => boolean): Record<string, Uint8Array> {
  try {
    return unzipSync(bytes, { filter });
  } catch (e) {
    if (e instanceof GauntletError) throw e;
    const reason = e instanceof Error ? e.message : String(e);
    throw new DataError(`not a valid .npz (zip) archive, or it is truncated or corrupt: ${reason}`);
  }
}

function parseMember(name: string, bytes: Uint8Array): NdArray {
  try {
    return parseNpy(bytes);
  } catch (e) {
    throw withContext(e, `.npz member '${name}'`);
  }
}

/** Prefixes a DataError's message with where it happened; other errors pass through unchanged. */
function withContext(e: unknown, where: string): unknown {
  return e instanceof DataError ? new DataError(`${where}: ${e.message}`, e.details) : e;
}
