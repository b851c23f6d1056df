/**
 * Verification of uploaded signed reports (POST /v1/verify) off the API's event loop: reading
 * the uploads, hashing the model and data, parsing the envelope JSON and the PDF all run in a
 * child process (verify-process.ts) under a wall-clock timeout and a V8 heap cap, at most
 * `maxConcurrent` at a time (later requests wait their turn, first come first served). A child
 * that times out, runs out of memory or crashes becomes an UnverifiableUpload (422) with a
 * one-line reason; the verifier names files only by the display names it is given, so no answer
 * can name a server path.
 */
import { KeyObject } from 'node:crypto';
import { resolve } from 'node:path';
import { z } from 'zod';
import { GauntletError, RuntimeFailure } from '../errors';
import { SIGNATURE_POLICIES, SignaturePolicy, VerifyResult } from '../report/sign/verify';
import { WireError, fromWire } from '../model/wire';
import { moduleEntry } from '../util/entry';
import { lowerPriority } from '../util/priority';
import { endedForMemory, forkLimited, LimitedChild } from './resource-limits';
import { oneLine } from './inspect';

/** Limits of upload verification. */
export interface VerifyLimits {
  /** Wall-clock limit of one verification, ms. */
  timeoutMs: number;
  /** V8 heap cap of the verifying process, MiB (--max-old-space-size). */
  maxOldSpaceMb: number;
  /** Verifying processes at a time; further requests queue. */
  maxConcurrent: number;
  /** OS-enforced memory cap of the verifying process, MiB (./resource-limits.ts). */
  memoryMb: number;
}

/**
 * Defaults. Measured through this class on the shared 2-core box at load average 8 (child start
 * included, about 2 s of it from TypeScript sources): a 60 MB envelope with a 200 MB model 6.0 s
 * within the 512 MiB heap; a 64 MiB PDF with 4000 /ByteRange entries 2.8 s (refused at the cap); a
 * 64 MiB PDF with 16 signatures each covering the file (the most work the caps allow) 5.0 s.
 */
export const VERIFY_DEFAULTS: VerifyLimits = { timeoutMs: 30_000, maxOldSpaceMb: 512, maxConcurrent: 2, memoryMb: 1024 };

/** One verification: the uploads' paths, their display names, the accepted keys. */
export interface VerifyUploadRequest {
  file: string;
  model?: string;
  data?: string;
  /** What the answer calls each upload (the client's filenames). */
  names: { file: string; model?: string; data?: string };
  keys: { key: KeyObject; source: string }[];
  policy?: SignaturePolicy;
}

const path = z.string().min(1);

/** The job as the child receives it (keys as SPKI PEM). */
export const VerifyJobSchema = z.object({
  file: path,
  model: path.optional(),
  data: path.optional(),
  names: z.object({ file: z.string(), model: z.string().optional(), data: z.string().optional() }).strict(),
  keys: z.array(z.object({ pem: z.string(), source: z.string() }).strict()).min(1),
  policy: z.enum(SIGNATURE_POLICIES),
}).strict();
export type VerifyJob = z.infer<typeof VerifyJobSchema>;

/** The child's one reply. */
export type VerifyReply = { ok: true; result: VerifyResult } | { ok: false; error: WireError };

/** The upload could not be verified at all (timed out, too much memory, verifier crashed): 422. */
export class UnverifiableUpload extends GauntletError {
  constructor(message: string) {
    super(message, 'unverifiable', 422, true);
  }
}

/** Verifies uploads in child processes, `maxConcurrent` at a time. */
export class UploadVerifier {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  readonly limits: VerifyLimits;

  constructor(limits: Partial<VerifyLimits> = {}) {
    this.limits = { ...VERIFY_DEFAULTS, ...limits };
  }

  /**
   * Verifies one upload; resolves to the result (valid or not). Rejects with the verifier's
   * UsageError for unusable input (neither a PDF nor an envelope), UnverifiableUpload when the
   * child times out, runs out of memory or crashes; an aborted `signal` kills the child and
   * rejects with UnverifiableUpload too.
   */
  async verify(req: VerifyUploadRequest, signal?: AbortSignal): Promise<VerifyResult> {
    const job: VerifyJob = VerifyJobSchema.parse({
      file: resolve(req.file),
      model: req.model && resolve(req.model),
      data: req.data && resolve(req.data),
      names: req.names,
      keys: req.keys.map((k) => ({ pem: k.key.export({ type: 'spki', format: 'pem' }).toString(), source: k.source })),
      policy: req.policy ?? 'all',
    });
    await this.acquire();
    try {
      if (signal?.aborted) throw new UnverifiableUpload('the verification was cancelled: the client went away');
      const reply = await runChild(job, this.limits, req.names.file, signal);
      if (reply.ok) return reply.result;
      if (reply.error.code === 'unverifiable') throw new UnverifiableUpload(reply.error.message);
      const e = fromWire(reply.error);
      if (e instanceof GauntletError && e.operational) throw e;
      throw new UnverifiableUpload(`${req.names.file} could not be verified (${oneLine(e.message)})`);
    } finally {
      this.release();
    }
  }

  private async acquire(): Promise<void> {
    if (this.active < this.limits.maxConcurrent) {
      this.active++;
      return;
    }
    await new Promise<void>((r) => this.waiting.push(r)); // the releaser hands its slot over
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}

/** How much of the child's stderr is kept to explain a crash. */
const STDERR_TAIL_CHARS = 4096;

/** Forks the verifier, sends the job, waits for its reply (killing it at the timeout or on abort). */
function runChild(job: VerifyJob, limits: VerifyLimits, name: string, signal?: AbortSignal): Promise<VerifyReply> {
  const entry = moduleEntry(__dirname, 'verify-process', __filename.endsWith('.ts'));
  let limited: LimitedChild;
  try {
    limited = forkLimited(entry.filename, [], {
      execArgv: [...entry.execArgv, `--max-old-space-size=${limits.maxOldSpaceMb}`],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
    }, limits.memoryMb);
  } catch (e) {
    return Promise.reject(new RuntimeFailure(`cannot start the verifier process (${(e as NodeJS.ErrnoException).code ?? 'error'})`));
  }
  const { child } = limited;
  lowerPriority(child.pid);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-STDERR_TAIL_CHARS); });
  const failed = (message: string): VerifyReply => ({ ok: false, error: { name: 'UnverifiableUpload', message, code: 'unverifiable', httpStatus: 422, operational: true } });
  return new Promise<VerifyReply>((resolvePromise) => {
    let reply: VerifyReply | undefined;
    let why: 'timeout' | 'aborted' | null = null;
    let settled = false;
    const settle = (r: VerifyReply) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolvePromise(r);
    };
    const kill = (reason: 'timeout' | 'aborted') => {
      why ??= reason;
      child.kill('SIGKILL');
    };
    const onAbort = () => kill('aborted');
    const timer = setTimeout(() => kill('timeout'), limits.timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('message', (m: VerifyReply) => { reply ??= m; });
    child.on('error', () => {
      child.kill('SIGKILL');
      settle(reply ?? failed(`${name} could not be verified: the verifier process failed`));
    });
    child.on('close', (code, sig) => {
      if (reply) settle(reply);
      else if (why === 'timeout') settle(failed(`${name} could not be verified within ${limits.timeoutMs} ms (the file is too complex to verify)`));
      else if (why === 'aborted') settle(failed('the verification was cancelled: the client went away'));
      else if (/heap out of memory|Reached heap limit/i.test(stderr)) settle(failed(`${name} could not be verified within the verifier's ${limits.maxOldSpaceMb} MB memory limit`));
      else if (endedForMemory(limited, stderr)) settle(failed(`${name} could not be verified within the verifier's memory limit of ${limits.memoryMb} MiB`));
      else settle(failed(`${name} could not be verified: the verifier process ended (${sig ? `killed by ${sig}` : `exit code ${code}`})`));
    });
    child.send(job, (e) => {
      if (e) child.kill('SIGKILL');
    });
  });
}
