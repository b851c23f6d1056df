/**
 * `gauntlet verify FILE [--key PUB.pem] [--model M.onnx] [--data D.npz] [--signatures all|any] [--recheck [--adversarial A.npz]] [--json]`:
 * verifies a DSSE attestation (report.intoto.jsonl) or a signed report PDF against a public key
 * (default: the local signing key's), checks --model/--data against the signed digests, and prints
 * who signed what and when, with each signature's status (ok / INVALID / UNKNOWN KEY): by default
 * every signature must verify (--signatures any: one per envelope, or one covering a whole PDF).
 * With --recheck (attestations only), also checks adversarial.npz against its signed digest and
 * re-runs the model on every claimed adversarial example (src/usecases/recheck.ts).
 * Exit codes: 0 valid, 1 invalid (bad signature, altered file, digest mismatch, unconfirmed claim), 2 error.
 */
import { Command } from 'commander';
import { UsageError } from '../errors';
import { RecheckReport, recheckAttestation } from '../usecases/recheck';
import { loadPublicKey, localPublicKey } from '../report/sign/keys';
import { SIGNATURE_POLICIES, SignaturePolicy, SignatureStatus, TrustedKey, VerifyResult, verifyFile } from '../report/sign/verify';

export interface VerifyCliOptions {
  key?: string;
  model?: string;
  data?: string;
  json?: boolean;
  recheck?: boolean;
  adversarial?: string;
  signatures?: string;
}

/** How the text output shows a signature's status. */
const STATUS_WORDS: Record<SignatureStatus, string> = { valid: 'ok', invalid: 'INVALID', 'unknown-key': 'UNKNOWN KEY' };

/** The key(s) to verify with: --key, else the local signing key's public half. */
export function verifierKeys(keyPath?: string): TrustedKey[] {
  if (keyPath) return [{ key: loadPublicKey(keyPath), source: keyPath }];
  const local = localPublicKey();
  if (!local) {
    throw new UsageError('no key to verify with: pass --key PUB.pem (the signer\'s signing-key.pub.pem); there is no local signing key (GAUNTLET_SIGNING_KEY / GAUNTLET_KEY_DIR)');
  }
  return [{ key: local.key, source: `${local.source} (local signing key)` }];
}

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

/** Not-confirmed examples listed in the text output (all of them are in --json). */
export const LISTED_FAILURES = 10;

/** The recheck lines of `verify --recheck`. */
export function formatRecheck(r: RecheckReport): string[] {
  const L: string[] = [];
  const a = r.adversarial;
  L.push(a.expected === null
    ? `examples  ${a.file}: not checked`
    : `examples  ${a.file}: ${a.ok ? 'matches the signed digest' : `MISMATCH (sha256 ${a.sha256}, signed ${a.expected})`}`);
  const f = r.figures;
  if (!f || !r.report) return L;
  const how = f.draws > 1 ? `majority of ${f.draws} fresh forward passes` : 'fresh forward passes';
  L.push(`recheck   confirmed ${f.confirmed} of ${f.claimed} claimed breaks (${how} on the first ${f.n} points of ${r.report.data}, ${f.threat.norm} ε=${f.threat.eps})`);
  for (const x of f.failures.slice(0, LISTED_FAILURES)) L.push(`  ✗ example ${x.example}, point ${x.index}: ${x.message}`);
  if (f.failures.length > LISTED_FAILURES) L.push(`  … and ${f.failures.length - LISTED_FAILURES} more not confirmed`);
  L.push(`recheck   clean accuracy ${pct(f.cleanAccuracy)} (${f.cleanCorrect}/${f.n}); report ${pct(r.report.cleanAccuracy)}`);
  L.push(`recheck   robust accuracy ≤ ${pct(f.robustAccuracyBound)} (${f.cleanCorrect - f.confirmedOnCleanCorrect}/${f.n}, the re-checkable upper bound); report ${pct(r.report.robustAccuracy)}`);
  return L;
}

/** Human-readable verification result (with the recheck lines when there was one). */
export function formatVerifyResult(r: VerifyResult & { recheck?: RecheckReport }): string {
  const L: string[] = [];
  const kind = r.kind === 'pdf' ? 'signed PDF' : 'DSSE attestation';
  L.push(`${r.valid ? 'VALID' : 'INVALID'}   ${r.file} (${kind})`);
  for (const k of r.keys) L.push(`key       ${k.fingerprint} (${k.algorithm}) from ${k.source}`);
  for (const s of r.signatures) {
    const who = s.certificate ? `${s.certificate}, key ${s.signer}` : `key ${s.signer}`;
    L.push(`signature ${STATUS_WORDS[s.status] ?? (s.verified ? 'ok' : 'FAILED')}: ${who}${s.signingTime ? `, signed ${s.signingTime}` : ''}${s.note && r.kind === 'pdf' ? `\n          reason: ${s.note}` : ''}`);
  }
  for (const s of r.subjects) L.push(`subject   ${s.name}  sha256:${s.digest.sha256}`);
  if (r.summary) {
    const m = r.summary;
    L.push(`report    ${m.verdict ? `verdict ${m.verdict}, ` : ''}robust accuracy ${pct(m.robustAccuracy)} (clean ${pct(m.cleanAccuracy)}) at ${m.threat.norm} ε=${m.threat.eps}, created ${m.createdAt}`);
  }
  for (const d of r.digests) L.push(`${d.role.padEnd(9)} ${d.file}: ${d.ok ? 'matches the signed digest' : `MISMATCH (sha256 ${d.sha256}, signed ${d.expected})`}`);
  if (r.recheck) L.push(...formatRecheck(r.recheck));
  for (const p of r.problems) L.push(`problem   ${p}`);
  return `${L.join('\n')}\n`;
}

/** The `verify` command. */
export function verifyCommand(done: (code: number) => void): Command {
  return new Command('verify')
    .description('verify a signed report: a DSSE attestation (report.intoto.jsonl) or a signed PDF; exit 0 valid, 1 invalid, 2 error')
    .argument('<file>', 'report.intoto.jsonl (or a .json envelope) or report.pdf')
    .option('--key <pub.pem>', 'signer public key: PEM, certificate or JWK set (default: the local signing key, GAUNTLET_SIGNING_KEY / GAUNTLET_KEY_DIR)')
    .option('--model <model.onnx>', 'check this model file against the signed model digest')
    .option('--data <data.npz>', 'check this evaluation set against the signed data digest')
    .option('--recheck', 'attestations: re-run the model on every signed adversarial example and print the re-checkable upper bound on robust accuracy (needs --model and --data)')
    .option('--adversarial <file.npz>', 'with --recheck: the adversarial examples (default: adversarial.npz next to FILE)')
    .option('--signatures <policy>', "which signatures must verify: 'all' (default; a bad or foreign extra signature makes the file invalid) or 'any' (one per envelope; for a PDF one covering the whole file; the others listed)", 'all')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, o: VerifyCliOptions) => {
      if (o.adversarial !== undefined && !o.recheck) throw new UsageError('--adversarial is only used with --recheck');
      if (o.recheck && (!o.model || !o.data)) {
        throw new UsageError('--recheck needs --model M.onnx and --data D.npz: the audited model and evaluation set it re-runs the adversarial examples on');
      }
      const policy = (o.signatures ?? 'all') as SignaturePolicy;
      if (!SIGNATURE_POLICIES.includes(policy)) throw new UsageError(`--signatures must be one of ${SIGNATURE_POLICIES.join(', ')}; got '${o.signatures}'`);
      if (o.recheck && policy !== 'all') throw new UsageError('--recheck verifies with --signatures all');
      const keys = verifierKeys(o.key);
      const r = o.recheck
        ? await recheckAttestation({ file, keys, model: o.model!, data: o.data!, adversarial: o.adversarial })
        : verifyFile(file, { keys, model: o.model, data: o.data, policy });
      process.stdout.write(o.json ? `${JSON.stringify(r, null, 2)}\n` : formatVerifyResult(r));
      if (!r.valid) process.stderr.write(`gauntlet: verification failed: ${r.problems[0]}\n`);
      done(r.valid ? 0 : 1);
    });
}
