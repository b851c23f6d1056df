/**
 * Runs the built CLI (`node bin/gauntlet.js`, i.e. dist/) in a child process: for long audits
 * (no jest sandbox overhead on the attack loops) and for tests that signal the process.
 * `npm test` builds dist/ before jest runs.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'gauntlet.js');
/** Why process-based CLI tests cannot run (dist/ missing), or undefined. */
export const DIST_SKIP = existsSync(join(ROOT, 'dist', 'src', 'cli', 'main.js')) ? undefined : 'dist/ is not built (run `npm run build`)';

export interface ProcessResult { code: number | null; signal: NodeJS.Signals | null; out: string; err: string }

/** Signing keys of CLI processes started by tests live here, never in the real ~/.gauntlet. */
export const TEST_KEY_DIR = mkdtempSync(join(tmpdir(), 'gauntlet-test-keys-'));

/** Starts the CLI; `done` resolves when it exits. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; done: Promise<ProcessResult> } {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT, env: { ...process.env, GAUNTLET_KEY_DIR: TEST_KEY_DIR, GAUNTLET_SIGNING_KEY: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '', err = '';
  child.stdout!.on('data', (d) => { out += String(d); });
  child.stderr!.on('data', (d) => { err += String(d); });
  const done = new Promise<ProcessResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, out, err }));
  });
  return { child, done };
}

/** Runs the CLI to completion. */
export function runCliProcess(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ProcessResult> {
  return startCli(args, env).done;
}

/** stderr without the audit's plain progress lines ('[gauntlet] …', written when stderr is not a terminal). */
export function withoutProgress(err: string): string {
  return err.split('\n').filter((l) => !l.startsWith('[gauntlet] ')).join('\n');
}
