/**
 * Real resource limits on the inspection process (issue 12): a small model with a huge arithmetic
 * cost and a zip-bomb evaluation set are refused with 413 naming the limit, and the inspecting
 * process's resident set stays under the configured memory (sampled from /proc by the watchdog,
 * so the figure is a lower bound of the true peak; the OS-enforced RLIMIT_DATA is what holds it).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../util/entry';
import { cubicFlopsModel, runtimeWeightsModel, zipBombNpz } from '../../test/support/hostile-resources';
import { InspectRequest, UploadRejected, inspectUploads, inspectJob } from './inspect';
import { dataLimitBytes, endedForMemory, forkLimited, isAllocationFailure, memoryEnforcement, readStatus } from './resource-limits';
import { uploadFolder } from './testing/uploads';

const ROOT = packageRoot(__dirname);
const CNN = join(ROOT, 'fixtures', 'models', 'cnn.onnx');
const MNIST = join(ROOT, 'fixtures', 'data', 'mnist-eval.npz');
const MiB = 1024 * 1024;
const CAP_MB = 512;
const { dir, upload, remove } = uploadFolder('gauntlet-limits-');
afterAll(remove);

/** Runs an inspection; returns its rejection (or null) and the child's sampled peak RSS. */
async function inspect(r: Partial<InspectRequest>): Promise<{ error: UploadRejected | null; peakRssBytes: number }> {
  let peakRssBytes = -1;
  try {
    await inspectUploads({ modelPath: CNN, dataPath: null, reference: null, memoryMb: CAP_MB, ...r, onChildExit: (u) => { peakRssBytes = u.peakRssBytes; } });
    return { error: null, peakRssBytes };
  } catch (e) {
    if (!(e instanceof UploadRejected)) throw e;
    return { error: e, peakRssBytes };
  }
}

const linux = process.platform === 'linux';

describe('inspection memory cap', () => {
  jest.setTimeout(120_000);

  test('on Linux with prlimit the cap is OS-enforced (RLIMIT_DATA)', () => {
    if (!linux) return;
    expect(memoryEnforcement()).toBe('rlimit');
  });

  test('when a child allocates past its cap then the allocation fails inside it and its RSS stays under the cap', async () => {
    // 64 MiB buffers until failure, under a 320 MiB cap (RLIMIT_DATA 256 MiB).
    const script = join(dir, 'allocate.js');
    writeFileSync(script, `const a=[];try{for(;;)a.push(Buffer.alloc(${64 * MiB},1))}catch(e){process.send({n:a.length,m:e.message,rss:process.resourceUsage().maxRSS*1024},()=>process.exit(0))}`);
    const { child, peakRssBytes } = forkLimited(script, [], { execArgv: [], stdio: ['ignore', 'ignore', 'ignore', 'ipc'] }, 320);
    const reply = await new Promise<{ n: number; m: string; rss: number }>((resolve) => child.once('message', resolve));
    await new Promise((resolve) => child.once('exit', resolve));
    if (linux) {
      expect(isAllocationFailure(reply.m)).toBe(true);
      // measured: 3 buffers (192 MiB), maxRSS ≈ 235 MiB, under RLIMIT_DATA 256 MiB + code
      expect(reply.n * 64 * MiB).toBeLessThan(dataLimitBytes(320));
      expect(reply.rss).toBeLessThanOrEqual(320 * MiB);
      expect(peakRssBytes()).toBeLessThanOrEqual(320 * MiB);
    }
  });

  test('when prlimit is not there then the watchdog alone kills a child past its cap', async () => {
    if (!linux) return;
    const script = join(dir, 'grow.js');
    // 16 MiB touched buffers every 20 ms, kept: RSS grows ≈ 800 MiB/s until killed.
    writeFileSync(script, `const a=[];setInterval(()=>a.push(Buffer.alloc(${16 * MiB},1)),20)`);
    const limited = forkLimited(script, [], { execArgv: [], stdio: ['ignore', 'ignore', 'ignore', 'ipc'] }, 320, null);
    expect(limited.enforcement).toBe('watchdog');
    const signal = await new Promise((resolve) => limited.child.once('exit', (_code, s) => resolve(s)));
    expect(signal).toBe('SIGKILL');
    expect(limited.killedForMemory()).toBe(true);
    // measured: killed at 323–325 MiB sampled (within one 50 ms sampling interval past the cap)
    expect(limited.peakRssBytes()).toBeGreaterThan(320 * MiB);
    expect(limited.peakRssBytes()).toBeLessThan(320 * MiB + 512 * MiB);
  });

  test('when a small model creates 1 GiB weights at run time and the cost caps are lifted then the OS cap stops it: 413 naming GAUNTLET_INSPECT_MEMORY_MB', async () => {
    const model = upload(runtimeWeightsModel(16384), 'onnx');
    const { error, peakRssBytes } = await inspect({ modelPath: model, maxGflopsPerSample: 1e9, maxTensorBytes: 2 ** 50, maxConstantBytes: 2 ** 50 });
    expect(error?.httpStatus).toBe(413);
    expect(error?.message).toBe(`model inspection exceeded the memory limit of ${CAP_MB} MiB (GAUNTLET_INSPECT_MEMORY_MB)`);
    expect(error?.field).toBe('model');
    // measured: ≈ 110 MiB sampled (ORT's 1 GiB allocation fails at once)
    if (linux) expect(peakRssBytes).toBeGreaterThan(0);
    expect(peakRssBytes).toBeLessThanOrEqual(CAP_MB * MiB);
  });

  test('when a zip bomb gets past the uncompressed-size cap then the OS cap stops it: 413 naming GAUNTLET_INSPECT_MEMORY_MB', async () => {
    // 300 MiB of zeros in a 300 KB file; the cap lifted to show what the memory cap does alone.
    const data = upload(zipBombNpz(300, [1024, 1024]), 'npz');
    const { error, peakRssBytes } = await inspect({ dataPath: data, maxUncompressedBytes: 2 ** 31 });
    expect(error?.httpStatus).toBe(413);
    expect(error?.message).toMatch(/exceeded the memory limit of 512 MiB \(GAUNTLET_INSPECT_MEMORY_MB\)/);
    // measured: ≈ 400 MiB sampled
    expect(peakRssBytes).toBeLessThanOrEqual(CAP_MB * MiB);
  });

  test('a good model and set still pass under the cap', async () => {
    const { error, peakRssBytes } = await inspect({ dataPath: MNIST });
    expect(error).toBeNull();
    // measured: ≈ 115–123 MiB
    expect(peakRssBytes).toBeLessThanOrEqual(CAP_MB * MiB);
  });
});

describe('zip-bomb cap relative to the memory cap', () => {
  jest.setTimeout(60_000);

  test('the uncompressed-size cap is a sixteenth of the memory cap (was 2 GiB whatever the memory)', () => {
    expect(inspectJob({ modelPath: CNN, dataPath: null, reference: null, memoryMb: 512 }).maxUncompressedBytes).toBe(32 * MiB);
    expect(inspectJob({ modelPath: CNN, dataPath: null, reference: null }).maxUncompressedBytes).toBe(256 * MiB);
  });

  test('when an evaluation set is a zip bomb then it is refused before inflating, with little memory: 413', async () => {
    const data = upload(zipBombNpz(300, [1024, 1024]), 'npz');
    const { error, peakRssBytes } = await inspect({ dataPath: data });
    expect(error?.httpStatus).toBe(413);
    expect(error?.field).toBe('data');
    expect(error?.message).toMatch(/^evaluation set: \.npz members declare 314575456 uncompressed bytes in total, more than the limit of 33554432 .*refusing to inflate$/);
    // measured: ≈ 108 MiB
    expect(peakRssBytes).toBeLessThan(200 * MiB);
  });
});

describe('model arithmetic cap', () => {
  jest.setTimeout(60_000);

  test('when one node would produce a 1 GiB tensor then 413 naming GAUNTLET_MAX_TENSOR_MB, before ONNX Runtime allocates it', async () => {
    const model = upload(runtimeWeightsModel(16384), 'onnx');
    const { error, peakRssBytes } = await inspect({ modelPath: model });
    expect(error?.httpStatus).toBe(413);
    expect(error?.message).toBe("the model's ConstantOfShape 'w' produces a tensor of about 1024 MiB per sample; the limit is 512 MiB (GAUNTLET_MAX_TENSOR_MB)");
    // measured: ≈ 80 MiB (nothing was allocated for the model)
    expect(peakRssBytes).toBeLessThan(200 * MiB);
  });

  test('when a sample costs 137 GFLOPs then 413 naming GAUNTLET_MAX_GFLOPS_PER_SAMPLE', async () => {
    const model = upload(cubicFlopsModel(4096), 'onnx');
    const { error } = await inspect({ modelPath: model });
    expect(error?.httpStatus).toBe(413);
    expect(error?.message).toBe("the model needs about 137 GFLOPs per sample (costliest: MatMul 'h'); the limit is 100 GFLOPs per sample (GAUNTLET_MAX_GFLOPS_PER_SAMPLE)");
  });

  test('the limits are configurable: a lower FLOPs cap refuses the fixture CNN, the default accepts it', async () => {
    const low = await inspect({ maxGflopsPerSample: 1e-4 });
    expect(low.error?.httpStatus).toBe(413);
    expect(low.error?.message).toMatch(/^the model needs about [\d.]+ GFLOPs per sample \(costliest: Conv '[^']+'\); the limit is 0\.0001 GFLOPs per sample \(GAUNTLET_MAX_GFLOPS_PER_SAMPLE\)$/);
    expect((await inspect({})).error).toBeNull();
  });
});

test('readStatus reads this process', () => {
  if (!linux) return;
  const s = readStatus(process.pid)!;
  expect(s.rss).toBeGreaterThan(0);
  expect(s.hwm).toBeGreaterThanOrEqual(s.rss);
});

test('isAllocationFailure knows how node, V8, ORT and worker threads report a failed allocation, and nothing else', () => {
  for (const m of ['Array buffer allocation failed', 'std::bad_alloc', 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory', 'EAGAIN', 'Cannot allocate memory']) {
    expect(isAllocationFailure(m)).toBe(true);
  }
  for (const m of ['the model has two inputs', 'connect EAGAIN 127.0.0.1:6379', 'label 12 is not a class']) expect(isAllocationFailure(m)).toBe(false);
});

describe('endedForMemory', () => {
  const quiet = { killedForMemory: () => false };
  it('when a capped child aborts because a thread could not be created, then it ran into the cap', () => {
    const stderr = "terminate called after throwing an instance of 'std::system_error'\n  what():  Resource temporarily unavailable\n";
    expect(endedForMemory(quiet, stderr)).toBe(true);
  });

  it('when its stderr names nothing but the watchdog saw its data segment near RLIMIT_DATA, then it ran into the cap', () => {
    expect(endedForMemory({ ...quiet, nearDataLimit: () => true }, 'Aborted\n')).toBe(true);
    expect(endedForMemory({ ...quiet, nearDataLimit: () => false }, 'Aborted\n')).toBe(false);
  });

  it('when a capped child aborts writing nothing, then it ran into the cap; an abort that says why is not a memory failure', () => {
    expect(endedForMemory({ ...quiet, abortedUnderLimit: () => true }, '')).toBe(true);
    expect(endedForMemory({ ...quiet, abortedUnderLimit: () => true }, 'Assertion failed: index < size\n')).toBe(false);
    expect(endedForMemory({ ...quiet, abortedUnderLimit: () => false }, '')).toBe(false);
  });

  it('when a child that stays small is started under the cap, then nearDataLimit is false (node starts at about 50 MiB of VmData)', async () => {
    writeFileSync(join(dir, 'idle.js'), 'setTimeout(() => {}, 300);');
    const limited = forkLimited(join(dir, 'idle.js'), [], { stdio: 'ignore' }, 256);
    await new Promise((r) => limited.child.once('exit', r));
    expect(limited.nearDataLimit()).toBe(false);
  });
});
