/**
 * Entry of a job process: runs one audit (src/usecases/from-files.ts) outside the service's event
 * loop, reporting over IPC. Messages in: { type: 'run', spec, mode }. Messages out: progress, then
 * exactly one of done / shard-done / failed. The process exits when its parent goes away (the IPC
 * channel closes), so a killed server or worker leaves no orphan audits behind; the checkpoint
 * keeps the work.
 *
 * Modes (the redis queue splits an audit, src/audit/shards.ts): `full` runs the whole audit;
 * `shard` runs shard {index, count} into `<out>/shards/<index>.json` (resuming it); `finish`
 * merges every shard's checkpoint into `<out>/checkpoint.json` and runs the audit on it (replaying
 * the shards' units), writing the report as `full` does.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { auditFromFiles, AuditFilesSpec, auditOptions, openAuditInputs } from '../usecases/from-files';
import { mergeShardCheckpoints, runAuditShard, ShardResult, ShardSpec } from '../audit/shards';
import { GauntletError } from '../errors';
import { ProgressTracker } from './progress';
import type { JobProgress, JobResult } from './spec';

/** Messages a job process sends. */
export type JobProcessMessage =
  | { type: 'progress'; progress: JobProgress }
  | { type: 'warning'; message: string }
  | { type: 'done'; result: JobResult }
  | { type: 'shard-done'; shard: ShardResult }
  | { type: 'failed'; error: { code: string; title: string; detail: string } };

/** Messages a job process receives (no mode: `full`). */
export type JobProcessCommand =
  | { type: 'run'; mode?: 'full'; spec: AuditFilesSpec }
  | { type: 'run'; mode: 'shard'; spec: AuditFilesSpec; shard: ShardSpec }
  | { type: 'run'; mode: 'finish'; spec: AuditFilesSpec; shards: number };

/** Where shard `index` of an audit writing to `out` keeps its checkpoint. */
export function shardCheckpointPath(out: string, index: number): string {
  return join(out, 'shards', `${index}.json`);
}

const send = (m: JobProcessMessage) => new Promise<void>((resolve) => {
  if (!process.send || !process.connected) { resolve(); return; }
  process.send(m, undefined, {}, () => resolve());
});

async function run(cmd: JobProcessCommand): Promise<void> {
  const { spec } = cmd;
  const controller = new AbortController();
  process.once('SIGTERM', () => controller.abort());
  const tracker = new ProgressTracker();
  let lastSent = 0;
  let lastPhase = '';
  const throttled = (progress: JobProgress) => {
    const t = Date.now();
    if (t - lastSent < 250 && progress.phase === lastPhase) return;
    lastSent = t;
    lastPhase = progress.phase;
    void send({ type: 'progress', progress });
  };
  const files = {
    signal: controller.signal,
    onProgress: (p: Parameters<ProgressTracker['update']>[0]) => throttled(tracker.update(p)),
    onWarning: (message: string) => void send({ type: 'warning', message }),
  };
  try {
    if (cmd.mode === 'shard') {
      await send({ type: 'shard-done', shard: await runShard(spec, cmd.shard, files.onWarning, controller.signal, throttled) });
      process.exit(0);
    }
    if (cmd.mode === 'finish') {
      const paths = [...Array(cmd.shards).keys()].map((i) => shardCheckpointPath(spec.out, i));
      mergeShardCheckpoints(paths, join(spec.out, 'checkpoint.json'));
    }
    const r = await auditFromFiles(cmd.mode === 'finish' ? { ...spec, resume: true } : spec, files);
    const rep = r.report;
    await send({
      type: 'done',
      result: {
        verdict: rep.gate!.verdict, verdictNote: rep.gate!.note, failedRules: rep.gate!.rules.filter((x) => !x.passed).map((x) => x.message),
        cleanAccuracy: rep.cleanAccuracy, cleanAccuracyInterval: rep.cleanAccuracyInterval,
        robustAccuracy: rep.robustAccuracy, robustAccuracyInterval: rep.robustAccuracyInterval,
        flags: rep.flags, files: r.files.map((f) => f.split(/[\\/]/).pop()!),
      },
    });
    process.exit(0);
  } catch (e) {
    const g = e instanceof GauntletError && e.operational;
    await send({ type: 'failed', error: { code: g ? e.code : 'internal', title: g ? 'Audit failed' : 'Internal error', detail: (e as Error)?.message ?? String(e) } });
    process.exit(1);
  }
}

/** One shard (its fraction of units done is the progress's `overall`; no per-stage figures: they cover only the shard's chunks). */
async function runShard(spec: AuditFilesSpec, shard: ShardSpec, onWarning: (m: string) => void, signal: AbortSignal, progress: (p: JobProgress) => void): Promise<ShardResult> {
  mkdirSync(join(spec.out, 'shards'), { recursive: true });
  const inputs = await openAuditInputs(spec, { onWarning });
  try {
    const onProgress = (p: { phase: string; message: string; fraction?: number }) => progress({
      phase: p.phase, message: p.message, fraction: p.fraction ?? null, overall: p.fraction ?? 0, stages: [], updatedAt: new Date().toISOString(),
    });
    const o = auditOptions({ ...spec, resume: true }, inputs, { signal, onProgress, onWarning }, shardCheckpointPath(spec.out, shard.index));
    return await runAuditShard(o, shard);
  } finally {
    await inputs.close();
  }
}

process.on('disconnect', () => process.exit(3));
process.on('message', (m: JobProcessCommand) => {
  if (m?.type === 'run') void run(m);
});
