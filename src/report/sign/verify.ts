/**
 * Verification of Gauntlet's signed outputs — a DSSE envelope file (report.intoto.jsonl / .json)
 * or a signed PDF — against a public key, and of model/data files against the signed digests.
 * Specs: DSSE protocol (./dsse.ts), in-toto Statement v1 (./statement.ts), CMS (./cms.ts), PDF
 * signatures ISO 32000-1 §12.8 (./pdf-sign.ts).
 *
 * A verification that runs and fails returns `valid: false` with problems in plain words; only
 * unusable input (unreadable file, neither envelope nor PDF, bad arguments) throws (UsageError).
 */
import { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { UsageError } from '../../errors';
import { reportSchema, Verdict } from '../schema';
import { verifySignedData } from './cms';
import { INTOTO_PAYLOAD_TYPE, parseEnvelopes, verifyEnvelope } from './dsse';
import { keyAlgorithm, keyFingerprint } from './keys';
import { decodePdfString, dictGet, parseValue, PdfValue } from './pdf-objects';
import { pdfReportSummarySchema } from './pdf-sign';
import { PREDICATE_TYPE, sha256File, statementSchema, Subject } from './statement';

/** A key the verifier accepts, with where it came from (for messages). */
export interface TrustedKey {
  key: KeyObject;
  source: string;
}

export interface VerifyOptions {
  keys: TrustedKey[];
  /** Model file to check against the signed model digest. */
  model?: string;
  /** Evaluation data file to check against the signed data digest. */
  data?: string;
}

/** The report figures a verifier prints. */
export interface SignedSummary {
  model: Subject;
  data: Subject;
  verdict: Verdict | null;
  cleanAccuracy: number;
  robustAccuracy: number;
  threat: { norm: string; eps: number };
  createdAt: string;
}

/** One signature found in the file. */
export interface SignatureInfo {
  /** Fingerprint of the key that signed (the accepted key that verified it, or the certificate's key; else the keyid claimed). */
  signer: string;
  verified: boolean;
  /** Certificate subject (PDF) or null. */
  certificate: string | null;
  signingTime: string | null;
  /** Free text: PDF /Reason, or which envelope line. */
  note: string;
}

/** A file digest checked against the signed one. */
export interface DigestCheck {
  role: 'model' | 'data';
  file: string;
  sha256: string;
  expected: string;
  ok: boolean;
}

export interface VerifyResult {
  file: string;
  kind: 'dsse' | 'pdf';
  valid: boolean;
  problems: string[];
  /** The keys checked against. */
  keys: { fingerprint: string; algorithm: string; source: string }[];
  signatures: SignatureInfo[];
  subjects: Subject[];
  summary: SignedSummary | null;
  digests: DigestCheck[];
}

function describeKeys(keys: TrustedKey[]): VerifyResult['keys'] {
  return keys.map((k) => ({ fingerprint: keyFingerprint(k.key), algorithm: keyAlgorithm(k.key) ?? String(k.key.asymmetricKeyType), source: k.source }));
}

/** Verifies FILE: a DSSE envelope file or a signed PDF (detected from the content). */
export function verifyFile(file: string, opts: VerifyOptions): VerifyResult {
  if (opts.keys.length === 0) throw new UsageError('no key to verify with: pass --key PUB.pem (the signer\'s signing-key.pub.pem)');
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const digests = checkDigestsFromFiles(opts);
  if (bytes.subarray(0, 5).toString('latin1') === '%PDF-') return finish(verifyPdf(bytes, file, opts.keys), digests);
  const head = bytes.subarray(0, 64).toString('utf8').trimStart();
  if (['.jsonl', '.json'].includes(extname(file).toLowerCase()) || head.startsWith('{')) {
    return finish(verifyEnvelopeText(bytes.toString('utf8'), file, opts.keys), digests);
  }
  throw new UsageError(`${file}: neither a PDF nor a DSSE envelope file (.intoto.jsonl / .json)`);
}

/** Hashes --model/--data up front (an unreadable file is an error, exit 2, not an invalid signature). */
function checkDigestsFromFiles(opts: VerifyOptions): { role: 'model' | 'data'; file: string; sha256: string }[] {
  const out: { role: 'model' | 'data'; file: string; sha256: string }[] = [];
  if (opts.model) out.push({ role: 'model', file: opts.model, sha256: sha256File(opts.model) });
  if (opts.data) out.push({ role: 'data', file: opts.data, sha256: sha256File(opts.data) });
  return out;
}

function finish(r: VerifyResult, files: { role: 'model' | 'data'; file: string; sha256: string }[]): VerifyResult {
  for (const f of files) {
    if (!r.summary) {
      r.problems.push(`cannot check ${f.role} ${f.file}: the signed content names no ${f.role} digest`);
      continue;
    }
    const expected = r.summary[f.role];
    const ok = expected.digest.sha256 === f.sha256;
    r.digests.push({ role: f.role, file: f.file, sha256: f.sha256, expected: expected.digest.sha256, ok });
    if (!ok) r.problems.push(`${f.role} ${f.file} does not match the signed ${f.role} '${expected.name}': its sha256 is ${f.sha256}, the signed digest is ${expected.digest.sha256}`);
  }
  r.valid = r.problems.length === 0;
  return r;
}

/** Verifies the envelopes of a .intoto.jsonl / .json file. */
export function verifyEnvelopeText(text: string, file: string, keys: TrustedKey[]): VerifyResult {
  const r: VerifyResult = { file, kind: 'dsse', valid: false, problems: [], keys: describeKeys(keys), signatures: [], subjects: [], summary: null, digests: [] };
  let envelopes;
  try {
    envelopes = parseEnvelopes(text);
  } catch (e) {
    r.problems.push(`not a valid DSSE envelope file: ${(e as Error).message}`);
    return r;
  }
  const fps = r.keys.map((k) => k.fingerprint);
  envelopes.forEach((env, i) => {
    const where = envelopes.length > 1 ? `envelope ${i + 1}: ` : '';
    let check;
    try {
      check = verifyEnvelope(env, keys.map((k) => k.key));
    } catch (e) {
      r.problems.push(`${where}${(e as Error).message}`);
      return;
    }
    const verified = check.verifiedBy.length > 0;
    r.signatures.push({ signer: verified ? check.verifiedBy[0] : check.keyids[0], verified, certificate: null, signingTime: null, note: `envelope ${i + 1}` });
    if (!verified) {
      const foreign = check.keyids.filter((k) => !fps.includes(k));
      r.problems.push(foreign.length === check.keyids.length
        ? `${where}the signature is by another key (keyid ${foreign.join(', ')}), not ${fps.join(', ')}; pass the signer's public key with --key`
        : `${where}the signature does not verify with key ${fps.join(', ')}: the envelope's payload or signature was altered`);
      return;
    }
    if (env.payloadType !== INTOTO_PAYLOAD_TYPE) {
      r.problems.push(`${where}payloadType is '${env.payloadType}', expected '${INTOTO_PAYLOAD_TYPE}'`);
      return;
    }
    let statement;
    try {
      statement = statementSchema.parse(JSON.parse(check.payload.toString('utf8')));
    } catch (e) {
      r.problems.push(`${where}the signed payload is not an in-toto Statement v1 (${(e as Error).message.split('\n')[0]})`);
      return;
    }
    r.subjects.push(...statement.subject);
    if (statement.predicateType !== PREDICATE_TYPE) {
      r.problems.push(`${where}predicateType is '${statement.predicateType}', not a Gauntlet report (${PREDICATE_TYPE})`);
      return;
    }
    const parsed = reportSchema.safeParse(statement.predicate);
    if (!parsed.success) {
      r.problems.push(`${where}the predicate is not a valid Gauntlet report: ${parsed.error.issues[0].path.join('.')} ${parsed.error.issues[0].message}`);
      return;
    }
    const rep = parsed.data;
    for (const [role, d] of [['model', rep.model], ['data', rep.data]] as const) {
      if (!statement.subject.some((s) => s.digest.sha256 === d.sha256)) r.problems.push(`${where}the subjects do not include the report's ${role} digest ${d.sha256}`);
    }
    r.summary ??= {
      model: { name: rep.model.name, digest: { sha256: rep.model.sha256 } },
      data: { name: rep.data.name, digest: { sha256: rep.data.sha256 } },
      verdict: rep.gate?.verdict ?? null,
      cleanAccuracy: rep.cleanAccuracy,
      robustAccuracy: rep.robustAccuracy,
      threat: rep.threat,
      createdAt: rep.createdAt,
    };
  });
  r.valid = r.problems.length === 0;
  return r;
}

interface PdfSignature {
  byteRange: number[];
  dict: PdfValue;
}

/** Finds signature dictionaries (those with /ByteRange) in a PDF. */
function findPdfSignatures(s: string): PdfSignature[] {
  const out: PdfSignature[] = [];
  const re = /\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g;
  for (let m; (m = re.exec(s));) {
    const objAt = s.lastIndexOf('obj', m.index);
    const dictAt = objAt < 0 ? -1 : s.indexOf('<<', objAt);
    let dict: PdfValue = { t: 'dict', entries: [] };
    try {
      if (dictAt >= 0 && dictAt < m.index) dict = parseValue(s, dictAt)[0];
    } catch {
      // unparsable dictionary: keep the ByteRange, report what is missing below
    }
    out.push({ byteRange: m.slice(1, 5).map(Number), dict });
  }
  return out;
}

function pdfString(dict: PdfValue, key: string): string | null {
  const v = dictGet(dict, key);
  return v?.t === 'raw' && (v.text.startsWith('(') || v.text.startsWith('<')) ? decodePdfString(v.text) : null;
}

/** Verifies the signatures of a PDF; the last one must cover the whole file. */
export function verifyPdf(pdf: Buffer, file: string, keys: TrustedKey[]): VerifyResult {
  const r: VerifyResult = { file, kind: 'pdf', valid: false, problems: [], keys: describeKeys(keys), signatures: [], subjects: [], summary: null, digests: [] };
  const s = pdf.toString('latin1');
  const sigs = findPdfSignatures(s);
  if (sigs.length === 0) {
    r.problems.push('the PDF has no signature (no /ByteRange)');
    return r;
  }
  const fps = r.keys.map((k) => k.fingerprint);
  sigs.forEach((sig, i) => {
    const where = sigs.length > 1 ? `signature ${i + 1}: ` : '';
    const [a, b, c, d] = sig.byteRange;
    if (a !== 0 || b >= c || c + d > pdf.length || s[b] !== '<' || s[c - 1] !== '>') {
      r.problems.push(`${where}malformed /ByteRange [${sig.byteRange.join(' ')}]`);
      return;
    }
    const hex = s.slice(b + 1, c - 1);
    if (!/^[0-9a-fA-F]*$/.test(hex) || hex.length % 2) {
      r.problems.push(`${where}the signature's /Contents is not a hex string (the signature container was altered)`);
      return;
    }
    const container = Buffer.from(hex, 'hex');
    let check;
    try {
      check = verifySignedData(container, Buffer.concat([pdf.subarray(a, a + b), pdf.subarray(c, c + d)]));
    } catch (e) {
      r.problems.push(`${where}the signature container is not a valid CMS SignedData (${(e as Error).message}): it was altered`);
      return;
    }
    const certFp = check.certificate ? keyFingerprint(check.certificate.publicKey) : '(unknown)';
    const cn = check.certificate?.subject.split('\n').find((l) => l.startsWith('CN='))?.slice(3) ?? null;
    r.signatures.push({ signer: certFp, verified: check.valid, certificate: cn, signingTime: check.signingTime?.toISOString() ?? null, note: pdfString(sig.dict, '/Reason') ?? '' });
    r.problems.push(...check.problems.map((p) => `${where}${p}`));
    if (container.subarray(check.length).some((x) => x !== 0)) r.problems.push(`${where}the signature container was altered (non-zero bytes after the CMS structure)`);
    if (check.certificate && !fps.includes(certFp)) {
      r.problems.push(`${where}signed by key ${certFp} (${cn}), not by ${fps.join(', ')}; pass the signer's public key with --key`);
    }
    if (i === sigs.length - 1) {
      if (c + d !== pdf.length) r.problems.push(`the document was changed after signing: ${pdf.length - (c + d)} bytes after the signed range`);
      const summaryHex = dictGet(sig.dict, '/GauntletReport');
      if (summaryHex?.t === 'raw' && summaryHex.text.startsWith('<')) {
        try {
          const sum = pdfReportSummarySchema.parse(JSON.parse(Buffer.from(summaryHex.text.slice(1, -1), 'hex').toString('utf8')));
          r.subjects = sum.subjects;
          r.summary = { model: sum.model, data: sum.data, verdict: sum.verdict, cleanAccuracy: sum.cleanAccuracy, robustAccuracy: sum.robustAccuracy, threat: sum.threat, createdAt: sum.createdAt };
        } catch {
          r.problems.push('the signature dictionary\'s /GauntletReport is not a readable report summary');
        }
      }
    }
  });
  r.valid = r.problems.length === 0;
  return r;
}
