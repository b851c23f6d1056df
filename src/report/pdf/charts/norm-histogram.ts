/**
 * Histogram of perturbation norms. The report keeps, per point, ‖δ‖ of the verified adversarial
 * example the battery found at the audit ε (`points.perturbationNorm`, broken points only: an
 * upper bound on each point's minimal norm), and the quantiles of the minimal-norm attack's
 * norms (FAB, Croce & Hein 2020, arXiv:1907.02044; `sweep.minimalNorms`), which are drawn as
 * markers. No per-point minimal norms exist in the schema, so the bars are the battery's norms.
 */
import type { Report } from '../../schema';
import { COLORS } from '../layout';
import { normName, num } from '../text';
import { Frame, drawAxes, drawLegend, linear, niceTicks, plotFrame } from './axes';

/** The histogram's numbers. */
export interface NormHistogramData {
  norm: 'linf' | 'l2';
  eps: number;
  /** Broken points (brokenBy ≥ 0) whose norms fill the bars. */
  broken: number;
  bins: { lo: number; hi: number; count: number }[];
  /** Minimal-norm attack quantiles that are not null. */
  quantiles: { name: 'p10' | 'p25' | 'p50' | 'p75' | 'p90'; value: number }[];
  minimalNorms: { attack: string; n: number; found: number; mean: number | null } | null;
}

/**
 * Bins the broken points' norms into `bins` equal bins over [0, hi], hi = the largest of the norms,
 * the minimal-norm quantiles and ε (a value on a bin edge goes to the upper bin; hi to the last).
 */
export function minimalNormHistogramData(r: Report, bins = 20): NormHistogramData {
  const norms: number[] = [];
  r.points.brokenBy.forEach((s, i) => { if (s >= 0) norms.push(r.points.perturbationNorm[i]); });
  const mn = r.sweep.minimalNorms;
  const quantiles = mn
    ? (['p10', 'p25', 'p50', 'p75', 'p90'] as const).flatMap((name) => (mn.quantiles[name] === null ? [] : [{ name, value: mn.quantiles[name] as number }]))
    : [];
  let hi = r.threat.eps;
  for (const v of norms) if (v > hi) hi = v;
  for (const q of quantiles) if (q.value > hi) hi = q.value;
  if (!(hi > 0)) hi = 1;
  const w = hi / bins;
  const out = Array.from({ length: bins }, (_, b) => ({ lo: b * w, hi: (b + 1) * w, count: 0 }));
  for (const v of norms) out[Math.min(bins - 1, Math.floor(v / w + 1e-9))].count++;
  return {
    norm: r.threat.norm, eps: r.threat.eps, broken: norms.length, bins: out, quantiles,
    minimalNorms: mn ? { attack: mn.attack, n: mn.n, found: mn.found, mean: mn.mean } : null,
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
  drawAxes(doc, f, sx, sy, { ticks: xt, title: `‖δ‖ (${normName(d.norm)})` }, { ticks: yt, title: 'points' });
  doc.save();
  for (const b of d.bins) {
    if (b.count === 0) continue;
    doc.rect(sx(b.lo) + 0.4, sy(b.count), Math.max(0.5, sx(b.hi) - sx(b.lo) - 0.8), f.y + f.h - sy(b.count)).fill(COLORS.series[0]);
  }
  doc.font('regular').fontSize(6.5);
  d.quantiles.forEach((q, i) => {
    const x = sx(q.value);
    doc.dash(2, { space: 1.5 }).moveTo(x, f.y + 15).lineTo(x, f.y + f.h).lineWidth(0.9).strokeColor(COLORS.series[1]).stroke().undash();
    const w = doc.widthOfString(q.name);
    doc.fillColor(COLORS.series[1]).text(q.name, Math.min(f.x + f.w - w, Math.max(f.x, x - w / 2)), f.y + (i % 2) * 7, { lineBreak: false });
  });
  const ex = sx(d.eps);
  doc.moveTo(ex, f.y).lineTo(ex, f.y + f.h).lineWidth(1).strokeColor(COLORS.text).stroke();
  doc.restore();
  drawLegend(doc, f.x, box.y + 2, [
    { label: `battery ‖δ‖ of ${d.broken} broken points`, color: COLORS.series[0], kind: 'box' },
    { label: `${d.minimalNorms?.attack ?? 'minimal-norm'} quantiles`, color: COLORS.series[1], dash: true },
    { label: `audit ε = ${num(d.eps)}`, color: COLORS.text },
  ], f.w);
}
