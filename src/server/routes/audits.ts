/** /v1/audits: submit, read, list, cancel/remove, and download a finished audit's files. */
import { Router } from 'express';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { ZodError } from 'zod';
import { ARTIFACTS, ArtifactName, AuditService } from '../../jobs/audit-service';
import type { BlobStore } from '../../jobs/blobs';
import { etaSeconds } from '../../jobs/progress';
import type { JobRecord } from '../../jobs/store';
import { UsageError } from '../../errors';
import { NotFoundError } from '../../errors/http';
import { principalOf } from '../middleware/auth';
import { parseMultipart } from '../upload';
import { AuditView, ListQuerySchema } from '../schemas';
import { describeIssues } from '../../util/zod';

export interface AuditRouteOptions {
  service: AuditService;
  blobs: BlobStore;
  limits: { modelBytes: number; dataBytes: number; policyBytes: number; configBytes: number };
  /** Upload timeouts, ms (0: none). */
  uploadTimeouts?: { idleMs: number; bodyMs: number };
}

/** The public view of a job. */
export function auditView(j: JobRecord): AuditView {
  const self = `/v1/audits/${j.id}`;
  const links: Record<string, string> = { self };
  if (j.state === 'succeeded') for (const name of Object.keys(ARTIFACTS)) links[name] = `${self}/${name}`;
  return {
    id: j.id, tenant: j.tenant, state: j.state, createdAt: j.createdAt, startedAt: j.startedAt, finishedAt: j.finishedAt, attempts: j.attempts,
    config: j.spec.config, model: j.spec.model, data: j.spec.data, reference: j.spec.reference, policy: j.spec.policy,
    progress: j.progress && { ...j.progress, etaSeconds: j.state === 'running' ? etaSeconds(j.startedAt, j.progress.overall) : null },
    result: j.result, error: j.error, links,
  };
}

export function auditRoutes(o: AuditRouteOptions): Router {
  const r = Router();
  const { service } = o;

  r.post('/', async (req, res) => {
    const uploads = service.uploadScope();
    // the client hung up before its answer: submit() then creates no job
    const gone = new AbortController();
    res.on('close', () => { if (!res.writableFinished) gone.abort(); });
    try {
      const form = await parseMultipart(req, {
        files: { model: o.limits.modelBytes, data: o.limits.dataBytes, policy: o.limits.policyBytes },
        fields: { config: o.limits.configBytes, reference: 256, policy: o.limits.policyBytes },
        timeouts: o.uploadTimeouts,
      }, o.blobs, uploads.hold);
      const up = (f: typeof form.files[string] | undefined) => f && { sha256: f.sha256, size: f.size, path: f.path, filename: f.filename };
      let policy = up(form.files.policy);
      if (!policy && form.fields.policy !== undefined) {
        // a policy sent as a text field is stored like a file
        const b = await o.blobs.put(Readable.from([Buffer.from(form.fields.policy, 'utf8')]), o.limits.policyBytes, 'policy');
        uploads.hold(b.sha256);
        policy = { ...b, filename: 'policy' };
      }
      const job = await service.submit(principalOf(res.locals), {
        model: up(form.files.model), data: up(form.files.data), policy,
        reference: form.fields.reference, config: form.fields.config,
      }, gone.signal);
      const view = auditView(job);
      res.status(202).location(view.links.self).json({ id: job.id, state: job.state, links: view.links });
    } finally {
      uploads.release();
    }
  });

  r.get('/', (req, res) => {
    let q;
    try {
      q = ListQuerySchema.parse(req.query);
    } catch (e) {
      if (e instanceof ZodError) throw new UsageError(`query: ${describeIssues(e)}`);
      throw e;
    }
    const page = service.list(principalOf(res.locals), q.limit, q.cursor === undefined ? undefined : Number(q.cursor), q.state);
    res.json({ items: page.jobs.map(auditView), next: page.next === null ? null : String(page.next) });
  });

  r.get('/:id', (req, res) => {
    res.json(auditView(service.get(principalOf(res.locals), req.params.id)));
  });

  r.get('/:id/:artifact', (req, res, next) => {
    const name = req.params.artifact;
    if (!Object.prototype.hasOwnProperty.call(ARTIFACTS, name)) throw new NotFoundError(`no such file '${name}'; an audit has ${Object.keys(ARTIFACTS).join(', ')}`);
    const a = service.artifact(principalOf(res.locals), req.params.id, name as ArtifactName);
    if (name !== 'report.json') res.attachment(`${req.params.id}-${ARTIFACTS[name as ArtifactName].file}`);
    res.type(a.type);
    createReadStream(a.path).on('error', next).pipe(res);
  });

  r.delete('/:id', async (req, res) => {
    await service.remove(principalOf(res.locals), req.params.id);
    res.status(204).end();
  });

  return r;
}
