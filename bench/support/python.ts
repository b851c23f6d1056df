/**
 * Runs a Python reference script of the benchmarks and reads its result: the last stdout line,
 * one JSON object with at least `status` ('ok' | 'no-torch' | 'error'). A missing interpreter
 * or unparsable output becomes a `status` too, so a benchmark reports it instead of crashing.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';

/** The interpreter with torch (BENCH_PYTHON, default the system python3). */
export const PYTHON = process.env.BENCH_PYTHON || '/usr/bin/python3';

export interface ScriptStatus {
  status: string;
  message?: string;
}

/** Runs `script args` with PYTHON from `cwd`; stderr goes to the terminal. */
export function runPythonJson<T extends ScriptStatus>(script: string, args: string[], cwd: string, timeoutMs: number): T {
  const r = spawnSync(PYTHON, [script, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], cwd, timeout: timeoutMs });
  if (r.error) {
    if ((r.error as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'no-torch', message: `${PYTHON} not found` } as T;
    return { status: 'error', message: r.error.message } as T;
  }
  const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as T;
  } catch {
    return { status: 'error', message: `could not parse ${path.relative(cwd, script)} output (exit ${r.status}): ${line.slice(0, 200)}` } as T;
  }
}
