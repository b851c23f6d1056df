/**
 * poppler-utils (pdftoppm, pdftotext, pdffonts, pdfinfo: Debian package poppler-utils) as independent
 * readers of the PDFs the renderer writes. Tests that need them skip with POPPLER_SKIP as reason.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TOOLS = ['pdftoppm', 'pdftotext', 'pdffonts', 'pdfinfo'] as const;

function has(tool: string): boolean {
  const r = spawnSync(tool, ['-v'], { encoding: 'utf8' });
  return !r.error;
}

/** Why poppler-based tests skip (undefined when every tool is installed). */
export const POPPLER_SKIP: string | undefined = (() => {
  const missing = TOOLS.filter((t) => !has(t));
  return missing.length ? `${missing.join(', ')} not installed (apt-get install poppler-utils)` : undefined;
})();

function withPdf<T>(bytes: Uint8Array, f: (dir: string, pdf: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'gauntlet-pdf-'));
  try {
    const pdf = join(dir, 'r.pdf');
    writeFileSync(pdf, bytes);
    return f(dir, pdf);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(tool: string, args: string[]): string {
  const r = spawnSync(tool, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** The PDF's text (pdftotext, reading order), whitespace collapsed to single spaces. */
export function pdfText(bytes: Uint8Array): string {
  return withPdf(bytes, (_d, pdf) => run('pdftotext', ['-enc', 'UTF-8', pdf, '-'])).replace(/\s+/g, ' ');
}

/** The PDF's text in content-stream order (pdftotext -raw: a wrapped table cell's lines stay together), whitespace collapsed. */
export function pdfRawText(bytes: Uint8Array): string {
  return withPdf(bytes, (_d, pdf) => run('pdftotext', ['-raw', '-enc', 'UTF-8', pdf, '-'])).replace(/\s+/g, ' ');
}

/** The text of each page, whitespace collapsed. */
export function pdfPagesText(bytes: Uint8Array): string[] {
  return withPdf(bytes, (_d, pdf) => run('pdftotext', ['-enc', 'UTF-8', pdf, '-'])).split('\f').slice(0, -1).map((p) => p.replace(/\s+/g, ' '));
}

/** One row of pdffonts: font name, type and whether it is embedded. */
export interface FontRow { name: string; type: string; embedded: boolean }

/** pdffonts' table. */
export function pdfFonts(bytes: Uint8Array): FontRow[] {
  const out = withPdf(bytes, (_d, pdf) => run('pdffonts', [pdf]));
  const lines = out.split('\n');
  const dash = lines.findIndex((l) => l.startsWith('---'));
  const cols = lines[dash].split(' ').reduce<number[]>((acc, seg, i, all) => {
    acc.push((acc.length ? acc[acc.length - 1] + all[i - 1].length + 1 : 0));
    return acc;
  }, []);
  // columns: name, type, encoding, emb, sub, uni, object ID
  return lines.slice(dash + 1).filter((l) => l.trim()).map((l) => ({
    name: l.slice(cols[0], cols[1]).trim(),
    type: l.slice(cols[1], cols[2]).trim(),
    embedded: l.slice(cols[3], cols[4]).trim() === 'yes',
  }));
}

/** Per page: share of pixels darker than near-white, from a greyscale render (pdftoppm -gray -r dpi). */
export function pageInk(bytes: Uint8Array, dpi = 20): number[] {
  return withPdf(bytes, (dir, pdf) => {
    run('pdftoppm', ['-gray', '-r', String(dpi), pdf, join(dir, 'p')]);
    return readdirSync(dir).filter((f) => f.endsWith('.pgm')).sort().map((f) => {
      const img = parsePgm(readFileSync(join(dir, f)));
      let ink = 0;
      for (let i = 0; i < img.pixels.length; i++) if (img.pixels[i] < 0.9 * img.maxval) ink++;
      return ink / img.pixels.length;
    });
  });
}

/** A binary PGM (P5, 8-bit) image. */
export function parsePgm(b: Buffer): { width: number; height: number; maxval: number; pixels: Uint8Array } {
  const tokens: string[] = [];
  let i = 0;
  while (tokens.length < 4) {
    while (i < b.length && /\s/.test(String.fromCharCode(b[i]))) i++;
    if (b[i] === 0x23) { while (i < b.length && b[i] !== 0x0a) i++; continue; } // comment
    let t = '';
    while (i < b.length && !/\s/.test(String.fromCharCode(b[i]))) t += String.fromCharCode(b[i++]);
    tokens.push(t);
  }
  i++; // the single whitespace after maxval
  const [magic, w, h, max] = tokens;
  if (magic !== 'P5' || Number(max) > 255) throw new Error(`not an 8-bit binary PGM: ${tokens.join(' ')}`);
  const width = Number(w), height = Number(h);
  return { width, height, maxval: Number(max), pixels: new Uint8Array(b.subarray(i, i + width * height)) };
}

/** A word's box on its page (points, top-left origin), from pdftotext -bbox. */
export interface WordBox { page: number; pageWidth: number; pageHeight: number; word: string; xMin: number; yMin: number; xMax: number; yMax: number }

/** Every word's bounding box. */
export function wordBoxes(bytes: Uint8Array): WordBox[] {
  const html = withPdf(bytes, (_d, pdf) => run('pdftotext', ['-bbox', '-enc', 'UTF-8', pdf, '-']));
  const out: WordBox[] = [];
  let page = -1, pw = 0, ph = 0;
  const re = /<page width="([\d.]+)" height="([\d.]+)">|<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">([^<]*)<\/word>/g;
  for (let m = re.exec(html); m; m = re.exec(html)) {
    if (m[1]) { page++; pw = Number(m[1]); ph = Number(m[2]); continue; }
    out.push({ page, pageWidth: pw, pageHeight: ph, word: m[7], xMin: Number(m[3]), yMin: Number(m[4]), xMax: Number(m[5]), yMax: Number(m[6]) });
  }
  return out;
}

/** pdfinfo's "Key: value" lines as a record (Title, Tagged, Pages, …). */
export function pdfInfo(bytes: Uint8Array): Record<string, string> {
  const out = withPdf(bytes, (_d, pdf) => run('pdfinfo', ['-enc', 'UTF-8', pdf]));
  const info: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const m = /^([^:]+):\s*(.*)$/.exec(line);
    if (m) info[m[1].trim()] = m[2].trim();
  }
  return info;
}

/**
 * Per page, the share of the text area [top, bottom] used: from the top margin down to the lowest
 * word above `bottom` (the footer, below it, does not count). From pdftotext -bbox.
 */
export function pageFill(bytes: Uint8Array, top: number, bottom: number): number[] {
  const boxes = wordBoxes(bytes);
  const pages = boxes.reduce((n, b) => Math.max(n, b.page + 1), 0);
  const low = Array<number>(pages).fill(top);
  for (const b of boxes) if (b.yMax <= bottom + 2 && b.yMax > low[b.page]) low[b.page] = b.yMax;
  return low.map((y) => (y - top) / (bottom - top));
}
