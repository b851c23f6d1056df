/** /v1/audits: submit, read, list, cancel/remove, and download a finished audit's files. */
import { Router } from 'express';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { ZodError } from 'zod';
import { ARTIFACTS, ArtifactName } from '../../jobs/audit-service';
import { etaSeconds } from '../../jobs/progress';
import type { JobRecord } from '../../jobs/store';
import { UsageError } from '../../errors';
import { NotFoundError } from '../../errors/http';
import type { AppDeps } from '../deps';
import { principalOf } from '../middleware/auth';
import { parseMultipart } from '../upload';
import { AuditView, ListQuerySchema } from '../schemas';
import { describeIssues } from '../../util/zod';
import { REPORT_SCHEMA } from '../../schema/report';
import { AUTH, errors, file, ID_PARAM, json, PathItems, ref } from '../openapi-parts';

/** What these routes take from the app's dependencies. */
export type AuditRouteOptions = Pick<AppDeps, 'service' | 'blobs' | 'limits' | 'uploadTimeouts'>;

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

/** The /v1/audits router (mounted behind the API key, see ./index.ts). */
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

/** The OpenAPI paths of these routes (listed in ./index.ts, assembled by ../openapi.ts). */
export const AUDIT_PATHS: PathItems = {
  '/v1/audits': {
    post: {
      summary: 'Submit an audit', security: AUTH,
      requestBody: {
        required: true,
        content: {
          'multipart/form-data': {
            schema: {
              type: 'object', required: ['model', 'config'],
              properties: {
                model: { type: 'string', format: 'binary', description: 'ONNX classifier' },
                data: { type: 'string', format: 'binary', description: 'evaluation set .npz (x, y, optional lower/upper); or give reference' },
                reference: { type: 'string', description: 'bundled reference set name (e.g. mnist): the integrity check compares with it; without data, the audit runs on it' },
                config: { type: 'string', description: 'JSON, see AuditConfig', contentMediaType: 'application/json', contentSchema: ref('AuditConfig') },
                policy: { type: 'string', description: 'policy (JSON or YAML) for the gate; the config shortcuts minRobustAccuracy etc. apply over it. Without a requirement on a figure the verdict is UNGATED' },
              },
            },
          },
        },
      },
      responses: { 202: { description: 'accepted; poll links.self', content: json('Accepted') }, ...errors(400, 401, 413, 415, 422, 429) },
    },
    get: {
      summary: 'List your audits (newest first)', security: AUTH,
      parameters: [
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
        { name: 'cursor', in: 'query', schema: { type: 'string' } },
        { name: 'state', in: 'query', schema: { type: 'string', enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled'] } },
      ],
      responses: { 200: { description: 'a page', content: json('AuditList') }, ...errors(400, 401, 429) },
    },
  },
  '/v1/audits/{id}': {
    get: { summary: 'State, progress, per-stage figures so far, ETA, result', security: AUTH, parameters: [ID_PARAM], responses: { 200: { description: 'the audit', content: json('AuditView') }, ...errors(401, 404, 429) } },
    delete: { summary: 'Cancel (if running) and remove the audit and its files', security: AUTH, parameters: [ID_PARAM], responses: { 204: { description: 'removed' }, ...errors(401, 404, 429) } },
  },
  '/v1/audits/{id}/report.json': { get: { summary: `The report (${REPORT_SCHEMA}): figures with exact 95 % Clopper–Pearson intervals, gate.verdict PASS | FAIL | UNGATED`, security: AUTH, parameters: [ID_PARAM], responses: { 200: { description: 'report', content: json('Report') }, ...errors(401, 404, 409) } } },
  '/v1/audits/{id}/report.pdf': { get: { summary: 'The signed PDF report', security: AUTH, parameters: [ID_PARAM], responses: { 200: file('application/pdf', 'signed PDF'), ...errors(401, 404, 409) } } },
  '/v1/audits/{id}/attestation': { get: { summary: 'DSSE envelope of the in-toto statement (.intoto.jsonl)', security: AUTH, parameters: [ID_PARAM], responses: { 200: file('application/vnd.in-toto+json', 'attestation'), ...errors(401, 404, 409) } } },
  '/v1/audits/{id}/junit.xml': { get: { summary: 'The policy gate as JUnit XML', security: AUTH, parameters: [ID_PARAM], responses: { 200: file('application/xml', 'JUnit'), ...errors(401, 404, 409) } } },
  '/v1/audits/{id}/adversarial.npz': { get: { summary: 'The verified adversarial examples', security: AUTH, parameters: [ID_PARAM], responses: { 200: file('application/octet-stream', 'npz'), ...errors(401, 404, 409) } } },
};
