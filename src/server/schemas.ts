/**
 * Response shapes of the API as zod schemas: the one source for the handlers' types, the tests'
 * checks and the OpenAPI document (src/server/openapi.ts).
 */
import { z } from 'zod';
import { AuditConfigSchema, JOB_STATES, JobResultSchema } from '../jobs/spec';

const Blob = z.object({ name: z.string(), sha256: z.string(), size: z.number().int() });

export const AuditViewSchema = z.object({
  id: z.string(),
  tenant: z.string(),
  state: z.enum(JOB_STATES),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  attempts: z.number().int().describe('times the audit was started; > 1 after a restart resumed it'),
  config: AuditConfigSchema,
  model: Blob,
  data: Blob.nullable(),
  reference: z.string().nullable(),
  policy: Blob.nullable(),
  progress: z.object({
    phase: z.string(), message: z.string(), fraction: z.number().nullable(), overall: z.number(),
    etaSeconds: z.number().nullable(),
    stages: z.array(z.object({ index: z.number().int(), attack: z.string(), robustAccuracySoFar: z.number() })),
    updatedAt: z.string(),
  }).nullable(),
  result: JobResultSchema.nullable(),
  error: z.object({ title: z.string(), detail: z.string() }).nullable(),
  links: z.record(z.string(), z.string()),
});
export type AuditView = z.infer<typeof AuditViewSchema>;

export const AuditListSchema = z.object({
  items: z.array(AuditViewSchema),
  next: z.string().nullable().describe('cursor for the next page (pass as ?cursor=), null on the last page'),
});

export const AcceptedSchema = z.object({ id: z.string(), state: z.enum(JOB_STATES), links: z.record(z.string(), z.string()) });

export const ProblemSchema = z.object({
  type: z.string(), title: z.string(), status: z.number().int(), detail: z.string(), instance: z.string().optional(),
  code: z.string(), requestId: z.string().optional(),
}).loose();

export const JwksSchema = z.object({ keys: z.array(z.record(z.string(), z.unknown())) });

export const VerifyResponseSchema = z.object({
  valid: z.boolean(), kind: z.enum(['dsse', 'pdf']), problems: z.array(z.string()),
  signatures: z.array(z.object({
    signer: z.string(), verified: z.boolean(), status: z.enum(['valid', 'invalid', 'unknown-key']),
    certificate: z.string().nullable(), signingTime: z.string().nullable(), note: z.string(),
  })),
  summary: z.record(z.string(), z.unknown()).nullable(),
  digests: z.array(z.object({ role: z.enum(['model', 'data']), sha256: z.string(), expected: z.string(), ok: z.boolean() })),
});

export const ListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().regex(/^\d+$/).optional(),
  state: z.enum(JOB_STATES).optional(),
}).strict();
