/**
 * A pdfkit document set up the way every Gauntlet PDF is: A4 with the layout's margins, buffered
 * pages (for the footer pass), compressed streams, tagged output (logical structure, /Lang en,
 * the title shown in the window bar), the embedded DejaVu fonts registered under
 * their roles, and the info dictionary fixed by the caller (no clock: the file ID is pdfkit's
 * hash of the info).
 */
import { join } from 'node:path';
import PDFDocument from 'pdfkit';
import { FONT_FILES, FontRole, fontBytes, fontDirectory } from './fonts';
import { PAGE } from './layout';

/**
 * pdfkit's default font. Not Helvetica: a standard-14 font is never embedded. Not a role's font
 * either: pdfkit caches a registered font under its role only when no font of the same
 * PostScript name is loaded yet, so a default of DejaVuSans would make every doc.font('regular')
 * re-open the TTF (measured: ~60 % of the render time). This face is loaded but never used, so
 * pdfkit does not write it into the file.
 */
const DEFAULT_FONT = 'DejaVuSans-ExtraLight.ttf';

/** The info dictionary; CreationDate is required so the output never depends on the clock. */
export interface DocumentInfo {
  Title: string;
  Author: string;
  Subject: string;
  Keywords: string;
  CreationDate: Date;
}

/** A new document and a promise of its bytes (resolved after `doc.end()`). */
export function createDocument(info: DocumentInfo): { doc: PDFKit.PDFDocument; bytes: Promise<Uint8Array> } {
  const doc = new PDFDocument({
    size: [PAGE.width, PAGE.height],
    margins: { ...PAGE.margins },
    bufferPages: true,
    compress: true,
    pdfVersion: '1.7',
    lang: 'en',
    tagged: true,
    displayTitle: true,
    font: join(fontDirectory(), DEFAULT_FONT),
    info: { ...info, Creator: 'Gauntlet', Producer: 'Gauntlet (pdfkit)', ModDate: info.CreationDate },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const bytes = new Promise<Uint8Array>((res, rej) => {
    doc.on('end', () => res(new Uint8Array(Buffer.concat(chunks))));
    doc.on('error', rej);
  });
  const f = fontBytes();
  for (const role of Object.keys(FONT_FILES) as FontRole[]) doc.registerFont(role, f[role]);
  doc.font('regular');
  return { doc, bytes };
}
