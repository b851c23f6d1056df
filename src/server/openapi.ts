/**
 * The OpenAPI 3.1 document, generated from the zod schemas the handlers use (zod's own JSON
 * Schema conversion), so the document cannot drift from the validation.
 */
import { z } from 'zod';
import { AuditConfigSchema } from '../jobs/spec';
import { REPORT_SCHEMA, reportSchema } from '../report/schema';
import { GAUNTLET_VERSION } from '../version';
import { AcceptedSchema, AuditListSchema, AuditViewSchema, JwksSchema, ProblemSchema, VerifyResponseSchema } from './schemas';

const schema = (s: z.ZodType) => z.toJSONSchema(s, { target: 'draft-2020-12', unrepresentable: 'any', io: 'output' });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: string) => ({ 'application/json': { schema: ref(name) } });
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });
const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [String(c), problem(PROBLEMS[c])]));

const PROBLEMS: Record<number, string> = {
  400: 'malformed request (config, query, multipart)', 401: 'missing or invalid API key', 404: 'no such audit (or another tenant\'s)',
  409: 'the audit has not finished', 413: 'an upload exceeds its size limit or a resource limit, or on POST /v1/audits the audit\'s estimated arithmetic exceeds GAUNTLET_MAX_AUDIT_PFLOPS (`audit_too_costly`)', 415: 'not multipart/form-data',
  422: 'the model, data or policy was rejected; detail says why and `field` which upload', 429: 'rate limit exceeded (`rate_limited`), or on POST /v1/audits the tenant has its quota of active audits (`quota_exceeded`, with Retry-After)',
};

/** The OpenAPI document. */
export function openApiDocument(): Record<string, unknown> {
  const auth = [{ apiKey: [] }];
  const id = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
  const file = (type: string, description: string) => ({ description, content: { [type]: { schema: { type: 'string', format: 'binary' } } } });
  return {
    openapi: '3.1.0',
    info: { title: 'Gauntlet audit service', version: GAUNTLET_VERSION, description: 'Adversarial-robustness audits of ONNX image classifiers, with signed reports.' },
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'an API key from `gauntlet apikey create --tenant NAME`' } },
      schemas: {
        AuditConfig: schema(AuditConfigSchema), AuditView: schema(AuditViewSchema), AuditList: schema(AuditListSchema),
        Accepted: schema(AcceptedSchema), Problem: schema(ProblemSchema), Jwks: schema(JwksSchema), VerifyResponse: schema(VerifyResponseSchema),
        Report: schema(reportSchema),
      },
    },
    paths: {
      '/v1/audits': {
        post: {
          summary: 'Submit an audit', security: auth,
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
          summary: 'List your audits (newest first)', security: auth,
          parameters: [
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
            { name: 'cursor', in: 'query', schema: { type: 'string' } },
            { name: 'state', in: 'query', schema: { type: 'string', enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled'] } },
          ],
          responses: { 200: { description: 'a page', content: json('AuditList') }, ...errors(400, 401, 429) },
        },
      },
      '/v1/audits/{id}': {
        get: { summary: 'State, progress, per-stage figures so far, ETA, result', security: auth, parameters: [id], responses: { 200: { description: 'the audit', content: json('AuditView') }, ...errors(401, 404, 429) } },
        delete: { summary: 'Cancel (if running) and remove the audit and its files', security: auth, parameters: [id], responses: { 204: { description: 'removed' }, ...errors(401, 404, 429) } },
      },
      '/v1/audits/{id}/report.json': { get: { summary: `The report (${REPORT_SCHEMA}): figures with exact 95 % Clopper–Pearson intervals, gate.verdict PASS | FAIL | UNGATED`, security: auth, parameters: [id], responses: { 200: { description: 'report', content: json('Report') }, ...errors(401, 404, 409) } } },
      '/v1/audits/{id}/report.pdf': { get: { summary: 'The signed PDF report', security: auth, parameters: [id], responses: { 200: file('application/pdf', 'signed PDF'), ...errors(401, 404, 409) } } },
      '/v1/audits/{id}/attestation': { get: { summary: 'DSSE envelope of the in-toto statement (.intoto.jsonl)', security: auth, parameters: [id], responses: { 200: file('application/vnd.in-toto+json', 'attestation'), ...errors(401, 404, 409) } } },
      '/v1/audits/{id}/junit.xml': { get: { summary: 'The policy gate as JUnit XML', security: auth, parameters: [id], responses: { 200: file('application/xml', 'JUnit'), ...errors(401, 404, 409) } } },
      '/v1/audits/{id}/adversarial.npz': { get: { summary: 'The verified adversarial examples', security: auth, parameters: [id], responses: { 200: file('application/octet-stream', 'npz'), ...errors(401, 404, 409) } } },
      '/v1/keys': { get: { summary: 'Public signing keys (JWK set)', responses: { 200: { description: 'JWK set', content: { 'application/jwk-set+json': { schema: ref('Jwks') } } } } } },
      '/v1/verify': {
        post: {
          summary: 'Verify a signed report (attestation or PDF) against the service key; optionally the model/data digests', security: auth,
          requestBody: { required: true, content: { 'multipart/form-data': { schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' }, model: { type: 'string', format: 'binary' }, data: { type: 'string', format: 'binary' }, policy: { type: 'string', enum: ['all', 'any'], default: 'all' } } } } } },
          responses: { 200: { description: 'verification result (valid may be false)', content: json('VerifyResponse') }, ...errors(400, 401, 413, 415, 422) },
        },
      },
      '/healthz': { get: { summary: 'Liveness', responses: { 200: { description: 'alive' } } } },
      '/readyz': { get: { summary: 'Readiness (database and queue)', responses: { 200: { description: 'ready' }, 503: problem('not ready') } } },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { 200: { description: 'text exposition format' } } } },
      '/openapi.json': { get: { summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1' } } } },
    },
  };
}
