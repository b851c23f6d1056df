/**
 * Histogram of the per-point minimal adversarial perturbation norms found by the minimal-norm
 * attack (FAB-T, Croce & Hein 2020, arXiv:1907.02044; report.points.minimalNorm, verified), with
 * the audit ε and the median marked. Points left of ε are broken within the budget; the share of
 * clean-correct points right of ε is the minimal-norm bound on robust accuracy.
 *
 * Bins: at least √found of them (5 to 30), with a 1-2-5 width so the edges are round numbers; range
 * [0, the largest of the norms and ε]. A value on a bin edge goes to the upper bin.
 */
import type { Report } from '../../../schema/report';
import { COLORS } from '../layout';
import { int, normName, num } from '../text';
import { Frame, drawAxes, drawLegend, linear, niceTicks, plotFrame } from './axes';

/** The histogram's numbers. */
export interface NormHistogramData {
  norm: 'linf' | 'l2';
  eps: number;
  /** Clean-correct points (the attack's population). */
  cleanCorrect: number;
  /** Points with a minimal norm (the bars). */
  found: number;
  /** Clean-correct points where the attack found no adversarial example (norm above its search range). */
  notFound: number;
  /** Found norms ≤ ε (broken within the budget by the minimal-norm attack). */
  withinEps: number;
  median: number | null;
  bins: { lo: number; hi: number; count: number }[];
  /** The attack that produced the norms (report.sweep.minimalNorms.attack), null when it did not run. */
  attack: string | null;
}

/** The largest 1, 2 or 5 × 10^k not above `raw` (so there are at least as many bins as asked). */
function niceWidth(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw) + 1e-12);
  const f = raw / p;
  return (f < 2 ? 1 : f < 5 ? 2 : 5) * p;
}

/** Bins report.points.minimalNorm (pure); `bins` overrides the √n rule with that many equal bins. */
export function minimalNormHistogramData(r: Report, bins?: number): NormHistogramData {
  const { label, cleanPred, minimalNorm } = r.points;
  const norms: number[] = [];
  let cleanCorrect = 0;
  label.forEach((y, i) => {
    if (cleanPred[i] !== y) return;
    cleanCorrect++;
    const v = minimalNorm[i];
    if (v !== null && v !== undefined) norms.push(v);
  });
  norms.sort((a, b) => a - b);
  let hi = r.threat.eps;
  for (const v of norms) if (v > hi) hi = v;
  if (!(hi > 0)) hi = 1;
  let width: number, k: number; // the largest value, on the last edge, goes to the last bin
  if (bins !== undefined) {
    k = bins;
    width = hi / bins;
  } else {
    const target = Math.min(30, Math.max(5, Math.round(Math.sqrt(norms.length))));
    width = niceWidth(hi / target);
    k = Math.max(1, Math.ceil(hi / width - 1e-9));
  }
  const out = Array.from({ length: k }, (_, b) => ({ lo: b * width, hi: (b + 1) * width, count: 0 }));
  for (const v of norms) out[Math.min(k - 1, Math.floor(v / width + 1e-9))].count++;
  const m = norms.length;
  return {
    norm: r.threat.norm, eps: r.threat.eps, cleanCorrect, found: m, notFound: cleanCorrect - m,
    withinEps: norms.filter((v) => v <= r.threat.eps).length,
    median: m === 0 ? null : m % 2 ? norms[(m - 1) / 2] : (norms[m / 2 - 1] + norms[m / 2]) / 2,
    bins: out, attack: r.sweep.minimalNorms?.attack ?? null,
  };
}

/** Draws the histogram into `box`. */
export function drawNormHistogram(doc: PDFKit.PDFDocument, box: Frame, d: NormHistogramData): void {
  const f = plotFrame(box, { top: 18 });
  const hi = d.bins.length ? d.bins[d.bins.length - 1].hi : 1;
  const sx = linear(0, hi, f.x, f.x + f.w);
  const maxCount = Math.max(1, ...d.bins.map((b) => b.count));
  const yt = niceTicks(0, maxCount, 4).filter((t) => Number.isInteger(t));
  const sy = linear(0, yt[yt.length - 1] ?? maxCount, f.y + f.h, f.y);
  const xt = niceTicks(0, hi, 6).filter((t) => t <= hi * (1 + 1e-9));
  drawAxes(doc, f, sx, sy, { ticks: xt, title: `minimal ‖δ‖ (${normName(d.norm)})` }, { ticks: yt, format: (v) => int(v), title: 'points' });
  doc.save();
  for (const b of d.bins) {
    if (b.count === 0) continue;
    const color = b.hi <= d.eps * (1 + 1e-9) ? COLORS.series[1] : COLORS.series[0];
    doc.rect(sx(b.lo) + 0.4, sy(b.count), Math.max(0.5, sx(b.hi) - sx(b.lo) - 0.8), f.y + f.h - sy(b.count)).fill(color);
  }
  if (d.median !== null) {
    const x = sx(d.median);
    doc.dash(2, { space: 1.5 }).moveTo(x, f.y).lineTo(x, f.y + f.h).lineWidth(0.9).strokeColor(COLORS.series[2]).stroke().undash();
  }
  const ex = sx(d.eps);
  doc.moveTo(ex, f.y).lineTo(ex, f.y + f.h).lineWidth(1).strokeColor(COLORS.text).stroke();
  doc.restore();
  drawLegend(doc, f.x, box.y + 2, [
    { label: `≤ ε: ${int(d.withinEps)}`, color: COLORS.series[1], kind: 'box' },
    { label: `> ε: ${int(d.found - d.withinEps)}`, color: COLORS.series[0], kind: 'box' },
    { label: `median ${num(d.median)}`, color: COLORS.series[2], dash: true },
    { label: `audit ε = ${num(d.eps)}`, color: COLORS.text },
  ], f.w);
}
