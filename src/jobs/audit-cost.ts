/**
 * The cap on an audit's arithmetic, checked when a job is submitted: the graph's FLOPs per sample
 * (from the inspection) × points × the preset battery's passes per point (../audit/battery-cost.ts,
 * an upper bound in forward-pass equivalents) must not exceed GAUNTLET_MAX_AUDIT_PFLOPS.
 */
import { auditCost } from '../audit/battery-cost';
import { battery, Preset } from '../audit/battery';
import { GauntletError } from '../errors';

/** The estimate behind a decision. */
export interface AuditFlops {
  flopsPerSample: number;
  points: number;
  /** Forward-pass equivalents per point. */
  passesPerPoint: number;
  preset: Preset;
  /** flopsPerSample × points × passesPerPoint. */
  flops: number;
}

/** Estimated arithmetic of an audit of `points` points with the preset's battery. */
export function estimateAuditFlops(m: { flopsPerSample: number; numClasses: number; random: boolean }, preset: Preset, points: number): AuditFlops {
  const c = auditCost(battery(preset), { numClasses: m.numClasses, random: m.random }, points);
  return { flopsPerSample: m.flopsPerSample, points, passesPerPoint: c.perPoint, preset, flops: m.flopsPerSample * c.forwardEquivalents };
}

/** The audit would compute more than GAUNTLET_MAX_AUDIT_PFLOPS (413, about the whole request). */
export class AuditTooCostly extends GauntletError {
  constructor(e: AuditFlops, limitPflops: number) {
    super(
      `the audit would need about ${sig(e.flops / 1e15)} PFLOPs (${flopsUnit(e.flopsPerSample)} per sample × ${e.points} points × ${Math.round(e.passesPerPoint).toLocaleString('en-US')} passes per point, preset ${e.preset}); `
      + `the limit is ${limitPflops} PFLOPs (GAUNTLET_MAX_AUDIT_PFLOPS): audit fewer points (config.n), a cheaper preset, or a smaller model`,
      'audit_too_costly', 413, true,
      { field: 'config', pflops: e.flops / 1e15, limitPflops, flopsPerSample: e.flopsPerSample, points: e.points, passesPerPoint: Math.round(e.passesPerPoint), preset: e.preset },
    );
  }
}

/** @throws AuditTooCostly when the estimate is over `limitPflops`. */
export function checkAuditFlops(e: AuditFlops, limitPflops: number): void {
  if (e.flops > limitPflops * 1e15) throw new AuditTooCostly(e, limitPflops);
}

function sig(x: number): string {
  return x >= 100 ? x.toFixed(0) : x.toPrecision(2);
}

/** FLOPs with a unit prefix: "2.3 MFLOPs", "137 GFLOPs". */
export function flopsUnit(f: number): string {
  const units: [number, string][] = [[1e15, 'P'], [1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  const [scale, prefix] = units.find(([s]) => f >= s) ?? [1, ''];
  return `${sig(f / scale)} ${prefix}FLOPs`;
}
