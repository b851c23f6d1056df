import { createHash, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../errors';
import { fileMode, keyDir, keyFingerprint, loadOrCreateSigningKey, loadPublicKey, localPublicKey, PRIVATE_KEY_FILE, PUBLIC_KEY_FILE, publicKeyJwks, publicKeyPem } from './keys';

const root = mkdtempSync(join(tmpdir(), 'gauntlet-keys-'));
let n = 0;
/** A fresh, isolated environment: never the real home. */
const isolated = () => ({ GAUNTLET_KEY_DIR: join(root, `k${n++}`) });

describe('signing keys', () => {
  it('generates a P-256 key on first use: PKCS#8 + SPKI PEM, files 0600, directory 0700; loads the same key afterwards', () => {
    const env = isolated();
    const k = loadOrCreateSigningKey({ env });
    expect(k).toMatchObject({ algorithm: 'ecdsa-p256', created: true, dir: env.GAUNTLET_KEY_DIR });
    const priv = join(env.GAUNTLET_KEY_DIR, PRIVATE_KEY_FILE);
    const pub = join(env.GAUNTLET_KEY_DIR, PUBLIC_KEY_FILE);
    expect(readFileSync(priv, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(readFileSync(pub, 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(fileMode(priv)).toBe(0o600);
    expect(fileMode(pub)).toBe(0o600);
    expect(statSync(env.GAUNTLET_KEY_DIR).mode & 0o777).toBe(0o700);
    expect(readdirSync(env.GAUNTLET_KEY_DIR).sort()).toEqual([PRIVATE_KEY_FILE, PUBLIC_KEY_FILE]); // no temp files left
    const again = loadOrCreateSigningKey({ env });
    expect(again.created).toBe(false);
    expect(again.fingerprint).toBe(k.fingerprint);
  });

  it('the fingerprint is the sha256 of the SPKI DER', () => {
    const k = loadOrCreateSigningKey({ env: isolated() });
    const der = k.publicKey.export({ type: 'spki', format: 'der' });
    expect(keyFingerprint(k.publicKey)).toBe(createHash('sha256').update(der).digest('hex'));
    expect(k.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it('generates Ed25519 on request, and refuses to silently switch algorithms of an existing key', () => {
    const env = isolated();
    expect(loadOrCreateSigningKey({ env, algorithm: 'ed25519' }).algorithm).toBe('ed25519');
    expect(() => loadOrCreateSigningKey({ env, algorithm: 'ecdsa-p256' })).toThrow(/holds a ed25519 key, not ecdsa-p256/);
  });

  it('GAUNTLET_SIGNING_KEY (a path, or the PEM itself) overrides the key directory, which is left untouched', () => {
    const dirEnv = isolated();
    const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const file = join(root, 'ci-key.pem');
    writeFileSync(file, pem);
    const byPath = loadOrCreateSigningKey({ env: { ...dirEnv, GAUNTLET_SIGNING_KEY: file } });
    const byPem = loadOrCreateSigningKey({ env: { ...dirEnv, GAUNTLET_SIGNING_KEY: pem } });
    expect(byPath.fingerprint).toBe(byPem.fingerprint);
    expect(byPath).toMatchObject({ algorithm: 'ed25519', source: file, dir: null });
    expect(byPem.source).toBe('GAUNTLET_SIGNING_KEY');
    expect(existsSync(dirEnv.GAUNTLET_KEY_DIR)).toBe(false);
  });

  it('refuses keys it cannot sign attestations with, and files that are not keys, with UsageError', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    expect(() => loadOrCreateSigningKey({ env: { GAUNTLET_SIGNING_KEY: rsa } })).toThrow(/rsa key cannot sign Gauntlet attestations/);
    expect(() => loadOrCreateSigningKey({ env: { GAUNTLET_SIGNING_KEY: join(root, 'missing.pem') } })).toThrow(UsageError);
    const junk = join(root, 'junk.pem');
    writeFileSync(junk, 'not a key');
    expect(() => loadOrCreateSigningKey({ env: { GAUNTLET_SIGNING_KEY: junk } })).toThrow(/not a PEM private key/);
  });

  it('localPublicKey never creates a key; it finds the key directory\'s public key once there is one', () => {
    const env = isolated();
    expect(localPublicKey({ env })).toBeNull();
    expect(existsSync(env.GAUNTLET_KEY_DIR)).toBe(false);
    const k = loadOrCreateSigningKey({ env });
    const local = localPublicKey({ env });
    expect(local && keyFingerprint(local.key)).toBe(k.fingerprint);
  });

  it('exports the public key as SPKI PEM and as a JWK set with kid = fingerprint; loadPublicKey reads PEM, JWK set and private PEM', () => {
    const env = isolated();
    for (const algorithm of ['ecdsa-p256', 'ed25519'] as const) {
      const k = loadOrCreateSigningKey({ env: isolated(), algorithm });
      const jwks = publicKeyJwks(k.publicKey);
      expect(jwks.keys).toHaveLength(1);
      expect(jwks.keys[0]).toMatchObject({ kid: k.fingerprint, use: 'sig', alg: algorithm === 'ed25519' ? 'EdDSA' : 'ES256' });
      expect(jwks.keys[0]).not.toHaveProperty('d'); // public only
      const jwkFile = join(root, `${algorithm}.jwks.json`);
      writeFileSync(jwkFile, JSON.stringify(jwks));
      const pemFile = join(root, `${algorithm}.pub.pem`);
      writeFileSync(pemFile, publicKeyPem(k.publicKey));
      expect(keyFingerprint(loadPublicKey(jwkFile))).toBe(k.fingerprint);
      expect(keyFingerprint(loadPublicKey(pemFile))).toBe(k.fingerprint);
      expect(keyFingerprint(loadPublicKey(k.source))).toBe(k.fingerprint);
    }
    expect(() => loadPublicKey(join(root, 'nope.pem'))).toThrow(/cannot read key file/);
    expect(keyDir({ env })).toBe(env.GAUNTLET_KEY_DIR);
  });
});
