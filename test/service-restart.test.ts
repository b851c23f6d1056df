/**
 * Durability: SIGKILL the service during an audit, start it again on the same GAUNTLET_HOME; the
 * audit resumes from its checkpoint and ends with the same figures as an uninterrupted run of the
 * same audit, and the job queued behind it is not lost.
 */
import { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST_SKIP, runCliProcess, startCli } from './support/cli-process';
import { CNN, MNIST, comparableReport, get, postForm, waitForState } from './support/service';

jest.setTimeout(300_000);

const home = mkdtempSync(join(tmpdir(), 'gauntlet-restart-'));
const env = { GAUNTLET_HOME: home, GAUNTLET_LOG_LEVEL: 'warn', GAUNTLET_CONCURRENCY: '1' };
let server: ChildProcess | null = null;
afterAll(() => {
  server?.kill('SIGKILL');
  rmSync(home, { recursive: true, force: true });
});

/** Starts `gauntlet serve --port 0`; resolves to its URL once it listens. */
async function serve(): Promise<{ url: string; child: ChildProcess }> {
  const { child } = startCli(['serve', '--port', '0'], env);
  const url = await new Promise<string>((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d) => {
      err += String(d);
      const m = /serving on (http:\/\/[\d.]+:\d+)/.exec(err);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`serve exited (${code}): ${err}`)));
  });
  return { url, child };
}

(DIST_SKIP ? describe.skip : describe)('when the service is killed during an audit', () => {
  it('then after a restart the audit resumes and matches an uninterrupted run, and the queued job runs', async () => {
    const created = await runCliProcess(['apikey', 'create', '--tenant', 'acme'], env);
    expect(created.code).toBe(0);
    const key = created.out.trim();
    const config = JSON.stringify({ eps: 0.1, preset: 'quick', n: 100, chunk: 10 });

    let s = await serve();
    server = s.child;
    const a = await postForm(`${s.url}/v1/audits`, key, { model: { path: CNN }, data: { path: MNIST }, config });
    const b = await postForm(`${s.url}/v1/audits`, key, { model: { path: CNN }, data: { path: MNIST }, config: JSON.stringify({ eps: 0.05, preset: 'quick', n: 20 }) });
    expect([a.status, b.status]).toEqual([202, 202]);
    // Kill once a good part of the battery is checkpointed.
    const before = await waitForState(s.url, key, a.body.id, ['running'], 120_000);
    expect(before.state).toBe('running');
    let progressAtKill = 0;
    await waitForState(s.url, key, a.body.id, ['never'], 120_000, (v) => {
      progressAtKill = v.progress?.overall ?? 0;
      if (v.progress?.phase === 'battery' && v.progress.overall > 0.25) throw Object.assign(new Error('kill now'), { kill: true });
    }).catch((e) => { if (!e.kill) throw e; });
    s.child.kill('SIGKILL');
    await new Promise((r) => s.child.once('exit', r));
    expect(progressAtKill).toBeGreaterThan(0.25);

    s = await serve();
    server = s.child;
    const doneA = await waitForState(s.url, key, a.body.id, ['succeeded', 'failed'], 240_000);
    expect(doneA.error).toBeNull();
    expect(doneA.attempts).toBe(2);
    const doneB = await waitForState(s.url, key, b.body.id, ['succeeded', 'failed'], 120_000);
    expect(doneB.state).toBe('succeeded');
    const resumed = (await get(`${s.url}/v1/audits/${a.body.id}/report.json`, key)).body;
    expect(resumed.resumed).toBe(1);

    // The same audit, uninterrupted.
    const c = await postForm(`${s.url}/v1/audits`, key, { model: { path: CNN }, data: { path: MNIST }, config });
    await waitForState(s.url, key, c.body.id, ['succeeded'], 240_000);
    const fresh = (await get(`${s.url}/v1/audits/${c.body.id}/report.json`, key)).body;
    expect(fresh.resumed).toBe(0);
    expect(fresh.robustAccuracy).toBeGreaterThan(0);
    expect(fresh.robustAccuracy).toBeLessThan(fresh.cleanAccuracy);
    expect(comparableReport(resumed)).toEqual(comparableReport(fresh));
    s.child.kill('SIGTERM');
    await new Promise((r) => s.child.once('exit', r));
    server = null;
  });
});
