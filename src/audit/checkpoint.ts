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
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { UsageError } from '../errors';

export const CHECKPOINT_SCHEMA = 'gauntlet-checkpoint-1';

interface CheckpointFile {
  schema: typeof CHECKPOINT_SCHEMA;
  /** sha256 of the canonical JSON of the configuration. */
  key: string;
  config: unknown;
  /** Times this checkpoint was resumed. */
  resumed: number;
  units: Record<string, unknown>;
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

  private constructor(private readonly path: string | null, state: CheckpointFile) {
    this.state = state;
  }

  /**
   * Opens the checkpoint at `path` (null: in memory only). With `resume`, an existing checkpoint
   * of the same configuration is continued; without it, any existing one is replaced.
   * @throws UsageError when resuming a checkpoint made for another configuration, or a corrupt one.
   */
  static open(path: string | null, config: unknown, resume: boolean): Checkpoint {
    const key = createHash('sha256').update(canonicalJson(config)).digest('hex');
    const fresh: CheckpointFile = { schema: CHECKPOINT_SCHEMA, key, config, resumed: 0, units: {} };
    if (!path || !resume || !existsSync(path)) return new Checkpoint(path, fresh);
    let old: CheckpointFile;
    try {
      old = JSON.parse(readFileSync(path, 'utf8')) as CheckpointFile;
    } catch (e) {
      throw new UsageError(`cannot resume: ${path} is not a readable checkpoint (${(e as Error).message}); remove it or run without --resume`);
    }
    if (old?.schema !== CHECKPOINT_SCHEMA || typeof old.units !== 'object') {
      throw new UsageError(`cannot resume: ${path} is not a ${CHECKPOINT_SCHEMA} checkpoint`);
    }
    if (old.key !== key) {
      const diff = describeDiff(old.config, config);
      throw new UsageError(`cannot resume: the checkpoint in ${path} was made for a different audit (${diff}); run without --resume to start over`);
    }
    return new Checkpoint(path, { ...old, resumed: old.resumed + 1 });
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

  /**
   * The saved result of unit `id`, or runs `work`, saves its (JSON-serialisable) result and
   * returns it. The result passes through JSON both ways, so a fresh and a replayed unit look alike.
   */
  async unit<T>(id: string, work: () => Promise<T>): Promise<T> {
    if (this.has(id)) {
      this.replayed++;
      return this.state.units[id] as T;
    }
    const result = JSON.parse(JSON.stringify(await work())) as T;
    this.state.units[id] = result;
    this.save();
    return result;
  }

  private save(): void {
    if (!this.path) return;
    const tmp = `${this.path}.tmp-${process.pid}`;
    writeFileSync(tmp, JSON.stringify(this.state));
    renameSync(tmp, this.path);
  }

  /** Writes the checkpoint now (also done after every unit). */
  flush(): void {
    this.save();
  }
}

function describeDiff(a: unknown, b: unknown): string {
  if (!a || !b || typeof a !== 'object' || typeof b !== 'object') return 'configuration differs';
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  const diffs = [...keys].filter((k) => canonicalJson((a as Record<string, unknown>)[k]) !== canonicalJson((b as Record<string, unknown>)[k]));
  return diffs.length ? `differs in ${diffs.join(', ')}` : 'configuration differs';
}
