/**
 * Signing keys for reports: ECDSA P-256 (default) or Ed25519, through node:crypto.
 *
 * Where the key comes from, first match wins:
 *   1. `GAUNTLET_SIGNING_KEY`: a path to a PEM private key, or the PEM text itself (CI secrets);
 *   2. the key directory, `GAUNTLET_KEY_DIR` or `$GAUNTLET_HOME/keys` (default `~/.gauntlet/keys`): `signing-key.pem` (PKCS#8) and
 *      `signing-key.pub.pem` (SPKI), generated on first use with modes 0600 (directory 0700).
 * A key's fingerprint is the SHA-256 of its SPKI DER encoding, in hex: it is the DSSE `keyid`, the
 * JWK `kid`, and what `gauntlet verify` prints.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '../../errors';
import { gauntletHome, homeLayout } from '../../config/home';

/** Key algorithms Gauntlet generates and signs attestations with. */
export const KEY_ALGORITHMS = ['ecdsa-p256', 'ed25519'] as const;
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];

export const PRIVATE_KEY_FILE = 'signing-key.pem';
export const PUBLIC_KEY_FILE = 'signing-key.pub.pem';

/** A loaded signing key. */
export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  algorithm: KeyAlgorithm;
  /** sha256 of the SPKI DER, hex. */
  fingerprint: string;
  /** Where it came from, for messages: a file path or 'GAUNTLET_SIGNING_KEY'. */
  source: string;
  /** The key directory when the key lives there (a cached certificate goes next to it), else null. */
  dir: string | null;
  /** True when this call generated the key. */
  created: boolean;
}

export interface KeyOptions {
  /** Environment to read GAUNTLET_SIGNING_KEY / GAUNTLET_KEY_DIR from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Key directory (overrides the environment). */
  dir?: string;
  /** Algorithm for a newly generated key; an existing key of another algorithm is an error. */
  algorithm?: KeyAlgorithm;
}

/** The key directory: `dir`, else GAUNTLET_KEY_DIR, else $GAUNTLET_HOME/keys (default ~/.gauntlet/keys). */
export function keyDir(opts: KeyOptions = {}): string {
  const env = opts.env ?? process.env;
  return resolve(opts.dir ?? (env.GAUNTLET_KEY_DIR || homeLayout(gauntletHome(env)).keys));
}

/** sha256 of the key's SPKI DER encoding, lowercase hex. */
export function keyFingerprint(pub: KeyObject): string {
  return createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('hex');
}

/** The algorithm of a key, or undefined when Gauntlet does not sign with it. */
export function keyAlgorithm(key: KeyObject): KeyAlgorithm | undefined {
  if (key.asymmetricKeyType === 'ed25519') return 'ed25519';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ecdsa-p256';
  return undefined;
}

function describeKey(key: KeyObject): string {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  return curve ? `${key.asymmetricKeyType} ${curve}` : String(key.asymmetricKeyType);
}

function fromPrivate(privateKey: KeyObject, source: string, dir: string | null, created: boolean): SigningKey {
  const algorithm = keyAlgorithm(privateKey);
  if (!algorithm) throw new UsageError(`${source}: a ${describeKey(privateKey)} key cannot sign Gauntlet attestations; use ECDSA P-256 or Ed25519`);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, algorithm, fingerprint: keyFingerprint(publicKey), source, dir, created };
}

function parsePrivatePem(pem: string | Buffer, source: string): KeyObject {
  try {
    return createPrivateKey({ key: pem, format: 'pem' });
  } catch (e) {
    throw new UsageError(`${source}: not a PEM private key (${(e as Error).message}); expected an unencrypted PEM private key ("-----BEGIN PRIVATE KEY-----" or "-----BEGIN EC PRIVATE KEY-----")`);
  }
}

function generate(algorithm: KeyAlgorithm): KeyObject {
  return algorithm === 'ed25519'
    ? generateKeyPairSync('ed25519').privateKey
    : generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
}

/**
 * Writes `content` to `path` only if it does not exist yet, atomically (temp file + link), mode 0600.
 * Returns false when another process created it first.
 */
function createExclusive(path: string, content: string): boolean {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600, flag: 'wx' });
  chmodSync(tmp, 0o600);
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    unlinkSync(tmp);
  }
}

/**
 * The signing key: from GAUNTLET_SIGNING_KEY, else from the key directory, generating it there on
 * first use (P-256 unless `algorithm` says otherwise).
 */
export function loadOrCreateSigningKey(opts: KeyOptions = {}): SigningKey {
  const env = opts.env ?? process.env;
  const fromEnv = env.GAUNTLET_SIGNING_KEY;
  let key: SigningKey;
  if (fromEnv) {
    const isPem = fromEnv.includes('-----BEGIN');
    if (!isPem && !existsSync(fromEnv)) throw new UsageError(`GAUNTLET_SIGNING_KEY: no file ${fromEnv} (give a path to a PEM private key, or the PEM itself)`);
    const source = isPem ? 'GAUNTLET_SIGNING_KEY' : resolve(fromEnv);
    key = fromPrivate(parsePrivatePem(isPem ? fromEnv : readFileSync(fromEnv), source), source, null, false);
  } else {
    const dir = keyDir(opts);
    const privPath = join(dir, PRIVATE_KEY_FILE);
    let created = false;
    if (!existsSync(privPath)) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      chmodSync(dir, 0o700);
      const pem = generate(opts.algorithm ?? 'ecdsa-p256').export({ type: 'pkcs8', format: 'pem' }) as string;
      created = createExclusive(privPath, pem);
    }
    key = fromPrivate(parsePrivatePem(readFileSync(privPath), privPath), privPath, dir, created);
    const pubPath = join(dir, PUBLIC_KEY_FILE);
    const pubPem = publicKeyPem(key.publicKey);
    if (!existsSync(pubPath) || readFileSync(pubPath, 'utf8') !== pubPem) {
      writeFileSync(pubPath, pubPem, { mode: 0o600 });
      chmodSync(pubPath, 0o600);
    }
  }
  if (opts.algorithm && key.algorithm !== opts.algorithm) {
    throw new UsageError(`${key.source} holds a ${key.algorithm} key, not ${opts.algorithm}; remove it (or point GAUNTLET_KEY_DIR elsewhere) to generate a new one`);
  }
  return key;
}

/**
 * The public key a verifier uses when none is given: GAUNTLET_SIGNING_KEY's public half, else the
 * key directory's. Never generates a key; null when there is none.
 */
export function localPublicKey(opts: KeyOptions = {}): { key: KeyObject; source: string } | null {
  const env = opts.env ?? process.env;
  if (env.GAUNTLET_SIGNING_KEY) {
    const k = loadOrCreateSigningKey({ ...opts, algorithm: undefined });
    return { key: k.publicKey, source: k.source };
  }
  const dir = keyDir(opts);
  const pubPath = join(dir, PUBLIC_KEY_FILE);
  if (existsSync(pubPath)) return { key: loadPublicKey(pubPath), source: pubPath };
  const privPath = join(dir, PRIVATE_KEY_FILE);
  if (existsSync(privPath)) return { key: createPublicKey(parsePrivatePem(readFileSync(privPath), privPath)), source: privPath };
  return null;
}

/**
 * Reads a verification key from a file: an SPKI PEM public key, an X.509 certificate (PEM), a
 * JWK set or single JWK (as `gauntlet key show --jwk` prints), or a PEM private key (its public half).
 */
export function loadPublicKey(path: string): KeyObject {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read key file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    if (text.includes('-----BEGIN CERTIFICATE-----')) return new X509Certificate(text).publicKey;
    if (text.includes('PRIVATE KEY-----')) return createPublicKey(createPrivateKey(text));
    if (text.includes('-----BEGIN')) return createPublicKey(text);
    const json = JSON.parse(text) as { keys?: unknown[] };
    const jwk = Array.isArray(json.keys) ? json.keys[0] : json;
    if (Array.isArray(json.keys) && json.keys.length !== 1) throw new UsageError(`the JWK set holds ${json.keys.length} keys; give a file with one`);
    return createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
  } catch (e) {
    throw new UsageError(`${path}: not a public key (expected a PEM public key, a PEM certificate or a JWK set): ${(e as Error).message}`);
  }
}

/** SPKI PEM of a public key. */
export function publicKeyPem(pub: KeyObject): string {
  return pub.export({ type: 'spki', format: 'pem' }) as string;
}

/** A JWK set (RFC 7517) holding the public key, with kid = fingerprint, use 'sig' and the JWS alg. */
export function publicKeyJwks(pub: KeyObject): { keys: Record<string, unknown>[] } {
  const alg = keyAlgorithm(pub) === 'ed25519' ? 'EdDSA' : keyAlgorithm(pub) === 'ecdsa-p256' ? 'ES256' : undefined;
  return { keys: [{ ...pub.export({ format: 'jwk' }), kid: keyFingerprint(pub), use: 'sig', ...(alg ? { alg } : {}) }] };
}

/** File mode bits (permission part) of a path, e.g. 0o600. */
export function fileMode(path: string): number {
  return statSync(path).mode & 0o777;
}
