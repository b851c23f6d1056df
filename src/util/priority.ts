import { setPriority } from 'node:os';

/** Niceness of audit and inspection processes: below the service, so request handling keeps the CPU it needs. */
export const BACKGROUND_NICENESS = 10;

/**
 * Lowers a child process's scheduling priority (raises its niceness). Best effort: where the OS
 * refuses (permissions, platform), the process keeps its priority.
 */
export function lowerPriority(pid: number | undefined, niceness = BACKGROUND_NICENESS): void {
  if (pid === undefined) return;
  try {
    setPriority(pid, niceness);
  } catch {
    /* not permitted here: leave it */
  }
}
