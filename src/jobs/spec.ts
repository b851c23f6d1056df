/**
 * What a service audit job is: the audit configuration a client sends (zod, shared by request
 * validation, the job record and the OpenAPI document) and the stored job specification that
 * names the uploaded blobs by sha256.
 */
import { z } from 'zod';
import { PRESETS } from '../audit/battery';
import { policyShortcutsShape } from '../audit/policy';
import { BOUND_METHODS } from '../model/certifier';
import { intervalSchema, VERDICTS } from '../schema/report';
import { EPS_FORMS, parseEps } from '../util/eps';

/** ε as a number or an exact fraction written as text ("8/255"); kept as sent (the report records both forms). */
const EpsSchema = z.union([
  z.number().positive().max(1e6),
  z.string().max(64).superRefine((v, ctx) => {
    try {
      if (parseEps(v).eps > 1e6) ctx.addIssue({ code: 'custom', message: 'eps must be at most 1e6' });
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
    }
  }),
]).describe(`radius of the threat ball, in the units of the input box (x, lower, upper): ${EPS_FORMS}, e.g. 8/255 for images in [0, 1]`);

/** The `config` part of POST /v1/audits. */
export const AuditConfigSchema = z.object({
  norm: z.enum(['linf', 'l2']).default('linf').describe('threat norm'),
  eps: EpsSchema,
  preset: z.enum(PRESETS).default('standard').describe('battery preset'),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
  n: z.number().int().positive().optional().describe('audit only the first n points'),
  chunk: z.number().int().positive().max(100000).optional().describe('points per checkpointed unit (default 100)'),
  output: z.string().min(1).max(256).optional().describe('name of the graph output that holds the class scores; required when the model has several outputs'),
  certify: z.enum(['none', ...BOUND_METHODS]).optional().describe('certification (default ibp): prove per point that no input within ε changes the class (bound propagation); none to skip'),
  shards: z.number().int().positive().max(256).optional().describe('data shards for distributed workers (redis mode; default GAUNTLET_SHARDS)'),
  ...policyShortcutsShape,
}).strict();
export type AuditConfig = z.infer<typeof AuditConfigSchema>;

const BlobRef = z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), name: z.string(), size: z.number().int().nonnegative() });
export type BlobRef = z.infer<typeof BlobRef>;

/** A stored job: everything needed to run (or re-run) the audit. */
export const JobSpecSchema = z.object({
  model: BlobRef,
  data: BlobRef.nullable(),
  reference: z.string().nullable(),
  policy: BlobRef.nullable(),
  config: AuditConfigSchema,
});
export type JobSpec = z.infer<typeof JobSpecSchema>;

export const JOB_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];
export const FINAL_STATES: readonly JobState[] = ['succeeded', 'failed', 'cancelled'];

/** Where a running audit is (stored as JSON, shown by GET /v1/audits/:id). */
export const JobProgressSchema = z.object({
  phase: z.string(),
  message: z.string(),
  /** Fraction of the phase done, when known. */
  fraction: z.number().min(0).max(1).nullable(),
  /** Estimated fraction of the whole audit done. */
  overall: z.number().min(0).max(1),
  /** Per-stage figures of the battery so far. */
  stages: z.array(z.object({ index: z.number().int(), attack: z.string(), robustAccuracySoFar: z.number() })),
  updatedAt: z.string(),
});
export type JobProgress = z.infer<typeof JobProgressSchema>;

/** The figures of a finished audit kept in the job record (the report itself is a file). */
export const JobResultSchema = z.object({
  /** The gate's verdict: PASS, FAIL, or UNGATED (no requirement on a figure was stated: send minRobustAccuracy in the config or a policy). */
  verdict: z.enum(VERDICTS),
  /** Why UNGATED (null otherwise); absent in results stored before it existed. */
  verdictNote: z.string().nullable().optional(),
  /** Rules that failed, one message each (with the figure and its interval). */
  failedRules: z.array(z.string()).optional(),
  cleanAccuracy: z.number(),
  /** Exact 95 % Clopper–Pearson interval of the clean accuracy. */
  cleanAccuracyInterval: intervalSchema.optional(),
  robustAccuracy: z.number(),
  /** Exact 95 % Clopper–Pearson interval of the robust accuracy. */
  robustAccuracyInterval: intervalSchema.optional(),
  flags: z.array(z.string()),
  files: z.array(z.string()),
});
export type JobResult = z.infer<typeof JobResultSchema>;
