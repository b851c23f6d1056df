import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CERT_FILE, loadOrCreateCertificate, selfIssuedCertificate, signerCommonName } from './cert';
import { fileMode, keyFingerprint, loadOrCreateSigningKey } from './keys';

const root = mkdtempSync(join(tmpdir(), 'gauntlet-cert-'));
let n = 0;
const freshKey = (algorithm: 'ecdsa-p256' | 'ed25519' = 'ecdsa-p256') => loadOrCreateSigningKey({ env: { GAUNTLET_KEY_DIR: join(root, `k${n++}`) }, algorithm });

describe('self-issued certificate', () => {
  it.each(['ecdsa-p256', 'ed25519'] as const)('%s: a v3 certificate for the signing key, self-signed by it, CN names the fingerprint', (alg) => {
    const key = freshKey(alg);
    const cert = new X509Certificate(selfIssuedCertificate(key, { notBefore: new Date(Date.UTC(2025, 0, 1)), days: 30 }));
    expect(cert.subject).toContain(`CN=${signerCommonName(key.fingerprint)}`);
    expect(cert.issuer).toBe(cert.subject);
    expect(keyFingerprint(cert.publicKey)).toBe(key.fingerprint);
    expect(cert.verify(key.publicKey)).toBe(true);
    expect(cert.checkPrivateKey(key.privateKey)).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.keyUsage).toEqual(expect.arrayContaining(['1.3.6.1.5.5.7.3.4', '1.3.6.1.5.5.7.3.36']));
    expect(new Date(cert.validFrom).toISOString()).toBe('2025-01-01T00:00:00.000Z');
    expect(new Date(cert.validTo).toISOString()).toBe('2025-01-31T00:00:00.000Z');
    expect(cert.verify(freshKey(alg).publicKey)).toBe(false);
  });

  it('is cached next to the key (0600) and reused; re-issued when the cached one belongs to another key', () => {
    const key = freshKey();
    const first = loadOrCreateCertificate(key, {});
    expect(first.source).toBe(join(key.dir!, CERT_FILE));
    expect(fileMode(first.source)).toBe(0o600);
    expect(loadOrCreateCertificate(key, {}).pem).toBe(first.pem);
    const other = freshKey();
    writeFileSync(join(other.dir!, CERT_FILE), first.pem);
    const reissued = loadOrCreateCertificate(other, {});
    expect(keyFingerprint(reissued.cert.publicKey)).toBe(other.fingerprint);
    expect(readFileSync(join(other.dir!, CERT_FILE), 'utf8')).toBe(reissued.pem);
  });

  it('uses GAUNTLET_SIGNING_CERT when it holds the key, and refuses one for another key', () => {
    const key = freshKey();
    const mine = join(root, 'mine.pem');
    writeFileSync(mine, selfIssuedCertificate(key));
    expect(loadOrCreateCertificate(key, { GAUNTLET_SIGNING_CERT: mine }).source).toBe(mine);
    const theirs = join(root, 'theirs.pem');
    writeFileSync(theirs, selfIssuedCertificate(freshKey()));
    expect(() => loadOrCreateCertificate(key, { GAUNTLET_SIGNING_CERT: theirs })).toThrow(/is not the signing key's/);
    expect(() => loadOrCreateCertificate(key, { GAUNTLET_SIGNING_CERT: join(root, 'none.pem') })).toThrow(/no file/);
  });

  it('keys from GAUNTLET_SIGNING_KEY get a fresh certificate that is not written anywhere', () => {
    const pem = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const key = loadOrCreateSigningKey({ env: { GAUNTLET_SIGNING_KEY: pem } });
    const c = loadOrCreateCertificate(key, {});
    expect(c.source).toMatch(/not cached/);
    expect(keyFingerprint(c.cert.publicKey)).toBe(key.fingerprint);
  });
});
