/**
 * A Certifier: a model's bound graph (src/bounds) on an ONNX Runtime session, run over input
 * boxes in chunks that fit the memory budget. It returns, per point and class j, a lower bound
 * of logit_y − logit_j over the point's box; a point is certified when every j ≠ y is > 0.
 */
import { readFile } from 'node:fs/promises';
import { UnsupportedOpError, UsageError } from '../errors';
import { decodeModel } from '../onnx/decode';
import { encodeModel } from '../onnx/encode';
import { numel } from '../onnx/ir';
import { buildIbpGraph } from '../bounds/ibp-graph';
import { buildCrownGraph } from '../bounds/crown-graph';
import { roundBoxOutward } from '../bounds/threat-box';
import { CENTER, EPS, HI, LABELS, LO, MARGIN_EXACT, MARGIN_LO } from '../bounds/names';
import type { BoundRule } from '../bounds/types';
import { Session } from '../runtime/session';
import type { HostTensor } from '../runtime/tensor';
import { DEFAULT_MEMORY_BUDGET_MB, chunkRanges, samplesPerChunk } from './batching';
import { prepareModel, PrepareOptions } from './prepare';

/** Bound-propagation methods. */
/** 'best': IBP and CROWN (where every op has a CROWN rule), per point and class the larger bound. */
export const BOUND_METHODS = ['ibp', 'crown', 'best'] as const;
export type BoundMethod = (typeof BOUND_METHODS)[number];

export interface CertifierOptions extends Pick<PrepareOptions, 'inputShape' | 'output'> {
  method: BoundMethod;
  /** Intra-op threads of the bound session (default: ONNX Runtime's). */
  threads?: number;
  /** Memory budget of one bound-graph call, MiB (default 1024). */
  memoryBudgetMB?: number;
  /** CROWN: bound the exact network instead (no float32-evaluation allowance; the float64 reference's figures). @internal */
  exactNetwork?: boolean;
  /** Replaces the bound-rule registry (tests plant unsound rules to prove the soundness check). @internal */
  rules?: (opType: string) => BoundRule | undefined;
}

export interface Certifier {
  readonly method: BoundMethod;
  readonly numClasses: number;
  /** Per-sample input shape. */
  readonly inputShape: number[];
  /**
   * Lower bounds of logit_y − logit_j [n, K] over the boxes [lo, hi] ([n, ...inputShape]; a
   * float64 box is rounded outward for the float32 IBP graph and taken exactly by CROWN);
   * the entry j = y is meaningless. With `l2`, the threat set is the L2 ball of radius eps around
   * each x (within the box, which IBP uses; CROWN concretises over the ball with the dual norm).
   */
  marginLowerBounds(lo: Float32Array | Float64Array, hi: Float32Array | Float64Array, n: number, y: Int32Array, signal?: AbortSignal, l2?: { x: Float32Array; eps: number }): Promise<Float32Array>;
  close(): Promise<void>;
  /** 'best': the certifiers it takes the larger bound of (each with its own method). */
  readonly parts?: readonly Certifier[];
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
  if (opts.method === 'best') return bestOf(bytes, opts);
  const prepared = await prepareModel(bytes, { inputShape: opts.inputShape, output: opts.output, intraOpThreads: opts.threads });
  const model = () => decodeModel(prepared.bytes);
  const budget = opts.memoryBudgetMB ?? DEFAULT_MEMORY_BUDGET_MB;
  const open = async (norm: 'linf' | 'l2'): Promise<Runner> => {
    const bound = opts.method === 'ibp'
      ? buildIbpGraph(model(), prepared.shapes, opts.rules)
      : buildCrownGraph(model(), prepared.shapes, { norm, rules: opts.rules });
    // No graph optimisation for CROWN: constant folding would evaluate the identity rows of every
    // intermediate bound through the first layers at session creation (gigabytes of initializers).
    const session = await Session.create(encodeModel(bound.model), { intraOpThreads: opts.threads, ...(opts.method === 'ibp' ? {} : { optimization: 'disabled' as const }) });
    // An IBP graph holds about four tensors per forward value (centre, radius, magnitude, bounds).
    const bytesPerPoint = 'bytesPerPoint' in bound ? (bound.bytesPerPoint as number) : 4 * prepared.memory.forward;
    return { bound, session, perChunk: bound.batched ? samplesPerChunk(bytesPerPoint, budget) : 1 };
  };
  const linf = await open('linf');
  let l2: Promise<Runner> | undefined;
  const { bound } = linf;
  const per = numel(bound.inputShape);
  const K = bound.numClasses;
  return {
    method: opts.method,
    numClasses: K,
    inputShape: bound.inputShape,
    async marginLowerBounds(lo, hi, n, y, signal, ball) {
      if (lo.length !== n * per || hi.length !== n * per) throw new UsageError(`boxes must be [n, ${bound.inputShape.join(', ')}] (${n * per} values each)`);
      if (y.length !== n) throw new UsageError(`y must hold ${n} labels`);
      if (ball && ball.x.length !== n * per) throw new UsageError(`x must be [n, ${bound.inputShape.join(', ')}]`);
      const overBall = ball && opts.method !== 'ibp';
      if (overBall) l2 ??= open('l2');
      const run = overBall ? await l2! : linf;
      const box = opts.method === 'ibp' ? roundBoxOutward({ lo, hi }) : { lo: Float64Array.from(lo), hi: Float64Array.from(hi) };
      const dtype = opts.method === 'ibp' ? 'float32' as const : 'float64' as const;
      const out = new Float32Array(n * K);
      const want = opts.exactNetwork && opts.method !== 'ibp' ? MARGIN_EXACT : MARGIN_LO;
      for (const c of chunkRanges(n, run.perChunk)) {
        signal?.throwIfAborted();
        const dims = [c.count, ...bound.inputShape];
        const part = <T extends Float32Array | Float64Array>(v: T) => v.subarray(c.start * per, (c.start + c.count) * per);
        const feeds: Record<string, HostTensor> = overBall
          ? { [CENTER]: { dtype: 'float32', dims, data: part(ball.x) }, [EPS]: { dtype: 'float64', dims: [c.count], data: new Float64Array(c.count).fill(ball.eps) } }
          : { [LO]: { dtype, dims, data: part(box.lo) }, [HI]: { dtype, dims, data: part(box.hi) } };
        const res = await run.session.run({
          ...feeds,
          [LABELS]: { dtype: 'int64', dims: [c.count], data: BigInt64Array.from(y.subarray(c.start, c.start + c.count), (v) => BigInt(v)) },
        }, [want]);
        out.set(res[want].data as Float32Array, c.start * K);
      }
      return out;
    },
    async close() {
      await linf.session.release();
      if (l2) await (await l2).session.release();
    },
  };
}

interface Runner {
  bound: { numClasses: number; inputShape: number[]; batched: boolean };
  session: Session;
  perChunk: number;
}

/** IBP and, where the model has CROWN rules for every op, CROWN: per point and class the larger lower bound. */
async function bestOf(bytes: Uint8Array, opts: CertifierOptions): Promise<Certifier> {
  const parts: Certifier[] = [await loadCertifier(bytes, { ...opts, method: 'ibp' })];
  try {
    parts.push(await loadCertifier(bytes, { ...opts, method: 'crown' }));
  } catch (e) {
    if (!(e instanceof UnsupportedOpError)) { await parts[0].close(); throw e; }
  }
  const [first] = parts;
  return {
    method: 'best',
    numClasses: first.numClasses,
    inputShape: first.inputShape,
    parts,
    async marginLowerBounds(lo, hi, n, y, signal, l2) {
      const all = [];
      for (const p of parts) all.push(await p.marginLowerBounds(lo, hi, n, y, signal, l2));
      return all.reduce((best, b) => best.map((v, i) => Math.max(v, b[i])));
    },
    async close() {
      for (const p of parts) await p.close();
    },
  };
}
