/**
 * Sharded audits: one audit split into data shards that run in parallel (worker processes of the
 * service's queue, or anything else), merged into one checkpoint, from which the usual audit
 * writes a report identical to a single run's with the same seed.
 *
 * The mechanism rests on two properties of the audit's checkpointed units (./checkpoint.ts):
 *  - every unit of the battery, the convergence stage, the sweep cascades and the FAB-T minimal
 *    norms depends on one chunk of points only (the cascade's eligibility is per point, and every
 *    attack draws its random numbers per sample id), so a unit computed by a shard is the unit a
 *    single run computes;
 *  - a resumed audit replays saved units instead of running them.
 * Shard `index` of `count` owns the chunks c with c % count === index; it also computes the cheap
 * global units those need (clean predictions, probe), which every shard computes alike on a model
 * without random ops. The merge unions the units; the final run replays them and runs the global
 * phases (full box, hypocritical risk, integrity, the report).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelledError, UsageError } from '../errors';
import { AuditOptions, AuditProgress, AuditResult, auditSetup, runAuditWithExamples, runChunkedPhases, timedUnits } from './audit';
import type { Battery } from './battery';
import { CheckpointFile, ShardRecord, canonicalJson, describeDiff, readCheckpointFile, writeCheckpointFile, Checkpoint, CHECKPOINT_SCHEMA } from './checkpoint';

/** Which shard: `index` in [0, count). */
export interface ShardSpec {
  index: number;
  count: number;
}

/** What one shard did. */
export interface ShardResult {
  index: number;
  count: number;
  /** Chunk indices the shard owns. */
  chunks: number[];
  /** Units in the shard's checkpoint (global and per-chunk). */
  units: number;
  /** Of those, units replayed from a previous, interrupted run of the shard. */
  replayed: number;
  /** Wall-clock seconds of this call. */
  seconds: number;
}

/** Whether shard `index` of `count` owns chunk `c` (depends on nothing else). */
export function ownsChunk(c: number, shard: ShardSpec): boolean {
  return c % shard.count === shard.index;
}

/** Units of the chunked phases for one chunk, once the battery is adapted. */
function unitsPerChunk(b: Battery): number {
  return b.stages.length + 1 + b.sweep.fractions.length * b.sweep.stages.length + 1;
}

function checkShard(shard: ShardSpec): void {
  const { index, count } = shard;
  if (!Number.isInteger(count) || count < 1) throw new UsageError(`shard count must be an integer ≥ 1, got ${count}`);
  if (!Number.isInteger(index) || index < 0 || index >= count) throw new UsageError(`shard index must be an integer in [0, ${count - 1}], got ${index}`);
}

/**
 * Runs one shard of an audit: the clean and probe units, then every battery (convergence stage
 * included), sweep and minimal-norms unit of the chunks the shard owns, saved in
 * `o.checkpointPath` (required). With `o.resume` a killed shard continues. Full box, hypocritical
 * risk, integrity and the report are left to the final run on the merged checkpoint.
 * `o.onProgress` receives the fraction of this shard's units done.
 * @throws UsageError for a bad shard spec or a missing checkpoint path; CancelledError when `o.signal` aborts.
 */
export async function runAuditShard(o: AuditOptions, shard: ShardSpec): Promise<ShardResult> {
  const started = process.hrtime.bigint();
  checkShard(shard);
  if (!o.checkpointPath) throw new UsageError('a shard needs a checkpoint file (checkpointPath): the merge reads its units from there');
  if (o.signal?.aborted) throw new CancelledError();
  const s = auditSetup(o);
  const chunks = [...Array(s.chunks).keys()].filter((c) => ownsChunk(c, shard));
  const ckpt = Checkpoint.open(o.checkpointPath, s.config, o.resume ?? false, {
    index: shard.index, count: shard.count, randomOps: o.model.info.random.length > 0,
  });

  // Progress = units done / units of the shard: clean, probe, then per chunk the units of the
  // battery as adapted (estimated from the preset's until the probe is done; kept non-decreasing).
  let done = 0;
  let total = 2 + chunks.length * unitsPerChunk(s.battery);
  let fraction = 0;
  let last: AuditProgress = { phase: 'clean', message: '' };
  const report = () => {
    fraction = Math.max(fraction, Math.min(1, done / total));
    o.onProgress?.({ ...last, message: `shard ${shard.index + 1}/${shard.count}: ${last.message}`, fraction });
  };
  ckpt.onUnit = () => { done++; report(); };
  const shardOptions: AuditOptions = { ...o, onProgress: (p) => { last = p; report(); } };
  await runChunkedPhases(shardOptions, s, ckpt, timedUnits(ckpt), {
    owns: (c) => ownsChunk(c, shard),
    onPlan: (b) => { total = 2 + chunks.length * unitsPerChunk(b); },
  });
  ckpt.completeShard();
  return {
    index: shard.index, count: shard.count, chunks, units: ckpt.units, replayed: ckpt.replayedUnits,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
  };
}

/** What a merge produced. */
export interface MergeResult {
  shards: number;
  units: number;
  /** Global units whose values differed between shards of a model with random ops (shard 0's kept). */
  differing: string[];
}

/** A unit without its measured seconds (what must agree between shards). */
function figures(unit: unknown): string {
  if (unit && typeof unit === 'object' && !Array.isArray(unit)) {
    const { seconds: _s, ...rest } = unit as Record<string, unknown>;
    return canonicalJson(rest);
  }
  return canonicalJson(unit);
}

/**
 * Merges the checkpoints of every shard of one audit into one checkpoint at `into` (written
 * atomically), which `runAuditWithExamples({ ...o, checkpointPath: into, resume: true })` turns
 * into the report. A unit several shards computed (clean, probe) must be equal in all of them
 * (seconds aside) on a model without random ops; on one with random ops shard 0's is kept, and the
 * final run re-runs any chunk unit computed from other clean predictions or adaptations.
 * @throws UsageError when a shard's checkpoint is missing, corrupt, not a shard's, incomplete,
 * made for another configuration or shard count, duplicated, or disagrees on a deterministic unit.
 */
export function mergeShardCheckpoints(shardPaths: readonly string[], into: string): MergeResult {
  const what = 'cannot merge shards';
  if (shardPaths.length === 0) throw new UsageError(`${what}: no shard checkpoint given`);
  const files = shardPaths.map((p) => {
    const f = readCheckpointFile(p, what, '; run that shard again');
    if (!f.shard) throw new UsageError(`${what}: ${p} is not a shard's checkpoint (made by runAuditShard)`);
    return { path: p, file: f, shard: f.shard };
  });
  const first = files[0];
  for (const f of files.slice(1)) {
    if (f.file.key !== first.file.key) {
      throw new UsageError(`${what}: ${f.path} was made for a different audit than ${first.path} (${describeDiff(first.file.config, f.file.config)})`);
    }
    if (f.shard.count !== first.shard.count) {
      throw new UsageError(`${what}: ${f.path} is shard ${f.shard.index} of ${f.shard.count} but ${first.path} is shard ${first.shard.index} of ${first.shard.count}`);
    }
  }
  const count = first.shard.count;
  const byIndex = new Map<number, { path: string; file: CheckpointFile; shard: ShardRecord }>();
  for (const f of files) {
    const dup = byIndex.get(f.shard.index);
    if (dup) throw new UsageError(`${what}: ${dup.path} and ${f.path} are both shard ${f.shard.index} of ${count}`);
    byIndex.set(f.shard.index, f);
  }
  const missing = [...Array(count).keys()].filter((i) => !byIndex.has(i));
  if (missing.length) throw new UsageError(`${what}: shard${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of ${count} ${missing.length > 1 ? 'are' : 'is'} missing; give every shard's checkpoint`);
  const incomplete = files.filter((f) => !f.shard.complete);
  if (incomplete.length) {
    throw new UsageError(`${what}: ${incomplete.map((f) => `shard ${f.shard.index} (${f.path})`).join(', ')} did not finish; resume ${incomplete.length > 1 ? 'them' : 'it'} (runAuditShard with resume) first`);
  }
  const randomOps = files.some((f) => f.shard.randomOps);
  const units: Record<string, unknown> = {};
  const from: Record<string, number> = {};
  const differing: string[] = [];
  for (let i = 0; i < count; i++) {
    const f = byIndex.get(i)!;
    for (const [id, unit] of Object.entries(f.file.units)) {
      if (!(id in units)) { units[id] = unit; from[id] = i; continue; }
      if (figures(unit) === figures(units[id])) continue;
      if (!randomOps) {
        throw new UsageError(`${what}: shards ${from[id]} and ${i} disagree on unit '${id}' of a model without random ops (same inputs should give the same result: was one made by another Gauntlet or onnxruntime build?)`);
      }
      if (!differing.includes(id)) differing.push(id);
    }
  }
  const merged: CheckpointFile = {
    schema: CHECKPOINT_SCHEMA, key: first.file.key, config: first.file.config, resumed: 0, units, merged: { shards: count },
  };
  writeCheckpointFile(into, merged);
  return { shards: count, units: Object.keys(units).length, differing };
}

/**
 * For tests and benchmarks: runs the `count` shards one after another in this process, merges them
 * and finishes the audit. Shard checkpoints go next to `o.checkpointPath` (the merged one), or in a
 * temporary folder removed afterwards when it is null.
 */
export async function runShardedAuditLocally(o: AuditOptions, count: number): Promise<AuditResult & { shards: ShardResult[]; merge: MergeResult }> {
  checkShard({ index: 0, count });
  const tmp = o.checkpointPath ? null : mkdtempSync(join(tmpdir(), 'gauntlet-shards-'));
  try {
    const into = o.checkpointPath ?? join(tmp!, 'merged.json');
    const paths = [...Array(count).keys()].map((i) => `${into}.shard-${i}-of-${count}`);
    const shards: ShardResult[] = [];
    for (let i = 0; i < count; i++) shards.push(await runAuditShard({ ...o, checkpointPath: paths[i] }, { index: i, count }));
    const merge = mergeShardCheckpoints(paths, into);
    const result = await runAuditWithExamples({ ...o, checkpointPath: into, resume: true });
    return { ...result, shards, merge };
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}
