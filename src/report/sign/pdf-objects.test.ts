import { DataError } from '../../errors';
import { decodePdfString, dictGet, parseValue, pdfTextString, readObject, readXref, serialize } from './pdf-objects';
import { handWrittenPdf, pdfkitPdf } from './testing/pdfs';

describe('PDF objects', () => {
  it('parses dictionaries, arrays, references, names, numbers and strings, and serializes them back', () => {
    const src = '<< /Type /Page /Kids [3 0 R 4 0 R] /MediaBox [0 0 612 792] /T (a (nested) \\) string) /H <48 49> /N null /Sub << /X 1.5 >> >>';
    const [v, end] = parseValue(src, 0);
    expect(end).toBe(src.length);
    expect(dictGet(v, '/Kids')).toEqual({ t: 'array', items: [{ t: 'ref', num: 3, gen: 0 }, { t: 'ref', num: 4, gen: 0 }] });
    expect(dictGet(v, '/MediaBox')).toEqual({ t: 'array', items: ['0', '0', '612', '792'].map((text) => ({ t: 'raw', text })) });
    expect(dictGet(v, '/T')).toEqual({ t: 'raw', text: '(a (nested) \\) string)' });
    expect(parseValue(serialize(v), 0)[0]).toEqual(v);
  });

  it('encodes text as literal strings when ASCII and UTF-16BE hex otherwise, and decodes both', () => {
    expect(pdfTextString('a (b) \\c')).toBe('(a \\(b\\) \\\\c)');
    expect(pdfTextString('ε=0.1')).toBe('<FEFF03B5003D0030002E0031>');
    for (const s of ['plain', 'a (b) \\c', 'ε=0.1 — ✓']) expect(decodePdfString(pdfTextString(s))).toBe(s);
    expect(decodePdfString('(line\\nbreak \\101)')).toBe('line\nbreak A');
  });

  it('reads the cross-reference table of a pdfkit PDF and finds the catalog', async () => {
    const s = (await pdfkitPdf(1)).toString('latin1');
    const xref = readXref(s);
    const root = dictGet(xref.trailer, '/Root');
    expect(root?.t).toBe('ref');
    const catalog = readObject(s, xref, (root as { num: number }).num);
    expect(dictGet(catalog.value, '/Type')).toEqual({ t: 'raw', text: '/Catalog' });
  });

  it('refuses cross-reference streams, encrypted files and broken files with DataError', () => {
    const xrefStream = '%PDF-1.5\n1 0 obj\n<< /Type /XRef /Size 1 /W [1 2 1] /Length 0 >>\nstream\n\nendstream\nendobj\nstartxref\n9\n%%EOF\n';
    expect(() => readXref(xrefStream)).toThrow(/cross-reference streams/);
    const pdf = handWrittenPdf(['<< /Type /Catalog >>']).toString('latin1');
    expect(() => readXref(pdf.replace('/Root 1 0 R', '/Root 1 0 R /Encrypt 1 0 R'))).toThrow(/encrypted/);
    expect(() => readXref('%PDF-1.4\nno trailer')).toThrow(DataError);
    expect(() => parseValue('<< /A (unterminated', 0)).toThrow(DataError);
  });
});
