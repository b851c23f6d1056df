/**
 * What the API node (./redis-runner.ts) and the workers (./redis-worker.ts) agree on in the redis
 * mode: the BullMQ queue, the flow of one audit (a `finish` parent over `shards` children, with
 * ids derived from the audit's id so that adding a flow again is a no-op), the data each job
 * carries, the cancel event, and the Redis connection options parsed from a redis:// URL.
 */
import type { QueueEventsListener } from 'bullmq';
import { UsageError } from '../errors';
import type { JobSpec } from './spec';

/** The one BullMQ queue of audit jobs (shards and finishes). */
export const AUDIT_QUEUE = 'gauntlet-audits';

/** Custom event (published on the queue's event stream) telling workers to stop an audit's jobs. */
export const CANCEL_EVENT = 'gauntlet:cancel';

/** QueueEvents listeners including the cancel event (its payload: the audit id). */
export interface CancelListener extends QueueEventsListener {
  'gauntlet:cancel': (args: { jobId: string }, id: string) => void;
}

/** Data of a `shard` job: shard `index` of `count` of audit `jobId`. */
export interface ShardJobData {
  jobId: string;
  spec: JobSpec;
  shard: { index: number; count: number };
}

/** Data of a `finish` job: merge the `shards` shards of audit `jobId` and write its report. */
export interface FinishJobData {
  jobId: string;
  spec: JobSpec;
  shards: number;
}

/** BullMQ job id of shard `index` of audit `jobId`. */
export function shardJobId(jobId: string, index: number): string {
  return `${jobId}-shard-${index}`;
}

/** BullMQ job id of the finish job of audit `jobId`. */
export function finishJobId(jobId: string): string {
  return `${jobId}-finish`;
}

/** The audit id and part a BullMQ job id names, or null for a job that is not an audit's. */
export function parseQueueJobId(id: string): { jobId: string; part: 'finish' } | { jobId: string; part: 'shard'; index: number } | null {
  const m = /^(aud_[0-9a-f]{20})-(?:(finish)|shard-(\d+))$/.exec(id);
  if (!m) return null;
  return m[2] ? { jobId: m[1], part: 'finish' } : { jobId: m[1], part: 'shard', index: Number(m[3]) };
}

/** Number of shards of an audit: its config's (the service fills in GAUNTLET_SHARDS at submission), at least 1. */
export function shardCount(spec: JobSpec): number {
  return Math.max(1, spec.config.shards ?? 1);
}

/** ioredis connection options as BullMQ wants them (blocking commands never give up). */
export interface RedisConnectionOptions {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db?: number;
  tls?: Record<string, never>;
  maxRetriesPerRequest: null;
}

/**
 * Connection options from a `redis://[user:password@]host[:port][/db]` (or `rediss://` for TLS) URL.
 * @throws UsageError for anything else.
 */
export function redisConnection(url: string): RedisConnectionOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`queue: not a URL: '${url}' (expected redis://host:port)`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new UsageError(`queue: expected a redis:// or rediss:// URL, got '${url}'`);
  const db = u.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw new UsageError(`queue: the path of '${url}' must be a database number`);
  return {
    host: u.hostname || '127.0.0.1', port: u.port ? Number(u.port) : 6379,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(db ? { db: Number(db) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}

/**
 * Checks that BullMQ's Redis driver (the ioredis package, an optional peer dependency of bullmq)
 * can be loaded, so that the redis mode fails with a message rather than on the first job.
 * @throws UsageError when it is not installed.
 */
export function requireRedisDriver(): void {
  try {
    require.resolve('ioredis');
  } catch {
    throw new UsageError("the redis queue needs the 'ioredis' package (BullMQ's Redis driver); install it with `npm install ioredis`, or use --queue local");
  }
}

/** Connection description for logs (never the password). */
export function redisLabel(url: string): string {
  const c = redisConnection(url);
  return `${c.tls ? 'rediss' : 'redis'}://${c.host}:${c.port}${c.db ? `/${c.db}` : ''}`;
}
