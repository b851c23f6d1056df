/**
 * Signing and verification of audit reports (docs/signing.md): the use cases the CLI and the
 * audit call, over keys (./keys.ts), in-toto/DSSE attestations (./statement.ts, ./dsse.ts), signed
 * PDFs (./pdf-sign.ts) and verification (./verify.ts).
 */
import type { Report } from '../../schema/report';
import { Envelope, serializeEnvelopes, signStatement } from './dsse';
import { SigningKey } from './keys';
import { pdfReportSummary, signPdf, SignPdfOptions } from './pdf-sign';
import { buildStatement, Subject } from './statement';

export { loadOrCreateSigningKey, localPublicKey, loadPublicKey, publicKeyPem, publicKeyJwks, keyFingerprint, keyDir, KEY_ALGORITHMS, PUBLIC_KEY_FILE } from './keys';
export type { KeyAlgorithm, SigningKey, KeyOptions } from './keys';
export { buildStatement, fileSubject, PREDICATE_TYPE, STATEMENT_TYPE } from './statement';
export type { Statement, ReportStatement, Subject } from './statement';
export { INTOTO_PAYLOAD_TYPE, pae, parseEnvelopes, serializeEnvelopes, signEnvelope, signStatement, verifyEnvelope } from './dsse';
export type { Envelope } from './dsse';
export { pdfReportSummary, pdfSignatureWarning, signPdf } from './pdf-sign';
export type { PdfReportSummary, SignPdfOptions } from './pdf-sign';
export { loadOrCreateCertificate, selfIssuedCertificate } from './cert';
export { verifyFile, verifyEnvelopeText, verifyPdf, PDF_VERIFY_LIMITS, SIGNATURE_POLICIES } from './verify';
export type { VerifyResult, VerifyOptions, TrustedKey, SignaturePolicy, SignatureStatus } from './verify';

/**
 * The attestation for a report: a DSSE envelope around the in-toto statement (subjects: model,
 * data, then `extra`), and its `.intoto.jsonl` text (one envelope, one line).
 */
export function attestReport(report: Report, key: SigningKey, extra: Subject[] = []): { envelope: Envelope; jsonl: string } {
  const envelope = signStatement(buildStatement(report, extra), key);
  return { envelope, jsonl: serializeEnvelopes([envelope]) };
}

/** Signs a rendered report PDF, recording the report's subjects and verdict in the signature dictionary. */
export function signReportPdf(pdf: Buffer, report: Report, key: SigningKey, extra: Subject[] = [], opts: Omit<SignPdfOptions, 'summary'> = {}): Buffer {
  return signPdf(pdf, key, { ...opts, summary: pdfReportSummary(report, extra) });
}
