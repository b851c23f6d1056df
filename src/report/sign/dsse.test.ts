import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleReport } from '../../audit/testing/sample-report';
import { decodeBase64Strict, INTOTO_PAYLOAD_TYPE, pae, parseEnvelopes, serializeEnvelopes, signEnvelope, signStatement, verifyEnvelope } from './dsse';
import { loadOrCreateSigningKey } from './keys';
import { buildStatement } from './statement';

const root = mkdtempSync(join(tmpdir(), 'gauntlet-dsse-'));
const p256 = loadOrCreateSigningKey({ env: { GAUNTLET_KEY_DIR: join(root, 'p256') } });
const ed = loadOrCreateSigningKey({ env: { GAUNTLET_KEY_DIR: join(root, 'ed') }, algorithm: 'ed25519' });

describe('DSSE', () => {
  it('PAE matches the protocol document\'s example', () => {
    // https://github.com/secure-systems-lab/dsse/blob/master/protocol.md#test-cases
    expect(pae('http://example.com/HelloWorld', Buffer.from('hello world')).toString())
      .toBe('DSSEv1 29 http://example.com/HelloWorld 11 hello world');
    expect(pae('t', Buffer.from('é')).toString()).toBe('DSSEv1 1 t 2 é'); // byte lengths, not characters
  });

  it.each([['ecdsa-p256', p256], ['ed25519', ed]])('%s: signs and verifies; keyid is the key fingerprint', (_alg, key) => {
    const env = signStatement(buildStatement(sampleReport()), key);
    expect(env.payloadType).toBe(INTOTO_PAYLOAD_TYPE);
    expect(env.signatures).toEqual([{ keyid: key.fingerprint, sig: expect.any(String) }]);
    const check = verifyEnvelope(env, [key.publicKey]);
    expect(check.verifiedBy).toEqual([key.fingerprint]);
    expect(JSON.parse(check.payload.toString()).predicate.robustAccuracy).toBe(0.5);
  });

  it('a changed payload byte, a changed payload type, a changed signature or another key verify nothing', () => {
    const env = signEnvelope(Buffer.from('{"a":1}'), INTOTO_PAYLOAD_TYPE, p256);
    const payload = Buffer.from('{"a":2}').toString('base64');
    expect(verifyEnvelope({ ...env, payload }, [p256.publicKey]).verifiedBy).toEqual([]);
    expect(verifyEnvelope({ ...env, payloadType: 'application/json' }, [p256.publicKey]).verifiedBy).toEqual([]);
    const sig = Buffer.from(env.signatures[0].sig, 'base64');
    sig[sig.length - 1] ^= 1;
    expect(verifyEnvelope({ ...env, signatures: [{ sig: sig.toString('base64') }] }, [p256.publicKey]).verifiedBy).toEqual([]);
    expect(verifyEnvelope(env, [ed.publicKey]).verifiedBy).toEqual([]);
    expect(verifyEnvelope(env, [ed.publicKey, p256.publicKey]).verifiedBy).toEqual([p256.fingerprint]);
  });

  it('accepts URL-safe base64 but not non-canonical base64 (which Buffer.from would silently accept)', () => {
    expect(decodeBase64Strict('-_8', 'x')).toEqual(Buffer.from([0xfb, 0xff]));
    expect(decodeBase64Strict('+/8=', 'x')).toEqual(Buffer.from([0xfb, 0xff]));
    expect(() => decodeBase64Strict('+/9=', 'payload')).toThrow(/payload is not canonical base64/); // padding bits set
    expect(() => decodeBase64Strict('ab!c', 'payload')).toThrow(/canonical/);
  });

  it('reads one envelope per line and pretty-printed single envelopes; names the bad line', () => {
    const a = signEnvelope(Buffer.from('a'), 'text/plain', p256);
    const b = signEnvelope(Buffer.from('b'), 'text/plain', ed);
    expect(parseEnvelopes(serializeEnvelopes([a, b]))).toEqual([a, b]);
    expect(parseEnvelopes(JSON.stringify(a, null, 2))).toEqual([a]);
    expect(() => parseEnvelopes(`${JSON.stringify(a)}\n{oops\n`)).toThrow(/line 2 is not JSON/);
    expect(() => parseEnvelopes('{"payload":"YQ==","payloadType":"x","signatures":[]}')).toThrow(/line 1 is not a DSSE envelope: signatures/);
    expect(() => parseEnvelopes('  \n')).toThrow(/empty/);
  });
});
