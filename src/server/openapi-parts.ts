/**
 * The vocabulary route files use to describe their paths for the OpenAPI document
 * (./openapi.ts assembles them): references to the shared component schemas, JSON and
 * problem+json responses, binary downloads, the bearer-key requirement and the `id` parameter.
 */

/** OpenAPI path items keyed by path, each keyed by HTTP method. */
export type PathItems = Record<string, Record<string, unknown>>;

/** A reference to a component schema of the document (see openapi.ts). */
export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** An application/json content whose schema is the component `name`. */
export const json = (name: string) => ({ 'application/json': { schema: ref(name) } });

/** A problem+json response. */
export const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });

const PROBLEMS: Record<number, string> = {
  400: 'malformed request (config, query, multipart)', 401: 'missing or invalid API key', 404: 'no such audit (or another tenant\'s)',
  409: 'the audit has not finished', 413: 'an upload exceeds its size limit or a resource limit, or on POST /v1/audits the audit\'s estimated arithmetic exceeds GAUNTLET_MAX_AUDIT_PFLOPS (`audit_too_costly`)', 415: 'not multipart/form-data',
  422: 'the model, data or policy was rejected; detail says why and `field` which upload', 429: 'rate limit exceeded (`rate_limited`), or on POST /v1/audits the tenant has its quota of active audits (`quota_exceeded`, with Retry-After)',
};

/** The problem responses of the given statuses, with their standard descriptions. */
export const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [String(c), problem(PROBLEMS[c])]));

/** A binary download of media type `type`. */
export const file = (type: string, description: string) => ({ description, content: { [type]: { schema: { type: 'string', format: 'binary' } } } });

/** The security requirement of routes behind an API key. */
export const AUTH = [{ apiKey: [] }];

/** The `{id}` path parameter of an audit. */
export const ID_PARAM = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
