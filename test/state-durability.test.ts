/**
 * Durable state you can trust (issue 12, deliverable 5): a damaged or emptied job database stops
 * the start with a message instead of starting "ready" with audits and keys gone; `admin
 * backup|restore` round-trips audits and API keys; state files are 0600 and folders 0700.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadServiceConfig } from '../src/config/service';
import { homeLayout } from '../src/config/home';
import { StateError } from '../src/errors';
import { createApiKey } from '../src/jobs/api-keys';
import { backupDatabase, restoreDatabase } from '../src/jobs/backup';
import type { JobSpec } from '../src/jobs/spec';
import { JobStore } from '../src/jobs/store';
import { createLogger } from '../src/logging/logger';
import { startService } from '../src/server/start';
import { DIST_SKIP, runCliProcess } from './support/cli-process';
import { CNN, MNIST, postForm, startTestService, waitForState } from './support/service';

jest.setTimeout(60_000);

const spec = (i: number): JobSpec => ({
  model: { sha256: i.toString(16).padStart(64, '0'), name: `m${i}.onnx`, size: 1 }, data: null, reference: 'mnist', policy: null,
  config: { norm: 'linf', eps: 0.1, preset: 'quick', seed: i },
});

const mode = (p: string) => statSync(p).mode & 0o777;
const tmpHome = () => join(mkdtempSync(join(tmpdir(), 'gauntlet-state-')), 'home');
const homes: string[] = [];
afterAll(() => { for (const h of homes) rmSync(join(h, '..'), { recursive: true, force: true }); });

/** A home whose database holds `jobs` audits and two API keys, closed cleanly. */
function usedHome(jobs = 3): string {
  const home = tmpHome();
  homes.push(home);
  mkdirSync(home, { recursive: true });
  const s = new JobStore(homeLayout(home).db);
  for (let i = 0; i < jobs; i++) s.createJob('acme', spec(i));
  createApiKey(s, 'acme');
  createApiKey(s, 'root', 'admin');
  s.close();
  return home;
}

const start = (home: string) => startService(
  { ...loadServiceConfig({ GAUNTLET_HOME: home }), port: 0, host: '127.0.0.1', logLevel: 'silent' },
  { logger: createLogger('silent') },
);

async function expectRefusal(home: string, problem: RegExp): Promise<void> {
  const db = homeLayout(home).db;
  const err = await start(home).then(async (svc) => { await svc.close(); return null; }, (e: unknown) => e);
  expect(err).toBeInstanceOf(StateError);
  expect((err as StateError).code).toBe('damaged_state');
  expect((err as Error).message).toContain(db);
  expect((err as Error).message).toMatch(problem);
  expect((err as Error).message).toContain('gauntlet admin restore');
}

describe('when the job database is damaged', () => {
  it('when it is zero-length in a home used before (marker) then the start refuses, naming the file and the restore command', async () => {
    const home = usedHome();
    truncateSync(homeLayout(home).db, 0);
    await expectRefusal(home, /tables are missing.*empty/);
  });

  it('when it is zero-length, without the marker, but audit outputs exist then the start refuses', async () => {
    const home = usedHome();
    const db = homeLayout(home).db;
    truncateSync(db, 0);
    rmSync(join(home, '.gauntlet-db-created'));
    mkdirSync(join(homeLayout(home).jobs, 'aud_0123'), { recursive: true });
    await expectRefusal(home, /empty/);
  });

  it('when it is deleted in a used home then the start refuses rather than recreate it empty', async () => {
    const home = usedHome();
    rmSync(homeLayout(home).db);
    await expectRefusal(home, /missing/);
    expect(existsSync(homeLayout(home).db)).toBe(false);
  });

  it('when a page in the middle of a multi-page database holds garbage then the start refuses', async () => {
    const home = usedHome(400);
    const db = homeLayout(home).db;
    const pageSize = 4096;
    const pages = statSync(db).size / pageSize;
    expect(pages).toBeGreaterThan(20);
    const fd = openSync(db, 'r+');
    const garbage = Buffer.alloc(pageSize, 0x5a);
    writeSync(fd, garbage, 0, pageSize, Math.floor(pages / 2) * pageSize);
    closeSync(fd);
    await expectRefusal(home, /quick_check|malformed|corrupt/i);
  });

  it('when the home is new and empty then the service initialises normally and starts again after', async () => {
    const home = tmpHome();
    homes.push(home);
    let svc = await start(home);
    await svc.close();
    truncateSync(homeLayout(home).db, 0); // …but once created, an emptied database is damage
    await expectRefusal(home, /empty/);
    rmSync(homeLayout(home).db);
    rmSync(join(home, '.gauntlet-db-created'));
    svc = await start(home); // the documented way to start over: move the database and marker away
    await svc.close();
  });

  (DIST_SKIP ? it.skip : it)('when `gauntlet serve` finds a damaged database then it exits 2 with one line naming the file', async () => {
    const home = usedHome(1);
    truncateSync(homeLayout(home).db, 0);
    const r = await runCliProcess(['serve', '--port', '0'], { GAUNTLET_HOME: home, GAUNTLET_LOG_LEVEL: 'silent' });
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toContain(`gauntlet: the job database ${homeLayout(home).db} is damaged`);
    expect(r.err).toContain('gauntlet admin restore');
  });
});

describe('backup and restore', () => {
  it('when a backup is taken while the store is open, then mutated, then restored, the audits and API keys come back', async () => {
    const home = usedHome(5);
    const db = homeLayout(home).db;
    const file = join(home, '..', 'backup.db');
    const live = new JobStore(db);
    const jobs = live.listJobs(null, 100).jobs;
    const keys = live.listApiKeys();
    const b = await backupDatabase(db, file); // online: `live` is open
    expect(b).toMatchObject({ audits: 5, apiKeys: 2 });
    expect(mode(file)).toBe(0o600);
    live.deleteJob(jobs[0].id);
    live.revokeApiKey(keys[0].id);
    live.createJob('other', spec(99));
    await expect(restoreDatabase(db, file)).rejects.toThrow(/in use.*stop the service/); // -wal: the store is open
    live.close();
    expect(await restoreDatabase(db, file)).toMatchObject({ audits: 5, apiKeys: 2 });
    expect(mode(db)).toBe(0o600);
    const back = new JobStore(db);
    expect(back.listJobs(null, 100).jobs).toEqual(jobs);
    expect(back.listApiKeys()).toEqual(keys);
    back.close();
    await expect(backupDatabase(db, file)).rejects.toThrow(/exists/); // never overwrites
  });

  it('when the backup file is damaged then restore refuses and leaves the database as it was', async () => {
    const home = usedHome(2);
    const db = homeLayout(home).db;
    const before = readFileSync(db);
    const empty = join(home, '..', 'empty.db');
    writeFileSync(empty, '');
    await expect(restoreDatabase(db, empty)).rejects.toThrow(/not a usable Gauntlet backup.*was not changed/);
    const junk = join(home, '..', 'junk.db');
    writeFileSync(junk, Buffer.alloc(8192, 0x41));
    await expect(restoreDatabase(db, junk)).rejects.toThrow(/was not changed/);
    expect(readFileSync(db).equals(before)).toBe(true);
  });

  (DIST_SKIP ? it.skip : it)('when `gauntlet admin backup` and `restore` run then they round-trip the API keys and restore exits 2 on a damaged file', async () => {
    const home = usedHome(1);
    const env = { GAUNTLET_HOME: home };
    const file = join(home, '..', 'cli-backup.db');
    const list = () => runCliProcess(['apikey', 'list'], env);
    const keys = (await list()).out;
    const backup = await runCliProcess(['admin', 'backup', file], env);
    expect(backup.err).toMatch(/backed up 1 audit\(s\), 2 API key\(s\)/);
    expect(backup.code).toBe(0);
    await runCliProcess(['apikey', 'create', '--tenant', 'late'], env);
    expect((await list()).out).not.toBe(keys);
    const restore = await runCliProcess(['admin', 'restore', file], env);
    expect(restore.code).toBe(0);
    expect((await list()).out).toBe(keys);
    writeFileSync(file + '.bad', 'not a database at all, just text that is long enough to matter');
    const bad = await runCliProcess(['admin', 'restore', file + '.bad'], env);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^gauntlet: .*was not changed/);
  });
});

describe('permissions', () => {
  it('when the service creates its home then folders are 0700, the database and signing key 0600, and later files owner-only', async () => {
    const home = tmpHome();
    homes.push(home);
    const umask = process.umask();
    const svc = await start(home);
    try {
      const l = homeLayout(home);
      for (const d of [home, l.blobs, join(l.blobs, 'sha256'), join(l.blobs, 'incoming'), l.jobs, l.keys]) expect([d, mode(d)]).toEqual([d, 0o700]);
      for (const f of [l.db, `${l.db}-wal`, `${l.db}-shm`, join(l.keys, 'signing-key.pem')]) {
        expect(existsSync(f)).toBe(true);
        expect([f, mode(f)]).toEqual([f, 0o600]);
      }
      expect(process.umask()).toBe(0o077); // job processes inherit it: outputs and checkpoints are 0600
    } finally {
      await svc.close();
      process.umask(umask);
    }
  });

  it('when an older installation left its home and folders 0755 and its database 0644 then a start tightens them to 0700/0600', async () => {
    const home = usedHome(1);
    const l = homeLayout(home);
    for (const d of [home, l.blobs, l.jobs]) { mkdirSync(d, { recursive: true }); chmodSync(d, 0o755); }
    chmodSync(l.db, 0o644);
    const umask = process.umask();
    const svc = await start(home);
    try {
      for (const d of [home, l.blobs, l.jobs]) expect([d, mode(d)]).toEqual([d, 0o700]);
      expect(mode(l.db)).toBe(0o600);
    } finally {
      await svc.close();
      process.umask(umask);
    }
  });

  it('when an audit runs then its upload blobs and every output file are 0600 and its folders 0700', async () => {
    const umask = process.umask();
    const t = await startTestService();
    try {
      const key = t.key('acme');
      const r = await postForm(`${t.url}/v1/audits`, key, { model: { path: CNN }, data: { path: MNIST }, config: JSON.stringify({ eps: 0.1, preset: 'quick', n: 4 }) });
      expect(r.status).toBe(202);
      await waitForState(t.url, key, r.body.id, ['succeeded'], 50_000);
      const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? [join(dir, e.name), ...walk(join(dir, e.name))] : [join(dir, e.name)]));
      const l = homeLayout(t.home);
      const paths = [...walk(l.blobs), ...walk(join(l.jobs, r.body.id))];
      expect(paths.some((p) => p.endsWith('report.json'))).toBe(true);
      for (const p of paths) expect([p, mode(p)]).toEqual([p, statSync(p).isDirectory() ? 0o700 : 0o600]);
    } finally {
      await t.close();
      process.umask(umask);
    }
  });
});
