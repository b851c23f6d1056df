/**
 * Verification of Gauntlet's signed outputs — a DSSE envelope file (report.intoto.jsonl / .json)
 * or a signed PDF — against a public key, and of model/data files against the signed digests.
 * Specs: DSSE protocol (./dsse.ts), in-toto Statement v1 (./statement.ts), CMS (./cms.ts), PDF
 * signatures ISO 32000-1 §12.8 (./pdf-sign.ts).
 *
 * A verification that runs and fails returns `valid: false` with problems in plain words; only
 * unusable input (unreadable file, neither envelope nor PDF, bad arguments) throws (UsageError).
 *
 * Strictness: every signature is reported (valid / invalid / unknown-key) and, by default, all of
 * them must verify; JSON with a repeated key is refused (../../util/strict-json.ts); PDF signatures
 * are found in one linear pass and capped (PDF_VERIFY_LIMITS). Messages name files only by the
 * caller's display names (`names`), so a service never shows its own paths.
 */
import { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { UsageError } from '../../errors';
import { parseJsonStrict } from '../../util/strict-json';
import { reportSchema, Verdict } from '../../schema/report';
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
  /**
   * What results and messages call the file, model and data (default: their paths). The service
   * passes the uploads' filenames: no message can then name a server path.
   */
  names?: { file?: string; model?: string; data?: string };
  /** Which signatures must verify (default 'all'). */
  policy?: SignaturePolicy;
}

/**
 * `all`: every signature must verify with an accepted key (a bad or foreign extra signature makes
 * the file invalid); `any`: one verified signature per envelope suffices, as plain DSSE says, and
 * for a PDF one that covers the whole file; the others are still listed with their status.
 */
export type SignaturePolicy = 'all' | 'any';
export const SIGNATURE_POLICIES = ['all', 'any'] as const;

/** Caps on what a PDF may hold before it is refused unchecked (the work stays linear in its size). */
export const PDF_VERIFY_LIMITS = {
  /** Signature dictionaries (/ByteRange entries). */
  maxSignatures: 16,
  /** Bytes of one signature's /Contents (a CMS container with a certificate chain and timestamp is a few KiB). */
  maxContentsBytes: 256 * 1024,
} as const;

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
  /** Free text: PDF /Reason, or which envelope and signature. */
  note: string;
  /**
   * valid: an accepted key verifies it; invalid: it is broken or altered (or names an accepted
   * key it does not verify with); unknown-key: intact or not, it is by a key not accepted.
   */
  status: SignatureStatus;
}

export type SignatureStatus = 'valid' | 'invalid' | 'unknown-key';

/** A file digest checked against the signed one. */
export interface DigestCheck {
  role: 'model' | 'data';
  file: string;
  sha256: string;
  expected: string;
  ok: boolean;
}

export interface VerifyResult {
  /** The file's display name. */
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
  const name = opts.names?.file ?? file;
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    if (!(e as NodeJS.ErrnoException).code) throw e; // not the file's fault: e.g. an allocation failure under a memory cap
    throw new UsageError(`cannot read ${name}: ${(e as NodeJS.ErrnoException).code}`);
  }
  const digests = checkDigestsFromFiles(opts);
  const policy = opts.policy ?? 'all';
  if (bytes.subarray(0, 5).toString('latin1') === '%PDF-') return finish(verifyPdf(bytes, name, opts.keys, policy), digests);
  const head = bytes.subarray(0, 64).toString('utf8').trimStart();
  if (['.jsonl', '.json'].includes(extname(name).toLowerCase()) || head.startsWith('{')) {
    return finish(verifyEnvelopeText(bytes.toString('utf8'), name, opts.keys, policy), digests);
  }
  throw new UsageError(`${name}: neither a PDF nor a DSSE envelope file (.intoto.jsonl / .json)`);
}

/** Hashes --model/--data up front (an unreadable file is an error, exit 2, not an invalid signature). */
function checkDigestsFromFiles(opts: VerifyOptions): { role: 'model' | 'data'; file: string; sha256: string }[] {
  const out: { role: 'model' | 'data'; file: string; sha256: string }[] = [];
  for (const role of ['model', 'data'] as const) {
    const path = opts[role];
    if (!path) continue;
    const name = opts.names?.[role] ?? path;
    out.push({ role, file: name, sha256: sha256File(path, name) });
  }
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

/** Verifies the envelopes of a .intoto.jsonl / .json file; `file` is the name messages use. */
export function verifyEnvelopeText(text: string, file: string, keys: TrustedKey[], policy: SignaturePolicy = 'all'): VerifyResult {
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
    const many = check.signatures.length > 1;
    check.signatures.forEach((sig, j) => {
      r.signatures.push({
        signer: sig.verifiedBy ?? sig.keyid ?? '(none)', verified: sig.status === 'valid', status: sig.status,
        certificate: null, signingTime: null, note: many ? `envelope ${i + 1}, signature ${j + 1}` : `envelope ${i + 1}`,
      });
    });
    const verified = check.verifiedBy.length > 0;
    if (!verified) {
      const foreign = check.keyids.filter((k) => !fps.includes(k));
      r.problems.push(foreign.length === check.keyids.length
        ? `${where}the signature is by another key (keyid ${foreign.join(', ')}), not ${fps.join(', ')}; pass the signer's public key with --key`
        : `${where}the signature does not verify with key ${fps.join(', ')}: the envelope's payload or signature was altered`);
      return;
    }
    if (policy === 'all') {
      check.signatures.forEach((sig, j) => {
        if (sig.status === 'valid') return;
        const which = `${where}signature ${j + 1} of ${check.signatures.length} (keyid ${sig.keyid ?? '(none)'})`;
        r.problems.push(sig.status === 'invalid'
          ? `${which} is invalid: it does not verify with key ${fps.join(', ')} (altered or forged); every signature must verify (signature policy 'all')`
          : `${which} is by a key that is not accepted; every signature must verify (signature policy 'all'): pass that key too, or drop the signature`);
      });
    }
    if (env.payloadType !== INTOTO_PAYLOAD_TYPE) {
      r.problems.push(`${where}payloadType is '${env.payloadType}', expected '${INTOTO_PAYLOAD_TYPE}'`);
      return;
    }
    let statement;
    try {
      statement = statementSchema.parse(parseJsonStrict(check.payload.toString('utf8')));
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

/** A /ByteRange found in the file, with the dictionary around it (or why it is unusable). */
interface PdfSignature {
  /** The four integers [a b c d], or null when /ByteRange is not such an array. */
  byteRange: number[] | null;
  dict: PdfValue;
  /** Keys the dictionary repeats. */
  duplicateKeys: string[];
}

const BYTE_RANGE = '/ByteRange';

/**
 * Finds the signature dictionaries (those with /ByteRange) of a PDF in one forward pass: the
 * /ByteRange tokens and the `obj` keywords are each scanned once, and each dictionary is parsed
 * once however many /ByteRange entries it holds. Returns null when there are more than
 * `maxSignatures` (the caller refuses the file unchecked).
 */
function findPdfSignatures(s: string, maxSignatures: number): PdfSignature[] | null {
  const at: number[] = [];
  for (let i = s.indexOf(BYTE_RANGE); i >= 0; i = s.indexOf(BYTE_RANGE, i + BYTE_RANGE.length)) {
    if (isRegularChar(s[i + BYTE_RANGE.length])) continue; // /ByteRangeX is another name
    if (at.push(i) > maxSignatures) return null;
  }
  const objRe = /(?<![A-Za-z])obj(?![A-Za-z])/g;
  let lastObj = -1;
  let nextObj = objRe.exec(s);
  const dicts = new Map<number, { dict: PdfValue; duplicateKeys: string[] }>();
  return at.map((idx) => {
    while (nextObj && nextObj.index < idx) {
      lastObj = nextObj.index;
      nextObj = objRe.exec(s);
    }
    const dictAt = lastObj < 0 ? -1 : s.indexOf('<<', lastObj);
    let found = dicts.get(dictAt);
    if (!found) {
      found = { dict: { t: 'dict', entries: [] }, duplicateKeys: [] };
      try {
        if (dictAt >= 0 && dictAt < idx) found.dict = parseValue(s, dictAt)[0];
      } catch {
        // unparsable dictionary: keep the ByteRange, report what is missing below
      }
      if (found.dict.t === 'dict') {
        const keys = found.dict.entries.map(([k]) => k);
        found.duplicateKeys = [...new Set(keys.filter((k, i) => keys.indexOf(k) !== i))];
      }
      dicts.set(dictAt, found);
    }
    let byteRange: number[] | null = null;
    try {
      const [v] = parseValue(s, idx + BYTE_RANGE.length);
      if (v.t === 'array' && v.items.length === 4 && v.items.every((x) => x.t === 'raw' && /^\d{1,15}$/.test(x.text))) {
        byteRange = v.items.map((x) => Number((x as { text: string }).text));
      }
    } catch {
      // not an array: malformed
    }
    return { byteRange, dict: found.dict, duplicateKeys: found.duplicateKeys };
  });
}

function isRegularChar(c: string | undefined): boolean {
  return c !== undefined && !'\0\t\n\f\r ()<>[]{}/%'.includes(c);
}

function pdfString(dict: PdfValue, key: string): string | null {
  const v = dictGet(dict, key);
  return v?.t === 'raw' && (v.text.startsWith('(') || v.text.startsWith('<')) ? decodePdfString(v.text) : null;
}

/**
 * Verifies the signatures of a PDF (`file` is the name messages use); the last one must cover the
 * whole file. More than PDF_VERIFY_LIMITS.maxSignatures /ByteRange entries, or a /Contents above
 * maxContentsBytes, is refused without further work.
 */
export function verifyPdf(pdf: Buffer, file: string, keys: TrustedKey[], policy: SignaturePolicy = 'all'): VerifyResult {
  const r: VerifyResult = { file, kind: 'pdf', valid: false, problems: [], keys: describeKeys(keys), signatures: [], subjects: [], summary: null, digests: [] };
  const s = pdf.toString('latin1');
  const { maxSignatures, maxContentsBytes } = PDF_VERIFY_LIMITS;
  const sigs = findPdfSignatures(s, maxSignatures);
  if (sigs === null) {
    r.problems.push(`the PDF has more than ${maxSignatures} signature dictionaries (/ByteRange entries), the most accepted: refused unchecked`);
    return r;
  }
  if (sigs.length === 0) {
    r.problems.push('the PDF has no signature (no /ByteRange)');
    return r;
  }
  const fps = r.keys.map((k) => k.fingerprint);
  /** Problems that only say a signature is not (or not by an accepted key) valid: policy 'any' may forgive them. */
  const signatureProblems: string[] = [];
  let validCoversAll = false;
  const invalid = (note: string) => r.signatures.push({ signer: '(unknown)', verified: false, status: 'invalid', certificate: null, signingTime: null, note });
  sigs.forEach((sig, i) => {
    const where = sigs.length > 1 ? `signature ${i + 1}: ` : '';
    if (sig.duplicateKeys.length) r.problems.push(`${where}the signature dictionary repeats ${sig.duplicateKeys.join(', ')}: a signed document must have one meaning`);
    const [a, b, c, d] = sig.byteRange ?? [];
    if (!sig.byteRange || a !== 0 || b >= c || c + d > pdf.length || s[b] !== '<' || s[c - 1] !== '>') {
      r.problems.push(`${where}malformed /ByteRange${sig.byteRange ? ` [${sig.byteRange.join(' ')}]` : ' (not an array of four offsets)'}`);
      invalid('malformed /ByteRange');
      return;
    }
    if ((c - b - 2) / 2 > maxContentsBytes) {
      r.problems.push(`${where}the signature's /Contents is ${Math.floor((c - b - 2) / 2)} bytes; at most ${maxContentsBytes} are accepted`);
      invalid('oversized /Contents');
      return;
    }
    const hex = s.slice(b + 1, c - 1);
    if (!/^[0-9a-fA-F]*$/.test(hex) || hex.length % 2) {
      r.problems.push(`${where}the signature's /Contents is not a hex string (the signature container was altered)`);
      invalid('/Contents is not a hex string');
      return;
    }
    const container = Buffer.from(hex, 'hex');
    let check;
    try {
      check = verifySignedData(container, [pdf.subarray(a, a + b), pdf.subarray(c, c + d)]);
    } catch (e) {
      r.problems.push(`${where}the signature container is not a valid CMS SignedData (${(e as Error).message}): it was altered`);
      invalid('not a CMS SignedData');
      return;
    }
    const certFp = check.certificate ? keyFingerprint(check.certificate.publicKey) : '(unknown)';
    const cn = check.certificate?.subject.split('\n').find((l) => l.startsWith('CN='))?.slice(3) ?? null;
    const accepted = check.certificate !== null && fps.includes(certFp);
    const status: SignatureStatus = !check.valid ? 'invalid' : accepted ? 'valid' : 'unknown-key';
    if (status === 'valid' && c + d === pdf.length) validCoversAll = true;
    r.signatures.push({ signer: certFp, verified: status === 'valid', status, certificate: cn, signingTime: check.signingTime?.toISOString() ?? null, note: pdfString(sig.dict, '/Reason') ?? '' });
    signatureProblems.push(...check.problems.map((p) => `${where}${p}`));
    if (container.subarray(check.length).some((x) => x !== 0)) r.problems.push(`${where}the signature container was altered (non-zero bytes after the CMS structure)`);
    if (check.certificate && !accepted) {
      signatureProblems.push(`${where}signed by key ${certFp} (${cn}), not by ${fps.join(', ')}; pass the signer's public key with --key`);
    }
    if (i === sigs.length - 1) {
      if (c + d !== pdf.length) r.problems.push(`the document was changed after signing: ${pdf.length - (c + d)} bytes after the signed range`);
      const summaryHex = dictGet(sig.dict, '/GauntletReport');
      if (summaryHex?.t === 'raw' && summaryHex.text.startsWith('<')) {
        try {
          const sum = pdfReportSummarySchema.parse(parseJsonStrict(Buffer.from(summaryHex.text.slice(1, -1), 'hex').toString('utf8')));
          r.subjects = sum.subjects;
          r.summary = { model: sum.model, data: sum.data, verdict: sum.verdict, cleanAccuracy: sum.cleanAccuracy, robustAccuracy: sum.robustAccuracy, threat: sum.threat, createdAt: sum.createdAt };
        } catch (e) {
          r.problems.push(`the signature dictionary's /GauntletReport is not a readable report summary${e instanceof Error && /duplicate key/.test(e.message) ? ` (${e.message})` : ''}`);
        }
      }
    }
  });
  // 'any' forgives other signatures only when a valid one covers the whole file: a signature by
  // another key appended after ours could change the content (and the /GauntletReport read above).
  if (policy === 'all' || !validCoversAll) r.problems.push(...signatureProblems);
  r.valid = r.problems.length === 0;
  return r;
}
