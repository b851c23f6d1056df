/**
 * A minimal ASN.1 DER encoder and reader: just what X.509 certificates (RFC 5280) and CMS
 * SignedData (RFC 5652) need here. Spec: ITU-T X.690 §8 (BER) and §10 (DER restrictions),
 * https://www.itu.int/rec/T-REC-X.690 — definite lengths only, minimal length octets, SET OF
 * elements sorted by their encodings.
 *
 * Encoders return complete TLVs as Buffers; `readDer` parses one TLV and `derChildren` splits a
 * constructed value. Malformed input raises DataError (it comes from files users hand us).
 */
import { DataError, InternalError } from '../../errors';

/** Universal tags used here. */
export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

function lengthOctets(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** A TLV with the given tag byte and content. */
export function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), lengthOctets(content.length), content]);
}

/** SEQUENCE of already-encoded elements. */
export function seq(...items: Buffer[]): Buffer {
  return tlv(TAG.SEQUENCE, Buffer.concat(items));
}

/** SET OF already-encoded elements, sorted by encoding as DER requires (X.690 §11.6). */
export function setOf(...items: Buffer[]): Buffer {
  return tlv(TAG.SET, Buffer.concat([...items].sort(Buffer.compare)));
}

/** Context-specific constructed tag [n] (EXPLICIT wrapping, or IMPLICIT replacement of a SET/SEQUENCE). */
export function ctx(n: number, ...items: Buffer[]): Buffer {
  return tlv(0xa0 | n, Buffer.concat(items));
}

/** INTEGER from a non-negative bigint or unsigned big-endian bytes (minimal two's complement). */
export function int(value: bigint | number | Buffer): Buffer {
  let bytes: Buffer;
  if (Buffer.isBuffer(value)) bytes = value;
  else {
    let v = BigInt(value);
    if (v < 0n) throw new InternalError('der: negative INTEGER is not supported');
    const out: number[] = [];
    do { out.unshift(Number(v & 0xffn)); v >>= 8n; } while (v > 0n);
    bytes = Buffer.from(out);
  }
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  bytes = bytes.subarray(i);
  if (bytes.length === 0) bytes = Buffer.from([0]);
  if (bytes[0] & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return tlv(TAG.INTEGER, bytes);
}

/** OBJECT IDENTIFIER from dotted notation. */
export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map((a) => BigInt(a));
  if (arcs.length < 2) throw new InternalError(`der: bad OID ${dotted}`);
  const out: number[] = [];
  const push = (v: bigint) => {
    const chunk: number[] = [Number(v & 0x7fn)];
    for (v >>= 7n; v > 0n; v >>= 7n) chunk.unshift(Number(v & 0x7fn) | 0x80);
    out.push(...chunk);
  };
  push(arcs[0] * 40n + arcs[1]);
  arcs.slice(2).forEach(push);
  return tlv(TAG.OID, Buffer.from(out));
}

/** Decodes an OID's content octets to dotted notation. */
export function oidToString(content: Buffer): string {
  const arcs: bigint[] = [];
  let v = 0n;
  for (const b of content) {
    v = (v << 7n) | BigInt(b & 0x7f);
    if (!(b & 0x80)) { arcs.push(v); v = 0n; }
  }
  if (arcs.length === 0) throw new DataError('der: empty OBJECT IDENTIFIER');
  const first = arcs[0] < 80n ? arcs[0] / 40n : 2n;
  return [first, arcs[0] - first * 40n, ...arcs.slice(1)].join('.');
}

export const NULL = Buffer.from([TAG.NULL, 0]);
export const octets = (b: Buffer): Buffer => tlv(TAG.OCTET_STRING, b);
/** BIT STRING with no unused bits. */
export const bits = (b: Buffer): Buffer => tlv(TAG.BIT_STRING, Buffer.concat([Buffer.from([0]), b]));
export const bool = (v: boolean): Buffer => tlv(TAG.BOOLEAN, Buffer.from([v ? 0xff : 0]));
export const utf8 = (s: string): Buffer => tlv(TAG.UTF8_STRING, Buffer.from(s, 'utf8'));

/** UTCTime for years 1950–2049, GeneralizedTime otherwise (RFC 5280 §4.1.2.5), in whole seconds, UTC. */
export function time(d: Date): Buffer {
  const iso = d.toISOString(); // YYYY-MM-DDTHH:mm:ss.sssZ
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  const year = d.getUTCFullYear();
  if (year >= 1950 && year < 2050) return tlv(TAG.UTC_TIME, Buffer.from(`${digits.slice(2)}Z`, 'ascii'));
  return tlv(TAG.GENERALIZED_TIME, Buffer.from(`${digits}Z`, 'ascii'));
}

/** Parses a UTCTime or GeneralizedTime node (Z form). */
export function parseTime(node: DerNode): Date {
  const s = node.content.toString('ascii');
  let m: RegExpMatchArray | null;
  if (node.tag === TAG.UTC_TIME && (m = s.match(/^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/))) {
    const yy = Number(m[1]);
    return new Date(Date.UTC(yy < 50 ? 2000 + yy : 1900 + yy, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
  }
  if (node.tag === TAG.GENERALIZED_TIME && (m = s.match(/^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(?:\.\d+)?Z$/))) {
    return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
  }
  throw new DataError(`der: unsupported time '${s}'`);
}

/** One parsed TLV: `raw` is the whole encoding, `content` the value octets (both views into the input). */
export interface DerNode {
  tag: number;
  raw: Buffer;
  content: Buffer;
}

/** Reads the TLV starting at `offset`. */
export function readDer(buf: Buffer, offset = 0): DerNode {
  if (offset + 2 > buf.length) throw new DataError('der: truncated (no tag and length)');
  const tag = buf[offset];
  if ((tag & 0x1f) === 0x1f) throw new DataError('der: multi-byte tags are not supported');
  let len = buf[offset + 1];
  let head = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0) throw new DataError('der: indefinite length is not DER');
    if (n > 4) throw new DataError('der: length too large');
    if (offset + 2 + n > buf.length) throw new DataError('der: truncated length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[offset + 2 + i];
    head += n;
  }
  const end = offset + head + len;
  if (end > buf.length) throw new DataError(`der: value runs past the end (${end} > ${buf.length})`);
  return { tag, raw: buf.subarray(offset, end), content: buf.subarray(offset + head, end) };
}

/** The elements of a constructed value (SEQUENCE, SET, [n]). */
export function derChildren(node: DerNode): DerNode[] {
  if (!(node.tag & 0x20)) throw new DataError(`der: tag 0x${node.tag.toString(16)} is not constructed`);
  const out: DerNode[] = [];
  for (let off = 0; off < node.content.length;) {
    const child = readDer(node.content, off);
    out.push(child);
    off += child.raw.length;
  }
  return out;
}

/** Checks a node's tag; `what` names the field in the error. */
export function expectTag(node: DerNode | undefined, tag: number, what: string): DerNode {
  if (!node) throw new DataError(`${what}: missing`);
  if (node.tag !== tag) throw new DataError(`${what}: expected tag 0x${tag.toString(16)}, found 0x${node.tag.toString(16)}`);
  return node;
}
