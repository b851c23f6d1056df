/**
 * Embedded PDF signatures (ISO 32000-1 §12.8, adbe.pkcs7.detached): an incremental update appends
 * a signature dictionary, an invisible signature widget on page 1, the AcroForm entry (SigFlags 3)
 * and a cross-reference section; /ByteRange covers the whole file except the /Contents hex string,
 * which receives a detached CMS SignedData (./cms.ts) over those bytes.
 *
 * The CMS is signed by the Gauntlet signing key itself, with a self-issued certificate bound to it
 * (./cert.ts) or a user-supplied one. @signpdf was not used: its signers go through node-forge
 * (RSA only, so the certificate could not be bound to a P-256/Ed25519 key) and
 * @signpdf/placeholder-plain pulls @signpdf/placeholder-pdfkit010, whose peer dependency pdfkit
 * ~0.10 makes npm nest a second, old pdfkit (~100 packages). docs/signing.md records the decision.
 *
 * The signature dictionary also carries `/GauntletReport`: a hex string of UTF-8 JSON
 * ({ subjects, verdict, robustAccuracy, … }) inside the signed bytes, so `gauntlet verify` can check
 * --model/--data against a PDF alone.
 */
import { X509Certificate } from 'node:crypto';
import { z } from 'zod';
import { DataError, UsageError } from '../../errors';
import { GAUNTLET_VERSION } from '../../version';
import { Report, VERDICTS } from '../../schema/report';
import { buildSignedData } from './cms';
import { loadOrCreateCertificate, parseCertificate } from './cert';
import { SigningKey } from './keys';
import { dictGet, dictSet, pdfTextString, PdfValue, readObject, readXref, serialize, XrefInfo } from './pdf-objects';
import { reportSubjects, Subject, subjectSchema } from './statement';

/** Bytes reserved for the CMS structure (hex-encoded in the file: twice as many characters). */
export const SIGNATURE_BYTES = 8192;
const BYTE_RANGE_PLACEHOLDER = '/ByteRange [0 /********** /********** /**********]';

/** What the signature dictionary says about the report (signed with it); `subjects` = model, data, extra artifacts. */
export const pdfReportSummarySchema = z.object({
  model: subjectSchema,
  data: subjectSchema,
  subjects: z.array(subjectSchema),
  verdict: z.enum(VERDICTS).nullable(),
  cleanAccuracy: z.number(),
  robustAccuracy: z.number(),
  threat: z.object({ norm: z.string(), eps: z.number() }),
  createdAt: z.string(),
  schema: z.string(),
});
export type PdfReportSummary = z.infer<typeof pdfReportSummarySchema>;

/** The summary of a report for the signature dictionary; `extra` adds subjects (e.g. adversarial.npz). */
export function pdfReportSummary(report: Report, extra: Subject[] = []): PdfReportSummary {
  const [model, data] = reportSubjects(report);
  return {
    model,
    data,
    subjects: [model, data, ...extra],
    verdict: report.gate?.verdict ?? null,
    cleanAccuracy: report.cleanAccuracy,
    robustAccuracy: report.robustAccuracy,
    threat: report.threat,
    createdAt: report.createdAt,
    schema: report.schema,
  };
}

export interface SignPdfOptions {
  /** PEM certificate for the key (default: GAUNTLET_SIGNING_CERT or the cached self-issued one). */
  certificate?: string | X509Certificate;
  /** Summary of the signed report (subjects, verdict …), stored in the signature dictionary. */
  summary?: PdfReportSummary;
  /** /Reason shown by PDF readers (default derived from the summary). */
  reason?: string;
  signingTime?: Date;
  env?: NodeJS.ProcessEnv;
}

function pdfDate(d: Date): string {
  return `D:${d.toISOString().slice(0, 19).replace(/[-T:]/g, '')}Z`;
}

function asRef(v: PdfValue | undefined, what: string): { num: number; gen: number } {
  if (v?.t !== 'ref') throw new DataError(`PDF: ${what} is not an indirect reference`);
  return v;
}

/** The first page's object number, walking /Pages → /Kids. */
function firstPage(s: string, xref: XrefInfo, catalog: PdfValue): number {
  let node = asRef(dictGet(catalog, '/Pages'), 'catalog /Pages');
  for (let depth = 0; depth < 64; depth++) {
    const { value } = readObject(s, xref, node.num);
    const type = dictGet(value, '/Type');
    if (type?.t === 'raw' && type.text === '/Page') return node.num;
    const kids = dictGet(value, '/Kids');
    if (kids?.t !== 'array' || kids.items.length === 0) throw new DataError('PDF: the page tree has no pages');
    node = asRef(kids.items[0], 'page tree /Kids');
  }
  throw new DataError('PDF: page tree too deep');
}

/** Appends `ref` to an array held by key `key` of `dict`: inline, indirect (rewritten) or new. */
function appendToArray(s: string, xref: XrefInfo, dict: PdfValue, key: string, ref: PdfValue, rewrite: Map<number, { gen: number; value: PdfValue }>): void {
  const cur = dictGet(dict, key);
  if (cur === undefined) dictSet(dict, key, { t: 'array', items: [ref] });
  else if (cur.t === 'array') cur.items.push(ref);
  else if (cur.t === 'ref') {
    const obj = rewrite.get(cur.num) ?? readObject(s, xref, cur.num);
    if (obj.value.t !== 'array') throw new DataError(`PDF: ${key} does not refer to an array`);
    obj.value.items.push(ref);
    rewrite.set(cur.num, { gen: obj.gen, value: obj.value });
  } else throw new DataError(`PDF: unexpected ${key} value`);
}

/** The PDF with an unsigned signature field appended; returns the bytes and where the placeholders are. */
function addPlaceholder(pdf: Buffer, sigDictExtras: string): Buffer {
  const s = pdf.toString('latin1');
  if (!s.startsWith('%PDF-')) throw new DataError('not a PDF file (no %PDF- header)');
  const xref = readXref(s);
  const rootRef = asRef(dictGet(xref.trailer, '/Root'), 'trailer /Root');
  const size = Number((dictGet(xref.trailer, '/Size') as { text?: string } | undefined)?.text ?? NaN);
  if (!Number.isInteger(size)) throw new DataError('PDF: trailer has no /Size');
  const catalog = readObject(s, xref, rootRef.num);
  const pageNum = firstPage(s, xref, catalog.value);
  const page = readObject(s, xref, pageNum);
  if (catalog.stream || page.stream) throw new DataError('PDF: catalog or page is a stream object');

  let next = size;
  const sigNum = next++;
  const widgetNum = next++;
  const rewrite = new Map<number, { gen: number; value: PdfValue }>();
  const added: { num: number; text: string }[] = [];
  const widgetRef: PdfValue = { t: 'ref', num: widgetNum, gen: 0 };

  const fieldCount = (s.match(/\/FT\s*\/Sig\b/g) ?? []).length + 1;
  const sigDict = `<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached ${BYTE_RANGE_PLACEHOLDER} `
    + `/Contents <${'0'.repeat(SIGNATURE_BYTES * 2)}> ${sigDictExtras} >>`;
  added.push({ num: sigNum, text: sigDict });
  added.push({
    num: widgetNum,
    text: `<< /Type /Annot /Subtype /Widget /FT /Sig /T ${pdfTextString(`Gauntlet signature ${fieldCount}`)} /F 132 /Rect [0 0 0 0] /V ${sigNum} 0 R /P ${pageNum} ${page.gen} R >>`,
  });

  rewrite.set(pageNum, { gen: page.gen, value: page.value });
  appendToArray(s, xref, page.value, '/Annots', widgetRef, rewrite);

  const acro = dictGet(catalog.value, '/AcroForm');
  let form: PdfValue;
  if (acro === undefined) {
    const formNum = next++;
    form = { t: 'dict', entries: [] };
    added.push({ num: formNum, text: '' }); // filled below, after /Fields is set
    dictSet(catalog.value, '/AcroForm', { t: 'ref', num: formNum, gen: 0 });
    rewrite.set(rootRef.num, { gen: catalog.gen, value: catalog.value });
    appendToArray(s, xref, form, '/Fields', widgetRef, rewrite);
    dictSet(form, '/SigFlags', { t: 'raw', text: '3' });
    added[added.length - 1].text = serialize(form);
  } else {
    if (acro.t === 'ref') {
      const obj = readObject(s, xref, acro.num);
      form = obj.value;
      rewrite.set(acro.num, { gen: obj.gen, value: form });
    } else {
      form = acro;
      rewrite.set(rootRef.num, { gen: catalog.gen, value: catalog.value });
    }
    if (form.t !== 'dict') throw new DataError('PDF: /AcroForm is not a dictionary');
    appendToArray(s, xref, form, '/Fields', widgetRef, rewrite);
    dictSet(form, '/SigFlags', { t: 'raw', text: '3' });
  }

  let out = s.endsWith('\n') ? s : `${s}\n`;
  const offsets = new Map<number, { offset: number; gen: number }>();
  const write = (num: number, gen: number, body: string) => {
    offsets.set(num, { offset: out.length, gen });
    out += `${num} ${gen} obj\n${body}\nendobj\n`;
  };
  for (const [num, { gen, value }] of rewrite) write(num, gen, serialize(value));
  for (const a of added) write(a.num, 0, a.text);

  const xrefAt = out.length;
  const nums = [...offsets.keys()].sort((a, b) => a - b);
  let section = 'xref\n';
  for (let i = 0; i < nums.length;) {
    let j = i;
    while (j + 1 < nums.length && nums[j + 1] === nums[j] + 1) j++;
    section += `${nums[i]} ${j - i + 1}\n`;
    for (let k = i; k <= j; k++) {
      const e = offsets.get(nums[k])!;
      section += `${String(e.offset).padStart(10, '0')} ${String(e.gen).padStart(5, '0')} n \n`;
    }
    i = j + 1;
  }
  const trailer: PdfValue = { t: 'dict', entries: [['/Size', { t: 'raw', text: String(next) }], ['/Root', dictGet(xref.trailer, '/Root')!], ['/Prev', { t: 'raw', text: String(xref.startxref) }]] };
  for (const k of ['/Info', '/ID']) { const v = dictGet(xref.trailer, k); if (v) dictSet(trailer, k, v); }
  out += `${section}trailer\n${serialize(trailer)}\nstartxref\n${xrefAt}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/**
 * Signs a PDF: appends a signature field and embeds a CMS SignedData made with `key` and a
 * certificate bound to it. Returns the signed PDF.
 */
export function signPdf(pdf: Buffer, key: SigningKey, opts: SignPdfOptions = {}): Buffer {
  const cert = opts.certificate === undefined ? loadOrCreateCertificate(key, opts.env).cert
    : typeof opts.certificate === 'string' ? parseCertificate(opts.certificate, 'certificate') : opts.certificate;
  if (!cert.checkPrivateKey(key.privateKey)) throw new UsageError(`the certificate (${cert.subject.replace(/\n/g, ', ')}) is not for the signing key ${key.fingerprint}`);
  const time = opts.signingTime ?? new Date();
  const summary = opts.summary;
  const reason = opts.reason ?? (summary
    ? `Gauntlet robustness audit of ${summary.model.name}: robust accuracy ${(summary.robustAccuracy * 100).toFixed(1)}% at ${summary.threat.norm} eps=${summary.threat.eps}${summary.verdict ? `, verdict ${summary.verdict}` : ''}`
    : 'Gauntlet robustness audit report');
  const extras = [
    `/M ${pdfTextString(pdfDate(time))}`,
    `/Name ${pdfTextString(cert.subject.split('\n').find((l) => l.startsWith('CN='))?.slice(3) ?? 'Gauntlet')}`,
    `/Reason ${pdfTextString(reason)}`,
    `/Prop_Build << /App << /Name /Gauntlet /REx ${pdfTextString(GAUNTLET_VERSION)} >> >>`,
    ...(summary ? [`/GauntletReport <${Buffer.from(JSON.stringify(summary), 'utf8').toString('hex')}>`] : []),
  ].join(' ');
  const withField = addPlaceholder(pdf, extras);

  const s = withField.toString('latin1');
  const brAt = s.lastIndexOf(BYTE_RANGE_PLACEHOLDER);
  const contentsAt = s.indexOf('/Contents <', brAt) + '/Contents '.length;
  const gapEnd = contentsAt + SIGNATURE_BYTES * 2 + 2;
  const range = [0, contentsAt, gapEnd, withField.length - gapEnd];
  const actual = `/ByteRange [${range.join(' ')}]`.padEnd(BYTE_RANGE_PLACEHOLDER.length, ' ');
  withField.write(actual, brAt, 'latin1');
  const signed = Buffer.concat([withField.subarray(0, range[1]), withField.subarray(range[2])]);
  const cms = buildSignedData({ content: signed, privateKey: key.privateKey, certificate: cert, signingTime: time });
  if (cms.length > SIGNATURE_BYTES) throw new DataError(`the signature (${cms.length} bytes) does not fit the ${SIGNATURE_BYTES}-byte placeholder`);
  withField.write(cms.toString('hex'), contentsAt + 1, 'latin1');
  return withField;
}

/**
 * A warning for keys whose PDF signatures standard PDF tools cannot check, or null. Ed25519 CMS
 * (RFC 8419) verifies with `gauntlet verify`, but neither poppler 22.12 (NSS 3.87) nor OpenSSL 3.0's
 * CMS support it (both measured on Debian 12).
 */
export function pdfSignatureWarning(key: SigningKey): string | null {
  return key.algorithm === 'ed25519'
    ? 'the PDF is signed with Ed25519 (RFC 8419): `gauntlet verify` checks it, but pdfsig 22.12 with NSS 3.87 (Debian 12) reports it as corrupted, and other PDF readers may not support it either; use an ECDSA P-256 key (the default) for PDFs reviewers open in standard tools'
    : null;
}
