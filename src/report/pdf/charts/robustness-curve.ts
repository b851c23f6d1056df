/**
 * Robust accuracy against the perturbation budget ε (the "security curve" of Carlini et al. 2019,
 * "On Evaluating Adversarial Robustness", arXiv:1902.06705 §5.3): the sweep battery's robust
 * accuracy at each ε, the upper bound implied by the minimal-norm attack (share of points whose
 * minimal adversarial norm exceeds ε), clean accuracy as the ε = 0 point (the curve starts there), the
 * audit ε, and the exact confidence interval of every accuracy as an error bar.
 */
import type { Interval, Report } from '../../../schema/report';
import { COLORS } from '../layout';
import { normName, num, pct } from '../text';
import { Frame, drawAxes, drawLegend, errorBar, linear, marker, niceTicks, plotFrame } from './axes';

/** The curve's numbers, all read from the report. */
export interface RobustnessCurveData {
  norm: 'linf' | 'l2';
  /** Clean accuracy (robust accuracy at ε = 0). */
  clean: number;
  /** Sweep points sorted by ε, starting at ε = 0 with the clean accuracy (unless the sweep has ε = 0). */
  sweep: { eps: number; robustAccuracy: number; interval: Interval }[];
  /** The minimal-norm bound where measured, sorted by ε, from (0, clean accuracy). */
  bound: { eps: number; value: number }[];
  /** The audit's ε and the full battery's robust accuracy there. */
  audit: { eps: number; robustAccuracy: number; interval: Interval };
}

/** The robustness curve's data from a report. */
export function robustnessCurveData(r: Report): RobustnessCurveData {
  const pts = [...r.sweep.points].sort((a, b) => a.eps - b.eps);
  // Every clean-correct point has a minimal norm > 0, so the bound at ε = 0 is the clean accuracy.
  const bounded = pts.filter((p) => p.minimalNormBound !== null).map((p) => ({ eps: p.eps, value: p.minimalNormBound as number }));
  return {
    norm: r.threat.norm,
    clean: r.cleanAccuracy,
    sweep: [
      ...(pts[0]?.eps === 0 ? [] : [{ eps: 0, robustAccuracy: r.cleanAccuracy, interval: r.cleanAccuracyInterval }]),
      ...pts.map((p) => ({ eps: p.eps, robustAccuracy: p.robustAccuracy, interval: p.robustAccuracyInterval })),
    ],
    bound: bounded.length && bounded[0].eps > 0 ? [{ eps: 0, value: r.cleanAccuracy }, ...bounded] : bounded,
    audit: { eps: r.threat.eps, robustAccuracy: r.robustAccuracy, interval: r.robustAccuracyInterval },
  };
}

/** Draws the curve into `box`. */
export function drawRobustnessCurve(doc: PDFKit.PDFDocument, box: Frame, d: RobustnessCurveData): void {
  const f = plotFrame(box, { top: 18 });
  const epsMax = Math.max(d.audit.eps, ...d.sweep.map((p) => p.eps), ...d.bound.map((p) => p.eps), 1e-12);
  const xt = niceTicks(0, epsMax, 6);
  const sx = linear(0, xt[xt.length - 1], f.x, f.x + f.w);
  const yt = [0, 0.2, 0.4, 0.6, 0.8, 1];
  const sy = linear(0, 1, f.y + f.h, f.y);
  drawAxes(doc, f, sx, sy, { ticks: xt, title: `ε (${normName(d.norm)} budget)` }, { ticks: yt, format: (v) => pct(v, 0), title: 'accuracy' });
  doc.save();
  // Clean accuracy: dotted reference line.
  doc.dash(1, { space: 2 }).moveTo(f.x, sy(d.clean)).lineTo(f.x + f.w, sy(d.clean)).lineWidth(0.8).strokeColor(COLORS.muted).stroke().undash();
  // Audit ε: vertical guide.
  doc.dash(3, { space: 2 }).moveTo(sx(d.audit.eps), f.y).lineTo(sx(d.audit.eps), f.y + f.h).lineWidth(0.6).strokeColor(COLORS.rule).stroke().undash();
  const line = (pts: { x: number; y: number }[], color: string, dash: boolean) => {
    if (pts.length === 0) return;
    if (dash) doc.dash(4, { space: 2 });
    doc.moveTo(pts[0].x, pts[0].y);
    for (const p of pts.slice(1)) doc.lineTo(p.x, p.y);
    doc.lineWidth(1.4).strokeColor(color).stroke().undash();
    for (const p of pts) marker(doc, p.x, p.y, color);
  };
  line(d.bound.map((p) => ({ x: sx(p.eps), y: sy(p.value) })), COLORS.series[1], true);
  line(d.sweep.map((p) => ({ x: sx(p.eps), y: sy(p.robustAccuracy) })), COLORS.series[0], false);
  for (const p of d.sweep) errorBar(doc, sx(p.eps), sy(p.interval.lower), sy(p.interval.upper), COLORS.series[0]);
  errorBar(doc, sx(d.audit.eps) + 4, sy(d.audit.interval.lower), sy(d.audit.interval.upper), COLORS.text);
  marker(doc, sx(d.audit.eps), sy(d.audit.robustAccuracy), COLORS.text, 'diamond', 2.6);
  doc.restore();
  drawLegend(doc, f.x, box.y + 2, [
    { label: 'robust accuracy', color: COLORS.series[0] },
    { label: 'minimal-norm bound', color: COLORS.series[1], dash: true },
    { label: `clean ${pct(d.clean)}`, color: COLORS.muted, dash: true },
    { label: `audit ε = ${num(d.audit.eps)}: ${pct(d.audit.robustAccuracy)}`, color: COLORS.text, kind: 'diamond' },
    { label: 'interval', color: COLORS.series[0], kind: 'errorbar' },
  ], f.w);
}
