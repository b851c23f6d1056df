/**
 * The robustness bracket against ε: certified accuracy (a lower bound: every counted point is
 * proven robust, report.certification.sweep) and attacked robust accuracy (an upper bound: the
 * sweep battery broke every other point, report.sweep.points), each with its exact confidence
 * interval as an error bar. certified ≤ true robust ≤ attacked; the band between the curves is
 * what neither the attacks nor the bounds settled, shaded and labelled "unknown" (Wong & Kolter
 * 2018, arXiv:1711.00851, and Gowal et al. 2018, arXiv:1810.12715, report the same pair of
 * figures). The band is shaded only between neighbouring ε where both figures were measured.
 */
import type { Interval, Report } from '../../../schema/report';
import { COLORS } from '../layout';
import { normName, pct } from '../text';
import { Frame, drawAxes, drawLegend, errorBar, linear, marker, niceTicks, plotFrame } from './axes';

/** Fill of the unknown band: a light tint of the palette's orange, opaque (no transparency group in the PDF). */
export const UNKNOWN_FILL = '#f8e2b8';

/** One figure at one ε with its interval. */
export interface BracketFigure {
  value: number;
  interval: Interval;
}

/** The chart's numbers, all read from the report. */
export interface BracketData {
  norm: 'linf' | 'l2';
  /** Bound-propagation method (report.certification.method). */
  method: string;
  auditEps: number;
  /**
   * Every ε of the sweep or of the certification, ascending: the attacked and the certified figure
   * where measured (null where not), and their gap attacked − certified where both are.
   */
  points: { eps: number; attacked: BracketFigure | null; certified: BracketFigure | null; unknown: number | null }[];
  /** ε segments [from, to] between neighbouring points with both figures and a gap > 0 at one end at least: the shaded band. */
  shaded: { from: number; to: number }[];
}

/**
 * Whether a report has a bracket to draw: a certification that ran (not null, not absent) on a
 * model it could bound (notCertifiable null), with at least one ε.
 */
export function hasBracket(r: Report): boolean {
  const c = r.certification;
  return !!c && c.notCertifiable === null && c.sweep.length > 0;
}

/**
 * The bracket's data from a report (see hasBracket).
 * @throws Error when the report has no bracket to draw.
 */
export function bracketData(r: Report): BracketData {
  const c = r.certification;
  if (!c || !hasBracket(r)) throw new Error('the report has no certification to draw');
  const attacked = new Map(r.sweep.points.map((p) => [p.eps, { value: p.robustAccuracy, interval: p.robustAccuracyInterval }]));
  const certified = new Map(c.sweep.map((p) => [p.eps, { value: p.certifiedAccuracy, interval: p.certifiedAccuracyInterval }]));
  const eps = [...new Set([...attacked.keys(), ...certified.keys()])].sort((a, b) => a - b);
  const points = eps.map((e) => {
    const a = attacked.get(e) ?? null, k = certified.get(e) ?? null;
    return { eps: e, attacked: a, certified: k, unknown: a && k ? a.value - k.value : null };
  });
  const shaded: BracketData['shaded'] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const [p, q] = [points[i], points[i + 1]];
    if (p.unknown !== null && q.unknown !== null && (p.unknown > 0 || q.unknown > 0)) shaded.push({ from: p.eps, to: q.eps });
  }
  return { norm: r.threat.norm, method: c.method, auditEps: r.threat.eps, points, shaded };
}

/** Draws the bracket into `box`. */
export function drawBracket(doc: PDFKit.PDFDocument, box: Frame, d: BracketData): void {
  const f = plotFrame(box, { top: 18 });
  const xt = niceTicks(0, Math.max(d.auditEps, ...d.points.map((p) => p.eps), 1e-12), 6);
  const sx = linear(0, xt[xt.length - 1], f.x, f.x + f.w);
  const sy = linear(0, 1, f.y + f.h, f.y);
  drawAxes(doc, f, sx, sy, { ticks: xt, title: `ε (${normName(d.norm)} budget)` }, { ticks: [0, 0.2, 0.4, 0.6, 0.8, 1], format: (v) => pct(v, 0), title: 'accuracy' });
  doc.save();
  // The unknown band: one quadrilateral per shaded segment, attacked above, certified below.
  const at = new Map(d.points.map((p) => [p.eps, p]));
  for (const s of d.shaded) {
    const p = at.get(s.from)!, q = at.get(s.to)!;
    doc.polygon(
      [sx(p.eps), sy(p.attacked!.value)], [sx(q.eps), sy(q.attacked!.value)],
      [sx(q.eps), sy(q.certified!.value)], [sx(p.eps), sy(p.certified!.value)],
    ).fill(UNKNOWN_FILL);
  }
  // Audit ε: vertical guide.
  doc.dash(3, { space: 2 }).moveTo(sx(d.auditEps), f.y).lineTo(sx(d.auditEps), f.y + f.h).lineWidth(0.6).strokeColor(COLORS.rule).stroke().undash();
  const series = (pick: (p: BracketData['points'][number]) => BracketFigure | null, color: string, dash: boolean, offset: number) => {
    const pts = d.points.flatMap((p) => { const v = pick(p); return v ? [{ eps: p.eps, v }] : []; });
    if (pts.length === 0) return;
    if (dash) doc.dash(4, { space: 2 });
    doc.moveTo(sx(pts[0].eps), sy(pts[0].v.value));
    for (const p of pts.slice(1)) doc.lineTo(sx(p.eps), sy(p.v.value));
    doc.lineWidth(1.4).strokeColor(color).stroke().undash();
    for (const p of pts) {
      marker(doc, sx(p.eps), sy(p.v.value), color);
      errorBar(doc, sx(p.eps) + offset, sy(p.v.interval.lower), sy(p.v.interval.upper), color);
    }
  };
  series((p) => p.attacked, COLORS.series[0], false, -2);
  series((p) => p.certified, COLORS.series[2], true, 2);
  // The label, at the middle of the shaded segment with the widest mean gap.
  const mean = (s: BracketData['shaded'][number], f: (p: BracketData['points'][number]) => number) => (f(at.get(s.from)!) + f(at.get(s.to)!)) / 2;
  const widest = [...d.shaded].sort((a, b) => mean(b, (p) => p.unknown!) - mean(a, (p) => p.unknown!))[0];
  if (widest) {
    doc.font('italic').fontSize(7).fillColor(COLORS.text);
    const label = 'unknown';
    const w = doc.widthOfString(label);
    const y = sy(mean(widest, (p) => (p.attacked!.value + p.certified!.value) / 2));
    const x = Math.min(Math.max((sx(widest.from) + sx(widest.to)) / 2 - w / 2, f.x + 2), f.x + f.w - w - 2);
    doc.text(label, x, y - 3.5, { lineBreak: false });
  }
  doc.restore();
  drawLegend(doc, f.x, box.y + 2, [
    { label: 'attacked (upper bound)', color: COLORS.series[0] },
    { label: `certified, ${d.method.toUpperCase()} (lower bound)`, color: COLORS.series[2], dash: true },
    { label: 'unknown', color: UNKNOWN_FILL, kind: 'box' },
    { label: 'interval', color: COLORS.text, kind: 'errorbar' },
  ], f.w);
}
