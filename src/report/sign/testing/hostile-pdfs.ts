/**
 * Generated hostile PDFs for verification tests and the service benchmark (nothing committed):
 * many signature dictionaries whose /ByteRange each covers almost the whole file and whose
 * /Contents hold a real CMS container, so a verifier without caps hashes the file once per
 * signature (issue 12: a 4 MB PDF with a few thousand /ByteRange entries held the event loop
 * for about 50 s, and the cost grows with the square of the size).
 */

/** Options of hostileSignaturePdf. */
export interface HostilePdfOptions {
  /** Signature dictionaries to write. */
  signatures: number;
  /** Size of the file, bytes (padded with a comment block at the end); at least what the signatures need. */
  bytes: number;
  /** Hex of the CMS container each /Contents holds (e.g. a real signature's, so it parses). */
  contentsHex: string;
}

/** Width of the /ByteRange numbers (fixed, so offsets can be computed before writing). */
const W = 10;

/** A PDF of `bytes` bytes with `signatures` signature dictionaries, each /ByteRange reaching the end of the file. */
export function hostileSignaturePdf(o: HostilePdfOptions): Buffer {
  const head = '%PDF-1.7\n%\xe2\xe3\xcf\xd3\n';
  const pad = (n: number) => String(n).padStart(W, '0');
  const parts: string[] = [head];
  let at = head.length;
  const placeholder = `/ByteRange [0 ${'0'.repeat(W)} ${'0'.repeat(W)} ${'0'.repeat(W)}]`;
  const ranges: { brAt: number; b: number; c: number }[] = [];
  for (let k = 1; k <= o.signatures; k++) {
    const before = `${k} 0 obj\n<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached `;
    const contents = `/Contents <${o.contentsHex}>`;
    const obj = `${before}${placeholder} ${contents} /Reason (hostile ${k}) >>\nendobj\n`;
    const brAt = at + before.length;
    const b = brAt + placeholder.length + 1 + '/Contents '.length;
    ranges.push({ brAt, b, c: b + o.contentsHex.length + 2 });
    parts.push(obj);
    at += obj.length;
  }
  const tail = `trailer\n<< /Size ${o.signatures + 1} >>\n%%EOF\n`;
  const fill = Math.max(0, o.bytes - at - tail.length);
  const pdf = Buffer.alloc(at + fill + tail.length, ' ');
  pdf.write(parts.join(''), 0, 'latin1');
  if (fill > 0) {
    pdf.write('%', at, 'latin1');
    pdf.fill('x', at + 1, at + fill - 1);
    pdf.write('\n', at + fill - 1, 'latin1');
  }
  pdf.write(tail, at + fill, 'latin1');
  for (const r of ranges) pdf.write(`/ByteRange [0 ${pad(r.b)} ${pad(r.c)} ${pad(pdf.length - r.c)}]`, r.brAt, 'latin1');
  return pdf;
}

/** The hex of the first signature container of a signed PDF, without its zero padding. */
export function signatureContentsHex(signedPdf: Buffer): string {
  const m = /\/Contents <([0-9a-fA-F]+)>/.exec(signedPdf.toString('latin1'));
  if (!m) throw new Error('not a signed PDF');
  const hex = m[1];
  // A DER SEQUENCE with a two-byte length (30 82 LL LL): the container ends after it.
  if (!hex.startsWith('3082')) throw new Error('the signature container is not a DER SEQUENCE with a two-byte length');
  return hex.slice(0, 2 * (4 + parseInt(hex.slice(4, 8), 16)));
}
