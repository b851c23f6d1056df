/**
 * Fonts embedded in the PDF. pdfkit's standard-14 fonts (Helvetica …) are only named in the file,
 * not embedded, so a viewer substitutes its own and the PDF is not self-contained (PDF/A and most
 * compliance archives reject that). We embed DejaVu Sans / Sans Mono from the `dejavu-fonts-ttf`
 * npm package: TrueType files pdfkit's fontkit subsets and embeds (FontFile2), a permissive
 * licence (Bitstream Vera licence + public-domain DejaVu changes: free to embed and redistribute,
 * see node_modules/dejavu-fonts-ttf/LICENSE), and glyphs for everything the report writes
 * (Greek ε δ, ‖ ≤ ≥ → ∞ × ·), which Latin-only subsets such as @fontsource's would miss.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The font roles the renderer uses, mapped to files of dejavu-fonts-ttf/ttf. */
export const FONT_FILES = {
  regular: 'DejaVuSans.ttf',
  bold: 'DejaVuSans-Bold.ttf',
  italic: 'DejaVuSans-Oblique.ttf',
  mono: 'DejaVuSansMono.ttf',
} as const;

/** A font role. */
export type FontRole = keyof typeof FONT_FILES;

let cache: Record<FontRole, Buffer> | null = null;

/** Directory of the packaged TTF files. */
export function fontDirectory(): string {
  return join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
}

/** The TTF bytes of every role, read once per process. */
export function fontBytes(): Record<FontRole, Buffer> {
  if (!cache) {
    const dir = fontDirectory();
    const read = (f: string) => readFileSync(join(dir, f));
    cache = { regular: read(FONT_FILES.regular), bold: read(FONT_FILES.bold), italic: read(FONT_FILES.italic), mono: read(FONT_FILES.mono) };
  }
  return cache;
}
