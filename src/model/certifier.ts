/**
 * A Certifier: a model's bound graph (src/bounds) on an ONNX Runtime session, run over input
 * boxes in chunks that fit the memory budget. It returns, per point and class j, a lower bound
 * of logit_y − logit_j over the point's box; a point is certified when every j ≠ y is > 0.
 */
import { readFile } from 'node:fs/promises';
import { UsageError } from '../errors';
import { decodeModel } from '../onnx/decode';
import { encodeModel } from '../onnx/encode';
import { numel } from '../onnx/ir';
import { buildIbpGraph } from '../bounds/ibp-graph';
import { HI, LABELS, LO, MARGIN_LO } from '../bounds/names';
import type { BoundRule } from '../bounds/types';
import { Session } from '../runtime/session';
import { DEFAULT_MEMORY_BUDGET_MB, chunkRanges, samplesPerChunk } from './batching';
import { prepareModel, PrepareOptions } from './prepare';

/** Bound-propagation methods. */
export const BOUND_METHODS = ['ibp'] as const;
export type BoundMethod = (typeof BOUND_METHODS)[number];

export interface CertifierOptions extends Pick<PrepareOptions, 'inputShape' | 'output'> {
  method: BoundMethod;
  /** Intra-op threads of the bound session (default: ONNX Runtime's). */
  threads?: number;
  /** Memory budget of one bound-graph call, MiB (default 1024). */
  memoryBudgetMB?: number;
  /** Replaces the bound-rule registry (tests plant unsound rules to prove the soundness check). @internal */
  rules?: (opType: string) => BoundRule | undefined;
}

export interface Certifier {
  readonly method: BoundMethod;
  readonly numClasses: number;
  /** Per-sample input shape. */
  readonly inputShape: number[];
  /**
   * Lower bounds of logit_y − logit_j [n, K] over the boxes [lo, hi] (float32, [n, ...inputShape]);
   * the entry j = y is meaningless.
   */
  marginLowerBounds(lo: Float32Array, hi: Float32Array, n: number, y: Int32Array, signal?: AbortSignal): Promise<Float32Array>;
  close(): Promise<void>;
}

/**
 * Prepares the model and builds its bound graph.
 * @throws UnsupportedOpError when an op on the input→logits path has no bound rule (the caller
 *   reports every point as not certified, with that reason); ModelError as loadModel does.
 */
export async function loadCertifier(source: Uint8Array | string, opts: CertifierOptions): Promise<Certifier> {
  if (!(BOUND_METHODS as readonly string[]).includes(opts.method)) {
    throw new UsageError(`unknown bound method '${opts.method}'; methods: ${BOUND_METHODS.join(', ')}`);
  }
  const bytes = typeof source === 'string' ? await readFile(source) : source;
  const prepared = await prepareModel(bytes, { inputShape: opts.inputShape, output: opts.output, intraOpThreads: opts.threads });
  const bound = buildIbpGraph(decodeModel(prepared.bytes), prepared.shapes, opts.rules);
  const session = await Session.create(encodeModel(bound.model), { intraOpThreads: opts.threads });
  const per = numel(bound.inputShape);
  const K = bound.numClasses;
  // An IBP graph holds about four tensors per forward value (centre, radius, magnitude, bounds).
  const perChunk = bound.batched ? samplesPerChunk(4 * prepared.memory.forward, opts.memoryBudgetMB ?? DEFAULT_MEMORY_BUDGET_MB) : 1;
  return {
    method: opts.method,
    numClasses: K,
    inputShape: bound.inputShape,
    async marginLowerBounds(lo, hi, n, y, signal) {
      if (lo.length !== n * per || hi.length !== n * per) throw new UsageError(`boxes must be [n, ${bound.inputShape.join(', ')}] (${n * per} values each)`);
      if (y.length !== n) throw new UsageError(`y must hold ${n} labels`);
      const out = new Float32Array(n * K);
      for (const c of chunkRanges(n, perChunk)) {
        signal?.throwIfAborted();
        const dims = [c.count, ...bound.inputShape];
        const res = await session.run({
          [LO]: { dtype: 'float32', dims, data: lo.subarray(c.start * per, (c.start + c.count) * per) },
          [HI]: { dtype: 'float32', dims, data: hi.subarray(c.start * per, (c.start + c.count) * per) },
          [LABELS]: { dtype: 'int64', dims: [c.count], data: BigInt64Array.from(y.subarray(c.start, c.start + c.count), (v) => BigInt(v)) },
        }, [MARGIN_LO]);
        out.set(res[MARGIN_LO].data as Float32Array, c.start * K);
      }
      return out;
    },
    close: () => session.release(),
  };
}
