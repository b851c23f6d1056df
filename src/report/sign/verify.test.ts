import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleReport } from '../../audit/testing/sample-report';
import { UsageError } from '../../errors';
import { serializeEnvelopes, signEnvelope, signStatement } from './dsse';
import { loadOrCreateSigningKey } from './keys';
import { pdfReportSummary, signPdf } from './pdf-sign';
import { buildStatement, PREDICATE_TYPE, STATEMENT_TYPE } from './statement';
import { pdfkitPdf } from './testing/pdfs';
import { verifyEnvelopeText, verifyFile, verifyPdf } from './verify';

const dir = mkdtempSync(join(tmpdir(), 'gauntlet-verify-'));
const key = loadOrCreateSigningKey({ env: { GAUNTLET_KEY_DIR: join(dir, 'keys') } });
const stranger = loadOrCreateSigningKey({ env: { GAUNTLET_KEY_DIR: join(dir, 'stranger') }, algorithm: 'ed25519' });
const trusted = [{ key: key.publicKey, source: 'test key' }];

// The model and data files the report names: their real digests go into the report.
const modelFile = join(dir, 'cnn.onnx');
const dataFile = join(dir, 'mnist-eval.npz');
writeFileSync(modelFile, 'model bytes');
writeFileSync(dataFile, 'data bytes');
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const report = sampleReport({
  model: { ...sampleReport().model, name: 'cnn.onnx', sha256: sha('model bytes') },
  data: { name: 'mnist-eval.npz', sha256: sha('data bytes'), n: 10 },
});
const jsonl = serializeEnvelopes([signStatement(buildStatement(report), key)]);

/** `text` with one character changed at `at`. */
function changeChar(text: string, at: number): string {
  const c = text[at];
  const repl = c === 'A' ? 'B' : 'A';
  return text.slice(0, at) + repl + text.slice(at + 1);
}

describe('verify: DSSE attestation', () => {
  it('a valid attestation: signer, subjects and the report summary', () => {
    const r = verifyEnvelopeText(jsonl, 'report.intoto.jsonl', trusted);
    expect(r.problems).toEqual([]);
    expect(r.valid).toBe(true);
    expect(r.signatures).toEqual([expect.objectContaining({ signer: key.fingerprint, verified: true })]);
    expect(r.subjects.map((s) => s.name)).toEqual(['cnn.onnx', 'mnist-eval.npz']);
    expect(r.summary).toMatchObject({ robustAccuracy: 0.5, cleanAccuracy: 0.9, createdAt: report.createdAt, verdict: null });
  });

  it('one changed character in the payload: invalid, "payload or signature was altered"', () => {
    const at = jsonl.indexOf('"payload":"') + 200;
    const r = verifyEnvelopeText(changeChar(jsonl, at), 'x.jsonl', trusted);
    expect(r.valid).toBe(false);
    expect(r.problems[0]).toMatch(/does not verify with key [0-9a-f]{64}: the envelope's payload or signature was altered/);
  });

  it('one changed character in the signature: invalid', () => {
    const at = jsonl.indexOf('"sig":"') + 20;
    const r = verifyEnvelopeText(changeChar(jsonl, at), 'x.jsonl', trusted);
    expect(r.valid).toBe(false);
    expect(r.problems[0]).toMatch(/altered/);
  });

  it('a byte that breaks the JSON: invalid (not an error), naming the line', () => {
    const r = verifyEnvelopeText(jsonl.replace('{', '['), 'x.jsonl', trusted);
    expect(r.valid).toBe(false);
    expect(r.problems[0]).toMatch(/not a valid DSSE envelope file: line 1/);
  });

  it('the wrong key: invalid, naming the signer\'s keyid', () => {
    const r = verifyEnvelopeText(jsonl, 'x.jsonl', [{ key: stranger.publicKey, source: 'stranger' }]);
    expect(r.valid).toBe(false);
    expect(r.problems[0]).toBe(`the signature is by another key (keyid ${key.fingerprint}), not ${stranger.fingerprint}; pass the signer's public key with --key`);
  });

  it('a validly signed envelope of something else: wrong payloadType, not a statement, foreign predicate, subjects without the model', () => {
    const other = (payload: unknown, type = 'application/vnd.in-toto+json') => serializeEnvelopes([signEnvelope(Buffer.from(JSON.stringify(payload)), type, key)]);
    expect(verifyEnvelopeText(other({}, 'text/plain'), 'x', trusted).problems[0]).toMatch(/payloadType is 'text\/plain'/);
    expect(verifyEnvelopeText(other({ hello: 1 }), 'x', trusted).problems[0]).toMatch(/not an in-toto Statement v1/);
    const foreign = { ...buildStatement(report), predicateType: 'https://slsa.dev/provenance/v1' };
    expect(verifyEnvelopeText(other(foreign), 'x', trusted).problems[0]).toMatch(/not a Gauntlet report/);
    const noModel = { _type: STATEMENT_TYPE, predicateType: PREDICATE_TYPE, predicate: report, subject: [{ name: 'd', digest: { sha256: report.data.sha256 } }] };
    expect(verifyEnvelopeText(other(noModel), 'x', trusted).problems).toEqual([`the subjects do not include the report's model digest ${report.model.sha256}`]);
  });

  it('--model/--data: the right files match; a swapped model file is named with both digests', () => {
    const file = join(dir, 'report.intoto.jsonl');
    writeFileSync(file, jsonl);
    const ok = verifyFile(file, { keys: trusted, model: modelFile, data: dataFile });
    expect(ok.valid).toBe(true);
    expect(ok.digests.map((d) => d.ok)).toEqual([true, true]);
    const swapped = join(dir, 'other.onnx');
    writeFileSync(swapped, 'another model');
    const bad = verifyFile(file, { keys: trusted, model: swapped, data: dataFile });
    expect(bad.valid).toBe(false);
    expect(bad.problems).toEqual([`model ${swapped} does not match the signed model 'cnn.onnx': its sha256 is ${sha('another model')}, the signed digest is ${sha('model bytes')}`]);
  });

  it('unusable input throws UsageError: no key, unreadable file, unknown format, missing --model file', () => {
    const file = join(dir, 'report.intoto.jsonl');
    expect(() => verifyFile(file, { keys: [] })).toThrow(/no key to verify with/);
    expect(() => verifyFile(join(dir, 'missing.jsonl'), { keys: trusted })).toThrow(UsageError);
    const txt = join(dir, 'notes.txt');
    writeFileSync(txt, 'hello');
    expect(() => verifyFile(txt, { keys: trusted })).toThrow(/neither a PDF nor a DSSE envelope/);
    expect(() => verifyFile(file, { keys: trusted, model: join(dir, 'missing.onnx') })).toThrow(/cannot read/);
  });
});

describe('verify: signed PDF', () => {
  let signed: Buffer;
  beforeAll(async () => {
    signed = signPdf(await pdfkitPdf(2), key, { env: { GAUNTLET_KEY_DIR: join(dir, 'keys') }, summary: pdfReportSummary(report) });
  });
  const gap = (pdf: Buffer) => /\/ByteRange \[0 (\d+) (\d+) \d+\]/.exec(pdf.toString('latin1'))!.slice(1).map(Number);

  it('valid, with --model/--data checked against the digests in the signature dictionary', () => {
    const file = join(dir, 'report.pdf');
    writeFileSync(file, signed);
    const r = verifyFile(file, { keys: trusted, model: modelFile, data: dataFile });
    expect(r.problems).toEqual([]);
    expect(r.kind).toBe('pdf');
    const swapped = join(dir, 'swapped.npz');
    writeFileSync(swapped, 'other data');
    expect(verifyFile(file, { keys: trusted, data: swapped }).problems[0]).toMatch(/^data .*swapped\.npz does not match the signed data 'mnist-eval\.npz'/);
  });

  it('one changed byte inside the signed range: "the signed bytes were modified"', () => {
    const t = Buffer.from(signed);
    t[400] ^= 0x01;
    const r = verifyPdf(t, 'x.pdf', trusted);
    expect(r.valid).toBe(false);
    expect(r.problems[0]).toMatch(/the signed bytes were modified/);
  });

  it('one changed byte outside the signed range (in the signature container, and in its padding): invalid', () => {
    const [b] = gap(signed);
    const inCms = Buffer.from(signed);
    inCms[b + 200] = inCms[b + 200] === 0x30 ? 0x31 : 0x30; // a hex digit of the CMS structure
    expect(verifyPdf(inCms, 'x.pdf', trusted).valid).toBe(false);
    const [, c] = gap(signed);
    const inPadding = Buffer.from(signed);
    inPadding[c - 10] = 0x31; // '1' where the zero padding was
    const r = verifyPdf(inPadding, 'x.pdf', trusted);
    expect(r.valid).toBe(false);
    expect(r.problems).toEqual(['the signature container was altered (non-zero bytes after the CMS structure)']);
  });

  it('bytes appended after signing: "the document was changed after signing"', () => {
    const r = verifyPdf(Buffer.concat([signed, Buffer.from('\n% appended\n')]), 'x.pdf', trusted);
    expect(r.problems).toEqual(['the document was changed after signing: 12 bytes after the signed range']);
  });

  it('the wrong key: invalid, naming the certificate\'s key', () => {
    const r = verifyPdf(signed, 'x.pdf', [{ key: stranger.publicKey, source: 'stranger' }]);
    expect(r.valid).toBe(false);
    expect(r.problems[0]).toMatch(new RegExp(`signed by key ${key.fingerprint} \\(Gauntlet audit signer [0-9a-f]{16}\\), not by ${stranger.fingerprint}`));
  });

  it('an unsigned PDF: invalid, "no signature"', async () => {
    expect(verifyPdf(await pdfkitPdf(1), 'x.pdf', trusted).problems).toEqual(['the PDF has no signature (no /ByteRange)']);
  });
});
