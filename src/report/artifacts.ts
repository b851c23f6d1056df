/**
 * Writes an audit's artifacts into its output folder, from one validated report:
 *   report.json          the report data (src/schema/report.ts)
 *   junit.xml            the policy gate for CI systems
 *   adversarial.npz      every verified adversarial example behind the robust-accuracy figure
 *   report.pdf           the compliance report (./pdf), with an embedded PDF signature
 *   report.intoto.jsonl  DSSE envelope of an in-toto Statement (subjects: model, data,
 *                        adversarial.npz, report.pdf; predicate: the report)
 *   signing-key.pub.pem  the public key that verifies both signatures
 * Without a signing key (`sign: false`) the PDF is written unsigned and no attestation is made.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AdversarialExamples } from '../audit/audit';
import { gateToJUnit } from './junit';
import { writeNpz } from '../data';
import type { EvalSet } from '../data';
import { AdversarialExample, renderReportPdf } from './pdf';
import type { Report } from '../schema/report';
import { attestReport, fileSubject, loadOrCreateSigningKey, publicKeyPem, signReportPdf } from './sign';

/** Example images shown in the PDF. */
export const PDF_EXAMPLES = 8;

export interface ArtifactOptions {
  /** Sign the PDF and write the attestation (default true). */
  sign?: boolean;
  /** Environment for the signing key lookup (GAUNTLET_KEY_DIR, GAUNTLET_SIGNING_KEY); default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** What was written, and the signer when signed. */
export interface Artifacts {
  files: string[];
  signer: { fingerprint: string; algorithm: string; keySource: string; created: boolean } | null;
}

/**
 * adversarial.npz: x_adv [k, ...sample] float32, index (into the evaluation set), stage (into
 * report.stages), norm (float64, threat norm), pred and label (int64).
 */
export function adversarialNpz(a: AdversarialExamples): Uint8Array {
  const k = a.index.length;
  const i64 = (v: Int32Array) => BigInt64Array.from(v, (x) => BigInt(x));
  return writeNpz({
    x_adv: { dtype: 'float32', shape: [k, ...a.sampleShape], data: a.xAdv },
    index: { dtype: 'int64', shape: [k], data: i64(a.index) },
    stage: { dtype: 'int64', shape: [k], data: i64(a.stage) },
    norm: { dtype: 'float64', shape: [k], data: a.norm },
    pred: { dtype: 'int64', shape: [k], data: i64(a.pred) },
    label: { dtype: 'int64', shape: [k], data: i64(a.label) },
  });
}

/** The first `max` adversarial examples with their originals, for the PDF. */
export function pdfExamples(report: Report, a: AdversarialExamples, data: EvalSet, max = PDF_EXAMPLES): AdversarialExample[] {
  const per = data.x.length / data.n;
  const out: AdversarialExample[] = [];
  for (let j = 0; j < a.index.length && out.length < max; j++) {
    const i = a.index[j];
    out.push({
      index: i, label: a.label[j], advPred: a.pred[j], attack: report.stages[a.stage[j]]?.attack ?? `stage ${a.stage[j]}`, norm: a.norm[j],
      x: data.x.slice(i * per, (i + 1) * per), xAdv: a.xAdv.slice(j * per, (j + 1) * per), shape: [...a.sampleShape],
    });
  }
  return out;
}

/**
 * Writes every artifact into `out` (which must exist). The PDF is rendered before any file is
 * written, so a report that cannot be rendered leaves no report.json or junit.xml behind.
 */
export async function writeArtifacts(out: string, report: Report, adversarial: AdversarialExamples, data: EvalSet, opts: ArtifactOptions = {}): Promise<Artifacts> {
  const path = (f: string) => join(out, f);
  const examples = pdfExamples(report, adversarial, data);
  const key = opts.sign === false ? null : loadOrCreateSigningKey({ env: opts.env });
  const verifyCommand = `gauntlet verify report.intoto.jsonl --key signing-key.pub.pem --model ${report.model.name} --data ${report.data.name}`;
  const pdf = await renderReportPdf(report, key ? { examples, signing: { keyFingerprint: key.fingerprint, algorithm: key.algorithm, verifyCommand } } : { examples });
  const written: string[] = [];
  const write = (f: string, bytes: string | Uint8Array) => { writeFileSync(path(f), bytes); written.push(path(f)); };
  try {
    write('report.json', `${JSON.stringify(report, null, 2)}\n`);
    write('junit.xml', gateToJUnit(report, report.gate!));
    write('adversarial.npz', adversarialNpz(adversarial));
    if (!key) {
      write('report.pdf', pdf);
      return { files: [...written], signer: null };
    }
    const advSubject = fileSubject(path('adversarial.npz'));
    write('report.pdf', signReportPdf(Buffer.from(pdf), report, key, [advSubject]));
    write('report.intoto.jsonl', attestReport(report, key, [advSubject, fileSubject(path('report.pdf'))]).jsonl);
    write('signing-key.pub.pem', publicKeyPem(key.publicKey));
  } catch (e) {
    // A half-written set of artifacts would read as a completed audit: remove what this call wrote.
    for (const f of written) rmSync(f, { force: true });
    throw e;
  }
  return {
    files: [...written],
    signer: { fingerprint: key.fingerprint, algorithm: key.algorithm, keySource: key.source, created: key.created },
  };
}
