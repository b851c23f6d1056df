/**
 * Signed PDFs checked by poppler's pdfsig (Debian poppler-utils), an independent PDF client: it
 * must report the signature valid and the whole document signed; after tampering it must not —
 * and `gauntlet verify` must agree with it each time. The signed PDF must still render (pdftoppm).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleReport } from '../src/audit/testing/sample-report';
import { loadOrCreateSigningKey, signPdf, signReportPdf, verifyPdf } from '../src/report/sign';
import { pdfkitPdf, pdfWithInlineAcroForm } from '../src/report/sign/testing/pdfs';

const dir = mkdtempSync(join(tmpdir(), 'gauntlet-pdfsig-'));
process.env.GAUNTLET_KEY_DIR = join(dir, 'default-keys'); // never the real home
const env = { GAUNTLET_KEY_DIR: join(dir, 'keys') };
const have = (tool: string) => spawnSync(tool, ['-v'], { encoding: 'utf8' }).error === undefined;
const SKIP = have('pdfsig') ? undefined : 'pdfsig is not installed (apt-get install poppler-utils)';
if (SKIP) console.warn(`skipping pdfsig cross-checks: ${SKIP}`);
const d = SKIP ? describe.skip : describe;

function pdfsig(pdf: Buffer, name: string): string {
  const file = join(dir, name);
  writeFileSync(file, pdf);
  const r = spawnSync('pdfsig', [file], { encoding: 'utf8' });
  return `${r.stdout}${r.stderr}`;
}

d('pdfsig and gauntlet verify agree', () => {
  const key = loadOrCreateSigningKey({ env });
  const trusted = [{ key: key.publicKey, source: 'test' }];
  let signed: Buffer;
  beforeAll(async () => {
    signed = signReportPdf(await pdfkitPdf(3), sampleReport(), key, [], { env });
  });

  it('a signed report PDF: "Signature is Valid", "Total document signed", adbe.pkcs7.detached, our signer', () => {
    const out = pdfsig(signed, 'signed.pdf');
    expect(out).toMatch(/Signature Validation: Signature is Valid\./);
    expect(out).toMatch(/- Total document signed/);
    expect(out).toMatch(/Signature Type: adbe\.pkcs7\.detached/);
    expect(out).toContain(`Signer Certificate Common Name: Gauntlet audit signer ${key.fingerprint.slice(0, 16)}`);
    expect(out).toMatch(/Signing Hash Algorithm: SHA-256/);
    expect(verifyPdf(signed, 'signed.pdf', trusted).valid).toBe(true);
  });

  it('one changed byte inside the signed range: pdfsig no longer reports it valid, nor do we', () => {
    const t = Buffer.from(signed);
    t[300] ^= 0x01;
    const out = pdfsig(t, 'inside.pdf');
    expect(out).not.toMatch(/Signature is Valid/);
    expect(out).toMatch(/Digest Mismatch|corrupted/);
    expect(verifyPdf(t, 'inside.pdf', trusted).problems[0]).toMatch(/signed bytes were modified/);
  });

  it('one changed byte in the signature container (outside the signed range): neither accepts it', () => {
    const b = Number(/\/ByteRange \[0 (\d+)/.exec(signed.toString('latin1'))![1]);
    const t = Buffer.from(signed);
    t[b + 300] = t[b + 300] === 0x61 ? 0x62 : 0x61; // another hex digit inside the CMS
    expect(pdfsig(t, 'container.pdf')).not.toMatch(/Signature is Valid/);
    expect(verifyPdf(t, 'container.pdf', trusted).valid).toBe(false);
  });

  it('bytes appended after signing: pdfsig says "Not total document signed", we say the document changed', () => {
    const t = Buffer.concat([signed, Buffer.from('1 0 obj\n<< >>\nendobj\n')]);
    expect(pdfsig(t, 'appended.pdf')).toMatch(/Not total document signed/);
    expect(verifyPdf(t, 'appended.pdf', trusted).problems.join()).toMatch(/changed after signing/);
  });

  it('a PDF with an inline AcroForm, signed twice: pdfsig validates both signatures', () => {
    const twice = signPdf(signPdf(pdfWithInlineAcroForm(), key, { env }), key, { env });
    const out = pdfsig(twice, 'twice.pdf');
    expect(out.match(/Signature is Valid\./g)).toHaveLength(2);
    expect(out).toMatch(/Signature #2:[\s\S]*Total document signed/);
  });

  it('Ed25519: pdfsig reads the signature structure; gauntlet verify validates it (pdfsig 22.12/NSS 3.87 cannot, see docs/signing.md)', async () => {
    const ed = loadOrCreateSigningKey({ env: { GAUNTLET_KEY_DIR: join(dir, 'ed') }, algorithm: 'ed25519' });
    const pdf = signPdf(await pdfkitPdf(1), ed, { env: { GAUNTLET_KEY_DIR: join(dir, 'ed') } });
    const out = pdfsig(pdf, 'ed25519.pdf');
    expect(out).toMatch(/Signature Type: adbe\.pkcs7\.detached/);
    expect(out).toMatch(/- Total document signed/);
    expect(out).toMatch(/Signing Hash Algorithm: SHA-512/);
    // pdfsig 22.12 with NSS 3.87 prints "Signature Validation: Document isn't signed or corrupted data." here.
    expect(verifyPdf(pdf, 'ed25519.pdf', [{ key: ed.publicKey, source: 'test' }]).valid).toBe(true);
  });

  (have('pdftoppm') ? it : it.skip)('the signed PDF still renders every page (pdftoppm)', () => {
    const file = join(dir, 'render.pdf');
    writeFileSync(file, signed);
    const r = spawnSync('pdftoppm', ['-r', '10', '-png', file, join(dir, 'page')], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(readdirSync(dir).filter((f) => /^page-\d+\.png$/.test(f))).toHaveLength(3);
  });
});
