/**
 * Hard class pairs as a heatmap of the adversarial confusion matrix (true class → class of the
 * adversarial example or clean misprediction), off-diagonal cells only. With many classes it
 * shows the k classes of the hardest pairs (the largest off-diagonal cells), so the chart stays
 * readable and its size bounded.
 */
import type { Report } from '../../../schema/report';
import { COLORS } from '../layout';
import { Frame } from './axes';

/** The heatmap's numbers. */
export interface HeatmapData {
  /** Shown classes, ascending. */
  labels: number[];
  /** cells[i][j] = adversarialConfusion[labels[i]][labels[j]]; null on the diagonal. */
  cells: (number | null)[][];
  /** Largest off-diagonal shown count (0 when there is none). */
  max: number;
  /** Failures per shown class: off-diagonal row sum + column sum over all classes. */
  failures: number[];
  /** Classes in the matrix. */
  totalClasses: number;
  /** Off-diagonal count over the whole matrix, and over the shown sub-matrix. */
  offDiagonalTotal: number;
  shownTotal: number;
}

/**
 * The heatmap data. Classes are picked from the hardest pairs down: off-diagonal cells by count
 * (most first; ties by true, then adversarial class), adding both classes of each pair until k
 * are chosen; if fewer than k classes take part in failures, the rest are the classes with most
 * failures (ties: lower label). Shown in label order.
 */
export function hardPairHeatmapData(r: Report, k = 12): HeatmapData {
  const m = r.perClass.adversarialConfusion;
  const c = m.length;
  const fails = new Array<number>(c).fill(0);
  const cells: { t: number; p: number; v: number }[] = [];
  let offTotal = 0;
  for (let t = 0; t < c; t++) {
    for (let p = 0; p < (m[t]?.length ?? 0); p++) {
      const v = m[t][p];
      if (p === t || v === 0) continue;
      fails[t] += v;
      if (p < c) fails[p] += v;
      offTotal += v;
      cells.push({ t, p, v });
    }
  }
  const want = Math.min(k, c);
  const picked = new Set<number>();
  cells.sort((a, b) => b.v - a.v || a.t - b.t || a.p - b.p);
  for (const cell of cells) {
    if (picked.size >= want) break;
    picked.add(cell.t);
    if (picked.size < want && cell.p < c) picked.add(cell.p);
  }
  for (const i of Array.from({ length: c }, (_, j) => j).sort((a, b) => fails[b] - fails[a] || a - b)) {
    if (picked.size >= want) break;
    picked.add(i);
  }
  const chosen = [...picked].sort((a, b) => a - b);
  let max = 0, shown = 0;
  const shownCells = chosen.map((t) => chosen.map((p) => {
    if (p === t) return null;
    const v = m[t]?.[p] ?? 0;
    max = Math.max(max, v);
    shown += v;
    return v;
  }));
  return { labels: chosen, cells: shownCells, max, failures: chosen.map((i) => fails[i]), totalClasses: c, offDiagonalTotal: offTotal, shownTotal: shown };
}

/** Mixes white with `hex` by t ∈ [0, 1]. */
function shade(hex: string, t: number): string {
  const v = parseInt(hex.slice(1), 16);
  const ch = [(v >> 16) & 255, (v >> 8) & 255, v & 255].map((x) => Math.round(255 + (x - 255) * t));
  return `#${ch.map((x) => x.toString(16).padStart(2, '0')).join('')}`;
}

/** Height the heatmap needs at width w for n classes. */
export function heatmapHeight(w: number, n: number): number {
  return Math.min(w - 60, Math.max(80, n * 22)) + 44;
}

/** Draws the heatmap into `box` (height from heatmapHeight). */
export function drawHeatmap(doc: PDFKit.PDFDocument, box: Frame, d: HeatmapData): void {
  const n = Math.max(1, d.labels.length);
  const side = box.h - 44;
  const cell = side / n;
  const x0 = box.x + 48, y0 = box.y + 14;
  const hot = COLORS.series[1];
  doc.save();
  doc.font('regular').fontSize(7.5).fillColor(COLORS.text);
  doc.text('adversarial / predicted class →', x0, box.y, { lineBreak: false });
  const fs = Math.max(4.5, Math.min(7, cell * 0.45));
  d.labels.forEach((t, i) => {
    d.labels.forEach((_p, j) => {
      const v = d.cells[i][j];
      const x = x0 + j * cell, y = y0 + i * cell;
      if (v === null) doc.rect(x, y, cell, cell).fill('#d9d9d9');
      else doc.rect(x, y, cell, cell).fill(d.max > 0 ? shade(hot, v / d.max) : '#ffffff');
      if (v !== null && v > 0 && cell >= 12) {
        const s = String(v);
        doc.font('regular').fontSize(fs).fillColor(d.max > 0 && v / d.max > 0.6 ? '#ffffff' : COLORS.text);
        const w = doc.widthOfString(s);
        if (w < cell - 1) doc.text(s, x + (cell - w) / 2, y + cell / 2 - fs / 2, { lineBreak: false });
      }
    });
    doc.font('regular').fontSize(fs).fillColor(COLORS.text);
    const s = String(t);
    const w = doc.widthOfString(s);
    doc.text(s, x0 - 4 - w, y0 + i * cell + cell / 2 - fs / 2, { lineBreak: false });
    doc.text(s, x0 + i * cell + (cell - w) / 2, y0 + side + 3, { lineBreak: false });
  });
  doc.rect(x0, y0, side, side).lineWidth(0.5).strokeColor(COLORS.rule).stroke();
  doc.font('regular').fontSize(7.5).fillColor(COLORS.text);
  doc.rotate(-90, { origin: [box.x + 10, y0 + side / 2] });
  const title = 'true class →';
  doc.text(title, box.x + 10 - doc.widthOfString(title) / 2, y0 + side / 2 - 4, { lineBreak: false });
  doc.restore();
  // Colour scale.
  const lx = x0 + side + 16, steps = Math.min(5, d.max);
  doc.save().font('regular').fontSize(7).fillColor(COLORS.text);
  for (let s = 0; s <= steps; s++) {
    const v = steps ? Math.round((d.max * s) / steps) : 0;
    const y = y0 + (steps - s) * 14;
    doc.rect(lx, y, 12, 12).fill(steps ? shade(hot, s / steps) : '#ffffff');
    doc.rect(lx, y, 12, 12).lineWidth(0.3).strokeColor(COLORS.rule).stroke();
    doc.fillColor(COLORS.text).text(String(v), lx + 16, y + 2.5, { lineBreak: false });
  }
  doc.restore();
}
