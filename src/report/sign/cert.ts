/**
 * X.509 certificates for PDF signatures (RFC 5280, https://www.rfc-editor.org/rfc/rfc5280): a
 * self-issued certificate bound to the Gauntlet signing key — subject = issuer =
 * "CN=Gauntlet audit signer <fingerprint prefix>", signed by that same key (ecdsa-with-SHA256,
 * RFC 5758; or Ed25519, RFC 8410) — cached next to the key as `signing-cert.pem`; or a certificate
 * the user supplies (GAUNTLET_SIGNING_CERT, a PEM file), which must hold the signing key's public key.
 *
 * node-forge can only build RSA certificates, so the certificate is encoded here (./der.ts) and
 * signed through node:crypto; node's X509Certificate parses and checks the result.
 */
import { createHash, KeyObject, randomBytes, sign, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../errors';
import { bits, bool, ctx, derChildren, int, NULL, octets, oid, readDer, seq, setOf, time, tlv, utf8 } from './der';
import { keyFingerprint, SigningKey } from './keys';

export const CERT_FILE = 'signing-cert.pem';

export const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  documentSigning: '1.3.6.1.5.5.7.3.36', // RFC 9336
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ed25519: '1.3.101.112',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha512: '2.16.840.1.101.3.4.2.3',
} as const;

/** How a key signs a DER structure: AlgorithmIdentifier, digest for CMS, and the signing call. */
export interface SignatureScheme {
  /** DER AlgorithmIdentifier of the signature algorithm. */
  algorithmId: Buffer;
  /** Digest for CMS message digests: SHA-512 for Ed25519 (RFC 8419 §3.1), SHA-256 otherwise. */
  digest: 'sha256' | 'sha512';
  sign(data: Buffer): Buffer;
}

/** The signature scheme for a private key: ECDSA P-256, Ed25519, or RSA PKCS#1 v1.5 (user certificates). */
export function signatureScheme(privateKey: KeyObject): SignatureScheme {
  const t = privateKey.asymmetricKeyType;
  if (t === 'ed25519') return { algorithmId: seq(oid(OID.ed25519)), digest: 'sha512', sign: (d) => sign(null, d, privateKey) };
  if (t === 'ec' && privateKey.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    return { algorithmId: seq(oid(OID.ecdsaWithSha256)), digest: 'sha256', sign: (d) => sign('sha256', d, { key: privateKey, dsaEncoding: 'der' }) };
  }
  if (t === 'rsa') return { algorithmId: seq(oid(OID.sha256WithRsa), NULL), digest: 'sha256', sign: (d) => sign('sha256', d, privateKey) };
  throw new UsageError(`cannot sign with a ${t} ${privateKey.asymmetricKeyDetails?.namedCurve ?? ''} key; use ECDSA P-256, Ed25519 or RSA`);
}

/** The subject common name of the self-issued certificate for a key. */
export function signerCommonName(fingerprint: string): string {
  return `Gauntlet audit signer ${fingerprint.slice(0, 16)}`;
}

function name(cn: string): Buffer {
  return seq(
    setOf(seq(oid(OID.organization), utf8('Gauntlet'))),
    setOf(seq(oid(OID.commonName), utf8(cn))),
  );
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));
}

export interface SelfIssuedOptions {
  /** Start of validity (default: one hour ago, for clock skew). */
  notBefore?: Date;
  /** Validity in days (default 3650). */
  days?: number;
}

/** Builds a self-issued, self-signed end-entity certificate for the key; returns PEM. */
export function selfIssuedCertificate(key: SigningKey, opts: SelfIssuedOptions = {}): string {
  const scheme = signatureScheme(key.privateKey);
  const spki = key.publicKey.export({ type: 'spki', format: 'der' });
  const keyBits = derChildren(readDer(spki))[1].content.subarray(1);
  const keyId = createHash('sha1').update(keyBits).digest(); // RFC 5280 §4.2.1.2 method (1)
  const notBefore = opts.notBefore ?? new Date(Date.now() - 3600_000);
  const notAfter = new Date(notBefore.getTime() + (opts.days ?? 3650) * 86400_000);
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  serial[0] |= 0x01; // positive, 16 bytes, never zero
  const subject = name(signerCommonName(key.fingerprint));
  const tbs = seq(
    ctx(0, int(2)),
    int(serial),
    scheme.algorithmId,
    subject,
    seq(time(notBefore), time(notAfter)),
    subject,
    spki,
    ctx(3, seq(
      extension(OID.basicConstraints, true, seq()),
      extension(OID.keyUsage, true, tlv(0x03, Buffer.from([0x06, 0xc0]))), // digitalSignature, nonRepudiation
      extension(OID.extKeyUsage, false, seq(oid(OID.emailProtection), oid(OID.documentSigning))),
      extension(OID.subjectKeyIdentifier, false, octets(keyId)),
      extension(OID.authorityKeyIdentifier, false, seq(tlv(0x80, keyId))),
    )),
  );
  const der = seq(tbs, scheme.algorithmId, bits(scheme.sign(tbs)));
  return toPem(der, 'CERTIFICATE');
}

/** PEM armour (64-column base64). */
export function toPem(der: Buffer, label: string): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** True when the certificate holds exactly this public key. */
export function certificateMatchesKey(cert: X509Certificate, pub: KeyObject): boolean {
  return keyFingerprint(cert.publicKey) === keyFingerprint(pub);
}

/** Parses a PEM certificate, with a UsageError naming the source on failure. */
export function parseCertificate(pem: string | Buffer, source: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (e) {
    throw new UsageError(`${source}: not an X.509 certificate (${(e as Error).message})`);
  }
}

/**
 * The certificate to sign PDFs with: GAUNTLET_SIGNING_CERT (PEM file, must match the key), else
 * the cached self-issued certificate in the key directory (re-issued when missing, for another
 * key, or expiring within a day), else — for keys from GAUNTLET_SIGNING_KEY — a fresh self-issued
 * one (not cached: the key's home is not Gauntlet's to write to).
 */
export function loadOrCreateCertificate(key: SigningKey, env: NodeJS.ProcessEnv = process.env): { pem: string; cert: X509Certificate; source: string } {
  const userPath = env.GAUNTLET_SIGNING_CERT;
  if (userPath) {
    if (!existsSync(userPath)) throw new UsageError(`GAUNTLET_SIGNING_CERT: no file ${userPath}`);
    const pem = readFileSync(userPath, 'utf8');
    const cert = parseCertificate(pem, userPath);
    if (!certificateMatchesKey(cert, key.publicKey)) {
      throw new UsageError(`${userPath}: the certificate's public key (${keyFingerprint(cert.publicKey)}) is not the signing key's (${key.fingerprint})`);
    }
    return { pem, cert, source: userPath };
  }
  const path = key.dir ? join(key.dir, CERT_FILE) : null;
  if (path && existsSync(path)) {
    const pem = readFileSync(path, 'utf8');
    try {
      const cert = new X509Certificate(pem);
      if (certificateMatchesKey(cert, key.publicKey) && new Date(cert.validTo).getTime() > Date.now() + 86400_000) return { pem, cert, source: path };
    } catch {
      // unreadable cache: re-issue below
    }
  }
  const pem = selfIssuedCertificate(key);
  if (path) {
    writeFileSync(path, pem, { mode: 0o600 });
    chmodSync(path, 0o600);
  }
  return { pem, cert: new X509Certificate(pem), source: path ?? 'self-issued (not cached)' };
}
