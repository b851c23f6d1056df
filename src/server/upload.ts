/**
 * multipart/form-data parsing for POST /v1/audits (busboy): files stream straight into the blob
 * store (hashed on the way, never held whole in memory) with a size limit per field; text fields
 * are small and collected. Unknown fields, repeated files and oversized parts are rejected.
 * An upload that fails in any way — the client disconnects, the body stalls past the idle
 * timeout or runs past the body timeout, busboy errors — destroys the part being written, so
 * its descriptor is closed and its partial file deleted at once.
 */
import busboy from 'busboy';
import type { Request } from 'express';
import type { Blob, BlobStore } from '../jobs/blobs';
import { formatBytes } from '../jobs/blobs';
import { UsageError } from '../errors';
import { ClientClosedRequestError, PayloadTooLargeError, RequestTimeoutError, UnsupportedMediaTypeError } from '../errors/http';

/** An uploaded file: the stored blob and the client's file name. */
export interface UploadedFile extends Blob {
  field: string;
  filename: string;
}

export interface MultipartSpec {
  /** File fields and their size limits (bytes). */
  files: Record<string, number>;
  /** Text fields and their size limits (bytes). */
  fields: Record<string, number>;
  /** idleMs: longest wait for the next bytes; bodyMs: longest time for the whole body (0: none). */
  timeouts?: { idleMs: number; bodyMs: number };
}

export interface MultipartResult {
  files: Record<string, UploadedFile>;
  fields: Record<string, string>;
}

/**
 * Parses a multipart request. Text fields named like a file field are accepted for the small ones
 * (e.g. `policy` as text); a file sent under a text field's name is read as text.
 * @param onStored called with each blob's sha256 as soon as it is stored (also when parsing fails
 *   later), so the caller can hold it and release it when done.
 * @throws UnsupportedMediaTypeError (not multipart), UsageError (unknown or repeated field),
 *   PayloadTooLargeError (a part over its limit), RequestTimeoutError (idle or body timeout; the
 *   answer then closes the connection).
 */
export function parseMultipart(req: Request, spec: MultipartSpec, blobs: BlobStore, onStored: (sha256: string) => void): Promise<MultipartResult> {
  const type = req.get('content-type') ?? '';
  if (!/^multipart\/form-data/i.test(type)) {
    return Promise.reject(new UnsupportedMediaTypeError(`send multipart/form-data (fields: ${Object.keys(spec.files).join(', ')} as files; ${Object.keys(spec.fields).join(', ')} as text); got '${type || 'no content type'}'`));
  }
  const maxFile = Math.max(...Object.values(spec.files));
  const maxField = Math.max(0, ...Object.values(spec.fields));
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { fileSize: maxFile + 1, fieldSize: maxField + 1, files: Object.keys(spec.files).length + Object.keys(spec.fields).length, fields: Object.keys(spec.fields).length + 2, parts: 20 } });
    } catch (e) {
      reject(new UsageError(`malformed multipart request: ${(e as Error).message}`));
      return;
    }
    const files: Record<string, UploadedFile> = {};
    const fields: Record<string, string> = {};
    const pending: Promise<void>[] = [];
    let failed: Error | null = null;
    let idle: NodeJS.Timeout | undefined;
    let body: NodeJS.Timeout | undefined;
    const stopTimers = () => { clearTimeout(idle); clearTimeout(body); req.off('data', onData); };
    const fail = (e: Error) => {
      if (failed) return;
      failed = e;
      stopTimers();
      req.unpipe(bb);
      bb.destroy(e); // ends the part being written: its file is closed and deleted by the store
      if (e instanceof RequestTimeoutError) req.res?.setHeader('Connection', 'close'); // a slow client is not kept
      req.resume(); // drain the rest so the client gets the answer
      reject(e);
    };
    const t = spec.timeouts;
    const armIdle = () => {
      if (!t?.idleMs) return;
      clearTimeout(idle);
      idle = setTimeout(() => fail(new RequestTimeoutError(`no upload data for ${t.idleMs / 1000} s; send the body without pauses longer than that`, { timeoutS: t.idleMs / 1000 })), t.idleMs);
    };
    const onData = () => armIdle();
    armIdle();
    req.on('data', onData);
    if (t?.bodyMs) body = setTimeout(() => fail(new RequestTimeoutError(`the upload took longer than ${t.bodyMs / 1000} s; send it faster or in a smaller set`, { timeoutS: t.bodyMs / 1000 })), t.bodyMs);
    bb.on('file', (name, stream, info) => {
      if (failed) { stream.resume(); return; }
      const textLimit = spec.fields[name];
      if (textLimit !== undefined && spec.files[name] === undefined) {
        // A text field sent as a file part: read it as text, within the field's limit.
        const chunks: Buffer[] = [];
        let size = 0;
        stream.on('data', (c: Buffer) => { size += c.length; if (size <= textLimit) chunks.push(c); });
        stream.on('end', () => {
          if (size > textLimit) fail(new PayloadTooLargeError(`${name}: larger than the limit of ${formatBytes(textLimit)}`, { field: name }));
          else if (fields[name] !== undefined) fail(new UsageError(`field '${name}' given twice`));
          else fields[name] = Buffer.concat(chunks).toString('utf8');
        });
        return;
      }
      const limit = spec.files[name];
      if (limit === undefined) { stream.resume(); fail(new UsageError(`unknown field '${name}'; accepted files: ${Object.keys(spec.files).join(', ')}; text fields: ${Object.keys(spec.fields).join(', ')}`)); return; }
      if (files[name]) { stream.resume(); fail(new UsageError(`field '${name}' given twice`)); return; }
      const filename = sanitizeName(info.filename, name);
      pending.push(blobs.put(stream, limit, name).then((b) => {
        onStored(b.sha256);
        files[name] = { ...b, field: name, filename };
      }, (e: Error) => { stream.resume(); fail(e); }));
    });
    bb.on('field', (name, value, info) => {
      if (failed) return;
      const limit = spec.fields[name];
      if (limit === undefined) { fail(new UsageError(`unknown field '${name}'; accepted files: ${Object.keys(spec.files).join(', ')}; text fields: ${Object.keys(spec.fields).join(', ')}`)); return; }
      if (info.valueTruncated || Buffer.byteLength(value) > limit) { fail(new PayloadTooLargeError(`${name}: larger than the limit of ${formatBytes(limit)}`, { field: name })); return; }
      if (fields[name] !== undefined) { fail(new UsageError(`field '${name}' given twice`)); return; }
      fields[name] = value;
    });
    bb.on('partsLimit', () => fail(new UsageError('too many parts in the multipart request')));
    bb.on('filesLimit', () => fail(new UsageError('too many files in the multipart request')));
    bb.on('fieldsLimit', () => fail(new UsageError('too many fields in the multipart request')));
    bb.on('error', (e: Error) => fail(e === failed ? e : new UsageError(`malformed multipart request: ${e.message}`)));
    bb.on('close', () => {
      stopTimers();
      Promise.all(pending).then(() => { if (!failed) resolve({ files, fields }); }, () => { /* reported through fail */ });
    });
    const aborted = () => fail(new ClientClosedRequestError('the upload was aborted by the client'));
    req.on('aborted', aborted);
    req.on('close', () => { if (!req.complete) aborted(); });
    req.pipe(bb);
  });
}

/** A display-safe file name: the last path segment, printable, at most 200 characters. */
function sanitizeName(name: string | undefined, fallback: string): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/[^\x20-\x7e]/g, '_').slice(0, 200).trim();
  return clean || fallback;
}
