/**
 * Durable job state in SQLite (better-sqlite3, WAL): audits with their owner tenant, state,
 * progress and result, and the hashed API keys. The service process owns the database; job
 * processes report to it over IPC. A restart loses nothing: queued jobs stay queued, and jobs
 * that were running are put back in the queue to resume from their checkpoints.
 */
import Database from 'better-sqlite3';
import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { StateError } from '../errors';
import { FINAL_STATES, JobProgress, JobResult, JobSpec, JobSpecSchema, JobState } from './spec';

/** A job as stored. */
export interface JobRecord {
  id: string;
  tenant: string;
  state: JobState;
  spec: JobSpec;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  progress: JobProgress | null;
  result: JobResult | null;
  error: { title: string; detail: string } | null;
  /** Times the job was started (a restart resumes it: 2, 3, …). */
  attempts: number;
}

/** A stored API key (never the key itself: its sha256). */
export interface ApiKeyRecord {
  id: string;
  tenant: string;
  role: 'tenant' | 'admin';
  hash: string;
  createdAt: string;
  revokedAt: string | null;
}

interface JobRow {
  id: string; tenant: string; state: JobState; spec: string; created_at: string; started_at: string | null; finished_at: string | null;
  progress: string | null; result: string | null; error: string | null; attempts: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS audits (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  tenant TEXT NOT NULL,
  state TEXT NOT NULL,
  spec TEXT NOT NULL,
  model_sha TEXT NOT NULL,
  data_sha TEXT,
  policy_sha TEXT,
  created_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT,
  progress TEXT,
  result TEXT,
  error TEXT,
  attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS audits_tenant ON audits (tenant, seq);
CREATE INDEX IF NOT EXISTS audits_state ON audits (state, seq);
CREATE TABLE IF NOT EXISTS api_keys (
  id TEXT PRIMARY KEY,
  tenant TEXT NOT NULL,
  role TEXT NOT NULL,
  hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);
`;

const now = () => new Date().toISOString();

/** The tables a Gauntlet database must hold. */
export const STORE_TABLES = ['audits', 'api_keys'] as const;

/** Written beside the database when its schema is first created: from then on an empty database is damage, not a fresh start. */
export function storeMarkerPath(dbPath: string): string {
  return join(dirname(dbPath), '.gauntlet-db-created');
}

/**
 * Checks an open database: `PRAGMA quick_check` says 'ok' and Gauntlet's tables exist. Returns
 * what is wrong, or null. SQLite's own errors (not a database, corrupt page) are returned too.
 */
export function databaseProblem(db: Database.Database): string | null {
  try {
    const rows = db.pragma('quick_check') as { quick_check: string }[];
    const bad = rows.map((r) => r.quick_check).filter((r) => r !== 'ok');
    if (bad.length) return `quick_check failed: ${bad.slice(0, 3).join('; ')}${bad.length > 3 ? ` (+${bad.length - 3} more)` : ''}`;
    const names = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name));
    const missing = STORE_TABLES.filter((t) => !names.has(t));
    if (missing.length) return `Gauntlet's tables are missing (${missing.join(', ')})${names.size === 0 ? ': the database is empty' : ''}`;
    return null;
  } catch (e) {
    if (isBusy(e)) throw e; // another process holds a lock: not damage
    return `SQLite: ${(e as Error).message}`;
  }
}

/** SQLite's "locked by another connection" errors, which say nothing about the file's health. */
function isBusy(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' && /^SQLITE_(BUSY|LOCKED)/.test(code);
}

/** The refusal to open a damaged database: names the file and the way back. */
export function damagedDatabaseError(path: string, problem: string): StateError {
  return new StateError(`the job database ${path} is damaged (${problem}); refusing to start so that no audit or API key is silently lost. Restore a backup with \`gauntlet admin restore FILE\` (service stopped), or move the file away to start empty`, { path, problem });
}

export interface JobStoreOptions {
  /**
   * The database must already hold Gauntlet's tables (the home was used before: blobs or jobs
   * exist). Also implied by the marker file written at first creation.
   */
  expectExisting?: boolean;
}

/** The SQLite job store. */
export class JobStore {
  private readonly db: Database.Database;

  /** Prepared statements by SQL text (compiled once). */
  private readonly statements = new Map<string, Database.Statement>();

  /**
   * Opens (creating) the database at `path`; ':memory:' for tests. A file database is checked
   * first (`PRAGMA quick_check`, Gauntlet's tables where they are expected): damage throws a
   * StateError instead of starting "ready" with every list failing or every audit gone.
   * The file (and its -wal/-shm, which SQLite creates with the same mode) is made 0600.
   */
  constructor(path: string, opts: JobStoreOptions = {}) {
    const file = path !== ':memory:';
    const expect = file && (opts.expectExisting === true || existsSync(storeMarkerPath(path)) || (existsSync(path) && statSync(path).size > 0));
    if (file) {
      if (expect && !existsSync(path)) throw damagedDatabaseError(path, 'the file is missing');
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      if (!existsSync(path)) writeFileSync(path, '', { mode: 0o600 }); // SQLite then gives -wal/-shm the same mode
      try {
        chmodSync(path, 0o600);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EPERM') throw e; // another user's file: leave its mode
      }
    }
    let db: Database.Database | undefined;
    try {
      db = new Database(path);
      db.pragma('busy_timeout = 5000');
      if (expect) {
        const problem = databaseProblem(db);
        if (problem) throw damagedDatabaseError(path, problem);
      }
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.exec(SCHEMA);
    } catch (e) {
      db?.close();
      if (e instanceof StateError || isBusy(e)) throw e;
      throw damagedDatabaseError(path, `SQLite: ${(e as Error).message}`);
    }
    this.db = db;
    if (file && !existsSync(storeMarkerPath(path))) writeFileSync(storeMarkerPath(path), `${now()}\n`, { mode: 0o600 });
  }

  private q(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (!st) this.statements.set(sql, st = this.db.prepare(sql));
    return st;
  }

  close(): void {
    this.db.close();
  }

  /** Whether the database answers (for /readyz). */
  ping(): boolean {
    return this.q('SELECT 1 AS one').get() !== undefined;
  }

  /** Creates a queued job; returns its record. */
  createJob(tenant: string, spec: JobSpec): JobRecord {
    JobSpecSchema.parse(spec); // validated on the way in; reads trust the rows
    const id = `aud_${randomBytes(10).toString('hex')}`;
    this.q(`INSERT INTO audits (id, tenant, state, spec, model_sha, data_sha, policy_sha, created_at)
      VALUES (?, ?, 'queued', ?, ?, ?, ?, ?)`).run(id, tenant, JSON.stringify(spec), spec.model.sha256, spec.data?.sha256 ?? null, spec.policy?.sha256 ?? null, now());
    return this.getJob(id)!;
  }

  /** The job, or undefined. `tenant` (unless null: admin) must own it. */
  getJob(id: string, tenant: string | null = null): JobRecord | undefined {
    const row = this.q('SELECT * FROM audits WHERE id = ?').get(id) as JobRow | undefined;
    if (!row || (tenant !== null && row.tenant !== tenant)) return undefined;
    return toRecord(row);
  }

  /**
   * A page of jobs, newest first. `tenant` null lists every tenant's (admin).
   * @param after cursor: the `seq` of the last job of the previous page.
   */
  listJobs(tenant: string | null, limit: number, after?: number, state?: JobState): { jobs: JobRecord[]; next: number | null } {
    const where: string[] = [];
    const args: unknown[] = [];
    if (tenant !== null) { where.push('tenant = ?'); args.push(tenant); }
    if (after !== undefined) { where.push('seq < ?'); args.push(after); }
    if (state) { where.push('state = ?'); args.push(state); }
    const rows = this.q(`SELECT * FROM audits ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`)
      .all(...args, limit + 1) as (JobRow & { seq: number })[];
    const more = rows.length > limit;
    const page = rows.slice(0, limit);
    return { jobs: page.map(toRecord), next: more ? page[page.length - 1].seq : null };
  }

  /** Number of jobs per state (for /metrics). */
  countByState(): Record<string, number> {
    const rows = this.q('SELECT state, COUNT(*) AS n FROM audits GROUP BY state').all() as { state: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  }

  /** Queued jobs, oldest first. */
  queued(limit = 100): JobRecord[] {
    return (this.q("SELECT * FROM audits WHERE state = 'queued' ORDER BY seq LIMIT ?").all(limit) as JobRow[]).map(toRecord);
  }

  /** The oldest queued job of each tenant, oldest first (the candidates of a fair pick). */
  queuedHeads(): JobRecord[] {
    return (this.q("SELECT * FROM audits WHERE seq IN (SELECT MIN(seq) FROM audits WHERE state = 'queued' GROUP BY tenant) ORDER BY seq").all() as JobRow[]).map(toRecord);
  }

  /** Jobs of the tenant that are queued or running (its active audits, for the per-tenant quota). */
  countActive(tenant: string): number {
    return (this.q("SELECT COUNT(*) AS n FROM audits WHERE tenant = ? AND state IN ('queued', 'running')").get(tenant) as { n: number }).n;
  }

  /** Atomically moves a queued job to running; false when it is no longer queued. */
  markRunning(id: string): boolean {
    const r = this.q("UPDATE audits SET state = 'running', started_at = COALESCE(started_at, ?), attempts = attempts + 1 WHERE id = ? AND state = 'queued'").run(now(), id);
    return r.changes === 1;
  }

  /** Puts every running job back in the queue (after a restart: they resume from their checkpoints). Returns their ids. */
  requeueRunning(): string[] {
    const ids = (this.q("SELECT id FROM audits WHERE state = 'running' ORDER BY seq").all() as { id: string }[]).map((r) => r.id);
    this.q("UPDATE audits SET state = 'queued' WHERE state = 'running'").run();
    return ids;
  }

  setProgress(id: string, progress: JobProgress): void {
    this.q("UPDATE audits SET progress = ? WHERE id = ? AND state = 'running'").run(JSON.stringify(progress), id);
  }

  /** Records the end of a running (or queued) job; false when it had already ended (e.g. cancelled). */
  finish(id: string, state: Exclude<JobState, 'queued' | 'running'>, outcome: { result?: JobResult; error?: { title: string; detail: string } }): boolean {
    const r = this.q(`UPDATE audits SET state = ?, finished_at = ?, result = ?, error = ? WHERE id = ? AND state IN ('queued', 'running')`)
      .run(state, now(), outcome.result ? JSON.stringify(outcome.result) : null, outcome.error ? JSON.stringify(outcome.error) : null, id);
    return r.changes === 1;
  }

  /** Removes the job record. */
  deleteJob(id: string): void {
    this.q('DELETE FROM audits WHERE id = ?').run(id);
  }

  /** Whether any job still refers to the blob. */
  blobInUse(sha256: string): boolean {
    return this.q('SELECT 1 FROM audits WHERE model_sha = ? OR data_sha = ? OR policy_sha = ? LIMIT 1').get(sha256, sha256, sha256) !== undefined;
  }

  // API keys ------------------------------------------------------------------------------------

  addApiKey(k: Omit<ApiKeyRecord, 'createdAt' | 'revokedAt'>): ApiKeyRecord {
    this.q('INSERT INTO api_keys (id, tenant, role, hash, created_at) VALUES (?, ?, ?, ?, ?)').run(k.id, k.tenant, k.role, k.hash, now());
    return this.getApiKey(k.id)!;
  }

  getApiKey(id: string): ApiKeyRecord | undefined {
    const r = this.q('SELECT * FROM api_keys WHERE id = ?').get(id) as { id: string; tenant: string; role: 'tenant' | 'admin'; hash: string; created_at: string; revoked_at: string | null } | undefined;
    return r && { id: r.id, tenant: r.tenant, role: r.role, hash: r.hash, createdAt: r.created_at, revokedAt: r.revoked_at };
  }

  listApiKeys(): ApiKeyRecord[] {
    return (this.q('SELECT id FROM api_keys ORDER BY created_at').all() as { id: string }[]).map((r) => this.getApiKey(r.id)!);
  }

  /** Revokes a key; false when there is no such key. */
  revokeApiKey(id: string): boolean {
    return this.q('UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?').run(now(), id).changes === 1;
  }
}

/** Whether a state is final. */
export function isFinal(state: JobState): boolean {
  return FINAL_STATES.includes(state);
}

function toRecord(r: JobRow): JobRecord {
  return {
    id: r.id, tenant: r.tenant, state: r.state, spec: JSON.parse(r.spec) as JobSpec, createdAt: r.created_at,
    startedAt: r.started_at, finishedAt: r.finished_at, progress: r.progress ? JSON.parse(r.progress) : null,
    result: r.result ? JSON.parse(r.result) : null, error: r.error ? JSON.parse(r.error) : null, attempts: r.attempts,
  };
}
