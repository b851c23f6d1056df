/**
 * One figure for the whole audit's progress, shared by the CLI's progress display and the
 * service's job progress: phases weighted by their typical share of the run time (measured on the
 * quick and standard presets), the running phase counted by its own fraction.
 */
import type { AuditProgress } from './audit';

/** Typical share of an audit's time per phase, in running order. */
export const PHASE_WEIGHTS: readonly (readonly [AuditProgress['phase'], number])[] = [
  ['clean', 0.01], ['probe', 0.02], ['battery', 0.61], ['sweep', 0.18], ['minimal-norms', 0.1],
  ['full-box', 0.02], ['hypocritical', 0.03], ['integrity', 0.01], ['certification', 0.01], ['report', 0.01],
];

/** Share of an audit's time in the phases a data shard runs (clean, probe, battery, sweep, minimal norms; ./shards.ts). */
export const SHARDED_PHASES_SHARE = PHASE_WEIGHTS.slice(0, PHASE_WEIGHTS.findIndex(([p]) => p === 'minimal-norms') + 1).reduce((s, [, w]) => s + w, 0);

/** Estimated fraction of the whole audit done at progress event p, in [0, 1]. */
export function overallFraction(p: Pick<AuditProgress, 'phase' | 'fraction'>): number {
  let before = 0;
  for (const [phase, w] of PHASE_WEIGHTS) {
    if (phase === p.phase) return Math.min(1, before + w * Math.min(1, Math.max(0, p.fraction ?? 0)));
    before += w;
  }
  return Math.min(1, before);
}

/**
 * Seconds left, from the seconds spent so far and the fraction done; null until 2% is done
 * (earlier estimates mostly reflect model loading) and once done.
 */
export function etaFromFraction(spentSeconds: number, overall: number): number | null {
  if (overall < 0.02 || overall >= 1) return null;
  return Math.max(0, Math.round((spentSeconds * (1 - overall)) / overall));
}
