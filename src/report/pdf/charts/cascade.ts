/**
 * The per-attack cascade (AutoAttack's protocol, Croce & Hein 2020, arXiv:2003.01690): each
 * stage attacks only the points every earlier stage left robust, so robust accuracy falls stage
 * by stage; the bar after stage k is the report's `robustAccuracyAfter`.
 */
import type { Interval, Report } from '../../../schema/report';
import { COLORS } from '../layout';
import { clip, pct } from '../text';
import { Frame, drawAxes, errorBar, linear } from './axes';

/** One bar of the cascade. */
export interface CascadeStep {
  /** 'clean' for the first bar, else "k. attack". */
  label: string;
  attack: string | null;
  origin: string | null;
  robustAccuracy: number;
  /** The accuracy's confidence interval. */
  interval: Interval;
  attacked: number | null;
  broken: number | null;
}

/** The cascade's numbers: clean accuracy, then robust accuracy after each stage, in run order. */
export function cascadeData(r: Report): CascadeStep[] {
  return [
    { label: 'clean', attack: null, origin: null, robustAccuracy: r.cleanAccuracy, interval: r.cleanAccuracyInterval, attacked: null, broken: null },
    ...r.stages.map((s, k) => ({
      label: `${k + 1}. ${s.attack}${s.origin === 'battery' ? '' : ` (${s.origin})`}`,
      attack: s.attack, origin: s.origin, robustAccuracy: s.robustAccuracyAfter, interval: s.robustAccuracyAfterInterval, attacked: s.attacked, broken: s.broken,
    })),
  ];
}

/** Bar height per step. */
export const CASCADE_ROW = 15;

/** Height the chart needs for `steps` bars. */
export function cascadeHeight(steps: number): number {
  return steps * CASCADE_ROW + 34;
}

/** Draws horizontal bars, one per step, into `box` (height from cascadeHeight). */
export function drawCascade(doc: PDFKit.PDFDocument, box: Frame, steps: readonly CascadeStep[]): void {
  const labelW = Math.min(170, box.w * 0.36);
  const f: Frame = { x: box.x + labelW + 6, y: box.y + 4, w: box.w - labelW - 70, h: steps.length * CASCADE_ROW };
  const sx = linear(0, 1, f.x, f.x + f.w);
  drawAxes(doc, f, sx, () => f.y, { ticks: [0, 0.25, 0.5, 0.75, 1], format: (v) => pct(v, 0), title: 'accuracy of the whole set' }, { ticks: [], title: '' });
  doc.save();
  steps.forEach((s, k) => {
    const y = f.y + k * CASCADE_ROW;
    const color = k === 0 ? COLORS.muted : COLORS.series[0];
    doc.rect(f.x, y + 3, Math.max(0.5, sx(s.robustAccuracy) - f.x), CASCADE_ROW - 6).fill(color);
    errorBar(doc, y + CASCADE_ROW / 2, sx(s.interval.lower), sx(s.interval.upper), COLORS.text, { horizontal: true, cap: 2.5, width: 0.7 });
    doc.font('regular').fontSize(7.5).fillColor(COLORS.text);
    doc.text(clip(s.label, 60), box.x, y + 4, { width: labelW, height: CASCADE_ROW - 4, ellipsis: true, lineBreak: false });
    const v = s.broken === null ? pct(s.robustAccuracy) : `${pct(s.robustAccuracy)}  (−${s.broken})`;
    doc.fontSize(7).text(v, Math.max(sx(s.robustAccuracy), sx(s.interval.upper)) + 4, y + 4.5, { lineBreak: false });
  });
  doc.restore();
}
