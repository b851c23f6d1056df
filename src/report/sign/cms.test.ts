import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError } from '../../errors';
import { selfIssuedCertificate } from './cert';
import { buildSignedData, CMS_OID, verifySignedData } from './cms';
import { derChildren, oidToString, readDer } from './der';
import { keyFingerprint, loadOrCreateSigningKey, SigningKey } from './keys';

const root = mkdtempSync(join(tmpdir(), 'gauntlet-cms-'));
let n = 0;
const freshKey = (algorithm: 'ecdsa-p256' | 'ed25519') => loadOrCreateSigningKey({ env: { GAUNTLET_KEY_DIR: join(root, `k${n++}`) }, algorithm });
/** An RSA key in SigningKey clothing, as a user-supplied certificate's key would be. */
function rsaKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey, publicKey, algorithm: 'ecdsa-p256', fingerprint: keyFingerprint(publicKey), source: 'test', dir: null, created: true };
}
const content = Buffer.from('%PDF-1.7 … the signed byte ranges …');

describe('CMS SignedData (detached)', () => {
  it.each([['ecdsa-p256', () => freshKey('ecdsa-p256'), CMS_OID.sha256, CMS_OID.ecdsaWithSha256], ['ed25519', () => freshKey('ed25519'), CMS_OID.sha512, CMS_OID.ed25519], ['rsa (user certificate)', rsaKey, CMS_OID.sha256, CMS_OID.sha256WithRsa]])(
    '%s: builds a signature that verifies, with the right algorithms, certificate and signing time', (_name, make, digestOid, sigOid) => {
      const key = make();
      const certificate = new X509Certificate(selfIssuedCertificate(key));
      const signingTime = new Date(Date.UTC(2025, 5, 1, 12, 0, 0));
      const der = buildSignedData({ content, privateKey: key.privateKey, certificate, signingTime });
      const check = verifySignedData(der, content);
      expect(check.problems).toEqual([]);
      expect(check).toMatchObject({ valid: true, digestAlgorithm: digestOid, signatureAlgorithm: sigOid, length: der.length });
      expect(check.signingTime?.toISOString()).toBe(signingTime.toISOString());
      expect(check.certificate && keyFingerprint(check.certificate.publicKey)).toBe(key.fingerprint);
      expect(oidToString(derChildren(readDer(der))[0].content)).toBe(CMS_OID.signedData);
    });

  it('detects changed content (messageDigest), a changed signature byte, and a swapped certificate', () => {
    const key = freshKey('ecdsa-p256');
    const certificate = new X509Certificate(selfIssuedCertificate(key));
    const der = buildSignedData({ content, privateKey: key.privateKey, certificate });
    const altered = Buffer.from(content);
    altered[3] ^= 1;
    expect(verifySignedData(der, altered).problems).toEqual([expect.stringMatching(/^the signed bytes were modified: their sha256 is [0-9a-f]{64}, the signature was made over/)]);

    const badSig = Buffer.from(der);
    badSig[badSig.length - 3] ^= 0x01; // inside the ECDSA signature's s value
    expect(verifySignedData(badSig, content).problems.join()).toMatch(/does not verify with the signer certificate's key/);

    // Same subject and serial, other key: the certificate no longer matches the signature nor signingCertificateV2.
    const other = freshKey('ecdsa-p256');
    let otherCert = new X509Certificate(selfIssuedCertificate(other));
    while (otherCert.raw.length !== certificate.raw.length) otherCert = new X509Certificate(selfIssuedCertificate(other)); // ECDSA signature lengths vary by a byte
    const swapped = Buffer.from(der.toString('hex').replace(certificate.raw.toString('hex'), otherCert.raw.toString('hex')), 'hex');
    expect(verifySignedData(swapped, content).valid).toBe(false);
  });

  it('throws DataError for bytes that are not a CMS SignedData', () => {
    expect(() => verifySignedData(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]), content)).toThrow(DataError);
    expect(() => verifySignedData(Buffer.from('garbage'), content)).toThrow(DataError);
  });
});
