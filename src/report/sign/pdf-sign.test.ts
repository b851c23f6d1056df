import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleReport } from '../../audit/testing/sample-report';
import { selfIssuedCertificate } from './cert';
import { loadOrCreateSigningKey } from './keys';
import { dictGet, readObject, readXref } from './pdf-objects';
import { pdfReportSummary, pdfSignatureWarning, SIGNATURE_BYTES, signPdf } from './pdf-sign';
import { pdfkitPdf, pdfWithInlineAcroForm } from './testing/pdfs';
import { verifyPdf } from './verify';

const root = mkdtempSync(join(tmpdir(), 'gauntlet-pdfsign-'));
const env = { GAUNTLET_KEY_DIR: join(root, 'keys') };
const key = loadOrCreateSigningKey({ env });
const trusted = [{ key: key.publicKey, source: 'test' }];

function byteRange(pdf: Buffer): number[] {
  const m = /\/ByteRange \[(\d+) (\d+) (\d+) (\d+)\]/.exec(pdf.toString('latin1').slice(-(SIGNATURE_BYTES * 2 + 4000)));
  return m!.slice(1).map(Number);
}

describe('signPdf', () => {
  it('appends an incremental update whose /ByteRange covers the whole file except the /Contents hex string', async () => {
    const pdf = await pdfkitPdf(2);
    const signed = signPdf(pdf, key, { env });
    expect(signed.subarray(0, pdf.length).equals(pdf)).toBe(true); // original bytes untouched
    const [a, b, c, d] = byteRange(signed);
    expect(a).toBe(0);
    expect(c + d).toBe(signed.length);
    expect(c - b).toBe(SIGNATURE_BYTES * 2 + 2);
    expect(signed.toString('latin1', b, b + 1)).toBe('<');
    expect(signed.toString('latin1', c - 1, c)).toBe('>');
    const r = verifyPdf(signed, 'signed.pdf', trusted);
    expect(r.problems).toEqual([]);
    expect(r.signatures).toEqual([expect.objectContaining({ signer: key.fingerprint, verified: true, certificate: expect.stringContaining('Gauntlet audit signer') })]);
  });

  it('the catalog gets an AcroForm with SigFlags 3 and the first page an invisible signature widget', async () => {
    const signed = signPdf(await pdfkitPdf(1), key, { env }).toString('latin1');
    const xref = readXref(signed);
    const catalog = readObject(signed, xref, (dictGet(xref.trailer, '/Root') as { num: number }).num).value;
    const formRef = dictGet(catalog, '/AcroForm') as { num: number };
    const form = readObject(signed, xref, formRef.num).value;
    expect(dictGet(form, '/SigFlags')).toEqual({ t: 'raw', text: '3' });
    const widgetRef = (dictGet(form, '/Fields') as { items: { num: number }[] }).items[0];
    const widget = readObject(signed, xref, widgetRef.num).value;
    expect(dictGet(widget, '/FT')).toEqual({ t: 'raw', text: '/Sig' });
    expect(dictGet(widget, '/Rect')).toEqual({ t: 'array', items: ['0', '0', '0', '0'].map((text) => ({ t: 'raw', text })) });
  });

  it('records the report summary (subjects, verdict, figures) inside the signed range', async () => {
    const report = sampleReport();
    const extra = [{ name: 'adversarial.npz', digest: { sha256: 'c'.repeat(64) } }];
    const signed = signPdf(await pdfkitPdf(1), key, { env, summary: pdfReportSummary(report, extra) });
    const r = verifyPdf(signed, 'r.pdf', trusted);
    expect(r.valid).toBe(true);
    expect(r.subjects.map((s) => s.name)).toEqual([report.model.name, report.data.name, 'adversarial.npz']);
    expect(r.summary).toMatchObject({ robustAccuracy: report.robustAccuracy, cleanAccuracy: report.cleanAccuracy, createdAt: report.createdAt, model: { digest: { sha256: report.model.sha256 } } });
    expect(r.signatures[0].note).toMatch(/robust accuracy 50\.0% at linf eps=0\.1/);
    const at = signed.indexOf('/GauntletReport');
    const [, b] = byteRange(signed);
    expect(at).toBeGreaterThan(0);
    expect(at).toBeGreaterThan(b); // after the gap, i.e. in the second signed range
  });

  it('handles an inline /AcroForm and an indirect /Annots array, and can sign a signed PDF again', () => {
    const once = signPdf(pdfWithInlineAcroForm(), key, { env });
    expect(verifyPdf(once, 'once.pdf', trusted).problems).toEqual([]);
    const s = once.toString('latin1');
    const xref = readXref(s);
    expect(readObject(s, xref, 6).value).toEqual({ t: 'array', items: [expect.objectContaining({ t: 'ref' })] });
    const twice = signPdf(once, key, { env });
    const r = verifyPdf(twice, 'twice.pdf', trusted);
    expect(r.problems).toEqual([]);
    expect(r.signatures).toHaveLength(2);
  });

  it('refuses a certificate for another key and input that is not a PDF', async () => {
    const other = loadOrCreateSigningKey({ env: { GAUNTLET_KEY_DIR: join(root, 'other') } });
    const pdf = await pdfkitPdf(1);
    expect(() => signPdf(pdf, key, { certificate: selfIssuedCertificate(other) })).toThrow(/is not for the signing key/);
    expect(() => signPdf(Buffer.from('hello'), key, { env })).toThrow(/not a PDF/);
  });

  it('warns that Ed25519 PDF signatures are not checked by common PDF tools', () => {
    const ed = loadOrCreateSigningKey({ env: { GAUNTLET_KEY_DIR: join(root, 'ed') }, algorithm: 'ed25519' });
    expect(pdfSignatureWarning(ed)).toMatch(/Ed25519.*P-256/);
    expect(pdfSignatureWarning(key)).toBeNull();
  });
});
