/**
 * loadModel: prepares an ONNX classifier (decode → canonicalise → batch generalisation → probe)
 * and serves it from a worker pool (default) or on the calling thread (`inProcess`).
 */
import { existsSync } from 'fs';
import { readFile } from 'fs/promises';
import { join } from 'path';
import { availableParallelism } from 'os';
import { foreignModelFormat, foreignModelMessage } from '../onnx/foreign';
import { ModelError, UsageError } from '../errors';
import { describeReadFailure } from '../util/read-error';
import { Provider, assertProviderAvailable } from '../runtime/providers';
import { DEFAULT_MEMORY_BUDGET_MB } from './batching';
import { Engine } from './engine';
import { LocalModel } from './local-model';
import { PooledModel } from './pooled-model';
import { WorkerPool } from './pool';
import { PrepareOptions, PreparedModel, prepareModel } from './prepare';
import type { Model } from './model';
import type { WorkerCalls } from './worker';

export interface LoadOptions {
  /** Execution provider (default 'cpu'); an unavailable one raises ProviderError. */
  provider?: Provider;
  /** Total CPU threads (default os.availableParallelism()), split as workers × intra-op threads. */
  threads?: number;
  /** Worker threads (default 1). Ignored with inProcess. */
  workers?: number;
  /** Memory budget of concurrent calls, MiB (default 1024): calls are split into chunks that fit. */
  memoryBudgetMB?: number;
  /** Run everything on the calling thread (CLI simple paths, tests). */
  inProcess?: boolean;
  /** Per-sample input shape, needed only when a non-batch input dim is symbolic. */
  inputShape?: number[];
  /** Verify each gradient graph's edge shapes when first built (default: on when NODE_ENV is 'test'). */
  verify?: boolean;
  /** Seed for the batch-generalisation agreement check. */
  seed?: number;
  /** Try running fixed-batch-1 models batched (default true; false forces one sample per call). */
  generaliseBatch?: boolean;
  /** The graph output holding the class scores; required when the model has several. */
  output?: string;
  /** Enables test-only worker calls ('crash', 'block'). @internal */
  testHooks?: boolean;
}

function positiveInt(name: string, v: number | undefined, dflt: number): number {
  const x = v ?? dflt;
  if (!Number.isInteger(x) || x < 1) throw new UsageError(`${name} must be a positive integer (got ${v})`);
  return x;
}

/** Loads a model from bytes or a file path. Throws ModelError, ProviderError, UsageError or RuntimeFailure. */
export async function loadModel(source: Uint8Array | string, opts: LoadOptions = {}): Promise<Model> {
  const provider = opts.provider ?? 'cpu';
  assertProviderAvailable(provider);
  const threads = positiveInt('threads', opts.threads, availableParallelism());
  const budgetMB = opts.memoryBudgetMB ?? DEFAULT_MEMORY_BUDGET_MB;
  if (!(budgetMB > 0)) throw new UsageError(`memoryBudgetMB must be positive (got ${opts.memoryBudgetMB})`);
  const verify = opts.verify ?? process.env.NODE_ENV === 'test';
  const bytes = typeof source === 'string' ? await readModelFile(source) : source;
  if (typeof source !== 'string') {
    const format = foreignModelFormat(bytes);
    if (format) throw new ModelError(foreignModelMessage('the model', format), { format });
  }
  const prep: PrepareOptions = { provider, inputShape: opts.inputShape, seed: opts.seed, generaliseBatch: opts.generaliseBatch, output: opts.output };

  if (opts.inProcess) {
    const prepared = await prepareModel(bytes, { ...prep, intraOpThreads: threads });
    const engine = await Engine.create(prepared, { provider, intraOpThreads: threads, verify });
    return new LocalModel(engine, prepared, budgetMB);
  }

  const workers = positiveInt('workers', opts.workers, 1);
  const intraOpThreads = Math.max(1, Math.floor(threads / workers));
  const pool = new WorkerPool({ size: workers, workerData: { testHooks: !!opts.testHooks } });
  try {
    const copy = new Uint8Array(bytes.byteLength);
    copy.set(bytes);
    const prepare: WorkerCalls['prepare'] = { bytes: copy, options: { ...prep, intraOpThreads } };
    const prepared = await pool.call<PreparedModel>('prepare', prepare, { transfer: [copy.buffer] });
    const init: WorkerCalls['init'] = { prepared, options: { provider, intraOpThreads, verify } };
    await pool.initialise('init', init);
    return new PooledModel(pool, prepared, workers, budgetMB);
  } catch (e) {
    await pool.close();
    throw e;
  }
}

/** Reads a model file, turning file-system failures into a clear ModelError. */
/** Reads an ONNX model file; a PyTorch, Keras, TensorFlow … file or a SavedModel folder is refused naming its format (src/onnx/foreign.ts). */
async function readModelFile(path: string): Promise<Uint8Array> {
  const byName = foreignModelFormat(null, path);
  if (byName) throw new ModelError(foreignModelMessage(path, byName), { format: byName });
  try {
    const bytes = await readFile(path);
    const format = foreignModelFormat(bytes);
    if (format) throw new ModelError(foreignModelMessage(path, format), { format });
    return bytes;
  } catch (e) {
    if (e instanceof ModelError) throw e;
    const { code, reason } = describeReadFailure(e);
    if (code === 'EISDIR' && existsSync(join(path, 'saved_model.pb'))) {
      throw new ModelError(foreignModelMessage(path, 'a TensorFlow SavedModel folder'), { format: 'a TensorFlow SavedModel folder' });
    }
    throw new ModelError(`cannot read model file '${path}': ${reason}`);
  }
}
