/**
 * The OpenAPI 3.1 document. Each route file describes its own paths beside its handlers
 * (routes/*.ts, with the vocabulary of ./openapi-parts.ts); this file assembles them, in the order
 * of the route table (routes/index.ts), with the component schemas, generated from the zod schemas
 * the handlers use (zod's own JSON Schema conversion), so the document cannot drift from the
 * validation.
 */
import { z } from 'zod';
import { AuditConfigSchema } from '../jobs/spec';
import { reportSchema } from '../schema/report';
import { GAUNTLET_VERSION } from '../version';
import { PathItems } from './openapi-parts';
import { ROUTES } from './routes';
import { AcceptedSchema, AuditListSchema, AuditViewSchema, JwksSchema, ProblemSchema, VerifyResponseSchema } from './schemas';

const schema = (s: z.ZodType) => z.toJSONSchema(s, { target: 'draft-2020-12', unrepresentable: 'any', io: 'output' });

/** This document's own path (served by app.ts). */
const OPENAPI_PATHS: PathItems = {
  '/openapi.json': { get: { summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1' } } } },
};

/** Every route group's paths in the table's order, then this document's own. */
const API_PATHS: PathItems[] = [...ROUTES.map((g) => g.paths), OPENAPI_PATHS];

/** The OpenAPI document. */
export function openApiDocument(): Record<string, unknown> {
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
    paths: Object.assign({}, ...API_PATHS) as PathItems,
  };
}
