/**
 * Turns the audit's progress events into the job's stored progress: the phase, an estimate of
 * the fraction of the whole audit done (src/audit/progress.ts, shared with the CLI), and the
 * battery's per-stage figures so far.
 */
import type { AuditProgress } from '../audit/audit';
import { etaFromFraction, overallFraction, SHARDED_PHASES_SHARE } from '../audit/progress';
import type { JobProgress } from './spec';

export { SHARDED_PHASES_SHARE };

/** Accumulates progress events of one audit. */
export class ProgressTracker {
  private readonly stages = new Map<number, { index: number; attack: string; robustAccuracySoFar: number }>();
  private last: JobProgress | null = null;

  /** Folds in one event; returns the job progress after it. */
  update(p: AuditProgress): JobProgress {
    if (p.stage && p.phase === 'battery') {
      this.stages.set(p.stage.index, { index: p.stage.index, attack: p.stage.attack, robustAccuracySoFar: p.stage.robustAccuracy });
    }
    const overall = overallFraction(p);
    this.last = {
      phase: p.phase, message: p.message, fraction: p.fraction ?? null, overall: Math.max(overall, this.last?.overall ?? 0),
      stages: [...this.stages.values()].sort((a, b) => a.index - b.index), updatedAt: new Date().toISOString(),
    };
    return this.last;
  }
}

/**
 * Seconds left, from the time spent so far and the fraction done; null until 2% is done
 * (earlier estimates mostly reflect model loading).
 */
export function etaSeconds(startedAt: string | null, overall: number, nowMs = Date.now()): number | null {
  if (!startedAt) return null;
  return etaFromFraction((nowMs - Date.parse(startedAt)) / 1000, overall);
}
