/**
 * `gauntlet verify` strictness (issue 12, deliverable 7): every signature is printed with its
 * status, all must verify unless `--signatures any`; a duplicated "payload" key and a PDF with
 * thousands of /ByteRange entries are refused (exit 1) — the CLI verifies in-process with the same
 * parser and caps as the service.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleReport } from '../src/audit/testing/sample-report';
import { loadOrCreateSigningKey, publicKeyPem, signReportPdf, signStatement, buildStatement } from '../src/report/sign';
import { hostileSignaturePdf, signatureContentsHex } from '../src/report/sign/testing/hostile-pdfs';
import { pdfkitPdf } from '../src/report/sign/testing/pdfs';
import { runCli } from './support/cli';

const dir = mkdtempSync(join(tmpdir(), 'gauntlet-cli-verify-strict-'));
const env = { GAUNTLET_KEY_DIR: join(dir, 'keys') };
const key = loadOrCreateSigningKey({ env });
const stranger = loadOrCreateSigningKey({ env: { GAUNTLET_KEY_DIR: join(dir, 'stranger') } });
const pub = join(dir, 'signer.pub.pem');
writeFileSync(pub, publicKeyPem(key.publicKey));
const envelope = signStatement(buildStatement(sampleReport()), key);
const write = (name: string, content: string | Buffer) => { const f = join(dir, name); writeFileSync(f, content); return f; };

describe('gauntlet verify: every signature, all must verify', () => {
  it('when an extra signature is garbage then exit 1, printing it INVALID', async () => {
    const f = write('extra.intoto.jsonl', `${JSON.stringify({ ...envelope, signatures: [...envelope.signatures, { keyid: key.fingerprint, sig: 'AAAA' }] })}\n`);
    const r = await runCli(['verify', f, '--key', pub]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`signature ok: key ${key.fingerprint}`);
    expect(r.out).toContain(`signature INVALID: key ${key.fingerprint}`);
    expect(r.err).toMatch(/^gauntlet: verification failed: signature 2 of 2 \(keyid [0-9a-f]{64}\) is invalid/);
  });

  it('when an extra signature is by another key then exit 1, or 0 with --signatures any (still listed as UNKNOWN KEY)', async () => {
    const other = signStatement(buildStatement(sampleReport()), stranger);
    const f = write('foreign.intoto.jsonl', `${JSON.stringify({ ...envelope, signatures: [...envelope.signatures, ...other.signatures] })}\n`);
    expect((await runCli(['verify', f, '--key', pub])).code).toBe(1);
    const any = await runCli(['verify', f, '--key', pub, '--signatures', 'any']);
    expect(any.code).toBe(0);
    expect(any.out).toContain(`signature UNKNOWN KEY: key ${stranger.fingerprint}`);
    expect(await runCli(['verify', f, '--key', pub, '--signatures', 'some'])).toMatchObject({ code: 2, err: expect.stringMatching(/--signatures must be one of all, any; got 'some'/) });
  });

  it('when the envelope repeats "payload" then exit 1, naming the key', async () => {
    const f = write('dup.intoto.jsonl', `{"payload":"${Buffer.from('{}').toString('base64')}","payloadType":"${envelope.payloadType}","signatures":${JSON.stringify(envelope.signatures)},"payload":"${envelope.payload}"}\n`);
    const r = await runCli(['verify', f, '--key', pub]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/duplicate key "payload"/);
  });

  it('when a PDF holds 3000 /ByteRange entries then exit 1 at once, with the cap in the message', async () => {
    const signed = signReportPdf(await pdfkitPdf(1), sampleReport(), key, [], { env });
    const f = write('hostile.pdf', hostileSignaturePdf({ signatures: 3000, bytes: 8 * 1024 * 1024, contentsHex: signatureContentsHex(signed) }));
    const r = await runCli(['verify', f, '--key', pub]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/more than 16 signature dictionaries \(\/ByteRange entries\), the most accepted: refused unchecked/);
  });
});
