/**
 * `gauntlet key` and `gauntlet verify` from the command line (in-process): exit 0 valid, 1 invalid
 * with a clear message for each kind of tampering, 2 for errors; keys generated 0600 in an
 * isolated GAUNTLET_KEY_DIR (never the real home).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleReport } from '../src/audit/testing/sample-report';
import { attestReport, loadOrCreateSigningKey, publicKeyPem, signReportPdf } from '../src/report/sign';
import { pdfkitPdf } from '../src/report/sign/testing/pdfs';
import { runCli } from './support/cli';

const dir = mkdtempSync(join(tmpdir(), 'gauntlet-cli-verify-'));
const keyDir = join(dir, 'keys');
const saved = { dir: process.env.GAUNTLET_KEY_DIR, key: process.env.GAUNTLET_SIGNING_KEY, cert: process.env.GAUNTLET_SIGNING_CERT };
beforeAll(() => {
  process.env.GAUNTLET_KEY_DIR = keyDir;
  delete process.env.GAUNTLET_SIGNING_KEY;
  delete process.env.GAUNTLET_SIGNING_CERT;
});
afterAll(() => {
  for (const [k, v] of [['GAUNTLET_KEY_DIR', saved.dir], ['GAUNTLET_SIGNING_KEY', saved.key], ['GAUNTLET_SIGNING_CERT', saved.cert]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

const sha = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');
const modelFile = join(dir, 'cnn.onnx');
const dataFile = join(dir, 'mnist-eval.npz');
writeFileSync(modelFile, 'model bytes');
writeFileSync(dataFile, 'data bytes');
const report = sampleReport({
  model: { ...sampleReport().model, name: 'cnn.onnx', sha256: sha('model bytes') },
  data: { name: 'mnist-eval.npz', sha256: sha('data bytes'), n: 10 },
  gate: { policy: { name: 'default', sha256: null }, verdict: 'PASS', confidence: null, note: null, rules: [] },
});
const jsonlFile = join(dir, 'report.intoto.jsonl');
const pdfFile = join(dir, 'report.pdf');
const write = (name: string, content: string | Buffer) => { const f = join(dir, name); writeFileSync(f, content); return f; };

describe('gauntlet key', () => {
  it('key show generates the key on first use (files 0600) and prints the SPKI PEM; then reuses it', async () => {
    expect(existsSync(keyDir)).toBe(false);
    const first = await runCli(['key', 'show']);
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+-----END PUBLIC KEY-----\n$/);
    expect(first.err).toMatch(/generated a new ecdsa-p256 signing key in .*signing-key\.pem/);
    for (const f of ['signing-key.pem', 'signing-key.pub.pem']) expect(statSync(join(keyDir, f)).mode & 0o777).toBe(0o600);
    const second = await runCli(['key', 'show']);
    expect(second.out).toBe(first.out);
    expect(second.err).not.toMatch(/generated/);
    expect(second.out).toBe(readFileSync(join(keyDir, 'signing-key.pub.pem'), 'utf8'));
  });

  it('key show --jwk prints a JWK set whose kid is the key fingerprint; key path names the key file', async () => {
    const key = loadOrCreateSigningKey();
    const r = await runCli(['key', 'show', '--jwk']);
    const jwks = JSON.parse(r.out) as { keys: Record<string, string>[] };
    expect(jwks.keys).toEqual([expect.objectContaining({ kty: 'EC', crv: 'P-256', kid: key.fingerprint, alg: 'ES256' })]);
    expect((await runCli(['key', 'path'])).out.trim()).toBe(join(keyDir, 'signing-key.pem'));
  });
});

describe('gauntlet verify', () => {
  let jsonl: string;
  let pdf: Buffer;
  beforeAll(async () => {
    const key = loadOrCreateSigningKey();
    jsonl = attestReport(report, key, [{ name: 'adversarial.npz', digest: { sha256: 'c'.repeat(64) } }]).jsonl;
    pdf = signReportPdf(await pdfkitPdf(2), report, key);
    writeFileSync(jsonlFile, jsonl);
    writeFileSync(pdfFile, pdf);
  });

  it('a valid attestation: exit 0, the local key named, signer, subjects and the report summary printed', async () => {
    const key = loadOrCreateSigningKey();
    const r = await runCli(['verify', jsonlFile, '--model', modelFile, '--data', dataFile]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^VALID /);
    expect(r.out).toContain(`key       ${key.fingerprint} (ecdsa-p256) from ${join(keyDir, 'signing-key.pub.pem')} (local signing key)`);
    expect(r.out).toContain(`signature ok: key ${key.fingerprint}`);
    expect(r.out).toContain(`subject   cnn.onnx  sha256:${sha('model bytes')}`);
    expect(r.out).toContain('subject   adversarial.npz');
    expect(r.out).toContain(`report    verdict PASS, robust accuracy 50.0% (clean 90.0%) at linf ε=0.1, created ${report.createdAt}`);
    expect(r.out).toMatch(/model +.*cnn\.onnx: matches the signed digest/);
  });

  it('a valid signed PDF with --key: exit 0, the certificate and signing time printed', async () => {
    const pub = write('signer.pub.pem', publicKeyPem(loadOrCreateSigningKey().publicKey));
    const r = await runCli(['verify', pdfFile, '--key', pub, '--model', modelFile]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^VALID .*\(signed PDF\)/);
    expect(r.out).toMatch(/signature ok: Gauntlet audit signer [0-9a-f]{16}, key [0-9a-f]{64}, signed \d{4}-\d\d-\d\dT/);
  });

  it('--json prints the result as JSON', async () => {
    const r = await runCli(['verify', jsonlFile, '--json']);
    expect(JSON.parse(r.out)).toMatchObject({ valid: true, kind: 'dsse', summary: { robustAccuracy: 0.5, verdict: 'PASS' } });
  });

  const tampered: [string, () => string, RegExp][] = [
    ['one changed byte in the payload', () => write('t1.jsonl', jsonl.replace(/"payload":"(.{99})(.)/, (_m, p, c) => `"payload":"${p}${c === 'A' ? 'B' : 'A'}`)), /payload or signature was altered/],
    ['one changed byte in the envelope signature', () => write('t2.jsonl', jsonl.replace(/"sig":"(.{10})(.)/, (_m, p, c) => `"sig":"${p}${c === 'A' ? 'B' : 'A'}`)), /payload or signature was altered/],
    ['one changed byte in the PDF, inside the signed range', () => { const t = Buffer.from(pdf); t[500] ^= 1; return write('t3.pdf', t); }, /the signed bytes were modified/],
    ['one changed byte in the PDF, outside the signed range', () => {
      const b = Number(/\/ByteRange \[0 (\d+)/.exec(pdf.toString('latin1'))![1]);
      const t = Buffer.from(pdf);
      t[b + 150] = t[b + 150] === 0x61 ? 0x62 : 0x61;
      return write('t4.pdf', t);
    }, /altered/],
    ['bytes appended to the PDF', () => write('t5.pdf', Buffer.concat([pdf, Buffer.from('%%EOF\n')])), /the document was changed after signing/],
  ];
  it.each(tampered)('%s: exit 1 with a clear message', async (_name, make, message) => {
    const r = await runCli(['verify', make()]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^INVALID /);
    expect(r.err).toMatch(/^gauntlet: verification failed: /);
    expect(r.err).toMatch(message);
  });

  it('the wrong key: exit 1, naming the signer\'s key', async () => {
    const other = loadOrCreateSigningKey({ env: { GAUNTLET_KEY_DIR: join(dir, 'other') } });
    const pub = write('other.pub.pem', publicKeyPem(other.publicKey));
    for (const f of [jsonlFile, pdfFile]) {
      const r = await runCli(['verify', f, '--key', pub]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/another key|not by/);
      expect(r.err).toContain(loadOrCreateSigningKey().fingerprint);
    }
  });

  it('a swapped model file: exit 1, naming the file and both digests', async () => {
    const swapped = write('swapped.onnx', 'other model');
    for (const f of [jsonlFile, pdfFile]) {
      const r = await runCli(['verify', f, '--model', swapped]);
      expect(r.code).toBe(1);
      expect(r.err).toContain(`model ${swapped} does not match the signed model 'cnn.onnx': its sha256 is ${sha('other model')}, the signed digest is ${sha('model bytes')}`);
    }
  });

  it('errors exit 2: missing file, unreadable key, unknown format, --recheck, no local key (and none is created)', async () => {
    const missing = await runCli(['verify', join(dir, 'nope.jsonl')]);
    expect(missing).toMatchObject({ code: 2, err: expect.stringMatching(/cannot read .*nope\.jsonl: ENOENT/) });
    expect((await runCli(['verify', jsonlFile, '--key', join(dir, 'nope.pem')])).err).toMatch(/cannot read key file/);
    const txt = write('notes.txt', 'hello');
    expect(await runCli(['verify', txt])).toMatchObject({ code: 2, err: expect.stringMatching(/neither a PDF nor a DSSE envelope/) });
    expect(await runCli(['verify', jsonlFile, '--recheck'])).toMatchObject({ code: 2, err: expect.stringMatching(/--recheck needs --model M\.onnx and --data D\.npz/) });
    const empty = join(dir, 'empty-keys');
    process.env.GAUNTLET_KEY_DIR = empty;
    try {
      expect(await runCli(['verify', jsonlFile])).toMatchObject({ code: 2, err: expect.stringMatching(/no key to verify with: pass --key/) });
      expect(existsSync(empty)).toBe(false);
    } finally {
      process.env.GAUNTLET_KEY_DIR = keyDir;
    }
    expect((await runCli(['verify'])).code).toBe(2);
  });
});
