/**
 * `gauntlet verify FILE [--key PUB.pem] [--model M.onnx] [--data D.npz] [--json]`: verifies a DSSE
 * attestation (report.intoto.jsonl) or a signed report PDF against a public key (default: the local
 * signing key's), checks --model/--data against the signed digests, and prints who signed what and
 * when. Exit codes: 0 valid, 1 invalid (bad signature, altered file, digest mismatch), 2 error.
 */
import { Command } from 'commander';
import { UsageError } from '../errors';
import { loadPublicKey, localPublicKey } from '../report/sign/keys';
import { TrustedKey, VerifyResult, verifyFile } from '../report/sign/verify';

export interface VerifyCliOptions {
  key?: string;
  model?: string;
  data?: string;
  json?: boolean;
  recheck?: boolean;
}

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

/** Human-readable verification result. */
export function formatVerifyResult(r: VerifyResult): string {
  const L: string[] = [];
  const kind = r.kind === 'pdf' ? 'signed PDF' : 'DSSE attestation';
  L.push(`${r.valid ? 'VALID' : 'INVALID'}   ${r.file} (${kind})`);
  for (const k of r.keys) L.push(`key       ${k.fingerprint} (${k.algorithm}) from ${k.source}`);
  for (const s of r.signatures) {
    const who = s.certificate ? `${s.certificate}, key ${s.signer}` : `key ${s.signer}`;
    L.push(`signature ${s.verified ? 'ok' : 'FAILED'}: ${who}${s.signingTime ? `, signed ${s.signingTime}` : ''}${s.note && r.kind === 'pdf' ? `\n          reason: ${s.note}` : ''}`);
  }
  for (const s of r.subjects) L.push(`subject   ${s.name}  sha256:${s.digest.sha256}`);
  if (r.summary) {
    const m = r.summary;
    L.push(`report    ${m.verdict ? `verdict ${m.verdict}, ` : ''}robust accuracy ${pct(m.robustAccuracy)} (clean ${pct(m.cleanAccuracy)}) at ${m.threat.norm} ε=${m.threat.eps}, created ${m.createdAt}`);
  }
  for (const d of r.digests) L.push(`${d.role.padEnd(9)} ${d.file}: ${d.ok ? 'matches the signed digest' : `MISMATCH (sha256 ${d.sha256}, signed ${d.expected})`}`);
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
    .option('--recheck', 're-run the model on the signed adversarial examples (not yet supported)')
    .option('--json', 'print the result as JSON')
    .action((file: string, o: VerifyCliOptions) => {
      if (o.recheck) throw new UsageError('--recheck is not yet supported: it needs adversarial.npz in the attestation (issue 5, item 5); verify the signature and digests without it');
      const r = verifyFile(file, { keys: verifierKeys(o.key), model: o.model, data: o.data });
      process.stdout.write(o.json ? `${JSON.stringify(r, null, 2)}\n` : formatVerifyResult(r));
      if (!r.valid) process.stderr.write(`gauntlet: verification failed: ${r.problems[0]}\n`);
      done(r.valid ? 0 : 1);
    });
}
