/**
 * Verification strictness (issue 12, deliverables 1 and 7): duplicate JSON keys, every signature
 * reported with a status under the default policy "all must verify", PDF signature scanning that
 * stays linear with a cap on /ByteRange entries, and messages that use display names only.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleReport } from '../../audit/testing/sample-report';
import { UsageError } from '../../errors';
import { pae, serializeEnvelopes, signPae, signStatement } from './dsse';
import { loadOrCreateSigningKey } from './keys';
import { pdfReportSummary, signPdf } from './pdf-sign';
import { buildStatement } from './statement';
import { hostileSignaturePdf, signatureContentsHex } from './testing/hostile-pdfs';
import { pdfkitPdf } from './testing/pdfs';
import { PDF_VERIFY_LIMITS, verifyEnvelopeText, verifyFile, verifyPdf } from './verify';

const dir = mkdtempSync(join(tmpdir(), 'gauntlet-verify-strict-'));
const keyEnv = { GAUNTLET_KEY_DIR: join(dir, 'keys') };
const key = loadOrCreateSigningKey({ env: keyEnv });
const strangerEnv = { GAUNTLET_KEY_DIR: join(dir, 'stranger') };
const stranger = loadOrCreateSigningKey({ env: strangerEnv });
const trusted = [{ key: key.publicKey, source: 'test key' }];
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const report = sampleReport({
  model: { ...sampleReport().model, name: 'cnn.onnx', sha256: sha('model bytes') },
  data: { name: 'mnist-eval.npz', sha256: sha('data bytes'), n: 10 },
});
const envelope = signStatement(buildStatement(report), key);
const line = (o: unknown) => `${JSON.stringify(o)}\n`;

describe('verify strictness: DSSE', () => {
  it('when the envelope repeats "payload" (JSON.parse would keep the signed last one) then it is invalid, naming the key', () => {
    const evil = Buffer.from(JSON.stringify({ ...buildStatement(report), subject: [] })).toString('base64');
    const text = `{"payload":"${evil}","payloadType":"${envelope.payloadType}","signatures":${JSON.stringify(envelope.signatures)},"payload":"${envelope.payload}"}\n`;
    expect(JSON.parse(text).payload).toBe(envelope.payload); // what a lenient verifier checks
    const r = verifyEnvelopeText(text, 'report.intoto.jsonl', trusted);
    expect(r.valid).toBe(false);
    expect(r.problems).toEqual([expect.stringMatching(/^not a valid DSSE envelope file: the envelope has a duplicate key "payload" in the object at \$/)]);
  });

  it('when the signed statement repeats a key then it is invalid', () => {
    const stmt = JSON.stringify(buildStatement(report)).replace('"predicateType":', '"predicateType":"x","predicateType":');
    const payload = Buffer.from(stmt);
    const sig = signPae(pae(envelope.payloadType, payload), key.privateKey).toString('base64');
    const r = verifyEnvelopeText(line({ payload: payload.toString('base64'), payloadType: envelope.payloadType, signatures: [{ keyid: key.fingerprint, sig }] }), 'r.jsonl', trusted);
    expect(r.valid).toBe(false);
    expect(r.problems[0]).toMatch(/the signed payload is not an in-toto Statement v1 \(duplicate key "predicateType"/);
  });

  it('when an extra signature is garbage under the trusted keyid then it is reported invalid and the file is invalid', () => {
    const forged = { ...envelope, signatures: [...envelope.signatures, { keyid: key.fingerprint, sig: Buffer.alloc(70, 7).toString('base64') }] };
    const r = verifyEnvelopeText(line(forged), 'r.jsonl', trusted);
    expect(r.signatures.map((s) => s.status)).toEqual(['valid', 'invalid']);
    expect(r.valid).toBe(false);
    expect(r.problems).toEqual([expect.stringMatching(/^signature 2 of 2 \(keyid [0-9a-f]{64}\) is invalid: it does not verify with key [0-9a-f]{64} \(altered or forged\); every signature must verify/)]);
  });

  it('when an extra signature is by a key not accepted then it is "unknown-key": invalid under policy all, listed but forgiven under any', () => {
    const other = signStatement(buildStatement(report), stranger);
    const both = { ...envelope, signatures: [...envelope.signatures, ...other.signatures] };
    const all = verifyEnvelopeText(line(both), 'r.jsonl', trusted);
    expect(all.signatures.map((s) => [s.status, s.signer])).toEqual([['valid', key.fingerprint], ['unknown-key', stranger.fingerprint]]);
    expect(all.valid).toBe(false);
    expect(all.problems[0]).toMatch(/^signature 2 of 2 \(keyid [0-9a-f]{64}\) is by a key that is not accepted; every signature must verify/);
    const any = verifyEnvelopeText(line(both), 'r.jsonl', trusted, 'any');
    expect(any.problems).toEqual([]);
    expect(any.valid).toBe(true);
    expect(any.signatures.map((s) => s.status)).toEqual(['valid', 'unknown-key']);
    // both keys accepted: both valid under the default policy
    const two = verifyEnvelopeText(line(both), 'r.jsonl', [...trusted, { key: stranger.publicKey, source: 'second' }]);
    expect(two.valid).toBe(true);
    expect(two.signatures.map((s) => s.status)).toEqual(['valid', 'valid']);
  });
});

describe('verify strictness: display names', () => {
  it('when names are given then no result or error names the paths', () => {
    const secret = join(dir, 'blobs-sha256-abcdef');
    writeFileSync(secret, serializeEnvelopes([envelope]));
    writeFileSync(`${secret}.m`, 'other model');
    const r = verifyFile(secret, { keys: trusted, model: `${secret}.m`, names: { file: 'report.intoto.jsonl', model: 'cnn.onnx' } });
    expect(r.file).toBe('report.intoto.jsonl');
    expect(r.digests[0].file).toBe('cnn.onnx');
    expect(JSON.stringify(r)).not.toContain(dir);
    expect(r.problems[0]).toMatch(/^model cnn\.onnx does not match the signed model 'cnn\.onnx'/);
    writeFileSync(`${secret}.txt`, 'hello');
    expect(() => verifyFile(`${secret}.txt`, { keys: trusted, names: { file: 'notes.txt' } })).toThrow(new UsageError('notes.txt: neither a PDF nor a DSSE envelope file (.intoto.jsonl / .json)'));
    expect(() => verifyFile(secret, { keys: trusted, model: join(dir, 'missing'), names: { file: 'a', model: 'm.onnx' } })).toThrow(new UsageError('cannot read m.onnx: ENOENT'));
  });
});

describe('verify strictness: PDF', () => {
  let signed: Buffer;
  let hex: string;
  beforeAll(async () => {
    signed = signPdf(await pdfkitPdf(1), key, { env: keyEnv, summary: pdfReportSummary(report) });
    hex = signatureContentsHex(signed);
  });

  it('when a 4 MB PDF holds 2000 /ByteRange entries then it is refused at once (the uncapped verifier hashed the file 2000 times: 25 s here)', () => {
    const pdf = hostileSignaturePdf({ signatures: 2000, bytes: 4 * 1024 * 1024, contentsHex: hex });
    const t0 = performance.now();
    const r = verifyPdf(pdf, 'hostile.pdf', trusted);
    const ms = performance.now() - t0;
    expect(r.valid).toBe(false);
    expect(r.problems).toEqual([`the PDF has more than ${PDF_VERIFY_LIMITS.maxSignatures} signature dictionaries (/ByteRange entries), the most accepted: refused unchecked`]);
    // measured 15-40 ms on the shared 2-core box; the bound only separates linear from quadratic
    expect(ms).toBeLessThan(3000);
  });

  it('when a PDF holds the most signatures accepted then each one is reported', () => {
    const pdf = hostileSignaturePdf({ signatures: PDF_VERIFY_LIMITS.maxSignatures, bytes: 1024 * 1024, contentsHex: hex });
    const r = verifyPdf(pdf, 'hostile.pdf', trusted);
    expect(r.valid).toBe(false);
    expect(r.signatures).toHaveLength(PDF_VERIFY_LIMITS.maxSignatures);
    expect(r.signatures.every((s) => s.status === 'invalid')).toBe(true);
    expect(r.problems[0]).toMatch(/^signature 1: the signed bytes were modified/);
  });

  it('when a /ByteRange is not four offsets then it is reported malformed, not skipped', () => {
    const s = signed.toString('latin1');
    const extra = Buffer.from(s.replace('%PDF-1.3\n', '%PDF-1.3\n99 0 obj\n<< /Type /Sig /ByteRange [0 10 20] >>\nendobj\n'), 'latin1');
    expect(extra.length).toBeGreaterThan(signed.length);
    const r = verifyPdf(extra, 'x.pdf', trusted);
    expect(r.valid).toBe(false);
    expect(r.problems).toContain('signature 1: malformed /ByteRange (not an array of four offsets)');
    expect(r.signatures.map((x) => x.status)).toEqual(['invalid', 'invalid']);
  });

  it('when a signature by a key not accepted precedes ours then it is "unknown-key": invalid under all, valid under any', () => {
    const theirs = signPdf(signed, stranger, { env: strangerEnv });
    const ours = signPdf(theirs, key, { env: keyEnv, summary: pdfReportSummary(report) });
    const all = verifyPdf(ours, 'ours.pdf', trusted);
    expect(all.signatures.map((x) => x.status)).toEqual(['valid', 'unknown-key', 'valid']);
    expect(all.valid).toBe(false);
    expect(all.problems).toEqual([expect.stringMatching(new RegExp(`^signature 2: signed by key ${stranger.fingerprint}`))]);
    expect(verifyPdf(ours, 'ours.pdf', trusted, 'any')).toMatchObject({ valid: true, problems: [] });
  });

  it('when a signature by a key not accepted comes after ours then it is invalid under any too: it could change what we signed', () => {
    const appended = signPdf(signed, stranger, { env: strangerEnv, summary: { ...pdfReportSummary(report), robustAccuracy: 0.99 } });
    const any = verifyPdf(appended, 'appended.pdf', trusted, 'any');
    expect(any.signatures.map((x) => x.status)).toEqual(['valid', 'unknown-key']);
    expect(any.valid).toBe(false);
    expect(any.problems).toEqual([expect.stringMatching(new RegExp(`^signature 2: signed by key ${stranger.fingerprint}`))]);
  });

  it('when the signature dictionary repeats a key then it is invalid, naming the key', () => {
    const one = hostileSignaturePdf({ signatures: 1, bytes: 4096, contentsHex: hex });
    const dup = Buffer.from(one.toString('latin1').replace('/Type /Sig', '/Reason ()'), 'latin1');
    expect(dup.length).toBe(one.length);
    expect(verifyPdf(one, 'x.pdf', trusted).problems.join()).not.toMatch(/repeats/);
    expect(verifyPdf(dup, 'x.pdf', trusted).problems).toContain('the signature dictionary repeats /Reason: a signed document must have one meaning');
  });
});
