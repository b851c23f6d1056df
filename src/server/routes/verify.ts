/**
 * POST /v1/verify: checks a signed report (a DSSE attestation .intoto.jsonl, or a signed PDF)
 * against the service's signing key; optionally that a model and data file are the ones it names.
 * multipart fields: `file` (required), `model`, `data`.
 */
import { Router } from 'express';
import type { KeyObject } from 'node:crypto';
import type { AuditService } from '../../jobs/audit-service';
import type { BlobStore } from '../../jobs/blobs';
import { verifyFile } from '../../report/sign/verify';
import { UsageError } from '../../errors';
import { parseMultipart } from '../upload';

export function verifyRoutes(o: { service: AuditService; blobs: BlobStore; signingKey: () => KeyObject; limits: { modelBytes: number; dataBytes: number }; uploadTimeouts?: { idleMs: number; bodyMs: number } }): Router {
  const r = Router();
  r.post('/', async (req, res) => {
    const uploads = o.service.uploadScope();
    try {
      const form = await parseMultipart(req, { files: { file: 64 * 1024 * 1024, model: o.limits.modelBytes, data: o.limits.dataBytes }, fields: {}, timeouts: o.uploadTimeouts }, o.blobs, uploads.hold);
      const f = form.files.file;
      if (!f) throw new UsageError("missing the 'file' part: a report.intoto.jsonl attestation or a signed report.pdf");
      const v = verifyFile(f.path, { keys: [{ key: o.signingKey(), source: 'service signing key' }], model: form.files.model?.path, data: form.files.data?.path });
      const names = new Map([[f.path, f.filename], ...[form.files.model, form.files.data].filter((x) => !!x).map((x) => [x!.path, x!.filename] as [string, string])]);
      const hide = (s: string) => [...names].reduce((acc, [p, n]) => acc.split(p).join(n), s);
      res.json({
        valid: v.valid, kind: v.kind, problems: v.problems.map(hide), signatures: v.signatures, summary: v.summary,
        digests: v.digests.map((d) => ({ role: d.role, sha256: d.sha256, expected: d.expected, ok: d.ok })),
      });
    } finally {
      uploads.release();
    }
  });
  return r;
}
