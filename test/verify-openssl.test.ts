/**
 * Gauntlet's signatures checked by OpenSSL alone, an independent client: the DSSE signature over a
 * pre-authentication encoding this test builds itself (`openssl dgst -verify` for ECDSA P-256,
 * `openssl pkeyutl -verify -rawin` for Ed25519), the key fingerprint (sha256 of the SPKI DER), the
 * self-issued certificate (`openssl verify`), and a signed PDF's CMS (`openssl cms -verify`).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleReport } from '../src/audit/testing/sample-report';
import { attestReport, loadOrCreateCertificate, loadOrCreateSigningKey, parseEnvelopes, PUBLIC_KEY_FILE, signReportPdf } from '../src/report/sign';
import { readDer } from '../src/report/sign/der';
import { pdfkitPdf } from '../src/report/sign/testing/pdfs';

const dir = mkdtempSync(join(tmpdir(), 'gauntlet-openssl-'));
process.env.GAUNTLET_KEY_DIR = join(dir, 'default-keys'); // never the real home
const probe = spawnSync('openssl', ['version'], { encoding: 'utf8' });
const SKIP = probe.status === 0 ? undefined : 'openssl is not installed';
if (SKIP) console.warn(`skipping OpenSSL cross-checks: ${SKIP}`);
const d = SKIP ? describe.skip : describe;

function openssl(args: string[]): { code: number | null; out: string } {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** DSSE v1 PAE, written out here independently of src/report/sign/dsse.ts. */
function paeBytes(type: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`DSSEv1 ${Buffer.byteLength(type)} ${type} ${body.length} `, 'utf8'), body]);
}

d('OpenSSL verifies what Gauntlet signs', () => {
  it.each(['ecdsa-p256', 'ed25519'] as const)('%s: the DSSE signature of report.intoto.jsonl verifies with openssl; a changed byte does not', (algorithm) => {
    const keyDir = join(dir, algorithm);
    const key = loadOrCreateSigningKey({ env: { GAUNTLET_KEY_DIR: keyDir }, algorithm });
    const [env] = parseEnvelopes(attestReport(sampleReport(), key).jsonl);
    const pae = join(dir, `${algorithm}.pae.bin`);
    const sig = join(dir, `${algorithm}.sig`);
    const pub = join(keyDir, PUBLIC_KEY_FILE);
    writeFileSync(pae, paeBytes(env.payloadType, Buffer.from(env.payload, 'base64')));
    writeFileSync(sig, Buffer.from(env.signatures[0].sig, 'base64'));
    const verify = () => (algorithm === 'ed25519'
      ? openssl(['pkeyutl', '-verify', '-pubin', '-inkey', pub, '-rawin', '-in', pae, '-sigfile', sig])
      : openssl(['dgst', '-sha256', '-verify', pub, '-signature', sig, pae]));
    const ok = verify();
    expect(ok.out).toMatch(algorithm === 'ed25519' ? /Signature Verified Successfully/ : /Verified OK/);
    expect(ok.code).toBe(0);

    const tampered = readFileSync(pae);
    tampered[tampered.length - 10] ^= 1; // one byte of the statement
    writeFileSync(pae, tampered);
    const bad = verify();
    expect(bad.code).not.toBe(0);
    expect(bad.out).toMatch(/Verification failure|Signature Verification Failure/);
  });

  it('the keyid is the sha256 of the SPKI DER that openssl exports', () => {
    const keyDir = join(dir, 'fp');
    const key = loadOrCreateSigningKey({ env: { GAUNTLET_KEY_DIR: keyDir } });
    const der = join(dir, 'pub.der');
    expect(openssl(['pkey', '-pubin', '-in', join(keyDir, PUBLIC_KEY_FILE), '-outform', 'DER', '-out', der]).code).toBe(0);
    expect(createHash('sha256').update(readFileSync(der)).digest('hex')).toBe(key.fingerprint);
    const [env] = parseEnvelopes(attestReport(sampleReport(), key).jsonl);
    expect(env.signatures[0].keyid).toBe(key.fingerprint);
  });

  it('the self-issued certificate is a valid self-signed X.509 certificate for the key', () => {
    const keyDir = join(dir, 'cert');
    const key = loadOrCreateSigningKey({ env: { GAUNTLET_KEY_DIR: keyDir } });
    const { source } = loadOrCreateCertificate(key, {});
    expect(openssl(['verify', '-CAfile', source, source]).out).toMatch(/: OK/);
    expect(openssl(['x509', '-in', source, '-noout', '-subject']).out).toContain(`CN = Gauntlet audit signer ${key.fingerprint.slice(0, 16)}`);
    const pubFromCert = openssl(['x509', '-in', source, '-noout', '-pubkey']).out;
    expect(pubFromCert.trim()).toBe(readFileSync(join(keyDir, PUBLIC_KEY_FILE), 'utf8').trim());
  });

  it('the signed PDF\'s CMS verifies with openssl cms over the /ByteRange bytes; altered bytes do not', async () => {
    const keyDir = join(dir, 'pdf');
    const key = loadOrCreateSigningKey({ env: { GAUNTLET_KEY_DIR: keyDir } });
    const pdf = signReportPdf(await pdfkitPdf(1), sampleReport(), key, [], { env: { GAUNTLET_KEY_DIR: keyDir } });
    const [a, b, c, len] = /\/ByteRange \[(\d+) (\d+) (\d+) (\d+)\]/.exec(pdf.toString('latin1'))!.slice(1).map(Number);
    const container = Buffer.from(pdf.toString('latin1', b + 1, c - 1), 'hex');
    const cms = join(dir, 'sig.p7s');
    const content = join(dir, 'signed.bin');
    const cert = join(keyDir, 'signing-cert.pem');
    writeFileSync(cms, readDer(container).raw);
    writeFileSync(content, Buffer.concat([pdf.subarray(a, a + b), pdf.subarray(c, c + len)]));
    const args = ['cms', '-verify', '-binary', '-inform', 'DER', '-in', cms, '-content', content, '-CAfile', cert, '-purpose', 'any', '-out', join(dir, 'out.bin')];
    const ok = openssl(args);
    expect(ok.out).toMatch(/Verification successful/);
    expect(ok.code).toBe(0);
    const altered = readFileSync(content);
    altered[100] ^= 1;
    writeFileSync(content, altered);
    expect(openssl(args).code).not.toBe(0);
  });
});
