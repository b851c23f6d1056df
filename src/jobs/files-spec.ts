import { join } from 'node:path';
import { InternalError } from '../errors';
import type { AuditFilesSpec } from '../usecases/from-files';
import type { BlobStore } from './blobs';
import type { JobSpec } from './spec';
import { parseEps } from '../util/eps';

/** Where a job's outputs live: `<jobs>/<id>` (report files, checkpoint.json, shards/). */
export function jobDir(jobsRoot: string, id: string): string {
  if (!/^aud_[0-9a-f]{20}$/.test(id)) throw new InternalError(`not a job id: ${id}`);
  return join(jobsRoot, id);
}

/** The file-level audit of a stored job (always resumable: a restarted job continues its checkpoint). */
export function filesSpec(id: string, spec: JobSpec, blobs: BlobStore, jobsRoot: string, threads?: number): AuditFilesSpec {
  const c = spec.config;
  const { eps, epsExact } = parseEps(c.eps);
  return {
    modelPath: blobs.path(spec.model.sha256), modelName: spec.model.name,
    dataPath: spec.data ? blobs.path(spec.data.sha256) : null, dataName: spec.data?.name,
    reference: spec.reference, norm: c.norm, eps, epsExact, preset: c.preset, seed: c.seed, n: c.n, chunk: c.chunk,
    policyPath: spec.policy ? blobs.path(spec.policy.sha256) : null, policyName: spec.policy?.name,
    policyShortcuts: {
      values: {
        minRobustAccuracy: c.minRobustAccuracy, minCleanAccuracy: c.minCleanAccuracy, maxHypocriticalRisk: c.maxHypocriticalRisk,
        minCertifiedAccuracy: c.minCertifiedAccuracy, confidence: c.confidence,
      },
      origin: 'api config',
    },
    out: jobDir(jobsRoot, id), resume: true, threads, sign: true, output: c.output, certify: c.certify,
  };
}
