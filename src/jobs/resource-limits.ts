/**
 * OS-enforced memory caps for the processes that touch untrusted models and data (inspection,
 * audit jobs). Node has no setrlimit, so on Linux the child is started through util-linux's
 * `prlimit --data=N -- node …` (prlimit sets the limit on itself and execs node: same pid, and the
 * IPC descriptor named by NODE_CHANNEL_FD survives the exec). RLIMIT_DATA counts every private
 * writable mapping (Linux ≥ 4.7): the V8 heap, ArrayBuffers, ONNX Runtime's arena and thread stacks,
 * but not the large PROT_NONE reservations V8 and WebAssembly make, which is why RLIMIT_AS is not
 * used (node itself needs several GiB of address space before it runs any code). An allocation over
 * the limit fails inside the child (ENOMEM → "Array buffer allocation failed", std::bad_alloc, or a
 * V8 fatal OOM abort).
 *
 * Defence in depth, and the only cap where prlimit is missing (non-Linux, minimal images): a
 * watchdog samples the child's resident set from /proc/<pid>/status and kills it past the cap.
 */
import { ChildProcess, fork, ForkOptions } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Logger } from '../logging/logger';

const MiB = 1024 * 1024;

/**
 * Part of the cap left for what RLIMIT_DATA does not count but the resident set does: node's and
 * ONNX Runtime's code and other file-backed pages. Measured: a process that loaded the fixture CNN
 * into onnxruntime-node and ran a forward and gradient pass had RssFile 69 MiB, RssAnon 65 MiB
 * (node 20.20, Linux 6.18, run from sources with tsx; /proc/self/status).
 */
export const CODE_RESERVE_MB = 96;
/** Smallest cap accepted: node with ONNX Runtime does not start below it. */
export const MIN_MEMORY_MB = 256;
/** How often the watchdog samples the child's resident set, ms. */
const WATCH_INTERVAL_MS = 50;

/** How a cap is enforced on this host. */
export type Enforcement = 'rlimit' | 'watchdog';

let prlimitCache: string | null | undefined;

/** util-linux `prlimit` on the PATH (Linux only), or null. Cached after the first look-up. */
export function findPrlimit(env: NodeJS.ProcessEnv = process.env): string | null {
  if (prlimitCache !== undefined) return prlimitCache;
  prlimitCache = null;
  if (process.platform !== 'linux') return null;
  for (const dir of [...(env.PATH ?? '').split(delimiter), '/usr/bin', '/bin']) {
    if (!dir) continue;
    const candidate = join(dir, 'prlimit');
    try {
      accessSync(candidate, constants.X_OK);
      prlimitCache = candidate;
      break;
    } catch {
      /* not here */
    }
  }
  return prlimitCache;
}

/** Which enforcement `forkLimited` uses on this host (for start-up logs and docs). */
export function memoryEnforcement(): Enforcement {
  return findPrlimit() ? 'rlimit' : 'watchdog';
}

/** The RLIMIT_DATA given to a child capped at `memoryMb`, bytes. */
export function dataLimitBytes(memoryMb: number): number {
  return Math.max(memoryMb - CODE_RESERVE_MB, MIN_MEMORY_MB - CODE_RESERVE_MB) * MiB;
}

/** A child started under a memory cap, with what the watchdog saw of it. */
export interface LimitedChild {
  child: ChildProcess;
  enforcement: Enforcement;
  /** Largest resident set the watchdog sampled (VmHWM), bytes; 0 before the first sample. */
  peakRssBytes(): number;
  /** Whether the watchdog killed the child for exceeding the cap. */
  killedForMemory(): boolean;
  /**
   * Whether the watchdog saw the child's data segment (VmData) within 10 % of its RLIMIT_DATA: a
   * child that then dies without a result (an abort whose stderr names no allocation, e.g. a
   * thread that could not be created) ran into the cap.
   */
  nearDataLimit(): boolean;
  /**
   * Whether the child, running under RLIMIT_DATA, ended by SIGABRT. With an empty stderr that is
   * an allocation failing in native code before anything could be written (seen under CPU load,
   * when the abort comes between two watchdog samples); callers check the stderr.
   */
  abortedUnderLimit(): boolean;
}

/**
 * `child_process.fork` with a memory cap of `memoryMb` MiB: RLIMIT_DATA through prlimit where it
 * exists, plus a resident-set watchdog (the only cap elsewhere) that SIGKILLs the child past the cap.
 * @param prlimit the prlimit binary, or null to rely on the watchdog alone (default: findPrlimit()).
 */
export function forkLimited(modulePath: string, args: string[], options: ForkOptions, memoryMb: number, prlimit = findPrlimit()): LimitedChild {
  const execArgv = options.execArgv ?? process.execArgv;
  const child = prlimit
    ? fork(modulePath, args, {
      ...options,
      execPath: prlimit,
      execArgv: [`--data=${dataLimitBytes(memoryMb)}`, '--', process.execPath, ...execArgv],
    })
    : fork(modulePath, args, options);
  const cap = memoryMb * MiB;
  let peak = 0;
  let peakData = 0;
  let killed = false;
  const timer = setInterval(() => {
    const s = readStatus(child.pid);
    if (!s) return;
    peak = Math.max(peak, s.hwm, s.rss);
    peakData = Math.max(peakData, s.data);
    if (s.rss > cap && !killed) {
      killed = true;
      child.kill('SIGKILL');
    }
  }, WATCH_INTERVAL_MS);
  timer.unref();
  let exitSignal: NodeJS.Signals | null = null;
  child.once('exit', (_code, signal) => { exitSignal = signal; clearInterval(timer); });
  child.once('error', () => clearInterval(timer));
  const dataLimit = dataLimitBytes(memoryMb);
  return {
    child, enforcement: prlimit ? 'rlimit' : 'watchdog', peakRssBytes: () => peak, killedForMemory: () => killed,
    nearDataLimit: () => prlimit !== null && peakData >= 0.9 * dataLimit,
    abortedUnderLimit: () => prlimit !== null && exitSignal === 'SIGABRT',
  };
}

/** VmRSS, VmHWM and VmData of a live process, bytes; null when unavailable (exited, not Linux). */
export function readStatus(pid: number | undefined): { rss: number; hwm: number; data: number } | null {
  if (pid === undefined) return null;
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'latin1');
  } catch {
    return null;
  }
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s*(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM'), data: kb('VmData') };
}

/**
 * Messages by which node, V8, ONNX Runtime or libc report a failed allocation. A bare "EAGAIN" is
 * what a worker thread reports when its stack cannot be mapped (pthread_create under RLIMIT_DATA).
 */
const ALLOCATION_FAILURE = /heap out of memory|Reached heap limit|Array buffer allocation failed|std::bad_alloc|bad allocation|Failed to allocate|Cannot allocate memory|\bENOMEM\b|out of memory|^EAGAIN$|ERR_WORKER_INIT_FAILED|Resource temporarily unavailable|pthread_create|mmap failed/im;

/** Whether `text` (an error message or a child's stderr) reports a failed allocation. */
export function isAllocationFailure(text: string): boolean {
  return ALLOCATION_FAILURE.test(text);
}

/** The one-line reason for a process stopped at its memory cap: "<what> exceeded the memory limit of N MiB (VAR)". */
export function memoryLimitMessage(what: string, memoryMb: number, variable: string): string {
  return `${what} exceeded the memory limit of ${memoryMb} MiB (${variable})`;
}

/**
 * Whether a child that ended without a result was stopped by its memory cap: killed by the
 * watchdog, or its stderr reports a failed allocation (a V8 fatal OOM aborts with SIGABRT/SIGTRAP),
 * or its data segment was seen near RLIMIT_DATA, or it aborted under RLIMIT_DATA writing nothing.
 */
export function endedForMemory(limited: MemoryEvidence, stderr: string): boolean {
  return limited.killedForMemory() || isAllocationFailure(stderr) || (limited.nearDataLimit?.() ?? false) ||
    (stderr.trim() === '' && (limited.abortedUnderLimit?.() ?? false));
}

/** What endedForMemory reads of a LimitedChild (all but killedForMemory optional, for tests). */
export type MemoryEvidence = Pick<LimitedChild, 'killedForMemory'> & Partial<Pick<LimitedChild, 'nearDataLimit' | 'abortedUnderLimit'>>;

/** The environment variables behind the model-cost limits, as named in refusals. */
export const COST_LIMIT_NAMES = { flops: 'GAUNTLET_MAX_GFLOPS_PER_SAMPLE', tensor: 'GAUNTLET_MAX_TENSOR_MB', constants: 'half of GAUNTLET_INSPECT_MEMORY_MB' } as const;

/**
 * Constant tensors (weights and what the session folds from them) allowed in a process capped at
 * `memoryMb`: half the cap, the rest being left for ONNX Runtime, the gradient graph and the data.
 */
export function constantBytesCap(memoryMb: number): number {
  return Math.floor((memoryMb * MiB) / 2);
}

/** Decoded-protobuf size allowed in a process capped at `memoryMb`: a quarter of the cap. */
export function decodedBytesCap(memoryMb: number): number {
  return Math.floor((memoryMb * MiB) / 4);
}

/** Default memory cap of an audit process, MiB (GAUNTLET_JOB_MEMORY_MB). */
export const JOB_MEMORY_DEFAULT_MB = 8192;

/** Says once, at start-up, how memory caps are enforced here (a warning where only the watchdog is). */
export function logMemoryEnforcement(logger: Logger): void {
  if (memoryEnforcement() === 'rlimit') {
    logger.info('memory caps of inspection and audit processes are enforced by the OS (RLIMIT_DATA via prlimit)', { prlimit: findPrlimit() });
  } else {
    logger.warn(`no prlimit here (${process.platform}): memory caps of inspection and audit processes are enforced only by sampling their resident set every ${WATCH_INTERVAL_MS} ms`);
  }
}

/**
 * Why an audit process that ended without a result, or reported `detail` as its failure, was
 * stopped by its memory cap; null when it was not.
 */
export function jobMemoryFailure(limited: MemoryEvidence, stderr: string, memoryMb: number, detail?: string): string | null {
  const hit = detail !== undefined ? isAllocationFailure(detail) : endedForMemory(limited, stderr);
  return hit ? memoryLimitMessage('the audit', memoryMb, 'GAUNTLET_JOB_MEMORY_MB') : null;
}
