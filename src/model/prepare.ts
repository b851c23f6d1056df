/**
 * Model preparation, run once per loaded model: decode → canonicalise (opset-17
 * semantics) → rename reserved names → batch generalisation → shape probe. The result is plain, structured-
 * cloneable data (ONNX bytes of the prepared graph, probe shapes, info) that every worker
 * turns into sessions without repeating the work.
 */
import { createHash } from 'crypto';
import { ModelError } from '../errors';
import { Model, defaultOpset } from '../onnx/ir';
import { decodeModel } from '../onnx/decode';
import { selectOutput } from '../onnx/select-output';
import { CANONICAL_OPSET, canonicalize } from '../onnx/canonical';
import { encodeModel } from '../onnx/encode';
import { ShapeInfo } from '../onnx/shapes';
import { checkClassScores, checkClassifierSignature, findClassifierIO } from '../onnx/classifier';
import { scanInputOps } from '../autodiff/reachability';
import { PROBE_BATCH, ProbeOptions, probeShapes } from '../runtime/probe';
import { BatchMode, batchedAgrees, hasFreeBatch, withSymbolicBatch } from './generalise';
import { MemoryEstimate, estimateBytesPerSample } from './batching';
import { Provider } from '../runtime/providers';
import { ModelInfo } from './types';
import { renameReserved } from './rename';

/** Everything a worker needs to serve a model. Structured-cloneable. */
export interface PreparedModel {
  /** The prepared (canonical, batch-generalised) graph, ONNX bytes. */
  bytes: Uint8Array;
  /** Probe dtype/shape of every value of that graph (batch dim at the probe batch). */
  shapes: ShapeInfo;
  /** The graph's data input and the value predict returns (pre-softmax logits). */
  input: string;
  logits: string;
  /** Concrete input shape of one ORT call for per-sample models (e.g. [1, 784, 1]). */
  sampleShape: number[];
  memory: MemoryEstimate;
  info: ModelInfo;
}

export interface PrepareOptions {
  provider?: Provider;
  intraOpThreads?: number;
  /** Per-sample input shape, required only when a non-batch input dim is symbolic. */
  inputShape?: number[];
  /** Seed of the batch-agreement samples. */
  seed?: number;
  /** Try rewriting a fixed batch of 1 to a symbolic batch (default true). */
  generaliseBatch?: boolean;
  /** The graph output holding the class scores; required when the model has several (../onnx/select-output.ts). */
  output?: string;
}

/**
 * canonicalize, given the original's probe shapes when it is not already at opset 17 (some
 * conversions need ranks, e.g. legacy broadcasting with `axis`). If the original cannot be
 * probed, conversion proceeds without ranks and reports what it cannot do.
 */
async function canonicalForm(decoded: Model, probe: ProbeOptions): Promise<{ model: Model; notes: string[] }> {
  let shapes: ShapeInfo | undefined;
  if (defaultOpset(decoded) !== CANONICAL_OPSET) {
    shapes = await probeShapes(decoded, { ...probe, quiet: true }).catch(() => undefined);
  }
  return canonicalize(decoded, { shapes });
}

/** Decodes, canonicalises, generalises and probes a model. Throws ModelError for unusable models. */
export async function prepareModel(bytes: Uint8Array, opts: PrepareOptions = {}): Promise<PreparedModel> {
  const modelSha256 = createHash('sha256').update(bytes).digest('hex');
  const decoded = selectOutput(decodeModel(bytes), opts.output);
  checkClassifierSignature(decoded);
  const probeOpts = { provider: 'cpu' as const, intraOpThreads: opts.intraOpThreads };
  const fullShape = (batch: number) => (opts.inputShape ? [batch, ...opts.inputShape] : undefined);
  // One ORT call's input for a model without a free batch dim: the given sample shape, with the declared leading 1 if any.
  const declared = decoded.graph.inputs[0]?.shape;
  const single = opts.inputShape && declared && declared.length === opts.inputShape.length ? opts.inputShape : fullShape(1);
  const canonical = await canonicalForm(decoded, { ...probeOpts, inputShape: hasFreeBatch(decoded) ? fullShape(PROBE_BATCH) : single });
  const notes = [...canonical.notes];
  const { model: original, renamed } = renameReserved(canonical.model);
  renamed.forEach((to, from) => notes.push(`value '${from}' renamed to '${to}' (reserved by the gradient model)`));
  const g = original.graph;
  if (g.inputs.length !== 1) {
    throw new ModelError(`the model has ${g.inputs.length} data inputs; Gauntlet audits single-input classifiers`);
  }

  let model = original;
  let batch: BatchMode = 'perSample';
  let batchNote: string | undefined;
  let shapes: ShapeInfo | undefined;
  if (hasFreeBatch(original)) {
    batch = 'dynamic';
    shapes = await probeShapes(original, { ...probeOpts, inputShape: fullShape(PROBE_BATCH) });
  } else {
    const candidate = opts.generaliseBatch === false ? undefined : withSymbolicBatch(original);
    if (candidate) {
      const tried = await tryGeneralised(candidate, original, fullShape(PROBE_BATCH), g.outputs[0].name, g.inputs[0].name, probeOpts, opts.seed);
      if (tried.ok) {
        model = candidate;
        shapes = tried.shapes;
        batch = 'generalised';
      } else {
        batchNote = `batch generalisation rejected: ${tried.reason.split('\n')[0]}`;
      }
    } else {
      batchNote = opts.generaliseBatch === false ? 'batch generalisation disabled' : 'the input does not declare a batch of 1';
    }
    if (!shapes) {
      shapes = await probeShapes(original, { ...probeOpts, inputShape: single });
    }
  }

  const cls = findClassifierIO(model, shapes);
  checkClassScores(cls, shapes);
  const inMeta = shapes.get(cls.input)!;
  if (inMeta.dtype !== 'float32' && inMeta.dtype !== 'float64') {
    throw new ModelError(`the model's input is ${inMeta.dtype}; Gauntlet runs float32 and float64 models`);
  }
  const sampleShape = cls.batched ? [1, ...inMeta.shape.slice(1)] : inMeta.shape;
  const inputShape = cls.batched || (sampleShape.length > 1 && sampleShape[0] === 1) ? sampleShape.slice(1) : sampleShape;
  const findings = scanInputOps(model.graph, cls.input);
  const memory = estimateBytesPerSample(shapes, cls.batched ? inMeta.shape[0] : 1, new Set(model.graph.initializers.keys()));
  return {
    bytes: encodeModel(model),
    shapes,
    input: cls.input,
    logits: cls.logits,
    sampleShape,
    memory,
    info: {
      inputShape,
      numClasses: cls.numClasses,
      batched: cls.batched,
      batch,
      ...(batchNote && batch === 'perSample' ? { batchNote } : {}),
      ...(cls.strippedSoftmax ? { strippedSoftmax: cls.strippedSoftmax } : {}),
      random: findings.random,
      nonDifferentiable: findings.nonDifferentiable,
      provider: opts.provider ?? 'cpu',
      modelSha256,
      dtype: inMeta.dtype,
      bytesPerSample: memory,
      notes,
      ...(opts.output !== undefined ? { output: opts.output } : {}),
    },
  };
}

/**
 * Probes the batch-generalised candidate at PROBE_BATCH and checks it agrees with the original
 * per sample; a failure is a reason to keep the original, never an error.
 */
async function tryGeneralised(
  candidate: Model, original: Model, batchShape: number[] | undefined, output: string, input: string, probeOpts: ProbeOptions, seed: number | undefined,
): Promise<{ ok: true; shapes: ShapeInfo } | { ok: false; reason: string }> {
  try {
    const s = await probeShapes(candidate, { ...probeOpts, quiet: true, inputShape: batchShape });
    const outDim = s.get(output)?.shape[0];
    if (outDim !== PROBE_BATCH) return { ok: false, reason: `output dim 0 is ${outDim} at batch ${PROBE_BATCH}` };
    const sampleShape = [1, ...s.get(input)!.shape.slice(1)];
    const agree = await batchedAgrees(candidate, original, sampleShape, { ...probeOpts, seed });
    return agree.ok ? { ok: true, shapes: s } : { ok: false, reason: agree.reason ?? 'batched and per-sample outputs differ' };
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
}
