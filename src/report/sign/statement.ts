/**
 * The in-toto Statement v1 that carries a Gauntlet report:
 * https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md
 *
 *   { "_type": "https://in-toto.io/Statement/v1",
 *     "subject": [{ "name": "cnn.onnx", "digest": { "sha256": "…" } }, { "name": "mnist-eval.npz", … }, …],
 *     "predicateType": "https://gauntlet.dev/attestation/robustness-report/v2",
 *     "predicate": <the Report, src/schema/report.ts> }
 *
 * The subjects are the audited model and evaluation data (their digests come from the report),
 * then any extra artifacts (adversarial.npz, report.pdf …). docs/signing.md documents the
 * predicate type.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../../errors';
import { Report, validateReport } from '../../schema/report';

export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1' as const;
/** Gauntlet's predicate type: the predicate is a `gauntlet-report-2` Report (v1 carried gauntlet-report-1). */
export const PREDICATE_TYPE = 'https://gauntlet.dev/attestation/robustness-report/v2' as const;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits');

export const subjectSchema = z.object({
  name: z.string().min(1),
  digest: z.object({ sha256: sha256Hex }).catchall(z.string()),
});
/** An in-toto ResourceDescriptor restricted to name + digest (what Gauntlet writes). */
export type Subject = z.infer<typeof subjectSchema>;

/** Any in-toto v1 statement (predicate checked separately, so foreign predicates are reported clearly). */
export const statementSchema = z.object({
  _type: z.literal(STATEMENT_TYPE),
  subject: z.array(subjectSchema).min(1),
  predicateType: z.string().min(1),
  predicate: z.unknown(),
});
export interface Statement {
  _type: typeof STATEMENT_TYPE;
  subject: Subject[];
  predicateType: string;
  predicate: unknown;
}
/** A statement whose predicate is a Gauntlet report. */
export interface ReportStatement extends Statement {
  predicateType: typeof PREDICATE_TYPE;
  predicate: Report;
}

/** Bytes read at a time when hashing a file (the file is never held whole in memory). */
const HASH_CHUNK_BYTES = 1024 * 1024;

/**
 * sha256 of a file's bytes, hex, read in 1 MiB chunks (memory stays flat for any file size).
 * @param name what error messages call the file (default: its path).
 * @throws UsageError when the file cannot be read.
 */
export function sha256File(path: string, name = path): string {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const hash = createHash('sha256');
    const buf = Buffer.allocUnsafe(HASH_CHUNK_BYTES);
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0;) hash.update(buf.subarray(0, n));
    return hash.digest('hex');
  } catch (e) {
    throw new UsageError(`cannot read ${name}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A subject for a file on disk: its base name and sha256. */
export function fileSubject(path: string, name = basename(path)): Subject {
  return { name, digest: { sha256: sha256File(path) } };
}

/** The model and data subjects a report implies. */
export function reportSubjects(report: Report): Subject[] {
  return [
    { name: report.model.name, digest: { sha256: report.model.sha256 } },
    { name: report.data.name, digest: { sha256: report.data.sha256 } },
  ];
}

/**
 * The statement for a report: subjects = model, data, then `extra` (e.g. adversarial.npz,
 * report.pdf); predicate = the validated report.
 */
export function buildStatement(report: Report, extra: Subject[] = []): ReportStatement {
  const predicate = validateReport(report);
  const subject = [...reportSubjects(predicate), ...extra.map((s) => subjectSchema.parse(s))];
  return { _type: STATEMENT_TYPE, subject, predicateType: PREDICATE_TYPE, predicate };
}
