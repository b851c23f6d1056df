/**
 * Shared vector-chart drawing: linear scales, "nice" tick values (1-2-5 steps, Heckbert 1990,
 * "Nice numbers for graph labels", Graphics Gems), axes with ticks and labels, legends. Every
 * chart draws inside the frame it is given, so it cannot leave the page box.
 */
import { COLORS } from '../layout';
import { num } from '../text';

/** A rectangle in page points (top-left origin). */
export interface Frame {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Maps [d0, d1] linearly onto [r0, r1] (a degenerate domain maps to r0). */
export function linear(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const span = d1 - d0;
  return (v) => (span === 0 ? r0 : r0 + ((v - d0) / span) * (r1 - r0));
}

/** Rounds a step to 1, 2 or 5 × 10^k. */
function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

/** About `count` ticks covering [lo, hi]: the first ≤ lo, the last ≥ hi, on a 1-2-5 grid. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) hi = lo + 1;
  const step = niceStep((hi - lo) / Math.max(1, count));
  const start = Math.floor(lo / step + 1e-9) * step;
  const out: number[] = [];
  for (let v = start, k = 0; k < 100; k++, v = start + k * step) {
    out.push(Number(v.toPrecision(12)));
    if (v >= hi - 1e-9 * step) break;
  }
  return out;
}

/** Axis description: tick values, their formatter, and a title. */
export interface Axis {
  ticks: readonly number[];
  format?: (v: number) => string;
  title: string;
}

/**
 * Draws the plot frame's left and bottom axes, light grid lines at the y ticks, tick labels and
 * axis titles. The labels sit in the margin reserved by `plotFrame`.
 */
export function drawAxes(doc: PDFKit.PDFDocument, f: Frame, sx: (v: number) => number, sy: (v: number) => number, x: Axis | null, y: Axis): void {
  doc.save();
  doc.font('regular').fontSize(7).fillColor(COLORS.muted);
  for (const t of y.ticks) {
    const py = sy(t);
    doc.moveTo(f.x, py).lineTo(f.x + f.w, py).lineWidth(0.3).strokeColor('#e2e2e2').stroke();
    const label = (y.format ?? num)(t);
    const w = doc.widthOfString(label);
    doc.text(label, f.x - 4 - w, py - 3.5, { lineBreak: false });
  }
  if (x) {
    for (const t of x.ticks) {
      const px = sx(t);
      doc.moveTo(px, f.y + f.h).lineTo(px, f.y + f.h + 3).lineWidth(0.5).strokeColor(COLORS.muted).stroke();
      const label = (x.format ?? num)(t);
      const w = doc.widthOfString(label);
      doc.text(label, px - w / 2, f.y + f.h + 5, { lineBreak: false });
    }
  }
  doc.moveTo(f.x, f.y).lineTo(f.x, f.y + f.h).lineTo(f.x + f.w, f.y + f.h).lineWidth(0.7).strokeColor(COLORS.text).stroke();
  doc.fontSize(7.5).fillColor(COLORS.text);
  if (x) {
    const w = doc.widthOfString(x.title);
    doc.text(x.title, f.x + f.w / 2 - w / 2, f.y + f.h + 16, { lineBreak: false });
  }
  doc.rotate(-90, { origin: [f.x - 30, f.y + f.h / 2] });
  const wy = doc.widthOfString(y.title);
  doc.text(y.title, f.x - 30 - wy / 2, f.y + f.h / 2 - 4, { lineBreak: false });
  doc.restore();
}

/** The plot area inside a chart block of the given box, leaving room for axis labels and a legend row. */
export function plotFrame(box: Frame, o: { left?: number; bottom?: number; top?: number; right?: number } = {}): Frame {
  const left = o.left ?? 44, bottom = o.bottom ?? 30, top = o.top ?? 16, right = o.right ?? 8;
  return { x: box.x + left, y: box.y + top, w: box.w - left - right, h: box.h - top - bottom };
}

/** A legend entry. */
export interface LegendItem {
  label: string;
  color: string;
  dash?: boolean;
  kind?: 'line' | 'box' | 'diamond' | 'errorbar';
}

/** Draws a one-row legend starting at (x, y), clipped to maxWidth. */
export function drawLegend(doc: PDFKit.PDFDocument, x: number, y: number, items: readonly LegendItem[], maxWidth: number): void {
  doc.save();
  doc.font('regular').fontSize(7).fillColor(COLORS.text);
  let cx = x;
  for (const it of items) {
    const w = doc.widthOfString(it.label);
    if (cx + 18 + w > x + maxWidth) break;
    if (it.kind === 'box') doc.rect(cx, y, 10, 6).fill(it.color);
    else if (it.kind === 'diamond') marker(doc, cx + 6, y + 3, it.color, 'diamond', 2.6);
    else if (it.kind === 'errorbar') errorBar(doc, cx + 6, y - 1, y + 7, it.color);
    else {
      if (it.dash) doc.dash(2.5, { space: 1.5 });
      doc.moveTo(cx, y + 3).lineTo(cx + 12, y + 3).lineWidth(1.4).strokeColor(it.color).stroke();
      doc.undash();
    }
    doc.fillColor(COLORS.text).text(it.label, cx + 15, y - 1, { lineBreak: false });
    cx += 15 + w + 12;
  }
  doc.restore();
}

/** A small filled marker (circle or diamond) at (x, y). */
export function marker(doc: PDFKit.PDFDocument, x: number, y: number, color: string, shape: 'circle' | 'diamond' = 'circle', r = 2.2): void {
  if (shape === 'circle') doc.circle(x, y, r).fill(color);
  else doc.polygon([x, y - r * 1.5], [x + r * 1.5, y], [x, y + r * 1.5], [x - r * 1.5, y]).fill(color);
}

/**
 * An error bar: a line from `a` to `b` with short caps, vertical (x fixed, a/b are y) or
 * horizontal (y fixed, a/b are x). Used for the confidence intervals of accuracy-like figures.
 */
export function errorBar(doc: PDFKit.PDFDocument, at: number, a: number, b: number, color: string, o: { horizontal?: boolean; cap?: number; width?: number } = {}): void {
  const cap = o.cap ?? 2.5;
  doc.save().lineWidth(o.width ?? 0.8).strokeColor(color);
  if (o.horizontal) {
    doc.moveTo(a, at).lineTo(b, at).stroke();
    doc.moveTo(a, at - cap).lineTo(a, at + cap).stroke();
    doc.moveTo(b, at - cap).lineTo(b, at + cap).stroke();
  } else {
    doc.moveTo(at, a).lineTo(at, b).stroke();
    doc.moveTo(at - cap, a).lineTo(at + cap, a).stroke();
    doc.moveTo(at - cap, b).lineTo(at + cap, b).stroke();
  }
  doc.restore();
}
