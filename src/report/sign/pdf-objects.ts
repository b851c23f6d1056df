/**
 * Just enough of the PDF file structure (ISO 32000-1 §7.3 objects, §7.5 file structure,
 * https://opensource.adobe.com/dc-acrobat-sdk-docs/pdfstandards/PDF32000_2008.pdf) to add a
 * signature by incremental update: a tokenizer/parser for direct objects, a serializer, and a
 * reader for classic cross-reference tables (with /Prev chains). Cross-reference streams and
 * encrypted files are refused with a DataError (pdfkit writes neither).
 *
 * Files are handled as latin1 strings so string offsets are byte offsets.
 */
import { DataError, InternalError } from '../../errors';

/** A parsed direct object. Scalars (numbers, names, strings, booleans, null) keep their source text. */
export type PdfValue =
  | { t: 'dict'; entries: [string, PdfValue][] }
  | { t: 'array'; items: PdfValue[] }
  | { t: 'ref'; num: number; gen: number }
  | { t: 'raw'; text: string };

const WS = '\0\t\n\f\r ';
const DELIM = '()<>[]{}/%';
const isWs = (c: string) => WS.includes(c);
const isRegular = (c: string) => c !== '' && !isWs(c) && !DELIM.includes(c);

function skipWs(s: string, pos: number): number {
  while (pos < s.length) {
    if (isWs(s[pos])) pos++;
    else if (s[pos] === '%') { while (pos < s.length && s[pos] !== '\n' && s[pos] !== '\r') pos++; }
    else break;
  }
  return pos;
}

function literalStringEnd(s: string, pos: number): number {
  let depth = 0;
  for (let i = pos; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') i++;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i + 1;
  }
  throw new DataError('PDF: unterminated string');
}

/** Parses one direct object at `pos`; returns it and the position after it. */
export function parseValue(s: string, pos: number, depth = 0): [PdfValue, number] {
  if (depth > 64) throw new DataError('PDF: objects nested too deeply');
  pos = skipWs(s, pos);
  const c = s[pos];
  if (c === undefined) throw new DataError('PDF: unexpected end of data');
  if (s.startsWith('<<', pos)) {
    const entries: [string, PdfValue][] = [];
    pos += 2;
    for (;;) {
      pos = skipWs(s, pos);
      if (s.startsWith('>>', pos)) return [{ t: 'dict', entries }, pos + 2];
      const [key, afterKey] = parseValue(s, pos, depth + 1);
      if (key.t !== 'raw' || !key.text.startsWith('/')) throw new DataError(`PDF: dictionary key expected at byte ${pos}`);
      const [value, afterValue] = parseValue(s, afterKey, depth + 1);
      entries.push([key.text, value]);
      pos = afterValue;
    }
  }
  if (c === '[') {
    const items: PdfValue[] = [];
    pos++;
    for (;;) {
      pos = skipWs(s, pos);
      if (s[pos] === ']') return [{ t: 'array', items }, pos + 1];
      if (pos >= s.length) throw new DataError('PDF: unterminated array');
      const [v, next] = parseValue(s, pos, depth + 1);
      items.push(v);
      pos = next;
    }
  }
  if (c === '(') {
    const end = literalStringEnd(s, pos);
    return [{ t: 'raw', text: s.slice(pos, end) }, end];
  }
  if (c === '<') {
    const end = s.indexOf('>', pos);
    if (end < 0) throw new DataError('PDF: unterminated hex string');
    return [{ t: 'raw', text: s.slice(pos, end + 1) }, end + 1];
  }
  if (c === '/') {
    let end = pos + 1;
    while (isRegular(s[end] ?? '')) end++;
    return [{ t: 'raw', text: s.slice(pos, end) }, end];
  }
  let end = pos;
  while (isRegular(s[end] ?? '')) end++;
  if (end === pos) throw new DataError(`PDF: unexpected '${c}' at byte ${pos}`);
  const token = s.slice(pos, end);
  const ref = /^\d+$/.test(token) ? /^\s+(\d+)\s+R(?=[\s\0/<>[\]()%]|$)/.exec(s.slice(end, end + 24)) : null;
  if (ref) return [{ t: 'ref', num: Number(token), gen: Number(ref[1]) }, end + ref[0].length];
  return [{ t: 'raw', text: token }, end];
}

/** Serializes a value back to PDF syntax. */
export function serialize(v: PdfValue): string {
  switch (v.t) {
    case 'dict': return `<<${v.entries.map(([k, x]) => ` ${k} ${serialize(x)}`).join('')} >>`;
    case 'array': return `[${v.items.map(serialize).join(' ')}]`;
    case 'ref': return `${v.num} ${v.gen} R`;
    case 'raw': return v.text;
  }
}

/** The value of a dictionary key, or undefined. */
export function dictGet(d: PdfValue, key: string): PdfValue | undefined {
  if (d.t !== 'dict') return undefined;
  return d.entries.find(([k]) => k === key)?.[1];
}

/** Sets (replaces or appends) a dictionary key. */
export function dictSet(d: PdfValue, key: string, value: PdfValue): void {
  if (d.t !== 'dict') throw new InternalError('dictSet on a non-dictionary');
  const i = d.entries.findIndex(([k]) => k === key);
  if (i >= 0) d.entries[i] = [key, value];
  else d.entries.push([key, value]);
}

/** A PDF string for text: a literal string when printable ASCII, else UTF-16BE hex with BOM (§7.9.2.2). */
export function pdfTextString(text: string): string {
  if (/^[\x20-\x7e]*$/.test(text)) return `(${text.replace(/[\\()]/g, (m) => `\\${m}`)})`;
  const utf16 = Buffer.from(text, 'utf16le').swap16();
  return `<FEFF${utf16.toString('hex').toUpperCase()}>`;
}

/** Decodes a literal or hex PDF string's source text to a JS string (PDFDocEncoding approximated by latin1). */
export function decodePdfString(text: string): string {
  let bytes: Buffer;
  if (text.startsWith('<')) bytes = Buffer.from(text.slice(1, -1).replace(/\s+/g, ''), 'hex');
  else {
    const body = text.slice(1, -1);
    const out: number[] = [];
    const esc: Record<string, number> = { n: 10, r: 13, t: 9, b: 8, f: 12, '(': 40, ')': 41, '\\': 92 };
    for (let i = 0; i < body.length; i++) {
      const ch = body[i];
      if (ch !== '\\') { out.push(body.charCodeAt(i) & 0xff); continue; }
      const n = body[++i];
      if (n === undefined) break;
      if (n in esc) out.push(esc[n]);
      else if (/[0-7]/.test(n)) {
        let oct = n;
        while (oct.length < 3 && /[0-7]/.test(body[i + 1] ?? '')) oct += body[++i];
        out.push(parseInt(oct, 8) & 0xff);
      } else if (n === '\r') { if (body[i + 1] === '\n') i++; } else if (n !== '\n') out.push(n.charCodeAt(0) & 0xff);
    }
    bytes = Buffer.from(out);
  }
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return Buffer.from(bytes.subarray(2)).swap16().toString('utf16le');
  return bytes.toString('latin1');
}

/** Cross-reference information of a classic-xref PDF. */
export interface XrefInfo {
  /** Object number → byte offset and generation (newest section wins). */
  objects: Map<number, { offset: number; gen: number }>;
  /** The newest trailer dictionary. */
  trailer: PdfValue;
  /** Offset of the newest xref section (the new section's /Prev). */
  startxref: number;
}

/** Reads the cross-reference table chain of a PDF (latin1 string). */
export function readXref(s: string): XrefInfo {
  const sx = s.lastIndexOf('startxref');
  if (sx < 0) throw new DataError('PDF: no startxref (not a complete PDF file)');
  const m = /^startxref\s+(\d+)/.exec(s.slice(sx, sx + 40));
  if (!m) throw new DataError('PDF: malformed startxref');
  const startxref = Number(m[1]);
  const objects = new Map<number, { offset: number; gen: number }>();
  let trailer: PdfValue | undefined;
  const seen = new Set<number>();
  for (let at: number | undefined = startxref; at !== undefined;) {
    if (seen.has(at) || seen.size > 1000) throw new DataError('PDF: cross-reference /Prev chain loops');
    seen.add(at);
    if (!s.startsWith('xref', at)) {
      if (/^\d+\s+\d+\s+obj/.test(s.slice(at, at + 32))) {
        throw new DataError('PDF: cross-reference streams (PDF 1.5 compressed xref) are not supported; save the PDF with a classic cross-reference table');
      }
      throw new DataError(`PDF: no cross-reference table at byte ${at}`);
    }
    let pos = at + 4;
    for (;;) {
      pos = skipWs(s, pos);
      if (s.startsWith('trailer', pos)) break;
      const head = /^(\d+)\s+(\d+)/.exec(s.slice(pos, pos + 32));
      if (!head) throw new DataError(`PDF: malformed cross-reference subsection at byte ${pos}`);
      const first = Number(head[1]);
      const count = Number(head[2]);
      pos += head[0].length;
      for (let i = 0; i < count; i++) {
        pos = skipWs(s, pos);
        const e = /^(\d{10}) (\d{5}) ([nf])/.exec(s.slice(pos, pos + 18));
        if (!e) throw new DataError(`PDF: malformed cross-reference entry at byte ${pos}`);
        pos += 18;
        if (e[3] === 'n' && !objects.has(first + i)) objects.set(first + i, { offset: Number(e[1]), gen: Number(e[2]) });
        if (e[3] === 'f' && !objects.has(first + i)) objects.set(first + i, { offset: -1, gen: Number(e[2]) });
      }
    }
    const [t] = parseValue(s, pos + 'trailer'.length);
    trailer ??= t;
    if (dictGet(t, '/XRefStm')) throw new DataError('PDF: hybrid cross-reference files are not supported');
    const prev = dictGet(t, '/Prev');
    at = prev?.t === 'raw' ? Number(prev.text) : undefined;
  }
  if (!trailer) throw new DataError('PDF: no trailer');
  if (dictGet(trailer, '/Encrypt')) throw new DataError('PDF: encrypted PDFs cannot be signed here');
  return { objects: new Map([...objects].filter(([, v]) => v.offset >= 0)), trailer, startxref };
}

/** Reads indirect object `num` (its direct value); stream objects are reported as `stream: true`. */
export function readObject(s: string, xref: XrefInfo, num: number): { gen: number; value: PdfValue; stream: boolean } {
  const entry = xref.objects.get(num);
  if (!entry) throw new DataError(`PDF: object ${num} is not in the cross-reference table`);
  const head = /^(\d+)\s+(\d+)\s+obj/.exec(s.slice(entry.offset, entry.offset + 32));
  if (!head || Number(head[1]) !== num) throw new DataError(`PDF: object ${num} is not at byte ${entry.offset}`);
  const [value, end] = parseValue(s, entry.offset + head[0].length);
  const stream = s.startsWith('stream', skipWs(s, end));
  return { gen: Number(head[2]), value, stream };
}
