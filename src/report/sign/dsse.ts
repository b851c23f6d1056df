/**
 * DSSE, the Dead Simple Signing Envelope: https://github.com/secure-systems-lab/dsse/blob/master/protocol.md
 * (envelope format: …/envelope.md). The signature covers the pre-authentication encoding
 *
 *   PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body      (LEN: ASCII decimal byte count)
 *
 * so neither the payload type nor the payload can be swapped without breaking it. ECDSA P-256
 * signatures are DER-encoded over SHA-256(PAE) (`openssl dgst -sha256 -verify`); Ed25519 signs
 * PAE itself (`openssl pkeyutl -verify -rawin`). A `.intoto.jsonl` file holds one envelope per line.
 */
import { UsageError } from '../../errors';
import { KeyObject, sign, verify } from 'node:crypto';
import { z } from 'zod';
import { keyAlgorithm, keyFingerprint, SigningKey } from './keys';
import { parseJsonStrict, StrictJsonError } from '../../util/strict-json';
import { Statement } from './statement';

/** The payload type of an in-toto statement. */
export const INTOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json' as const;

const base64 = z.string().regex(/^(?:[A-Za-z0-9+/]*={0,2}|[A-Za-z0-9_-]*={0,2})$/, 'must be base64');

export const envelopeSchema = z.object({
  payload: base64,
  payloadType: z.string(),
  signatures: z.array(z.object({ keyid: z.string().optional(), sig: base64.min(1) })).min(1),
});
export type Envelope = z.infer<typeof envelopeSchema>;

/**
 * Decodes standard or URL-safe base64 (DSSE accepts both), refusing non-canonical text that
 * Buffer.from would silently accept (stray characters, set padding bits): such an envelope was altered.
 */
export function decodeBase64Strict(text: string, what: string): Buffer {
  const std = text.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  const bytes = Buffer.from(std, 'base64');
  if (bytes.toString('base64').replace(/=+$/, '') !== std) throw new UsageError(`${what} is not canonical base64`);
  return bytes;
}

/** The DSSE v1 pre-authentication encoding. */
export function pae(payloadType: string, body: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${body.length} `), body]);
}

/** Raw signature over PAE bytes with the key's algorithm. */
export function signPae(message: Buffer, key: KeyObject): Buffer {
  const alg = keyAlgorithm(key);
  if (alg === 'ed25519') return sign(null, message, key);
  if (alg === 'ecdsa-p256') return sign('sha256', message, { key, dsaEncoding: 'der' });
  throw new UsageError(`cannot sign with a ${key.asymmetricKeyType} key; Gauntlet signs with Ed25519 or ECDSA P-256`);
}

/** Checks a raw signature over PAE bytes; false (not a throw) for malformed signatures. */
export function verifyPae(message: Buffer, sig: Buffer, key: KeyObject): boolean {
  const alg = keyAlgorithm(key);
  try {
    if (alg === 'ed25519') return verify(null, message, key, sig);
    if (alg === 'ecdsa-p256') return verify('sha256', message, { key, dsaEncoding: 'der' }, sig);
  } catch {
    return false;
  }
  return false;
}

/** Signs a payload into a DSSE envelope (keyid = the key's fingerprint). */
export function signEnvelope(payload: Buffer, payloadType: string, key: SigningKey): Envelope {
  const sig = signPae(pae(payloadType, payload), key.privateKey);
  return { payload: payload.toString('base64'), payloadType, signatures: [{ keyid: key.fingerprint, sig: sig.toString('base64') }] };
}

/** Signs an in-toto statement (JSON, UTF-8) into an envelope. */
export function signStatement(statement: Statement, key: SigningKey): Envelope {
  return signEnvelope(Buffer.from(JSON.stringify(statement), 'utf8'), INTOTO_PAYLOAD_TYPE, key);
}

/** What became of one signature of an envelope. */
export interface EnvelopeSignatureCheck {
  /** The keyid the signature claims (a hint, not trusted), or null when it names none. */
  keyid: string | null;
  /**
   * valid: an accepted key verifies it; invalid: it names an accepted key (or is not even
   * base64) but does not verify; unknown-key: it names no accepted key and none verifies it.
   */
  status: 'valid' | 'invalid' | 'unknown-key';
  /** Fingerprint of the accepted key that verified it, or null. */
  verifiedBy: string | null;
}

/** Result of checking an envelope's signatures against accepted keys. */
export interface EnvelopeCheck {
  /** The decoded payload (whether or not a signature verified). */
  payload: Buffer;
  /** Fingerprints of the accepted keys that verified at least one signature. */
  verifiedBy: string[];
  /** keyids the envelope names (for the message when nothing verified). */
  keyids: string[];
  /** Every signature, in envelope order. */
  signatures: EnvelopeSignatureCheck[];
}

/**
 * Checks every signature of an envelope against accepted public keys (keyid is only a hint and
 * is not trusted: each signature is tried with each key). DSSE itself calls an envelope valid
 * when any signature verifies; callers apply their policy to `signatures` (verify.ts: all must).
 * @throws UsageError when the payload is not canonical base64.
 */
export function verifyEnvelope(env: Envelope, keys: KeyObject[]): EnvelopeCheck {
  const payload = decodeBase64Strict(env.payload, 'payload');
  const message = pae(env.payloadType, payload);
  const fps = keys.map((k) => keyFingerprint(k));
  const signatures = env.signatures.map((s): EnvelopeSignatureCheck => {
    const keyid = s.keyid ?? null;
    let sig: Buffer;
    try {
      sig = decodeBase64Strict(s.sig, 'sig');
    } catch {
      return { keyid, status: 'invalid', verifiedBy: null };
    }
    const i = keys.findIndex((k) => verifyPae(message, sig, k));
    if (i >= 0) return { keyid, status: 'valid', verifiedBy: fps[i] };
    return { keyid, status: keyid !== null && fps.includes(keyid) ? 'invalid' : 'unknown-key', verifiedBy: null };
  });
  const verifiedBy = [...new Set(signatures.flatMap((s) => (s.verifiedBy ? [s.verifiedBy] : [])))];
  return { payload, verifiedBy, keyids: env.signatures.map((s) => s.keyid ?? '(none)'), signatures };
}

/** One envelope per line (JSON Lines), as in `report.intoto.jsonl`. */
export function serializeEnvelopes(envs: Envelope[]): string {
  return envs.map((e) => `${JSON.stringify(e)}\n`).join('');
}

/**
 * Parses an envelope file: JSON Lines (one envelope per non-empty line) or one JSON envelope
 * (possibly pretty-printed).
 * @throws UsageError naming the line and the problem.
 */
export function parseEnvelopes(text: string): Envelope[] {
  const trimmed = text.trim();
  if (trimmed === '') throw new UsageError('the file is empty');
  let docs: { line: number; value: unknown }[];
  try {
    docs = [{ line: 1, value: parseJsonStrict(trimmed) }];
  } catch (e) {
    if (e instanceof StrictJsonError) throw new UsageError(`the envelope has a ${e.message}`);
    docs = [];
    text.split('\n').forEach((l, i) => {
      if (l.trim() === '') return;
      try {
        docs.push({ line: i + 1, value: parseJsonStrict(l) });
      } catch (err) {
        if (err instanceof StrictJsonError) throw new UsageError(`line ${i + 1} has a ${err.message}`);
        throw new UsageError(`line ${i + 1} is not JSON (${(err as Error).message})`);
      }
    });
  }
  return docs.map(({ line, value }) => {
    const r = envelopeSchema.safeParse(value);
    if (!r.success) {
      const i = r.error.issues[0];
      throw new UsageError(`line ${line} is not a DSSE envelope: ${i.path.join('.') || '(envelope)'} ${i.message}`);
    }
    return r.data;
  });
}
