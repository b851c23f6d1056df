/** How to check that this report is authentic and belongs to the model and data at hand. */
import { COLORS, Layout } from '../layout';
import type { RenderContext } from './context';

/** The verify command for a report of this model and data. */
export function defaultVerifyCommand(ctx: RenderContext): string {
  return `gauntlet verify report.intoto.jsonl --key signing-key.pub.pem --model ${ctx.report.model.name} --data ${ctx.report.data.name}`;
}

/** Draws the verification section. */
export function verificationSection(L: Layout, ctx: RenderContext): void {
  const r = ctx.report;
  L.heading('Verification', 1);
  if (ctx.signing) {
    L.paragraph('This report is signed. The signature covers the report data and binds it to the SHA-256 digests of the model and the evaluation data; any change to the report, or a different model or data file, makes verification fail.');
    L.keyValues([
      ['Key fingerprint', ctx.signing.keyFingerprint, 'mono'],
      ['Algorithm', ctx.signing.algorithm],
      ['Model SHA-256', r.model.sha256, 'mono'],
      ['Data SHA-256', r.data.sha256, 'mono'],
    ], { keyWidth: 110 });
    L.paragraph('To verify, with the public key published by the auditor:', { gap: 2 });
    L.command(ctx.signing.verifyCommand);
  } else {
    L.paragraph('This report is unsigned: nothing in this document proves who produced it or that it was not changed. Ask the auditor for the signed attestation (report.intoto.jsonl) and the public key (signing-key.pub.pem) produced with the audit.', { color: COLORS.fail });
    L.keyValues([
      ['Model SHA-256', r.model.sha256, 'mono'],
      ['Data SHA-256', r.data.sha256, 'mono'],
    ], { keyWidth: 110 });
  }
  L.paragraph('How to verify: check that the key fingerprint matches the one the auditor published through a channel you trust, then run', { gap: 2 });
  L.command(ctx.signing ? ctx.signing.verifyCommand : defaultVerifyCommand(ctx));
  L.paragraph('with the model and data files you hold. The command checks the signature, recomputes the SHA-256 of the model and data, compares them with the signed digests, and exits 0 only if everything matches. The digests printed above let you compare by hand (e.g. with sha256sum).', { gap: 4 });
}
