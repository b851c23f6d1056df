import { DataError } from '../../errors';
import { derChildren, int, oid, oidToString, parseTime, readDer, seq, setOf, TAG, time, tlv } from './der';

describe('DER encoding', () => {
  it('encodes INTEGERs minimally, with a leading zero when the top bit is set (X.690 §8.3)', () => {
    expect(int(0).toString('hex')).toBe('020100');
    expect(int(127).toString('hex')).toBe('02017f');
    expect(int(128).toString('hex')).toBe('02020080');
    expect(int(256).toString('hex')).toBe('02020100');
    expect(int(Buffer.from([0, 0, 0x01, 0x02])).toString('hex')).toBe('02020102');
  });

  it('encodes OIDs as in RFC 5652 / RFC 5280 examples and decodes them back', () => {
    expect(oid('1.2.840.113549.1.7.2').toString('hex')).toBe('06092a864886f70d010702'); // id-signedData
    expect(oid('2.5.4.3').toString('hex')).toBe('0603550403'); // commonName
    for (const o of ['1.2.840.10045.4.3.2', '1.3.101.112', '2.16.840.1.101.3.4.2.1', '1.3.6.1.5.5.7.3.36']) {
      expect(oidToString(readDer(oid(o)).content)).toBe(o);
    }
  });

  it('uses short and long length forms and reads them back', () => {
    for (const n of [0, 5, 127, 128, 255, 256, 70000]) {
      const enc = tlv(TAG.OCTET_STRING, Buffer.alloc(n, 7));
      const node = readDer(enc);
      expect(node.content.length).toBe(n);
      expect(node.raw.length).toBe(enc.length);
    }
    expect(tlv(TAG.OCTET_STRING, Buffer.alloc(128)).subarray(0, 3).toString('hex')).toBe('048180');
  });

  it('sorts SET OF elements by their encodings (DER §11.6)', () => {
    const s = setOf(int(300), int(1), int(2));
    expect(derChildren(readDer(s)).map((c) => c.raw.toString('hex'))).toEqual(['020101', '020102', '0202012c']);
  });

  it('writes UTCTime before 2050 and GeneralizedTime from 2050 (RFC 5280 §4.1.2.5), and parses both', () => {
    const a = new Date(Date.UTC(2036, 10, 22, 11, 8, 10));
    const b = new Date(Date.UTC(2051, 0, 1, 0, 0, 0));
    expect(readDer(time(a)).tag).toBe(TAG.UTC_TIME);
    expect(readDer(time(a)).content.toString()).toBe('361122110810Z');
    expect(readDer(time(b)).tag).toBe(TAG.GENERALIZED_TIME);
    expect(parseTime(readDer(time(a))).getTime()).toBe(a.getTime());
    expect(parseTime(readDer(time(b))).getTime()).toBe(b.getTime());
  });

  it('rejects truncated values, indefinite lengths and children of primitive values with DataError', () => {
    const good = seq(int(1), int(2));
    expect(() => readDer(good.subarray(0, good.length - 1))).toThrow(DataError);
    expect(() => readDer(Buffer.from([0x30, 0x80, 0, 0]))).toThrow(/indefinite/);
    expect(() => readDer(Buffer.from([0x30]))).toThrow(DataError);
    expect(() => derChildren(readDer(int(5)))).toThrow(/not constructed/);
  });
});
