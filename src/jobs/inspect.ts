/**
 * Inspection of untrusted uploads before a job is accepted: the model is decoded, prepared,
 * loaded into ONNX Runtime and run forward and backward once; the evaluation set is parsed with
 * the zip-bomb cap and checked against the model; a reference set is looked up among the bundled
 * ones. All of it runs in a child process (inspect-process.ts) under a wall-clock timeout, a V8
 * heap cap and an OS-enforced memory cap (resource-limits.ts), and the model's arithmetic is
 * estimated from its graph and capped before ONNX Runtime sees it (onnx/cost.ts), so a hostile
 * upload can neither crash nor block nor exhaust the server. Rejections are
 * UploadRejected errors: HTTP 422 (413 when a size limit is the reason) with a one-line reason and
 * the upload it is about.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { GauntletError, ModelError, UsageError } from '../errors';
import { DEFAULT_MAX_UNCOMPRESSED_BYTES } from '../data';
import { WireError, fromWire, toWire } from '../model/wire';
import { moduleEntry } from '../util/entry';
import { lowerPriority } from '../util/priority';
import { describeIssues } from '../util/zod';
import { MIN_MEMORY_MB, constantBytesCap, endedForMemory, forkLimited, isAllocationFailure, memoryLimitMessage } from './resource-limits';

/** What the inspection learned about the model. */
export interface ModelSummary {
  /** sha256 of the model file, hex. */
  sha256: string;
  /** Per-sample input shape (no batch dim). */
  inputShape: number[];
  numClasses: number;
  /** Default-domain opset the file declares (before canonicalisation). */
  opset: number;
  /** Piecewise-constant ops on the input→logits path, as "OpType 'node'". */
  nonDifferentiable: string[];
  /** Random ops, as "OpType 'node'". */
  random: string[];
  /** Whether a trailing Softmax/LogSoftmax is skipped to reach the logits. */
  strippedSoftmax: boolean;
  /** Nodes in the file's main graph. */
  ops: number;
  /** Estimated forward cost of one sample, FLOPs (onnx/cost.ts: the figure GAUNTLET_MAX_GFLOPS_PER_SAMPLE caps). */
  flopsPerSample: number;
}

/** What the inspection learned about an evaluation or reference set. */
export interface DataSummary {
  /** sha256 of the .npz file, hex. */
  sha256: string;
  /** Number of samples. */
  n: number;
  /** Shape of one sample. */
  sampleShape: number[];
  /** Whether the set carries its own `lower`/`upper` bounds (else the defaults [0, 1] apply). */
  lowerUpper: boolean;
}

/** The uploads to inspect and the limits to apply. */
export interface InspectRequest {
  /** The uploaded ONNX model. */
  modelPath: string;
  /** The uploaded evaluation set (.npz), or null. */
  dataPath: string | null;
  /** Name of a bundled reference set (BUNDLED_REFERENCES), or null. */
  reference: string | null;
  /** The graph output holding the class scores (job config `output`); required when the model has several. */
  output?: string;
  /** Limits */
  timeoutMs?: number;
  /** V8 heap cap of the inspecting process, MiB (--max-old-space-size). */
  maxOldSpaceMb?: number;
  /** OS-enforced memory cap of the inspecting process, MiB (GAUNTLET_INSPECT_MEMORY_MB). */
  memoryMb?: number;
  /** Largest estimated forward cost of one sample, GFLOPs (GAUNTLET_MAX_GFLOPS_PER_SAMPLE). */
  maxGflopsPerSample?: number;
  /** Largest tensor one node may produce for one sample, bytes (GAUNTLET_MAX_TENSOR_MB). */
  maxTensorBytes?: number;
  /** Largest sum of the model's constants (weights and what the session folds from them), bytes (default: half of memoryMb). */
  maxConstantBytes?: number;
  /** Called once the child has ended, with the largest resident set sampled (tests, logs). */
  onChildExit?: (u: { peakRssBytes: number; enforcement: 'rlimit' | 'watchdog' }) => void;
  /** Largest evaluation-set file accepted, bytes. */
  maxDataBytes?: number;
  /** Largest model file accepted, bytes. */
  maxModelBytes?: number;
  /** Zip-bomb cap: largest summed uncompressed size of the set's members, bytes. */
  maxUncompressedBytes?: number;
}

/** The inspection's findings. */
export interface InspectResult {
  model: ModelSummary;
  /** The uploaded evaluation set, or null when none was given. */
  data: DataSummary | null;
  /** The bundled reference set named in the request, or null. */
  reference: DataSummary | null;
}

/** Which upload a rejection is about. */
export type UploadField = 'model' | 'data' | 'reference';

/** Default limits (the service's GAUNTLET_MAX_*_MB defaults for the sizes). */
export const INSPECT_DEFAULTS = {
  timeoutMs: 120_000,
  maxOldSpaceMb: 1024,
  memoryMb: 4096,
  maxGflopsPerSample: 100,
  maxTensorBytes: 512 * 1024 ** 2,
  maxDataBytes: 1024 * 1024 ** 2,
  maxModelBytes: 256 * 1024 ** 2,
} as const;

const positive = z.number().int().positive();
const path = z.string().min(1);

/** The request as the child receives it: paths absolute, every limit filled in. */
export const InspectJobSchema = z.object({
  modelPath: path,
  dataPath: path.nullable(),
  reference: z.string().nullable(),
  output: z.string().max(256).optional(),
  timeoutMs: positive,
  maxOldSpaceMb: positive.min(16),
  memoryMb: positive.min(MIN_MEMORY_MB),
  maxGflopsPerSample: z.number().positive(),
  maxTensorBytes: positive,
  maxConstantBytes: positive,
  maxDataBytes: positive,
  maxModelBytes: positive,
  maxUncompressedBytes: positive,
}).strict();

/** A fully specified inspection request (see InspectJobSchema). */
export type InspectJob = z.infer<typeof InspectJobSchema>;

/** The child's one reply on IPC. */
export type InspectReply =
  | { ok: true; result: InspectResult }
  | { ok: false; field: UploadField; tooLarge: boolean; error: WireError };

/**
 * An upload was rejected. `code` is the underlying error's (invalid_model, unsupported_op,
 * invalid_data, usage), `httpStatus` 422 — or 413 when a size limit is the reason — and `field`
 * names the upload; `original` is the underlying ModelError / UnsupportedOpError / DataError /
 * UsageError as the inspection raised it.
 */
export class UploadRejected extends GauntletError {
  constructor(
    readonly field: UploadField,
    readonly original: GauntletError,
    tooLarge = false,
  ) {
    super(oneLine(original.message), original.code, tooLarge ? 413 : 422, true, { ...original.details, field });
  }
}

/** Memory cap ÷ this = the evaluation set's uncompressed-size cap (see inspectJob). */
export const UNCOMPRESSED_PER_MEMORY = 16;

/** Longest reason passed on (an HTTP problem document's `detail`). */
const MAX_REASON_CHARS = 2000;
/** How much of the child's stderr is kept to explain a crash. */
const STDERR_TAIL_CHARS = 8192;

/** Collapses a message to one line of bounded length. */
export function oneLine(message: string): string {
  const line = message.replace(/\s*[\r\n]+\s*/g, ' ').trim();
  return line.length > MAX_REASON_CHARS ? `${line.slice(0, MAX_REASON_CHARS - 1)}…` : line;
}

/**
 * Fills in defaults and validates the limits.
 * @throws UsageError for a malformed request (a caller bug, not a bad upload).
 */
export function inspectJob(r: InspectRequest): InspectJob {
  const maxDataBytes = r.maxDataBytes ?? INSPECT_DEFAULTS.maxDataBytes;
  const memoryMb = r.memoryMb ?? INSPECT_DEFAULTS.memoryMb;
  const parsed = InspectJobSchema.safeParse({
    modelPath: typeof r.modelPath === 'string' ? resolve(r.modelPath) : r.modelPath,
    dataPath: typeof r.dataPath === 'string' ? resolve(r.dataPath) : r.dataPath,
    reference: r.reference,
    ...(r.output !== undefined ? { output: r.output } : {}),
    timeoutMs: r.timeoutMs ?? INSPECT_DEFAULTS.timeoutMs,
    maxOldSpaceMb: Math.min(r.maxOldSpaceMb ?? INSPECT_DEFAULTS.maxOldSpaceMb, memoryMb),
    memoryMb,
    maxGflopsPerSample: r.maxGflopsPerSample ?? INSPECT_DEFAULTS.maxGflopsPerSample,
    maxTensorBytes: r.maxTensorBytes ?? INSPECT_DEFAULTS.maxTensorBytes,
    maxConstantBytes: r.maxConstantBytes ?? constantBytesCap(memoryMb),
    maxDataBytes,
    maxModelBytes: r.maxModelBytes ?? INSPECT_DEFAULTS.maxModelBytes,
    // Parsed sets hold the inflated members, x as float32 and lower/upper at full size: up to
    // 13 times the uncompressed bytes for a uint8 x. The cap keeps that within the memory cap.
    maxUncompressedBytes: r.maxUncompressedBytes
      ?? Math.min(4 * maxDataBytes, DEFAULT_MAX_UNCOMPRESSED_BYTES, Math.floor((memoryMb * 1024 ** 2) / UNCOMPRESSED_PER_MEMORY)),
  });
  if (!parsed.success) {
    throw new UsageError(`invalid inspection request: ${describeIssues(parsed.error)}`);
  }
  return parsed.data;
}

/**
 * Runs the inspection in a child process; resolves to the summaries or rejects with an
 * UploadRejected (ModelError / DataError / UnsupportedOpError / UsageError inside) whose message
 * is a one-line reason fit for an HTTP problem document's `detail`, and whose `field` says which
 * upload ('model' | 'data' | 'reference') it is about. Timeouts and crashes of the child become a
 * rejected ModelError ("model inspection crashed / timed out …").
 * @throws UsageError for a malformed request; RuntimeFailure when the child cannot be started.
 */
export async function inspectUploads(r: InspectRequest): Promise<InspectResult> {
  const job = inspectJob(r);
  const reply = await runChild(job, r.onChildExit);
  if (reply.ok) return reply.result;
  // An allocation that failed inside the child (RLIMIT_DATA reached) is the memory cap, whatever it was doing.
  if (isAllocationFailure(reply.error.message)) throw memoryRejection(job);
  const e = fromWire(reply.error);
  const original = e instanceof GauntletError ? e : new ModelError(e.message);
  throw new UploadRejected(reply.field, original, reply.tooLarge);
}

/** The 413 for an inspection stopped at its memory cap. */
function memoryRejection(job: InspectJob): UploadRejected {
  const message = memoryLimitMessage('model inspection', job.memoryMb, 'GAUNTLET_INSPECT_MEMORY_MB');
  return new UploadRejected('model', new ModelError(message, { limit: job.memoryMb }), true);
}

/** Forks the inspector under its memory cap, sends the job, waits for its reply and its end (killing it at the timeout). */
async function runChild(job: InspectJob, onExit: InspectRequest['onChildExit']): Promise<InspectReply> {
  const entry = moduleEntry(__dirname, 'inspect-process', __filename.endsWith('.ts'));
  const limited = forkLimited(entry.filename, [], {
    execArgv: [...entry.execArgv, `--max-old-space-size=${job.maxOldSpaceMb}`],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    serialization: 'advanced',
  }, job.memoryMb);
  const { child } = limited;
  child.once('exit', () => onExit?.({ peakRssBytes: limited.peakRssBytes(), enforcement: limited.enforcement }));
  lowerPriority(child.pid);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-STDERR_TAIL_CHARS); });
  return new Promise<InspectReply>((resolvePromise) => {
    let reply: InspectReply | undefined;
    let timedOut = false;
    let settled = false;
    const settle = (r: InspectReply) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolvePromise(r);
    };
    const failure = (message: string): InspectReply => ({
      ok: false, field: 'model', tooLarge: false, error: { name: 'ModelError', message, code: 'invalid_model' },
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, job.timeoutMs);
    child.on('message', (m: InspectReply) => { reply ??= m; });
    child.on('error', (e) => {
      child.kill('SIGKILL');
      settle(reply ?? failure(`model inspection crashed: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      if (reply) settle(reply);
      else if (timedOut) settle(failure(`model inspection timed out after ${job.timeoutMs} ms (the model is too slow or hangs)`));
      else if (V8_HEAP_LIMIT.test(stderr)) settle(tooLarge(`model inspection exceeded its JavaScript heap limit of ${job.maxOldSpaceMb} MiB`, job.maxOldSpaceMb));
      else if (endedForMemory(limited, stderr)) settle(tooLarge(memoryLimitMessage('model inspection', job.memoryMb, 'GAUNTLET_INSPECT_MEMORY_MB'), job.memoryMb));
      else settle(failure(`model inspection crashed (${signal ? `killed by ${signal}` : `exit code ${code}`})`));
    });
    child.send(job, (e) => {
      if (e) child.kill('SIGKILL');
    });
  });
}

/** What V8 prints when the heap reaches --max-old-space-size. */
const V8_HEAP_LIMIT = /Reached heap limit|Ineffective mark-compacts near heap limit/;

/** A 413 reply for a child stopped at a memory limit. */
function tooLarge(message: string, limitMb: number): InspectReply {
  return { ok: false, field: 'model', tooLarge: true, error: toWire(new ModelError(message, { limit: limitMb })) };
}
