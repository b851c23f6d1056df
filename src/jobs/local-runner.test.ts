import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../logging/logger';
import { BlobStore } from './blobs';
import { LocalRunner } from './local-runner';
import type { JobSpec } from './spec';
import { JobStore } from './store';

jest.setTimeout(60_000);

const spec: JobSpec = {
  model: { sha256: 'a'.repeat(64), name: 'm.onnx', size: 1 }, data: null, reference: 'mnist', policy: null,
  config: { norm: 'linf', eps: 0.1, preset: 'quick', seed: 0 },
};

describe('LocalRunner', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gauntlet-runner-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('when one tenant queued several audits before another, then the pool starts them alternating between tenants', async () => {
    const store = new JobStore(':memory:');
    const ids: Record<string, string> = {};
    for (const label of ['a1', 'a2', 'a3', 'b1', 'b2', 'c1']) ids[store.createJob(label[0], spec).id] = label;
    // job processes that exit at once (each audit "crashes"), so the pool moves on to the next
    const exit = join(dir, 'exit.js');
    writeFileSync(exit, 'process.exit(3);\n');
    const started: string[] = [];
    const lines = new Writable({
      write(chunk, _enc, cb) {
        for (const l of String(chunk).split('\n').filter(Boolean)) {
          const m = JSON.parse(l) as { message: string; jobId?: string };
          if (m.message === 'job started' && m.jobId) started.push(ids[m.jobId]);
        }
        cb();
      },
    });
    const runner = new LocalRunner({
      store, blobs: new BlobStore(join(dir, 'blobs')), jobsRoot: join(dir, 'jobs'), concurrency: 1, timeoutMs: 60_000,
      logger: createLogger('info', lines), env: { ...process.env, NODE_OPTIONS: `--require ${exit}` },
    });
    await runner.start();
    const t0 = Date.now();
    while (store.countByState().queued || runner.active) {
      if (Date.now() - t0 > 50_000) throw new Error(`stuck: started ${started.join(' ')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await runner.stop();
    // first-in-first-out (before) was a1 a2 a3 b1 b2 c1
    expect(started).toEqual(['a1', 'b1', 'c1', 'a2', 'b2', 'a3']);
    expect(store.countByState()).toEqual({ failed: 6 });
  });
});
