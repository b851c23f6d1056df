/**
 * The cap on an audit's arithmetic, checked when a job is submitted: the graph's FLOPs per sample
 * (from the inspection) × points × the preset battery's passes per point (../audit/battery-cost.ts,
 * an upper bound in forward-pass equivalents) must not exceed GAUNTLET_MAX_AUDIT_PFLOPS.
 */
import { AuditCost, auditCost, describeAuditFlops } from '../audit/battery-cost';
import { battery, Preset } from '../audit/battery';
import { GauntletError } from '../errors';

/** The estimate behind a decision. */
export interface AuditFlops {
  flopsPerSample: number;
  preset: Preset;
  cost: AuditCost;
  /** flopsPerSample × the cost's forward-pass equivalents. */
  flops: number;
}

/** Estimated arithmetic of an audit of `points` points with the preset's battery. */
export function estimateAuditFlops(m: { flopsPerSample: number; numClasses: number; random: boolean }, preset: Preset, points: number): AuditFlops {
  const cost = auditCost(battery(preset), { numClasses: m.numClasses, random: m.random }, points);
  return { flopsPerSample: m.flopsPerSample, preset, cost, flops: m.flopsPerSample * cost.forwardEquivalents };
}

/** The audit would compute more than GAUNTLET_MAX_AUDIT_PFLOPS (413, about the request as a whole: its config). */
export class AuditTooCostly extends GauntletError {
  constructor(e: AuditFlops, limitPflops: number) {
    super(
      `the audit would need ${describeAuditFlops(e.flopsPerSample, e.cost, e.preset)}; `
      + `the limit is ${limitPflops} PFLOPs (GAUNTLET_MAX_AUDIT_PFLOPS): audit fewer points (config.n), a cheaper preset, or a smaller model`,
      'audit_too_costly', 413, true,
      { field: 'config', pflops: e.flops / 1e15, limitPflops, flopsPerSample: e.flopsPerSample, points: e.cost.points, passesPerPoint: Math.round(e.cost.perPoint), preset: e.preset },
    );
  }
}

/** @throws AuditTooCostly when the estimate is over `limitPflops`. */
export function checkAuditFlops(e: AuditFlops, limitPflops: number): void {
  if (e.flops > limitPflops * 1e15) throw new AuditTooCostly(e, limitPflops);
}
