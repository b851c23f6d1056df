/**
 * Per-class clean and robust accuracy (grouped bars). Robustness is often uneven across classes
 * (Xu et al. 2021, "To be Robust or to be Fair", arXiv:2010.06121); with many classes the chart
 * shows the k classes with the lowest robust accuracy, and says so.
 */
import type { Interval, Report } from '../../../schema/report';
import { COLORS } from '../layout';
import { pct } from '../text';
import { Frame, drawAxes, drawLegend, errorBar, linear, plotFrame } from './axes';

/** Marks a class with fewer than 30 points (report.perClass.classes[].smallSample). */
export const SMALL_MARK = '*';

/** The bars' numbers. */
export interface PerClassData {
  classes: { label: number; n: number; clean: number; robust: number; cleanInterval: Interval | null; robustInterval: Interval | null; smallSample: boolean }[];
  /** Classes with points (n > 0) in the report. */
  total: number;
  /** 'all' (sorted by label) or 'worst' (the k lowest robust accuracies, lowest first). */
  selection: 'all' | 'worst';
}

/** Per-class bars from a report: every class with points when ≤ k, else the k least robust. */
export function perClassData(r: Report, k = 20): PerClassData {
  const withPoints = r.perClass.classes
    .filter((c) => c.n > 0 && c.cleanAccuracy !== null && c.robustAccuracy !== null)
    .map((c) => ({
      label: c.label, n: c.n, clean: c.cleanAccuracy as number, robust: c.robustAccuracy as number,
      cleanInterval: c.cleanAccuracyInterval, robustInterval: c.robustAccuracyInterval, smallSample: c.smallSample,
    }));
  if (withPoints.length <= k) return { classes: withPoints.sort((a, b) => a.label - b.label), total: withPoints.length, selection: 'all' };
  const worst = [...withPoints].sort((a, b) => a.robust - b.robust || a.clean - b.clean || a.label - b.label).slice(0, k);
  return { classes: worst, total: withPoints.length, selection: 'worst' };
}

/** Draws the grouped bars into `box`. */
export function drawPerClass(doc: PDFKit.PDFDocument, box: Frame, d: PerClassData): void {
  const f = plotFrame(box, { top: 18 });
  const sy = linear(0, 1, f.y + f.h, f.y);
  drawAxes(doc, f, (v) => v, sy, null, { ticks: [0, 0.25, 0.5, 0.75, 1], format: (v) => pct(v, 0), title: 'accuracy' });
  const n = Math.max(1, d.classes.length);
  const slot = f.w / n;
  const bar = Math.min(14, slot * 0.38);
  doc.save();
  d.classes.forEach((c, i) => {
    const cx = f.x + slot * (i + 0.5);
    doc.rect(cx - bar - 0.5, sy(c.clean), bar, f.y + f.h - sy(c.clean)).fill(COLORS.series[2]);
    doc.rect(cx + 0.5, sy(c.robust), bar, f.y + f.h - sy(c.robust)).fill(COLORS.series[0]);
    if (c.cleanInterval) errorBar(doc, cx - bar / 2 - 0.5, sy(c.cleanInterval.lower), sy(c.cleanInterval.upper), COLORS.text, { cap: Math.min(2.5, bar / 3), width: 0.6 });
    if (c.robustInterval) errorBar(doc, cx + bar / 2 + 0.5, sy(c.robustInterval.lower), sy(c.robustInterval.upper), COLORS.text, { cap: Math.min(2.5, bar / 3), width: 0.6 });
    doc.font('regular').fontSize(slot < 14 ? 5.5 : 7).fillColor(COLORS.text);
    const label = `${c.label}${c.smallSample ? SMALL_MARK : ''}`;
    const w = doc.widthOfString(label);
    if (w < slot + 2) doc.text(label, cx - w / 2, f.y + f.h + 4, { lineBreak: false });
  });
  doc.font('regular').fontSize(7.5).fillColor(COLORS.text);
  const title = d.selection === 'all' ? 'class' : `class (the ${d.classes.length} least robust of ${d.total})`;
  doc.text(title, f.x + f.w / 2 - doc.widthOfString(title) / 2, f.y + f.h + 16, { lineBreak: false });
  doc.restore();
  drawLegend(doc, f.x, box.y + 2, [
    { label: 'clean accuracy', color: COLORS.series[2], kind: 'box' },
    { label: 'robust accuracy', color: COLORS.series[0], kind: 'box' },
    { label: 'confidence interval', color: COLORS.text, kind: 'errorbar' },
    ...(d.classes.some((c) => c.smallSample) ? [{ label: `${SMALL_MARK} n < 30 (too few points to compare)`, color: '#ffffff', kind: 'box' as const }] : []),
  ], f.w);
}
