/**
 * Entry of the upload-inspection child process (started by inspect.ts with `fork`): receives one
 * InspectJob on IPC, checks the uploads, sends one InspectReply and exits. Checks, cheapest first:
 * reference name, file sizes; model decode → prepare (canonicalise, probe) → ORT session; data
 * parse (zip-bomb cap, NaN/shape/dtype/bounds) → fits the model; reference set fits the model;
 * finally the model must be auditable on the set (./auditable.ts: finite logits on the first
 * samples, one gradient pass; zeros without data).
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { DataError, GauntletError, ModelError, UnsupportedOpError, UsageError } from '../errors';
import { foreignModelFormat, foreignModelMessage } from '../onnx/foreign';
import { DEFAULT_MAX_UNCOMPRESSED_BYTES, EvalSet, checkFits, evalSetFromArrays, readNpz } from '../data';
import { BUNDLED_REFERENCES } from '../audit/integrity';
import { decodeModel } from '../onnx/decode';
import { checkModelCost, estimateCost } from '../onnx/cost';
import { COST_LIMIT_NAMES, decodedBytesCap } from './resource-limits';
import { defaultOpset } from '../onnx/ir';
import { loadModel } from '../model/load';
import { toWire } from '../model/wire';
import { checkAuditable } from './auditable';
import { DataSummary, InspectJob, InspectJobSchema, InspectReply, InspectResult, ModelSummary, UploadField } from './inspect';

/** An error tagged with the upload it is about. */
class Rejection extends Error {
  constructor(readonly field: UploadField, readonly error: GauntletError) {
    super(error.message);
  }
}

/** Runs `f`; any failure becomes a Rejection of `field`, as a typed error of the field's kind. */
async function about<T>(field: UploadField, f: () => T | Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof Rejection) throw e;
    throw new Rejection(field, typed(field, e));
  }
}

/** Keeps the errors that describe an upload; anything else (ORT failures, bugs tripped by odd input) is reported as the field's kind. */
function typed(field: UploadField, e: unknown): GauntletError {
  const message = e instanceof Error ? e.message : String(e);
  if (field === 'model') {
    if (e instanceof ModelError || e instanceof UnsupportedOpError) return e;
    // RuntimeFailure carries ORT's own reason ("ONNX Runtime could not load the model: …").
    return new ModelError(e instanceof GauntletError && e.operational ? message : `the model could not be inspected: ${message}`);
  }
  return e instanceof DataError || e instanceof UsageError ? e : new DataError(message);
}

/** Rejects a file above `limit` bytes (413) before reading it. */
function checkSize(path: string, limit: number, what: string, Err: typeof ModelError | typeof DataError): number {
  let bytes: number;
  try {
    const s = statSync(path);
    if (!s.isFile()) throw new Err(`the ${what} upload is not a regular file`);
    bytes = s.size;
  } catch (e) {
    if (e instanceof GauntletError) throw e;
    throw new Err(`the ${what} upload cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (bytes === 0) throw new Err(`the ${what} upload is an empty file`);
  if (bytes > limit) throw new Err(`the ${what} file is ${bytes} bytes; the limit is ${limit}`, { bytes, limit });
  return bytes;
}

/** The bundled reference set's path. @throws UsageError listing the names for an unknown one. */
function referencePath(name: string): string {
  const names = Object.keys(BUNDLED_REFERENCES);
  if (!Object.prototype.hasOwnProperty.call(BUNDLED_REFERENCES, name)) {
    throw new UsageError(`unknown reference set '${name.slice(0, 100)}'; bundled reference sets: ${names.join(', ')}`);
  }
  return BUNDLED_REFERENCES[name as keyof typeof BUNDLED_REFERENCES];
}

/** Reads and validates a set; DataError messages start with `label` (never with a server path). */
function readSet(path: string, maxUncompressedBytes: number, label: string): { set: EvalSet; summary: DataSummary } {
  const bytes = readFileSync(path);
  try {
    const arrays = readNpz(bytes, { maxUncompressedBytes });
    const set = evalSetFromArrays(arrays);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    return { set, summary: { sha256, n: set.n, sampleShape: set.sampleShape, lowerUpper: arrays.has('lower') || arrays.has('upper') } };
  } catch (e) {
    if (e instanceof DataError) throw new DataError(`${label}: ${e.message}`, e.details);
    throw e;
  }
}

/** All checks of one job. @throws Rejection */
export async function inspect(job: InspectJob): Promise<InspectResult> {
  const refPath = job.reference === null ? null : await about('reference', () => referencePath(job.reference!));
  await about('model', () => checkSize(job.modelPath, job.maxModelBytes, 'model', ModelError));
  if (job.dataPath) await about('data', () => checkSize(job.dataPath!, job.maxDataBytes, 'evaluation set', DataError));

  const bytes = await about('model', () => readFileSync(job.modelPath));
  await about('model', () => {
    // A PyTorch, Keras, TensorFlow … upload: say so (and how to export it) rather than "not a valid ONNX model".
    const format = foreignModelFormat(bytes);
    if (format) throw new ModelError(foreignModelMessage('the model', format), { format });
  });
  const decoded = await about('model', () => decodeModel(bytes, { maxFileBytes: job.maxModelBytes, maxDecodedBytes: decodedBytesCap(job.memoryMb) }));
  // Before ONNX Runtime allocates anything (it folds constant subgraphs when the session is created).
  const cost = await about('model', () => {
    const est = estimateCost(decoded);
    checkModelCost(est, job, COST_LIMIT_NAMES);
    return est;
  });
  const model = await about('model', () => loadModel(bytes, { inProcess: true, threads: 1, output: job.output }));
  try {
    const info = model.info;
    const data = job.dataPath === null ? null : await about('data', () => {
      const d = readSet(job.dataPath!, job.maxUncompressedBytes, 'evaluation set');
      checkFits(info, d.set, 'evaluation set');
      return d;
    });
    const reference = refPath === null ? null : await about('reference', () => {
      const r = readSet(refPath, DEFAULT_MAX_UNCOMPRESSED_BYTES, `reference set '${job.reference}'`);
      checkFits(info, r.set, `reference set '${job.reference}'`);
      return r;
    });
    await about('model', () => checkAuditable(model, data?.set ?? reference?.set ?? null));
    const summary: ModelSummary = {
      sha256: info.modelSha256,
      inputShape: info.inputShape,
      numClasses: info.numClasses,
      opset: defaultOpset(decoded),
      nonDifferentiable: info.nonDifferentiable,
      random: info.random,
      strippedSoftmax: !!info.strippedSoftmax,
      ops: decoded.graph.nodes.length,
      flopsPerSample: cost.flopsPerSample,
    };
    return { model: summary, data: data?.summary ?? null, reference: reference?.summary ?? null };
  } finally {
    await model.close();
  }
}

/** The reply for a job's outcome. */
async function reply(message: unknown): Promise<InspectReply> {
  const parsed = InspectJobSchema.safeParse(message);
  if (!parsed.success) {
    return { ok: false, field: 'model', tooLarge: false, error: toWire(new UsageError(`inspect-process: malformed job (${parsed.error.issues[0]?.message})`)) };
  }
  try {
    return { ok: true, result: await inspect(parsed.data) };
  } catch (e) {
    if (!(e instanceof Rejection)) throw e;
    const limit = e.error.details?.limit;
    return { ok: false, field: e.field, tooLarge: typeof limit === 'number', error: toWire(e.error) };
  }
}

if (require.main === module) {
  if (!process.send) {
    process.stderr.write('inspect-process is started by src/jobs/inspect.ts (fork with an IPC channel)\n');
    process.exit(2);
  }
  process.on('disconnect', () => process.exit(0));
  process.once('message', (m) => {
    reply(m).then(
      (r) => process.send!(r, () => process.exit(0)),
      (e) => {
        process.stderr.write(`inspect-process: ${(e as Error).stack ?? e}\n`);
        process.exit(1);
      },
    );
  });
}
