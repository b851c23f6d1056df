/**
 * Turns the audit's progress events into the job's stored progress: the phase, an estimate of
 * the fraction of the whole audit done (phases weighted by their typical share of the run time,
 * measured on the quick and standard presets), and the battery's per-stage figures so far.
 */
import type { AuditProgress } from '../audit/audit';
import type { JobProgress } from './spec';

/** Typical share of an audit's time per phase, in running order. */
const PHASE_WEIGHTS: [AuditProgress['phase'], number][] = [
  ['clean', 0.01], ['probe', 0.02], ['battery', 0.62], ['sweep', 0.18], ['minimal-norms', 0.1],
  ['full-box', 0.02], ['hypocritical', 0.03], ['integrity', 0.01], ['report', 0.01],
];

/** Share of an audit's time in the phases a data shard runs (clean, probe, battery, sweep, minimal norms; src/audit/shards.ts). */
export const SHARDED_PHASES_SHARE = PHASE_WEIGHTS.slice(0, PHASE_WEIGHTS.findIndex(([p]) => p === 'minimal-norms') + 1).reduce((s, [, w]) => s + w, 0);

/** Accumulates progress events of one audit. */
export class ProgressTracker {
  private readonly stages = new Map<number, { index: number; attack: string; robustAccuracySoFar: number }>();
  private last: JobProgress | null = null;

  /** Folds in one event; returns the job progress after it. */
  update(p: AuditProgress): JobProgress {
    if (p.stage && p.phase === 'battery') {
      this.stages.set(p.stage.index, { index: p.stage.index, attack: p.stage.attack, robustAccuracySoFar: p.stage.robustAccuracy });
    }
    let before = 0;
    let weight = 0;
    for (const [phase, w] of PHASE_WEIGHTS) {
      if (phase === p.phase) { weight = w; break; }
      before += w;
    }
    const overall = Math.min(1, before + weight * (p.fraction ?? 0));
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
  if (!startedAt || overall < 0.02 || overall >= 1) return null;
  const spent = (nowMs - Date.parse(startedAt)) / 1000;
  return Math.max(0, Math.round((spent * (1 - overall)) / overall));
}
