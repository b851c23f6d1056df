/**
 * Resumable audits. The audit is a sequence of units of work (the clean pass, the probe, each
 * attack stage on each chunk of points, each sweep ε, …), each identified by a stable id. The
 * result of every finished unit is saved (JSON, written to a temporary file then renamed, so a
 * kill never leaves a torn checkpoint). A resumed audit replays saved units instead of running
 * them. Attacks draw every random number from per-sample streams (sampleRng(seed, id, …)), so on
 * a deterministic model a unit computes the same result whether or not earlier units were
 * replayed: the resumed report has the same figures as an uninterrupted one.
 *
 * The checkpoint is bound to the audit's configuration (model and data sha256, threat, seed,
 * preset, options): resuming with anything different is refused. The policy is not part of it:
 * resuming a finished audit under another policy re-evaluates the gate without attacking again.
 *
 * Sharded audits (./shards.ts): a shard's checkpoint has the whole audit's configuration plus a
 * `shard` record (index, count, completeness); merged shards form one checkpoint marked `merged`,
 * whose first resume replays the shards' units without counting as a resume.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { InternalError, UsageError } from '../errors';

export const CHECKPOINT_SCHEMA = 'gauntlet-checkpoint-1';

/** A checkpoint file as stored. */
export interface CheckpointFile {
  schema: typeof CHECKPOINT_SCHEMA;
  /** sha256 of the canonical JSON of the configuration. */
  key: string;
  config: unknown;
  /** Times this checkpoint was resumed. */
  resumed: number;
  units: Record<string, unknown>;
  /** Set on a shard's checkpoint (./shards.ts). */
  shard?: ShardRecord;
  /** Set on a checkpoint merged from shards, until its first resume saves a unit. */
  merged?: { shards: number };
}

/** What a shard's checkpoint records about the shard. */
export interface ShardRecord {
  index: number;
  count: number;
  /** The model has random ops (units computed by every shard may then differ). */
  randomOps: boolean;
  /** Every unit of the shard is done. */
  complete: boolean;
}

/**
 * Reads and checks the outer shape of a checkpoint file.
 * @throws UsageError naming the file when it is missing, unreadable or not a checkpoint.
 */
export function readCheckpointFile(path: string, what = 'cannot resume', hint = '; remove it or run without --resume'): CheckpointFile {
  if (!existsSync(path)) throw new UsageError(`${what}: ${path} does not exist`);
  let old: CheckpointFile;
  try {
    old = JSON.parse(readFileSync(path, 'utf8')) as CheckpointFile;
  } catch (e) {
    throw new UsageError(`${what}: ${path} is not a readable checkpoint (${(e as Error).message})${hint}`);
  }
  if (old?.schema !== CHECKPOINT_SCHEMA || !old.units || typeof old.units !== 'object' || typeof old.key !== 'string') {
    throw new UsageError(`${what}: ${path} is not a ${CHECKPOINT_SCHEMA} checkpoint`);
  }
  return old;
}

/** Writes a checkpoint file atomically (temporary file, then rename: a kill never leaves a torn file). */
export function writeCheckpointFile(path: string, state: CheckpointFile): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(state));
  renameSync(tmp, path);
}

/** sha256 of a configuration's canonical JSON: the key a checkpoint is bound to. */
export function configKey(config: unknown): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex');
}

/** Canonical JSON (sorted keys) of a value. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

export class Checkpoint {
  private state: CheckpointFile;
  private replayed = 0;
  private stale = 0;
  /** Called after each unit is run or replayed (progress displays). */
  onUnit?: (id: string) => void;

  private constructor(private readonly path: string | null, state: CheckpointFile) {
    this.state = state;
  }

  /**
   * Opens the checkpoint at `path` (null: in memory only). With `resume`, an existing checkpoint
   * of the same configuration is continued; without it, any existing one is replaced. `shard`
   * opens the checkpoint of one shard of a sharded audit (./shards.ts): a resumed one must be that
   * shard's. A checkpoint merged from shards resumes without counting as a resume.
   * @throws UsageError when resuming a checkpoint made for another configuration or shard, or a corrupt one.
   */
  static open(path: string | null, config: unknown, resume: boolean, shard?: Omit<ShardRecord, 'complete'>): Checkpoint {
    const key = configKey(config);
    const fresh: CheckpointFile = { schema: CHECKPOINT_SCHEMA, key, config, resumed: 0, units: {} };
    if (shard) fresh.shard = { ...shard, complete: false };
    if (!path || !resume || !existsSync(path)) return new Checkpoint(path, fresh);
    const old = readCheckpointFile(path);
    if (old.key !== key) {
      const diff = describeDiff(old.config, config);
      throw new UsageError(`cannot resume: the checkpoint in ${path} was made for a different audit (${diff}); run without --resume to start over`);
    }
    const was = old.shard ? `the checkpoint of shard ${old.shard.index} of ${old.shard.count}` : 'not a shard\'s checkpoint';
    if (shard && (old.shard?.index !== shard.index || old.shard.count !== shard.count)) {
      throw new UsageError(`cannot resume shard ${shard.index} of ${shard.count}: ${path} is ${was}`);
    }
    if (!shard && old.shard) {
      throw new UsageError(`cannot resume: ${path} is ${was}; merge the shards' checkpoints (mergeShardCheckpoints) and resume the merged one`);
    }
    const { merged, ...rest } = old;
    return new Checkpoint(path, { ...rest, resumed: merged ? old.resumed : old.resumed + 1 });
  }

  /** Times this audit has been resumed (0 for a fresh one). */
  get resumed(): number {
    return this.state.resumed;
  }

  /** Units replayed from the checkpoint in this process. */
  get replayedUnits(): number {
    return this.replayed;
  }

  /** Whether unit `id` is already done. */
  has(id: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.state.units, id);
  }

  /** Saved units found stale (`valid` false) and run again in this process. */
  get staleUnits(): number {
    return this.stale;
  }

  /** Number of saved units. */
  get units(): number {
    return Object.keys(this.state.units).length;
  }

  /**
   * The saved result of unit `id`, or runs `work`, saves its (JSON-serialisable) result and
   * returns it. The result passes through JSON both ways, so a fresh and a replayed unit look alike.
   * A saved result that `valid` rejects (computed from other inputs) is run again and replaced.
   */
  async unit<T>(id: string, work: () => Promise<T>, valid?: (saved: T) => boolean): Promise<T> {
    if (this.has(id)) {
      const saved = this.state.units[id] as T;
      if (!valid || valid(saved)) {
        this.replayed++;
        this.onUnit?.(id);
        return saved;
      }
      this.stale++;
    }
    const result = JSON.parse(JSON.stringify(await work())) as T;
    this.state.units[id] = result;
    this.save();
    this.onUnit?.(id);
    return result;
  }

  /** Marks a shard's checkpoint complete (every unit of the shard done) and writes it. */
  completeShard(): void {
    if (!this.state.shard) throw new InternalError('completeShard on a checkpoint that is not a shard\'s');
    this.state.shard = { ...this.state.shard, complete: true };
    this.save();
  }

  private save(): void {
    if (this.path) writeCheckpointFile(this.path, this.state);
  }

  /** Writes the checkpoint now (also done after every unit). */
  flush(): void {
    this.save();
  }
}

/** Which top-level configuration fields differ (for error messages). */
export function describeDiff(a: unknown, b: unknown): string {
  if (!a || !b || typeof a !== 'object' || typeof b !== 'object') return 'configuration differs';
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  const diffs = [...keys].filter((k) => canonicalJson((a as Record<string, unknown>)[k]) !== canonicalJson((b as Record<string, unknown>)[k]));
  return diffs.length ? `differs in ${diffs.join(', ')}` : 'configuration differs';
}
