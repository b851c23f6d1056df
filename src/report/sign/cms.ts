/**
 * CMS SignedData, detached (RFC 5652, https://www.rfc-editor.org/rfc/rfc5652), as PDF's
 * adbe.pkcs7.detached signatures use it: no encapsulated content, one signer identified by issuer
 * and serial, signed attributes contentType, signingTime, messageDigest and ESS
 * signingCertificateV2 (RFC 5035, binds the certificate), the signature computed over the DER
 * SET OF those attributes (§5.4). Algorithms: ECDSA P-256 with SHA-256 (RFC 5753), Ed25519 with
 * SHA-512 digests (RFC 8419), RSA PKCS#1 v1.5 with SHA-256 (RFC 3370) for user certificates.
 *
 * The builder signs through node:crypto so the key never leaves KeyObject; the reader checks a
 * signature the same way any CMS client would (tested against `openssl cms -verify`).
 */
import { createHash, KeyObject, verify, X509Certificate } from 'node:crypto';
import { DataError } from '../../errors';
import { ctx, derChildren, DerNode, expectTag, int, oid, octets, oidToString, parseTime, readDer, seq, setOf, TAG, time } from './der';
import { signatureScheme } from './cert';

export const CMS_OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  sha384WithRsa: '1.2.840.113549.1.1.12',
  sha512WithRsa: '1.2.840.113549.1.1.13',
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  ecdsaWithSha512: '1.2.840.10045.4.3.4',
  ed25519: '1.3.101.112',
} as const;

const DIGEST_BY_OID: Record<string, 'sha256' | 'sha384' | 'sha512'> = {
  [CMS_OID.sha256]: 'sha256', [CMS_OID.sha384]: 'sha384', [CMS_OID.sha512]: 'sha512',
};
const DIGEST_OID = { sha256: CMS_OID.sha256, sha512: CMS_OID.sha512 };

function attribute(type: string, value: Buffer): Buffer {
  return seq(oid(type), setOf(value));
}

/** Issuer Name and serial INTEGER (raw DER) of a certificate. */
export function issuerAndSerial(certDer: Buffer): { issuer: Buffer; serial: Buffer } {
  const tbs = derChildren(derChildren(readDer(certDer))[0]);
  const i = tbs[0].tag === 0xa0 ? 1 : 0; // [0] version present in v3 certificates
  return { serial: tbs[i].raw, issuer: tbs[i + 2].raw };
}

export interface SignedDataInput {
  /** The bytes being signed (for a PDF: the two byte ranges, concatenated). */
  content: Buffer;
  privateKey: KeyObject;
  certificate: X509Certificate;
  signingTime?: Date;
}

/** A detached CMS SignedData (ContentInfo, DER) over `content`. */
export function buildSignedData(input: SignedDataInput): Buffer {
  const scheme = signatureScheme(input.privateKey);
  const certDer = input.certificate.raw;
  const digestAlg = seq(oid(DIGEST_OID[scheme.digest]));
  const messageDigest = createHash(scheme.digest).update(input.content).digest();
  const essCertId = seq(octets(createHash('sha256').update(certDer).digest())); // hashAlgorithm defaults to sha256
  const attrs = [
    attribute(CMS_OID.contentType, oid(CMS_OID.data)),
    attribute(CMS_OID.signingTime, time(input.signingTime ?? new Date())),
    attribute(CMS_OID.messageDigest, octets(messageDigest)),
    attribute(CMS_OID.signingCertificateV2, seq(seq(essCertId))),
  ];
  const signedAttrsSet = setOf(...attrs); // signed as SET OF (tag 0x31) …
  const signedAttrs = Buffer.concat([Buffer.from([0xa0]), signedAttrsSet.subarray(1)]); // … stored as [0] IMPLICIT
  const { issuer, serial } = issuerAndSerial(certDer);
  const signerInfo = seq(
    int(1),
    seq(issuer, serial),
    digestAlg,
    signedAttrs,
    scheme.algorithmId,
    octets(scheme.sign(signedAttrsSet)),
  );
  const signedData = seq(
    int(1),
    setOf(digestAlg),
    seq(oid(CMS_OID.data)),
    ctx(0, certDer),
    setOf(signerInfo),
  );
  return seq(oid(CMS_OID.signedData), ctx(0, signedData));
}

/** What a CMS signature says and whether it holds, from `verifySignedData`. */
export interface SignedDataCheck {
  valid: boolean;
  /** Why it is invalid (empty when valid). */
  problems: string[];
  /** The signer's certificate (null when it could not be found). */
  certificate: X509Certificate | null;
  signingTime: Date | null;
  digestAlgorithm: string;
  signatureAlgorithm: string;
  /** Bytes of the DER ContentInfo (a PDF /Contents holds it followed by zero padding). */
  length: number;
}

function attrValue(attrs: DerNode[], type: string): DerNode | undefined {
  for (const a of attrs) {
    const [t, values] = derChildren(a);
    if (oidToString(t.content) === type) return derChildren(values)[0];
  }
  return undefined;
}

function verifyRaw(sigAlg: string, digest: string, data: Buffer, key: KeyObject, sig: Buffer): boolean {
  try {
    switch (sigAlg) {
      case CMS_OID.ed25519: return verify(null, data, key, sig);
      case CMS_OID.ecdsaWithSha256: return verify('sha256', data, { key, dsaEncoding: 'der' }, sig);
      case CMS_OID.ecdsaWithSha384: return verify('sha384', data, { key, dsaEncoding: 'der' }, sig);
      case CMS_OID.ecdsaWithSha512: return verify('sha512', data, { key, dsaEncoding: 'der' }, sig);
      case CMS_OID.ecPublicKey: return verify(digest, data, { key, dsaEncoding: 'der' }, sig);
      case CMS_OID.sha256WithRsa: return verify('sha256', data, key, sig);
      case CMS_OID.sha384WithRsa: return verify('sha384', data, key, sig);
      case CMS_OID.sha512WithRsa: return verify('sha512', data, key, sig);
      case CMS_OID.rsaEncryption: return verify(digest, data, key, sig);
      default: return false;
    }
  } catch {
    return false;
  }
}

/**
 * Verifies a detached CMS SignedData over `content`: the signer's certificate is in the
 * structure, messageDigest matches, the signature over the signed attributes verifies with the
 * certificate's key, and signingCertificateV2 (when present) names that certificate. Throws
 * DataError when the bytes are not a CMS SignedData at all. `content` may be given in parts
 * (a PDF's byte ranges), hashed in order without copying them together.
 */
export function verifySignedData(der: Buffer, content: Buffer | readonly Buffer[]): SignedDataCheck {
  const top = readDer(der);
  const [ct, wrapped] = derChildren(expectTag(top, TAG.SEQUENCE, 'ContentInfo'));
  if (oidToString(expectTag(ct, TAG.OID, 'contentType').content) !== CMS_OID.signedData) throw new DataError('CMS: not a SignedData');
  const sd = derChildren(expectTag(derChildren(expectTag(wrapped, 0xa0, 'SignedData'))[0], TAG.SEQUENCE, 'SignedData'));
  const certs = sd.find((n) => n.tag === 0xa0);
  const signerInfos = derChildren(expectTag(sd[sd.length - 1], TAG.SET, 'signerInfos'));
  if (signerInfos.length !== 1) throw new DataError(`CMS: expected one signer, found ${signerInfos.length}`);
  const si = derChildren(signerInfos[0]);
  const [, sid, digestAlgNode, attrsNode] = si;
  if (attrsNode?.tag !== 0xa0) throw new DataError('CMS: the signer has no signed attributes');
  const sigAlgNode = si[4];
  const sigNode = expectTag(si[5], TAG.OCTET_STRING, 'signature');
  const digestOid = oidToString(derChildren(digestAlgNode)[0].content);
  const sigAlg = oidToString(derChildren(sigAlgNode)[0].content);
  const digest = DIGEST_BY_OID[digestOid];
  const problems: string[] = [];

  const certificates = certs ? derChildren(certs).filter((n) => n.tag === TAG.SEQUENCE).map((n) => n.raw) : [];
  let certificate: X509Certificate | null = null;
  for (const c of certificates) {
    const { issuer, serial } = issuerAndSerial(c);
    if (sid.tag === TAG.SEQUENCE && Buffer.concat([issuer, serial]).equals(sid.content)) certificate = new X509Certificate(c);
  }
  if (!certificate) problems.push('the signer certificate is not in the signature container (it was altered)');

  const attrs = derChildren(attrsNode);
  const signingTimeNode = attrValue(attrs, CMS_OID.signingTime);
  const signingTime = signingTimeNode ? parseTime(signingTimeNode) : null;
  const contentType = attrValue(attrs, CMS_OID.contentType);
  if (!contentType || oidToString(contentType.content) !== CMS_OID.data) problems.push('signed contentType is not id-data');
  if (!digest) problems.push(`unsupported digest algorithm ${digestOid}`);
  else {
    const md = attrValue(attrs, CMS_OID.messageDigest);
    const h = createHash(digest);
    for (const part of Buffer.isBuffer(content) ? [content] : content) h.update(part);
    const actual = h.digest();
    if (!md) problems.push('no messageDigest attribute');
    else if (!md.content.equals(actual)) {
      problems.push(`the signed bytes were modified: their ${digest} is ${actual.toString('hex')}, the signature was made over ${md.content.toString('hex')}`);
    }
  }
  const ess = attrValue(attrs, CMS_OID.signingCertificateV2);
  if (ess && certificate) {
    const firstId = derChildren(derChildren(ess)[0])[0];
    const parts = derChildren(firstId);
    const hashOid = parts[0].tag === TAG.SEQUENCE ? oidToString(derChildren(parts[0])[0].content) : CMS_OID.sha256;
    const hashNode = parts[0].tag === TAG.SEQUENCE ? parts[1] : parts[0];
    const alg = DIGEST_BY_OID[hashOid];
    if (!alg || !createHash(alg).update(certificate.raw).digest().equals(hashNode.content)) problems.push('signingCertificateV2 does not name the embedded certificate (the certificate was replaced or altered)');
  }
  if (certificate) {
    const signedSet = Buffer.concat([Buffer.from([TAG.SET]), attrsNode.raw.subarray(1)]);
    if (!verifyRaw(sigAlg, digest ?? 'sha256', signedSet, certificate.publicKey, sigNode.content)) {
      problems.push(`the signature does not verify with the signer certificate's key (algorithm ${sigAlg}): the signed attributes or the signature were altered`);
    }
  }
  return { valid: problems.length === 0, problems, certificate, signingTime, digestAlgorithm: digestOid, signatureAlgorithm: sigAlg, length: top.raw.length };
}
