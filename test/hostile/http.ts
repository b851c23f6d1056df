/**
 * A tiny HTTP client for the hostile-input suite: every request on its own connection that is
 * closed after the answer (no keep-alive pool, so open-descriptor counts are comparable), and raw
 * bytes on a socket for requests no well-behaved client would send.
 */
import { request } from 'node:http';
import { connect } from 'node:net';

/** A multipart part: a file (bytes and a file name) or a text value. */
export type Part = { bytes: Uint8Array; name: string } | string;

/** What came back: `status` null when the server closed the connection without an answer. */
export interface Answer {
  status: number | null;
  headers: Record<string, string>;
  text: string;
  /** The parsed JSON body, or null. */
  body: any;
}

export const BOUNDARY = 'hostile-suite-boundary';

/** A multipart/form-data body of `parts`, in order. */
export function multipart(parts: Record<string, Part>): Buffer {
  const chunks: Buffer[] = [];
  for (const [name, v] of Object.entries(parts)) {
    if (typeof v === 'string') {
      chunks.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${v}\r\n`));
    } else {
      chunks.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"; filename="${v.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`), Buffer.from(v.bytes), Buffer.from('\r\n'));
    }
  }
  chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(chunks);
}

function answer(status: number | null, headers: Record<string, string>, text: string): Answer {
  let body: any = null;
  try { body = JSON.parse(text); } catch { /* not JSON */ }
  return { status, headers, text, body };
}

/** Sends one request on a fresh connection and reads the whole answer. */
export function send(port: number, method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent: false, headers: { connection: 'close', ...headers, ...(body ? { 'content-length': String(body.length) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(answer(res.statusCode ?? null, res.headers as Record<string, string>, Buffer.concat(chunks).toString('utf8'))));
      res.on('error', reject);
    });
    // a server that answers early (413, 401) may close before the whole body is written
    req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' || e.code === 'EPIPE' ? resolve(answer(null, {}, '')) : reject(e)));
    req.end(body);
  });
}

/**
 * Writes `bytes` on a raw socket; with `hangUpWhen` the socket is destroyed once it holds (polled
 * every 10 ms, at most 5 s: an upload aborted once the server is writing it), otherwise the answer
 * is read until the server closes or `waitMs` pass.
 */
export function sendRaw(port: number, bytes: Buffer, o: { hangUpWhen?: () => boolean; waitMs?: number } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let text = '';
    const s = connect(port, '127.0.0.1', () => {
      s.write(bytes, async () => {
        if (!o.hangUpWhen) return;
        for (const t0 = Date.now(); !o.hangUpWhen() && Date.now() - t0 < 5000;) await new Promise((r) => setTimeout(r, 10));
        s.destroy();
      });
    });
    const done = () => {
      clearTimeout(timer);
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      const split = text.indexOf('\r\n\r\n');
      const headers: Record<string, string> = {};
      for (const line of text.slice(0, split < 0 ? 0 : split).split('\r\n').slice(1)) {
        const i = line.indexOf(':');
        if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      resolve(answer(m ? Number(m[1]) : null, headers, split < 0 ? '' : dechunk(text.slice(split + 4), headers)));
    };
    const timer = setTimeout(() => s.destroy(), o.waitMs ?? 10_000);
    s.on('data', (c: Buffer) => { text += c.toString('latin1'); });
    s.on('close', done);
    s.on('error', (e: NodeJS.ErrnoException) => { if (e.code !== 'ECONNRESET' && e.code !== 'EPIPE') reject(e); });
  });
}

/** The body of a chunked answer, joined. */
function dechunk(body: string, headers: Record<string, string>): string {
  if (!/chunked/i.test(headers['transfer-encoding'] ?? '')) return body;
  let out = '';
  for (let at = 0; ;) {
    const eol = body.indexOf('\r\n', at);
    const size = parseInt(body.slice(at, eol), 16);
    if (!(size > 0)) return out;
    out += body.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
}
