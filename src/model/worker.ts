/**
 * Entry of a runtime worker thread (started by pool.ts). Holds one Engine for the model it
 * was initialised with and answers calls one at a time; results go back as transferred
 * buffers. Calls: prepare (stateless), init, predict, lossAndGrad; with the `testHooks`
 * workerData flag also `crash` (exits the thread) for the pool's recovery tests.
 */
import { parentPort, workerData } from 'worker_threads';
import { CancelledError, InternalError, RuntimeFailure, UsageError } from '../errors';
import { Engine, EngineOptions } from './engine';
import { PreparedModel, PrepareOptions, prepareModel } from './prepare';
import { FromWorker, ToWorker, owning, toWire } from './wire';
import { GradientCall } from './types';

/** Payloads of the calls a worker serves. */
export interface WorkerCalls {
  prepare: { bytes: Uint8Array; options: PrepareOptions };
  init: { prepared: PreparedModel; options: EngineOptions };
  predict: { x: Float32Array; n: number };
  lossAndGrad: { x: Float32Array; n: number; y: Int32Array; call: Omit<GradientCall, 'signal'> };
}

type Reply = { value: unknown; transfer?: ArrayBuffer[] };

let engine: Engine | undefined;
const running = new Map<number, AbortController>();
const testHooks = !!(workerData as { testHooks?: boolean } | undefined)?.testHooks;

function ready(): Engine {
  if (!engine) throw new RuntimeFailure('runtime worker received a call before init');
  return engine;
}

async function handle(kind: string, payload: unknown, signal: AbortSignal): Promise<Reply> {
  switch (kind) {
    case 'prepare': {
      const p = payload as WorkerCalls['prepare'];
      const prepared = await prepareModel(p.bytes, p.options);
      prepared.bytes = owning(prepared.bytes);
      return { value: prepared, transfer: [prepared.bytes.buffer as ArrayBuffer] };
    }
    case 'init': {
      const p = payload as WorkerCalls['init'];
      await engine?.close();
      engine = await Engine.create(p.prepared, p.options);
      return { value: undefined };
    }
    case 'predict': {
      const p = payload as WorkerCalls['predict'];
      const logits = await ready().forward(p.x, p.n, signal);
      return { value: logits, transfer: [logits.buffer as ArrayBuffer] };
    }
    case 'lossAndGrad': {
      const p = payload as WorkerCalls['lossAndGrad'];
      const r = await ready().lossAndGrad(p.x, p.n, p.y, p.call, signal);
      return { value: r, transfer: [r.logits.buffer, r.loss.buffer, r.grad.buffer] as ArrayBuffer[] };
    }
    case 'crash':
      if (testHooks) process.exit(70);
      throw new UsageError("'crash' is a test hook (workerData.testHooks)");
    case 'block':
      // Test hook: keeps this thread busy for payload.ms (stands in for a long ORT run).
      if (!testHooks) throw new UsageError("'block' is a test hook (workerData.testHooks)");
      for (const end = Date.now() + (payload as { ms: number }).ms; Date.now() < end;);
      return { value: undefined };
    default:
      throw new UsageError(`unknown runtime worker call '${kind}'`);
  }
}

const port = parentPort;
if (!port) throw new InternalError('model/worker.ts must run in a worker thread');
port.on('message', (m: ToWorker) => {
  if (m.type === 'cancel') {
    running.get(m.id)?.abort();
    return;
  }
  const ctl = new AbortController();
  running.set(m.id, ctl);
  handle(m.kind, m.payload, ctl.signal)
    .then((r) => {
      if (ctl.signal.aborted) throw new CancelledError();
      const msg: FromWorker = { type: 'result', id: m.id, value: r.value };
      port.postMessage(msg, r.transfer ?? []);
    })
    .catch((e) => {
      const msg: FromWorker = { type: 'error', id: m.id, error: toWire(e) };
      port.postMessage(msg);
    })
    .finally(() => running.delete(m.id));
});
