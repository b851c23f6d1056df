/**
 * Resource limits through the HTTP service (issue 12): a model whose arithmetic exceeds the caps is
 * refused at upload with a 413 problem naming the limit; an audit process is held to
 * GAUNTLET_JOB_MEMORY_MB by the OS and fails with a message naming it, not "crashed (exit code 134)".
 */
import { CNN, MNIST, TestService, postForm, startTestService, waitForState } from './support/service';
import { cubicFlopsModel, runtimeWeightsModel } from './support/hostile-resources';
import { loadServiceConfig } from '../src/config/service';

const CONFIG = JSON.stringify({ eps: 0.1, preset: 'quick', n: 8 });

describe('when the upload exceeds the model arithmetic caps', () => {
  let t: TestService;
  let key: string;
  beforeAll(async () => { t = await startTestService(); key = t.key('acme'); }, 60_000);
  afterAll(async () => { await t?.close(); });

  test('then a 1 GiB run-time tensor is refused with 413 naming GAUNTLET_MAX_TENSOR_MB, and no audit is created', async () => {
    const r = await postForm(`${t.url}/v1/audits`, key, { model: { bytes: runtimeWeightsModel(16384), name: 'm.onnx' }, data: { path: MNIST }, config: CONFIG });
    expect(r.status).toBe(413);
    expect(r.body.detail).toBe("the model's ConstantOfShape 'w' produces a tensor of about 1024 MiB per sample; the limit is 512 MiB (GAUNTLET_MAX_TENSOR_MB)");
    expect(t.svc.store.listJobs('acme', 10).jobs).toHaveLength(0);
  }, 60_000);

  test('then 137 GFLOPs per sample is refused with 413 naming GAUNTLET_MAX_GFLOPS_PER_SAMPLE', async () => {
    const r = await postForm(`${t.url}/v1/audits`, key, { model: { bytes: cubicFlopsModel(4096), name: 'm.onnx' }, data: { path: MNIST }, config: CONFIG });
    expect(r.status).toBe(413);
    expect(r.body.detail).toMatch(/^the model needs about 137 GFLOPs per sample \(costliest: MatMul 'h'\); the limit is 100 GFLOPs per sample \(GAUNTLET_MAX_GFLOPS_PER_SAMPLE\)$/);
  }, 60_000);
});

test('the limits are read from the environment, with defaults', () => {
  expect(loadServiceConfig({ GAUNTLET_HOME: '/tmp/x' }).resources).toEqual({
    inspectMemoryMb: 4096, jobMemoryMb: 8192, maxGflopsPerSample: 100, maxTensorBytes: 512 * 1024 ** 2, maxAuditPflops: 10,
  });
  expect(loadServiceConfig({
    GAUNTLET_HOME: '/tmp/x', GAUNTLET_INSPECT_MEMORY_MB: '1024', GAUNTLET_JOB_MEMORY_MB: '2048', GAUNTLET_MAX_GFLOPS_PER_SAMPLE: '2.5', GAUNTLET_MAX_TENSOR_MB: '64',
    GAUNTLET_MAX_AUDIT_PFLOPS: '0.5',
  }).resources).toEqual({ inspectMemoryMb: 1024, jobMemoryMb: 2048, maxGflopsPerSample: 2.5, maxTensorBytes: 64 * 1024 ** 2, maxAuditPflops: 0.5 });
  expect(() => loadServiceConfig({ GAUNTLET_HOME: '/tmp/x', GAUNTLET_MAX_AUDIT_PFLOPS: '0' })).toThrow(/GAUNTLET_MAX_AUDIT_PFLOPS/);
  expect(() => loadServiceConfig({ GAUNTLET_HOME: '/tmp/x', GAUNTLET_JOB_MEMORY_MB: '100' })).toThrow(/GAUNTLET_JOB_MEMORY_MB/);
});

describe('when the audit\'s estimated arithmetic exceeds GAUNTLET_MAX_AUDIT_PFLOPS', () => {
  let t: TestService;
  let key: string;
  beforeAll(async () => {
    // 0.001 PFLOPs: the fixture CNN (2.3 MFLOPs per sample) on its 500 points with the standard preset needs about 0.042.
    const { resources } = loadServiceConfig({ GAUNTLET_HOME: '/tmp/x', GAUNTLET_MAX_AUDIT_PFLOPS: '0.001' });
    t = await startTestService({ resources });
    key = t.key('acme');
  }, 60_000);
  afterAll(async () => { await t?.close(); });

  test('then the standard preset on 500 points is refused with 413 naming the estimate, its parts and the limit, and no audit is created', async () => {
    const r = await postForm(`${t.url}/v1/audits`, key, { model: { path: CNN }, data: { path: MNIST }, config: JSON.stringify({ eps: 0.1, preset: 'standard' }) });
    expect(r.status).toBe(413);
    expect(r.body.code).toBe('audit_too_costly');
    expect(r.body.detail).toMatch(/^the audit would need about 0\.042 PFLOPs \(2\.3 MFLOPs per sample × 500 points × 36,580 passes per point, preset standard\); the limit is 0\.001 PFLOPs \(GAUNTLET_MAX_AUDIT_PFLOPS\): /);
    expect(r.body.field).toBe('config');
    expect(t.svc.store.listJobs('acme', 10).jobs).toHaveLength(0);
  }, 60_000);

  test('then the quick preset on 8 points (about 0.0001 PFLOPs) is accepted', async () => {
    const r = await postForm(`${t.url}/v1/audits`, key, { model: { path: CNN }, data: { path: MNIST }, config: CONFIG });
    expect(r.status).toBe(202);
    expect(t.svc.store.listJobs('acme', 10).jobs).toHaveLength(1);
    // The audit itself is not the point here: stop it.
    expect((await fetch(`${t.url}/v1/audits/${r.body.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${key}` } })).status).toBeLessThan(300);
  }, 60_000);
});

describe('when an audit needs more memory than GAUNTLET_JOB_MEMORY_MB', () => {
  let t: TestService;
  beforeAll(async () => {
    const base = loadServiceConfig({});
    t = await startTestService({ resources: { ...base.resources!, jobMemoryMb: 256 } });
  }, 60_000);
  afterAll(async () => { await t?.close(); });

  test('then the OS stops its process and the audit fails naming the limit', async () => {
    const key = t.key('acme');
    const r = await postForm(`${t.url}/v1/audits`, key, { model: { path: CNN }, data: { path: MNIST }, config: CONFIG });
    expect(r.status).toBe(202);
    const done = await waitForState(t.url, key, r.body.id, ['succeeded', 'failed'], 150_000);
    expect(done.state).toBe('failed');
    expect(done.error).toEqual({ title: 'Audit exceeded its memory limit', detail: 'the audit exceeded the memory limit of 256 MiB (GAUNTLET_JOB_MEMORY_MB)' });
  }, 180_000);
});
