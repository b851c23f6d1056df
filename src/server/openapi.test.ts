/**
 * The OpenAPI document assembled from the route files' own path descriptions: the same
 * operations, responses and component schemas as the hand-kept document it replaced, and every
 * `$ref` resolves to a component.
 */
import { openApiDocument } from './openapi';

type Doc = { paths: Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown }>>; components: { schemas: Record<string, unknown> } };

/** "METHOD path status…" per operation, in document order. */
function operations(doc: Doc): string[] {
  return Object.entries(doc.paths).flatMap(([path, items]) =>
    Object.entries(items).map(([method, op]) => `${method.toUpperCase()} ${path} ${Object.keys(op.responses).join(' ')}`));
}

describe('openApiDocument', () => {
  const doc = openApiDocument() as unknown as Doc;

  it('when assembled from the routes, then it lists the same operations and response codes as before, in the same order', () => {
    expect(operations(doc)).toEqual([
      'POST /v1/audits 202 400 401 413 415 422 429',
      'GET /v1/audits 200 400 401 429',
      'GET /v1/audits/{id} 200 401 404 429',
      'DELETE /v1/audits/{id} 204 401 404 429',
      'GET /v1/audits/{id}/report.json 200 401 404 409',
      'GET /v1/audits/{id}/report.pdf 200 401 404 409',
      'GET /v1/audits/{id}/attestation 200 401 404 409',
      'GET /v1/audits/{id}/junit.xml 200 401 404 409',
      'GET /v1/audits/{id}/adversarial.npz 200 401 404 409',
      'GET /v1/keys 200',
      'POST /v1/verify 200 400 401 413 415 422',
      'GET /healthz 200',
      'GET /readyz 200 503',
      'GET /metrics 200',
      'GET /openapi.json 200',
    ]);
  });

  it('when assembled, then the /v1/audits and /v1/verify operations require the API key and the probes do not', () => {
    const secured = Object.entries(doc.paths).flatMap(([path, items]) =>
      Object.entries(items).filter(([, op]) => op.security).map(([method]) => `${method.toUpperCase()} ${path}`));
    expect(secured.filter((s) => !/ \/v1\/(audits|verify)/.test(s))).toEqual([]);
    expect(secured).toHaveLength(10);
  });

  it('when assembled, then it holds the same component schemas and every $ref names one of them', () => {
    expect(Object.keys(doc.components.schemas)).toEqual(['AuditConfig', 'AuditView', 'AuditList', 'Accepted', 'Problem', 'Jwks', 'VerifyResponse', 'Report']);
    const refs = [...JSON.stringify(doc.paths).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(0);
    for (const r of refs) expect(doc.components.schemas).toHaveProperty(r);
  });
});
