/**
 * API keys: `gk_<id>_<secret>`, 12 hex characters of id and 32 random bytes of secret
 * (base64url). Only sha256(secret) is stored; keys carry 256 bits of entropy, so a fast hash is
 * enough (no password stretching needed), and the comparison is constant-time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiKeyRecord, JobStore } from './store';
import { UsageError } from '../errors';

const KEY_RE = /^gk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
const TENANT_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The caller a valid key identifies. */
export interface Principal {
  keyId: string;
  tenant: string;
  role: 'tenant' | 'admin';
}

const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');

/**
 * Creates a key for `tenant` and stores its hash; returns the key (shown once) and its id.
 * @throws UsageError for a malformed tenant name.
 */
export function createApiKey(store: JobStore, tenant: string, role: 'tenant' | 'admin' = 'tenant'): { key: string; record: ApiKeyRecord } {
  if (!TENANT_RE.test(tenant)) throw new UsageError(`tenant name '${tenant}': use 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit`);
  const id = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const record = store.addApiKey({ id, tenant, role, hash: hashSecret(secret) });
  return { key: `gk_${id}_${secret}`, record };
}

/** The principal of a presented key, or null when it is malformed, unknown or revoked. */
export function authenticate(store: JobStore, presented: string): Principal | null {
  const m = KEY_RE.exec(presented.trim());
  if (!m) return null;
  const rec = store.getApiKey(m[1]);
  if (!rec || rec.revokedAt) return null;
  const a = Buffer.from(rec.hash, 'hex');
  const b = Buffer.from(hashSecret(m[2]), 'hex');
  if (a.length !== b.length || !timingSafeEqual(a, b)) return null;
  return { keyId: rec.id, tenant: rec.tenant, role: rec.role };
}
