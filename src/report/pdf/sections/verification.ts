/** How to check that this report is authentic and belongs to the model and data at hand. */
import { COLORS, Layout } from '../layout';
import type { RenderContext } from './context';

/** The verify command for a report of this model and data. */
export function defaultVerifyCommand(ctx: RenderContext): string {
  return `gauntlet verify report.intoto.jsonl --key signing-key.pub.pem --model ${ctx.report.model.name} --data ${ctx.report.data.name}`;
}

/** Draws the verification section: the signed attestation's verify command (once), then how to check the PDF's own signature. */
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
  } else {
    L.paragraph('This report is unsigned: nothing in this document proves who produced it or that it was not changed. Ask the auditor for the signed attestation (report.intoto.jsonl) and the public key (signing-key.pub.pem) produced with the audit.', { color: COLORS.fail });
    L.keyValues([
      ['Model SHA-256', r.model.sha256, 'mono'],
      ['Data SHA-256', r.data.sha256, 'mono'],
    ], { keyWidth: 110 });
  }
  L.heading('The attestation', 2);
  L.paragraph('Check that the key fingerprint matches the one the auditor published through a channel you trust, then run, with the model and data files you hold:', { gap: 2 });
  L.command(ctx.signing ? ctx.signing.verifyCommand : defaultVerifyCommand(ctx));
  L.paragraph('The command checks the signature, recomputes the SHA-256 of the model and data, compares them with the signed digests, and exits 0 only if everything matches. The digests printed above let you compare by hand (e.g. with sha256sum).', { gap: 4 });
  L.heading('This PDF', 2);
  if (ctx.signing) {
    L.paragraph('The PDF file itself carries an embedded signature by the same key (adbe.pkcs7.detached, covering the whole file). Check it with Gauntlet:', { gap: 2 });
    L.command('gauntlet verify report.pdf --key signing-key.pub.pem');
    L.paragraph('or independently with any PDF reader that validates signatures, e.g. poppler\'s pdfsig, which must print "Signature is Valid" and "Total document signed" (pdfsig cannot check Ed25519 keys; use gauntlet verify for those):', { gap: 2 });
    L.command('pdfsig report.pdf');
  } else {
    L.paragraph('This PDF carries no embedded signature.', { color: COLORS.muted });
  }
}
