import { authenticate, createApiKey } from './api-keys';
import { JobStore } from './store';
import type { JobSpec } from './spec';

const spec = (sha: string): JobSpec => ({
  model: { sha256: sha.repeat(64).slice(0, 64), name: 'm.onnx', size: 1 }, data: null, reference: 'mnist', policy: null,
  config: { norm: 'linf', eps: 0.1, preset: 'quick', seed: 0 },
});

describe('JobStore', () => {
  it('when jobs were running at a restart, then requeueRunning puts them back first-in-first-out', () => {
    const s = new JobStore(':memory:');
    const a = s.createJob('t', spec('a'));
    const b = s.createJob('t', spec('b'));
    expect(s.markRunning(a.id)).toBe(true);
    expect(s.markRunning(a.id)).toBe(false); // not queued any more
    expect(s.requeueRunning()).toEqual([a.id]);
    expect(s.queued().map((j) => j.id)).toEqual([a.id, b.id]);
    s.markRunning(a.id);
    expect(s.getJob(a.id)!.attempts).toBe(2);
  });

  it('scopes reads and lists to the tenant; null (admin) sees all', () => {
    const s = new JobStore(':memory:');
    const a = s.createJob('acme', spec('a'));
    const g = s.createJob('globex', spec('b'));
    expect(s.getJob(a.id, 'globex')).toBeUndefined();
    expect(s.getJob(a.id, 'acme')?.id).toBe(a.id);
    expect(s.listJobs('globex', 10).jobs.map((j) => j.id)).toEqual([g.id]);
    expect(s.listJobs(null, 10).jobs.map((j) => j.id)).toEqual([g.id, a.id]);
  });

  it('a finished job cannot be finished again (a cancel wins over a late result)', () => {
    const s = new JobStore(':memory:');
    const a = s.createJob('t', spec('a'));
    s.markRunning(a.id);
    expect(s.finish(a.id, 'cancelled', {})).toBe(true);
    expect(s.finish(a.id, 'succeeded', { result: { verdict: 'PASS', cleanAccuracy: 1, robustAccuracy: 1, flags: [], files: [] } })).toBe(false);
    expect(s.getJob(a.id)!.state).toBe('cancelled');
  });

  it('knows which blobs are in use', () => {
    const s = new JobStore(':memory:');
    const a = s.createJob('t', spec('c'));
    expect(s.blobInUse('c'.repeat(64))).toBe(true);
    s.deleteJob(a.id);
    expect(s.blobInUse('c'.repeat(64))).toBe(false);
  });
});

describe('API keys', () => {
  it('stores only a hash; the key authenticates until revoked; near-misses do not', () => {
    const s = new JobStore(':memory:');
    const { key, record } = createApiKey(s, 'acme');
    expect(record.hash).not.toContain(key.slice(16));
    expect(authenticate(s, key)).toEqual({ keyId: record.id, tenant: 'acme', role: 'tenant' });
    const last = key[key.length - 1] === 'A' ? 'B' : 'A';
    expect(authenticate(s, key.slice(0, -1) + last)).toBeNull();
    expect(authenticate(s, `gk_${'0'.repeat(12)}_${key.slice(16)}`)).toBeNull();
    s.revokeApiKey(record.id);
    expect(authenticate(s, key)).toBeNull();
  });

  it('when tenants have queued and running jobs, then queuedHeads gives each tenant\'s oldest queued job and countActive its queued + running', () => {
    const s = new JobStore(':memory:');
    const a1 = s.createJob('a', spec('1'));
    const a2 = s.createJob('a', spec('2'));
    const b1 = s.createJob('b', spec('3'));
    s.createJob('a', spec('4'));
    s.markRunning(a1.id);
    expect(s.queuedHeads().map((j) => j.id)).toEqual([a2.id, b1.id]);
    expect([s.countActive('a'), s.countActive('b'), s.countActive('c')]).toEqual([3, 1, 0]);
    s.finish(a1.id, 'succeeded', {});
    expect(s.countActive('a')).toBe(2);
  });
});
