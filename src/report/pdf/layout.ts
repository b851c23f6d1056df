/**
 * Page layout over a pdfkit document: an A4 page box with fixed margins, a vertical cursor, and
 * the few blocks the report needs — headings kept with what follows, wrapped paragraphs that flow
 * onto new pages, key/value lists, figures kept with their captions, and tables that paginate with
 * their header repeated. Every block is drawn inside [left, right] × [top, bottom].
 *
 * Reading order rules (issue 11, deliverable 7):
 *  - A heading is never the last thing on a page: headings are held back and drawn only when the
 *    block after them has room for its first part (keep-with-next).
 *  - Table cells are never cut: they wrap, and rows grow. A row that does not fit on the rest of
 *    the page moves to the next page (header repeated) when it is at most a third of a page tall;
 *    a taller row is split at a line break, its cells continuing in a row on the next page, so no
 *    page is left mostly empty and no text is lost.
 *  - Sections call `sectionBreak`, which starts a new page only when the current one is at least a
 *    third full.
 *
 * The document is tagged (PDF/UA-style logical structure): headings are H1–H3, paragraphs P, tables
 * Table/TR/TH/TD, charts and images Figure with alternative text; rules, fills and the footer are
 * artifacts.
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
  /** UNGATED: neither pass nor fail. */
  neutral: '#3d5a80',
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
  /** Optional per-row text colour. */
  rowColor?: (row: number) => string | undefined;
}

type StructElement = PDFKit.PDFStructureElement;

const CELL_PAD = 3;
/** Tables up to this share of the text height are kept on one page. */
const KEEP_TOGETHER = 0.4;
/** Rows up to this share of the text height move to the next page whole; taller rows are split. */
const MOVE_ROW = 1 / 3;
/** A section starts a new page when the current page is at least this full. */
export const SECTION_BREAK_FILL = 1 / 3;

interface Heading { text: string; level: 1 | 2 | 3 }

/** The cursor-driven page layout. */
export class Layout {
  /** Current vertical position (points from the page top). */
  y: number = PAGE.margins.top;
  private pending: Heading[] = [];
  private bookmarks: string[] = [];
  private readonly root: StructElement;

  constructor(readonly doc: PDFKit.PDFDocument) {
    this.root = this.doc.struct('Document');
    this.doc.addStructure(this.root);
  }

  get left(): number { return PAGE.margins.left; }
  get right(): number { return PAGE.width - PAGE.margins.right; }
  get width(): number { return this.right - this.left; }
  get top(): number { return PAGE.margins.top; }
  get bottom(): number { return PAGE.height - PAGE.margins.bottom; }
  /** Height of the text area. */
  get textHeight(): number { return this.bottom - this.top; }
  /** Space left on the current page. */
  get remaining(): number { return this.bottom - this.y; }
  /** Share of the current page's text area used so far. */
  get fill(): number { return (this.y - this.top) / this.textHeight; }

  /** Starts a new page and puts the cursor at its top (open marked content continues there). */
  newPage(): void {
    this.doc.continueOnNewPage();
    this.y = this.top;
  }

  /** Starts a new page unless `h` points still fit (a block taller than a page just starts on a fresh one). */
  ensure(h: number): void {
    if (this.y + h > this.bottom && this.y > this.top) this.newPage();
  }

  /** Before a major section: a new page when the current one is at least SECTION_BREAK_FILL full, else go on here. */
  sectionBreak(): void {
    if (this.fill >= SECTION_BREAK_FILL) this.newPage();
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

  /** Draws `draw` as the content of a new structure element of `type` (P, H1, Figure, …) under the document. */
  tag(type: string, draw: () => void, o: { alt?: string } = {}, parent: StructElement = this.root): StructElement {
    const el = this.doc.struct(type, o);
    parent.add(el);
    el.add(draw);
    el.end();
    return el;
  }

  /** Draws decoration (rules, fills) as an artifact, outside the logical structure. */
  artifact(draw: () => void): void {
    this.doc.markContent('Artifact');
    draw();
    this.doc.endMarkedContent();
  }

  /** A heading; level 1 is a section title with a rule under it. Drawn with the next block (never alone at a page end). */
  heading(text: string, level: 1 | 2 | 3 = 1): void {
    this.pending.push({ text, level });
  }

  private headingSize(level: 1 | 2 | 3): number {
    return level === 1 ? 16 : level === 2 ? 12.5 : 10.5;
  }

  /** Height of the held-back headings as they would be drawn at the cursor. */
  private pendingHeight(): number {
    let h = 0;
    this.pending.forEach((p, i) => {
      this.font('bold', this.headingSize(p.level));
      h += (i > 0 || this.y > this.top ? (p.level === 1 ? 10 : 6) : 0) + this.measure(p.text, this.width) + (p.level === 1 ? 8 : 4);
    });
    return h;
  }

  private flushHeadings(): void {
    const hs = this.pending;
    this.pending = [];
    for (const p of hs) {
      this.font('bold', this.headingSize(p.level));
      const h = this.measure(p.text, this.width);
      if (this.y > this.top) this.space(p.level === 1 ? 10 : 6);
      this.tag(`H${p.level}`, () => { this.doc.text(p.text, this.left, this.y, { width: this.width }); });
      this.y += h + 2;
      if (p.level === 1) {
        this.artifact(() => this.doc.moveTo(this.left, this.y).lineTo(this.right, this.y).lineWidth(0.7).strokeColor(COLORS.rule).stroke());
        this.y += 6;
      } else this.y += 2;
    }
  }

  /** An outline (bookmark) entry, added on the page where the next block starts (so it follows a held-back heading to its page). */
  bookmark(title: string): void {
    this.bookmarks.push(title);
  }

  /** Makes room for the first `h` points of a block plus the held-back headings, then draws the headings. */
  reserve(h: number): void {
    this.ensure(this.pending.length ? this.pendingHeight() + h : h);
    for (const b of this.bookmarks) this.doc.outline.addItem(b);
    this.bookmarks = [];
    this.flushHeadings();
  }

  /** Draws any held-back heading and bookmark (at the end of the document). */
  flush(): void {
    if (this.pending.length || this.bookmarks.length) this.reserve(0);
  }

  /**
   * A wrapped paragraph; a paragraph longer than the rest of the page continues on the next
   * (pdfkit breaks it at the bottom margin). `keep` extra points must fit with its first lines.
   */
  paragraph(text: string, o: { font?: FontRole; size?: number; color?: string; indent?: number; gap?: number; align?: 'left' | 'justify' | 'center'; keep?: number } = {}): void {
    const indent = o.indent ?? 0;
    this.font(o.font ?? 'regular', o.size ?? 9.5, o.color ?? COLORS.text);
    const width = this.width - indent;
    const full = this.measure(text, width);
    const first = Math.min(full, 3 * this.doc.currentLineHeight(true));
    this.reserve(full <= first ? full + (o.keep ?? 0) : first);
    this.font(o.font ?? 'regular', o.size ?? 9.5, o.color ?? COLORS.text);
    this.tag('P', () => { this.doc.text(text, this.left + indent, this.y, { width, align: o.align ?? 'left' }); });
    this.y = this.doc.y + (o.gap ?? 4);
  }

  /** Key/value lines: keys in bold in a left column, values wrapped in the right one (a row may name its value font). */
  keyValues(rows: readonly (readonly [string, string, FontRole?])[], o: { keyWidth?: number; size?: number } = {}): void {
    const size = o.size ?? 9.5;
    const kw = o.keyWidth ?? 130;
    const vw = this.width - kw - 8;
    rows.forEach(([k, v, role], i) => {
      const vf: FontRole = role ?? 'regular';
      const vs = vf === 'mono' ? size - 1 : size;
      this.font('bold', size);
      const hk = this.measure(k, kw);
      this.font(vf, vs);
      const hv = this.measure(v, vw);
      const h = Math.max(hk, hv);
      this.reserve(i === 0 ? Math.min(h, this.textHeight) + 12 : Math.min(h, this.textHeight));
      const room = this.bottom - this.y;
      this.tag('P', () => {
        this.font('bold', size).doc.text(k, this.left, this.y, { width: kw, height: room, lineBreak: true });
        this.font(vf, vs).doc.text(v, this.left + kw + 8, this.y + (vf === 'mono' ? 0.8 : 0), { width: vw, height: room });
      });
      this.y += Math.min(h, room) + 3;
    });
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
   * A table: header row, then rows; cells wrap and are never cut. A row that does not fit on the
   * rest of the page moves to the next (header repeated) when it is short, and is split across
   * pages at a line break when it is taller than MOVE_ROW of a page.
   */
  table(columns: readonly Column[], rows: readonly (readonly string[])[], o: TableOptions = {}): void {
    const size = o.fontSize ?? 8.5;
    const total = columns.reduce((s, c) => s + c.weight, 0);
    const widths = columns.map((c) => (this.width * c.weight) / total);
    const xs = widths.map((_, i) => this.left + widths.slice(0, i).reduce((s, w) => s + w, 0));
    this.font('regular', size);
    const lineH = this.doc.currentLineHeight(true);
    const cellFont = (i: number, bold: boolean) => this.font(bold ? 'bold' : columns[i].font ?? 'regular', size);
    const cellHeight = (c: string, i: number, bold: boolean) => (c ? (cellFont(i, bold), this.measure(c, widths[i] - 2 * CELL_PAD)) : 0);
    const rowHeight = (cells: readonly string[], bold: boolean) => Math.max(lineH, ...cells.map((c, i) => cellHeight(c, i, bold))) + 2 * CELL_PAD;
    const headers = columns.map((c) => c.header);
    const headerH = rowHeight(headers, true);
    const struct = this.doc.struct('Table');
    this.root.add(struct);
    const drawRow = (cells: readonly string[], h: number, bold: boolean, fill: string | null, color: string) => {
      if (fill) this.artifact(() => this.doc.rect(this.left, this.y, this.width, h).fill(fill));
      const tr = this.doc.struct('TR');
      struct.add(tr);
      cells.forEach((c, i) => {
        const cell = this.doc.struct(bold ? 'TH' : 'TD', {});
        tr.add(cell);
        cell.add(() => {
          cellFont(i, bold).doc.fillColor(color);
          this.doc.text(c, xs[i] + CELL_PAD, this.y + CELL_PAD, { width: widths[i] - 2 * CELL_PAD, height: h, align: columns[i].align ?? 'left' });
        });
        cell.end();
      });
      tr.end();
      this.y += h;
    };
    const rule = () => this.artifact(() => this.doc.moveTo(this.left, this.y).lineTo(this.right, this.y).lineWidth(0.5).strokeColor(COLORS.rule).stroke());
    const drawHeader = () => {
      drawRow(headers, headerH, true, COLORS.headerFill, COLORS.text);
      rule();
    };
    const nextPage = () => { this.newPage(); drawHeader(); };
    const heights = rows.map((r) => rowHeight(r, false));
    const whole = headerH + heights.reduce((s, h) => s + h, 0);
    // A short table moves whole to the next page rather than leaving a few rows behind.
    this.reserve(whole <= KEEP_TOGETHER * this.textHeight ? whole : headerH + Math.min(heights[0] ?? 0, MOVE_ROW * this.textHeight));
    drawHeader();
    rows.forEach((r, k) => {
      const fill = k % 2 === 1 ? COLORS.zebra : null;
      const color = o.rowColor?.(k) ?? COLORS.text;
      if (this.y + heights[k] <= this.bottom) return drawRow(r, heights[k], false, fill, color);
      if (heights[k] <= MOVE_ROW * this.textHeight) {
        nextPage();
        return drawRow(r, heights[k], false, fill, color);
      }
      // A tall row: fill the rest of this page, continue on the next ones.
      let cells = [...r];
      for (;;) {
        const room = this.bottom - this.y - 2 * CELL_PAD;
        if (room < 2 * lineH) { nextPage(); continue; }
        const parts = cells.map((c, i) => (cellFont(i, false), splitToHeight(this.doc, c, widths[i] - 2 * CELL_PAD, room)));
        const h = Math.max(lineH, ...parts.map(([head], i) => cellHeight(head, i, false))) + 2 * CELL_PAD;
        drawRow(parts.map(([head]) => head), h, false, fill, color);
        cells = parts.map(([, tail]) => tail);
        if (cells.every((c) => c === '')) break;
        nextPage();
      }
    });
    rule();
    struct.end();
    this.y += 6;
  }

  /**
   * A figure of height h (chart or images), drawn with its top-left corner and kept on one page
   * with the first lines of its caption; tagged as a Figure with `alt` as its alternative text.
   */
  figure(h: number, draw: (x: number, y: number, w: number) => void, o: { alt: string; caption?: string }): void {
    let capFirst = 0;
    if (o.caption) {
      this.font('italic', 8);
      capFirst = Math.min(this.measure(o.caption, this.width), 3 * this.doc.currentLineHeight(true)) + 6;
    }
    this.reserve(h + capFirst);
    this.tag('Figure', () => draw(this.left, this.y, this.width), { alt: o.alt });
    this.y += h;
    if (o.caption) this.caption(o.caption);
  }

  /** Reserves a block of height h (on a new page if needed) and draws it with its top-left corner, as a Figure. */
  block(h: number, draw: (x: number, y: number, w: number) => void, alt = 'figure'): void {
    this.figure(h, draw, { alt });
  }

  /** Writes the footer on every buffered page ("left text · page i of N"), inside the bottom margin, as a pagination artifact. */
  footer(leftText: string): void {
    this.flush();
    const range = this.doc.bufferedPageRange();
    for (let i = range.start; i < range.start + range.count; i++) {
      this.doc.switchToPage(i);
      const margin = this.doc.page.margins.bottom;
      this.doc.page.margins.bottom = 0; // writing inside the margin must not trigger a page break
      this.doc.markContent('Artifact', { type: 'Pagination' });
      this.font('regular', 7.5, COLORS.muted);
      const y = PAGE.height - PAGE.margins.bottom + 22;
      const pageText = `page ${i + 1 - range.start} of ${range.count}`;
      const pw = this.doc.widthOfString(pageText);
      this.doc.text(clip(leftText, 110), this.left, y, { width: this.width - pw - 12, height: 10, ellipsis: true, lineBreak: false });
      this.doc.text(pageText, this.right - pw, y, { width: pw + 1, lineBreak: false });
      this.doc.endMarkedContent();
      this.doc.page.margins.bottom = margin;
    }
  }
}

/**
 * Splits `text` into the longest head (whole words, or characters of one word longer than a line)
 * that fits in `maxHeight` at `width` in the current font, and the tail. Binary search on
 * heightOfString: O(log n) measurements.
 */
export function splitToHeight(doc: PDFKit.PDFDocument, text: string, width: number, maxHeight: number): [string, string] {
  if (doc.heightOfString(text, { width }) <= maxHeight) return [text, ''];
  const words = text.split(/(?<=\s)/); // keeps the separators with the words
  const fits = (k: number) => doc.heightOfString(words.slice(0, k).join(''), { width }) <= maxHeight;
  let lo = 0, hi = words.length; // fits(lo) holds, fits(hi) does not
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (fits(mid)) lo = mid; else hi = mid;
  }
  if (lo > 0) return [words.slice(0, lo).join('').trimEnd(), words.slice(lo).join('')];
  // Not even one word fits: cut that word by characters.
  const w = words[0];
  let a = 0, b = w.length;
  while (b - a > 1) {
    const mid = (a + b) >> 1;
    if (doc.heightOfString(w.slice(0, mid), { width }) <= maxHeight) a = mid; else b = mid;
  }
  const cut = Math.max(1, a);
  return [w.slice(0, cut), w.slice(cut) + words.slice(1).join('')];
}
