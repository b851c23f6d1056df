/**
 * Thin wrapper over onnxruntime-node's InferenceSession. This folder is the only importer
 * of onnxruntime-node. `run` executes on the calling thread (ORT's run blocks it): the
 * server and long jobs reach it through the worker pool (pool.ts), tests and the CLI may
 * call it directly.
 */
import * as ort from 'onnxruntime-node';
import { RuntimeFailure } from '../errors';
import { DType } from '../onnx/ir';
import { HostTensor } from './tensor';
import { Provider, assertProviderAvailable, providerStartFailure } from './providers';

export type { Provider } from './providers';
export { PROVIDERS, availableProviders } from './providers';

export interface SessionOptions {
  provider?: Provider;
  /** Threads inside one operator (ORT intra-op pool). Default: ORT's choice. */
  intraOpThreads?: number;
  /** Graph optimisation level (default 'all'). */
  optimization?: 'disabled' | 'basic' | 'extended' | 'all';
  /** Suppress ORT's own error log lines (for runs expected to fail, e.g. trial rewrites); errors still throw. */
  quiet?: boolean;
}

const ORT_TYPES: Partial<Record<DType, ort.Tensor.Type>> = {
  float32: 'float32', float64: 'float64', int64: 'int64', int32: 'int32', uint8: 'uint8', int8: 'int8',
  bool: 'bool', float16: 'float16', int16: 'int16', uint16: 'uint16', uint32: 'uint32', uint64: 'uint64',
};

function toDtype(t: string): DType {
  return (t === 'float16' ? 'float16' : t) as DType;
}

/** One ONNX Runtime inference session over host tensors. */
export class Session {
  private constructor(private readonly s: ort.InferenceSession) {}

  /** Creates a session; a provider this host lacks raises ProviderError naming what is available. */
  static async create(model: Uint8Array, opts: SessionOptions = {}): Promise<Session> {
    const provider = opts.provider ?? 'cpu';
    assertProviderAvailable(provider);
    try {
      const s = await ort.InferenceSession.create(model, {
        executionProviders: [provider],
        graphOptimizationLevel: opts.optimization ?? 'all',
        ...(opts.intraOpThreads ? { intraOpNumThreads: opts.intraOpThreads } : {}),
        interOpNumThreads: 1,
        executionMode: 'sequential',
        ...(opts.quiet ? { logSeverityLevel: 4 as const } : {}),
      });
      return new Session(s);
    } catch (e) {
      const msg = (e as Error).message;
      if (provider !== 'cpu') throw providerStartFailure(provider, msg);
      throw new RuntimeFailure(`ONNX Runtime could not load the model: ${msg}`);
    }
  }

  get inputNames(): readonly string[] { return this.s.inputNames; }
  get outputNames(): readonly string[] { return this.s.outputNames; }

  /** Runs the model (blocking this thread while ORT computes). */
  async run(feeds: Record<string, HostTensor>, outputs?: string[]): Promise<Record<string, HostTensor>> {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [k, t] of Object.entries(feeds)) {
      const type = ORT_TYPES[t.dtype];
      if (!type) throw new RuntimeFailure(`cannot feed a ${t.dtype} tensor to ONNX Runtime`);
      try {
        ortFeeds[k] = new ort.Tensor(type, t.data as ort.Tensor.DataType, t.dims);
      } catch (e) {
        throw new RuntimeFailure(`input '${k}' (${t.dtype} [${t.dims.join(', ')}]) is not a valid tensor: ${(e as Error).message}`);
      }
    }
    let res: ort.InferenceSession.OnnxValueMapType;
    try {
      res = outputs ? await this.s.run(ortFeeds, outputs) : await this.s.run(ortFeeds);
    } catch (e) {
      throw new RuntimeFailure(`ONNX Runtime failed: ${(e as Error).message}`);
    }
    const out: Record<string, HostTensor> = {};
    for (const [k, v] of Object.entries(res)) {
      out[k] = { dtype: toDtype(v.type), dims: [...v.dims], data: v.data as HostTensor['data'] };
    }
    return out;
  }

  async release(): Promise<void> {
    await this.s.release();
  }
}

/** Version of the loaded onnxruntime-node, for reports. */
export function ortVersion(): string {
  return ort.env.versions?.node ?? 'unknown';
}
