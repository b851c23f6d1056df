/**
 * PDFs for signing tests: a pdfkit document (what the report renderer produces) and a hand-built
 * minimal PDF whose catalog has an inline /AcroForm and whose page has an indirect /Annots array
 * (the other shapes the incremental update must handle).
 */
import PDFDocument from 'pdfkit';

/** A small pdfkit PDF with `pages` pages of text (uncompressed streams when `compress` is false). */
export function pdfkitPdf(pages = 2, compress = true): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ compress, info: { Title: 'Gauntlet signing test', CreationDate: new Date(Date.UTC(2025, 0, 2)) } });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    for (let p = 0; p < pages; p++) {
      if (p > 0) doc.addPage();
      doc.fontSize(18).text(`Robustness report, page ${p + 1}`);
      doc.fontSize(11).text('Robust accuracy 50.0% at linf eps = 0.1 (test document).');
    }
    doc.end();
  });
}

/** A minimal hand-written PDF (classic xref) from object bodies numbered 1…n; object 1 is the catalog. */
export function handWrittenPdf(objects: string[]): Buffer {
  let out = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xrefAt = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** A one-page PDF with an inline /AcroForm (no fields yet) and /Annots as an indirect, empty array. */
export function pdfWithInlineAcroForm(): Buffer {
  const content = 'BT /F1 12 Tf 72 720 Td (Hand-written test page) Tj ET';
  return handWrittenPdf([
    '<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [] /DA (/Helv 0 Tf 0 g) >> >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> /Annots 6 0 R >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    '[]',
  ]);
}
