/** Contract of a graph- or probe-driven adaptation of the battery (one rule per file). */
import type { ModelInfo } from '../../model/model';
import type { Battery, BatteryStep } from '../battery';
import type { ProbeEvidence } from '../probe';

/** What the audit can offer beyond the model itself. */
export interface AdaptationEnv {
  /** A smooth straight-through surrogate of the model is loaded (./smooth-surrogate.ts). */
  smoothSurrogate: boolean;
}

export interface AdaptationRule {
  id: string;
  /** Why this adaptation answers its trigger, with the paper. */
  reason: string;
  /** The trigger, in words, when the rule applies; null otherwise. */
  detect(info: ModelInfo, probe: ProbeEvidence, env: AdaptationEnv): string | null;
  /** Rewrites the battery in place; returns what changed, in words. */
  apply(battery: Battery, info: ModelInfo, probe: ProbeEvidence, env: AdaptationEnv): string;
}

/** Every step of a battery (cascade, convergence probe, sweep cascade, full-box probe), for in-place rewrites. */
export function allSteps(b: Battery): BatteryStep[] {
  return [...b.stages, b.convergence, ...b.sweep.stages, b.fullBox.step];
}

/** Replaces steps in every list of the battery: fn returns the replacement(s) of one step. */
export function rewriteSteps(b: Battery, fn: (s: BatteryStep) => BatteryStep | BatteryStep[]): void {
  const one = (s: BatteryStep) => { const r = fn(s); return Array.isArray(r) ? r[0] : r; };
  b.stages = b.stages.flatMap(fn);
  b.sweep.stages = b.sweep.stages.flatMap(fn);
  b.convergence = one(b.convergence);
  b.fullBox.step = one(b.fullBox.step);
}
