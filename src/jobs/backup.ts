/**
 * Backup and restore of the job database (`gauntlet admin backup|restore`). A backup is taken
 * with SQLite's online backup API, so it is consistent while the service runs and writes; the
 * copy is switched to a self-contained rollback journal and checked before it is kept. A restore
 * checks the backup (quick_check, Gauntlet's tables) and then replaces the database atomically
 * (a copy beside it, then rename), removing the old -wal/-shm. Files are written 0600.
 *
 * The database holds audits and hashed API keys. Uploads (blobs/), audit outputs (jobs/) and the
 * signing key (keys/) are plain files: copy them with the usual tools (docs/service.md).
 */
import Database from 'better-sqlite3';
import { chmodSync, existsSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { StateError, UsageError } from '../errors';
import { databaseProblem, storeMarkerPath } from './store';

/** What a backup or restore copied. */
export interface BackupSummary { file: string; audits: number; apiKeys: number; bytes: number }

function counts(db: Database.Database): { audits: number; apiKeys: number } {
  const n = (t: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n;
  return { audits: n('audits'), apiKeys: n('api_keys') };
}

/** Copies the database at `dbPath` to `dest` (online: the service may be running). */
export async function backupDatabase(dbPath: string, dest: string): Promise<BackupSummary> {
  if (!existsSync(dbPath)) throw new UsageError(`no database at ${dbPath}: check GAUNTLET_HOME`);
  if (existsSync(dest)) throw new UsageError(`${dest} exists: give a new file name (a backup never overwrites)`);
  const tmp = join(dirname(dest), `.${process.pid}.${Date.now()}.gauntlet-backup.tmp`);
  const src = new Database(dbPath, { fileMustExist: true });
  try {
    src.pragma('busy_timeout = 5000');
    const problem = databaseProblem(src);
    if (problem) throw new StateError(`the database ${dbPath} is damaged (${problem}); a backup of it would be too: restore an earlier backup instead`);
    await src.backup(tmp);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  } finally {
    src.close();
  }
  try {
    chmodSync(tmp, 0o600);
    const copy = new Database(tmp);
    let c: { audits: number; apiKeys: number };
    try {
      copy.pragma('journal_mode = DELETE'); // one self-contained file, no -wal beside it
      const problem = databaseProblem(copy);
      if (problem) throw new StateError(`the backup copy failed its check (${problem}); ${dbPath} was not changed`);
      c = counts(copy);
    } finally {
      copy.close();
    }
    renameSync(tmp, dest);
    return { file: dest, ...c, bytes: statSync(dest).size };
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Replaces the database at `dbPath` with the backup `src`, after checking it. The service must
 * be stopped: a -wal file beside the database means a process has it open (or crashed with it
 * open); `force` replaces it anyway.
 */
export async function restoreDatabase(dbPath: string, src: string, opts: { force?: boolean } = {}): Promise<BackupSummary> {
  if (!existsSync(src)) throw new UsageError(`no backup file at ${src}`);
  if (!opts.force && existsSync(`${dbPath}-wal`)) {
    throw new UsageError(`${dbPath} is in use (${dbPath}-wal exists): stop the service (and any \`gauntlet apikey\` command) first; if it is not running (it crashed), pass --force`);
  }
  let backup: Database.Database;
  try {
    backup = new Database(src, { readonly: true, fileMustExist: true });
  } catch (e) {
    throw new StateError(`${src} cannot be opened as a database (${(e as Error).message}); ${dbPath} was not changed`);
  }
  const tmp = `${dbPath}.restore.tmp`;
  let c: { audits: number; apiKeys: number };
  try {
    const problem = databaseProblem(backup);
    if (problem) throw new StateError(`${src} is not a usable Gauntlet backup (${problem}); ${dbPath} was not changed`);
    c = counts(backup);
    rmSync(tmp, { force: true });
    await backup.backup(tmp);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  } finally {
    backup.close();
  }
  chmodSync(tmp, 0o600);
  for (const side of ['-wal', '-shm', '-journal']) rmSync(`${dbPath}${side}`, { force: true });
  renameSync(tmp, dbPath);
  if (!existsSync(storeMarkerPath(dbPath))) writeFileSync(storeMarkerPath(dbPath), `${new Date().toISOString()}\n`, { mode: 0o600 });
  return { file: dbPath, ...c, bytes: statSync(dbPath).size };
}
