/**
 * POST /v1/verify: checks a signed report (a DSSE attestation .intoto.jsonl, or a signed PDF)
 * against the service's signing key; optionally that a model and data file are the ones it names.
 * multipart fields: `file` (required), `model`, `data`, `policy` (`all`, the default: every
 * signature must verify; `any`: one per envelope, or one covering a whole PDF, suffices). The
 * verification itself runs in a child process (jobs/verify.ts) under the uploads' filenames, never
 * their blob paths.
 */
import { Router } from 'express';
import { UploadVerifier } from '../../jobs/verify';
import { SIGNATURE_POLICIES, SignaturePolicy } from '../../report/sign/verify';
import { UsageError } from '../../errors';
import type { AppDeps } from '../deps';
import { parseMultipart } from '../upload';
import { AUTH, errors, json, PathItems } from '../openapi-parts';

/** What these routes take from the app's dependencies, and optionally the verifier (default: a new UploadVerifier, child processes). */
export type VerifyRouteOptions = Pick<AppDeps, 'service' | 'blobs' | 'signingKey' | 'uploadTimeouts'> & { limits: Pick<AppDeps['limits'], 'modelBytes' | 'dataBytes'>; verifier?: UploadVerifier };

/** The /v1/verify router (mounted behind the API key, see ./index.ts). */
export function verifyRoutes(o: VerifyRouteOptions): Router {
  const r = Router();
  const verifier = o.verifier ?? new UploadVerifier();
  r.post('/', async (req, res) => {
    const uploads = o.service.uploadScope();
    const gone = new AbortController();
    res.on('close', () => { if (!res.writableFinished) gone.abort(); });
    try {
      const form = await parseMultipart(req, { files: { file: 64 * 1024 * 1024, model: o.limits.modelBytes, data: o.limits.dataBytes }, fields: { policy: 16 }, timeouts: o.uploadTimeouts }, o.blobs, uploads.hold);
      const f = form.files.file;
      if (!f) throw new UsageError("missing the 'file' part: a report.intoto.jsonl attestation or a signed report.pdf");
      const policy = form.fields.policy ?? 'all';
      if (!(SIGNATURE_POLICIES as readonly string[]).includes(policy)) throw new UsageError(`policy must be one of ${SIGNATURE_POLICIES.join(', ')}`);
      const v = await verifier.verify({
        file: f.path, model: form.files.model?.path, data: form.files.data?.path,
        names: { file: f.filename, model: form.files.model?.filename, data: form.files.data?.filename },
        keys: [{ key: o.signingKey(), source: 'service signing key' }],
        policy: policy as SignaturePolicy,
      }, gone.signal);
      res.json({
        valid: v.valid, kind: v.kind, problems: v.problems, signatures: v.signatures, summary: v.summary,
        digests: v.digests.map((d) => ({ role: d.role, sha256: d.sha256, expected: d.expected, ok: d.ok })),
      });
    } finally {
      uploads.release();
    }
  });
  return r;
}

/** The OpenAPI path of this route (listed in ./index.ts, assembled by ../openapi.ts). */
export const VERIFY_PATHS: PathItems = {
  '/v1/verify': {
    post: {
      summary: 'Verify a signed report (attestation or PDF) against the service key; optionally the model/data digests', security: AUTH,
      requestBody: { required: true, content: { 'multipart/form-data': { schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' }, model: { type: 'string', format: 'binary' }, data: { type: 'string', format: 'binary' }, policy: { type: 'string', enum: ['all', 'any'], default: 'all' } } } } } },
      responses: { 200: { description: 'verification result (valid may be false)', content: json('VerifyResponse') }, ...errors(400, 401, 413, 415, 422) },
    },
  },
};
