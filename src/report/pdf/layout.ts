/**
 * Page layout over a pdfkit document: an A4 page box with fixed margins, a vertical cursor, and
 * the few blocks the report needs — headings kept with what follows, wrapped paragraphs that flow
 * onto new pages, key/value lists, and tables that paginate with their header repeated. Every
 * block is drawn inside [left, right] × [top, bottom]; table cells are clipped (with an ellipsis)
 * to a bounded height, so no content can leave the page box.
 */
import type { FontRole } from './fonts';
import { clip, wrapCommand } from './text';

/** A4 in points, and the margins every page uses. */
export const PAGE = { width: 595.28, height: 841.89, margins: { top: 56, bottom: 60, left: 50, right: 50 } } as const;

/** The palette (print-safe, colour-blind-safe Okabe–Ito hues for the series). */
export const COLORS = {
  text: '#1a1a1a',
  muted: '#5f6368',
  rule: '#c8c8c8',
  headerFill: '#e8ecf1',
  zebra: '#f6f7f9',
  pass: '#1b7a3d',
  fail: '#b3261e',
  warn: '#a15c00',
  series: ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9'],
} as const;

/** One table column: header text, relative width, alignment and font. */
export interface Column {
  header: string;
  /** Relative width (columns share the text width in proportion). */
  weight: number;
  align?: 'left' | 'right' | 'center';
  font?: FontRole;
}

/** Table options. */
export interface TableOptions {
  fontSize?: number;
  /** At most this many text lines per cell (longer cells end in '…'). */
  maxCellLines?: number;
  /** Characters kept per cell before measuring (bounds the work on huge strings). */
  maxCellChars?: number;
  /** Optional per-row text colour. */
  rowColor?: (row: number) => string | undefined;
}

const CELL_PAD = 3;
/** Tables up to this share of the text height are kept on one page. */
const KEEP_TOGETHER = 0.4;

/** The cursor-driven page layout. */
export class Layout {
  /** Current vertical position (points from the page top). */
  y: number = PAGE.margins.top;

  constructor(readonly doc: PDFKit.PDFDocument) {}

  get left(): number { return PAGE.margins.left; }
  get right(): number { return PAGE.width - PAGE.margins.right; }
  get width(): number { return this.right - this.left; }
  get top(): number { return PAGE.margins.top; }
  get bottom(): number { return PAGE.height - PAGE.margins.bottom; }
  /** Space left on the current page. */
  get remaining(): number { return this.bottom - this.y; }

  /** Starts a new page and puts the cursor at its top. */
  newPage(): void {
    this.doc.addPage();
    this.y = this.top;
  }

  /** Starts a new page unless `h` points still fit (a block taller than a page just starts on a fresh one). */
  ensure(h: number): void {
    if (this.y + h > this.bottom && this.y > this.top) this.newPage();
  }

  /** Vertical space (dropped at a page break). */
  space(h: number): void {
    this.y = Math.min(this.y + h, this.bottom);
  }

  /** Sets font and size. */
  font(role: FontRole, size: number, color: string = COLORS.text): this {
    this.doc.font(role).fontSize(size).fillColor(color);
    return this;
  }

  /** Height of `text` wrapped to `width` in the current font. */
  measure(text: string, width: number, opts: PDFKit.Mixins.TextOptions = {}): number {
    return this.doc.heightOfString(text, { width, ...opts });
  }

  /** A heading; level 1 is a section title with a rule under it. Kept on the page with `keep` points of what follows. */
  heading(text: string, level: 1 | 2 | 3 = 1, keep = 60): void {
    const size = level === 1 ? 16 : level === 2 ? 12.5 : 10.5;
    this.font('bold', size);
    const h = this.measure(text, this.width);
    this.ensure(h + keep + (level === 1 ? 10 : 4));
    if (this.y > this.top) this.space(level === 1 ? 10 : 6);
    this.doc.text(text, this.left, this.y, { width: this.width });
    this.y += h + 2;
    if (level === 1) {
      this.doc.moveTo(this.left, this.y).lineTo(this.right, this.y).lineWidth(0.7).strokeColor(COLORS.rule).stroke();
      this.y += 6;
    } else this.y += 2;
  }

  /**
   * A wrapped paragraph; a paragraph longer than the rest of the page continues on the next
   * (pdfkit breaks it at the bottom margin). Returns its height on its last page.
   */
  paragraph(text: string, o: { font?: FontRole; size?: number; color?: string; indent?: number; gap?: number; align?: 'left' | 'justify' | 'center' } = {}): void {
    const indent = o.indent ?? 0;
    this.font(o.font ?? 'regular', o.size ?? 9.5, o.color ?? COLORS.text);
    const width = this.width - indent;
    const first = Math.min(this.measure(text, width), 3 * this.doc.currentLineHeight(true));
    this.ensure(first);
    this.doc.text(text, this.left + indent, this.y, { width, align: o.align ?? 'left' });
    this.y = this.doc.y + (o.gap ?? 4);
  }

  /** Key/value lines: keys in bold in a left column, values wrapped in the right one (a row may name its value font). */
  keyValues(rows: readonly (readonly [string, string, FontRole?])[], o: { keyWidth?: number; size?: number } = {}): void {
    const size = o.size ?? 9.5;
    const kw = o.keyWidth ?? 130;
    const vw = this.width - kw - 8;
    for (const [k, v, role] of rows) {
      const vf: FontRole = role ?? 'regular';
      const vs = vf === 'mono' ? size - 1 : size;
      this.font('bold', size);
      const hk = this.measure(k, kw);
      this.font(vf, vs);
      const hv = this.measure(v, vw);
      const h = Math.max(hk, hv);
      this.ensure(h);
      const room = this.bottom - this.y;
      this.font('bold', size).doc.text(k, this.left, this.y, { width: kw, height: room, ellipsis: true });
      this.font(vf, vs).doc.text(v, this.left + kw + 8, this.y + (vf === 'mono' ? 0.8 : 0), { width: vw, height: room, ellipsis: true });
      this.y += Math.min(h, room) + 3;
    }
  }

  /** A shell command in the monospaced font, wrapped at spaces with shell continuations (copy-pasteable). */
  command(cmd: string, o: { size?: number; indent?: number } = {}): void {
    const size = o.size ?? 8.5, indent = o.indent ?? 10;
    this.font('mono', size);
    const perLine = Math.max(20, Math.floor((this.width - indent) / this.doc.widthOfString('M')));
    this.paragraph(wrapCommand(cmd, perLine), { font: 'mono', size, indent, gap: 6 });
  }

  /** A caption under a figure or table. */
  caption(text: string): void {
    this.paragraph(text, { font: 'italic', size: 8, color: COLORS.muted, gap: 6 });
  }

  /**
   * A table: header row, then rows; a row that does not fit starts a new page, where the header
   * is drawn again. Cells wrap and are clipped to `maxCellLines` lines.
   */
  table(columns: readonly Column[], rows: readonly (readonly string[])[], o: TableOptions = {}): void {
    const size = o.fontSize ?? 8.5;
    const total = columns.reduce((s, c) => s + c.weight, 0);
    const widths = columns.map((c) => (this.width * c.weight) / total);
    const xs = widths.map((_, i) => this.left + widths.slice(0, i).reduce((s, w) => s + w, 0));
    this.font('regular', size);
    const lineH = this.doc.currentLineHeight(true);
    const maxLines = o.maxCellLines ?? 6;
    const maxChars = o.maxCellChars ?? 600;
    const rowHeight = (cells: readonly string[], bold: boolean) => {
      let h = 0;
      cells.forEach((c, i) => {
        this.font(bold ? 'bold' : columns[i].font ?? 'regular', size);
        h = Math.max(h, Math.min(this.measure(clip(c, maxChars), widths[i] - 2 * CELL_PAD), maxLines * lineH));
      });
      return h + 2 * CELL_PAD;
    };
    const headers = columns.map((c) => c.header);
    const headerH = rowHeight(headers, true);
    const drawRow = (cells: readonly string[], h: number, bold: boolean, fill: string | null, color: string) => {
      if (fill) this.doc.rect(this.left, this.y, this.width, h).fill(fill);
      cells.forEach((c, i) => {
        this.font(bold ? 'bold' : columns[i].font ?? 'regular', size, color);
        this.doc.text(clip(c, maxChars), xs[i] + CELL_PAD, this.y + CELL_PAD, {
          width: widths[i] - 2 * CELL_PAD, height: h - 2 * CELL_PAD + 0.5, ellipsis: true, align: columns[i].align ?? 'left',
        });
      });
      this.y += h;
    };
    const drawHeader = () => {
      drawRow(headers, headerH, true, COLORS.headerFill, COLORS.text);
      this.doc.moveTo(this.left, this.y).lineTo(this.right, this.y).lineWidth(0.5).strokeColor(COLORS.rule).stroke();
    };
    const heights = rows.map((r) => rowHeight(r, false));
    const whole = headerH + heights.reduce((s, h) => s + h, 0);
    // A short table moves whole to the next page rather than leaving a few rows behind.
    this.ensure(whole <= KEEP_TOGETHER * (this.bottom - this.top) ? whole : headerH + (heights[0] ?? 0));
    drawHeader();
    rows.forEach((r, k) => {
      const h = heights[k];
      if (this.y + h > this.bottom) {
        this.newPage();
        drawHeader();
      }
      drawRow(r, h, false, k % 2 === 1 ? COLORS.zebra : null, o.rowColor?.(k) ?? COLORS.text);
    });
    this.doc.moveTo(this.left, this.y).lineTo(this.right, this.y).lineWidth(0.5).strokeColor(COLORS.rule).stroke();
    this.y += 6;
  }

  /** Reserves a block of height h (on a new page if needed) and draws it with its top-left corner. */
  block(h: number, draw: (x: number, y: number, w: number) => void): void {
    this.ensure(h);
    draw(this.left, this.y, this.width);
    this.y += h;
  }

  /** Writes the footer on every buffered page ("left text · page i of N"), inside the bottom margin. */
  footer(leftText: string): void {
    const range = this.doc.bufferedPageRange();
    for (let i = range.start; i < range.start + range.count; i++) {
      this.doc.switchToPage(i);
      const margin = this.doc.page.margins.bottom;
      this.doc.page.margins.bottom = 0; // writing inside the margin must not trigger a page break
      this.font('regular', 7.5, COLORS.muted);
      const y = PAGE.height - PAGE.margins.bottom + 22;
      const pageText = `page ${i + 1 - range.start} of ${range.count}`;
      const pw = this.doc.widthOfString(pageText);
      this.doc.text(clip(leftText, 110), this.left, y, { width: this.width - pw - 12, height: 10, ellipsis: true, lineBreak: false });
      this.doc.text(pageText, this.right - pw, y, { width: pw + 1, lineBreak: false });
      this.doc.page.margins.bottom = margin;
    }
  }
}
