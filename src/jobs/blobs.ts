/**
 * Content-addressed storage of uploads: each file is stored once, under its sha256, in
 * `<root>/sha256/<hex>`. Writes stream to a temporary file while hashing (never buffered whole in
 * memory) and are renamed into place, so a reader never sees a partial blob.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PayloadTooLargeError } from '../errors/http';
import { InternalError } from '../errors';

/** A stored blob. */
export interface Blob {
  sha256: string;
  size: number;
  path: string;
}

/** The blob store under `root`. */
export class BlobStore {
  private readonly dir: string;
  private readonly tmp: string;

  constructor(root: string) {
    this.dir = join(root, 'sha256');
    this.tmp = join(root, 'incoming');
    mkdirSync(this.dir, { recursive: true });
    mkdirSync(this.tmp, { recursive: true });
  }

  /** Path of the blob with this sha256 (it may not exist). */
  path(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new InternalError(`not a sha256: ${sha256}`);
    return join(this.dir, sha256);
  }

  has(sha256: string): boolean {
    return existsSync(this.path(sha256));
  }

  /**
   * Streams `source` into the store.
   * @param maxBytes the upload is rejected (PayloadTooLargeError, nothing kept) once it exceeds this.
   * @param field name used in the error message.
   */
  async put(source: Readable, maxBytes: number, field: string): Promise<Blob> {
    const tmp = join(this.tmp, `${Date.now()}-${randomBytes(8).toString('hex')}`);
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        size += chunk.length;
        if (size > maxBytes) {
          cb(new PayloadTooLargeError(`${field}: larger than the limit of ${formatBytes(maxBytes)}`, { field, limit: maxBytes }));
          return;
        }
        hash.update(chunk);
        cb(null, chunk);
      },
    });
    const out = createWriteStream(tmp, { mode: 0o600 });
    try {
      await pipeline(source, meter, out);
    } catch (e) {
      // an aborted or rejected upload: close the descriptor, then delete the partial file
      if (!out.closed) { out.destroy(); await once(out, 'close').catch(() => undefined); }
      rmSync(tmp, { force: true });
      throw e;
    }
    const sha256 = hash.digest('hex');
    const path = this.path(sha256);
    if (existsSync(path)) rmSync(tmp, { force: true });
    else renameSync(tmp, path);
    return { sha256, size: statSync(path).size, path };
  }

  /** The sha256 of every stored blob. */
  list(): string[] {
    return readdirSync(this.dir).filter((n) => /^[0-9a-f]{64}$/.test(n));
  }

  /**
   * Deletes every partial upload in `incoming/` (left by a crash). Only the process that accepts
   * uploads may call it, and only before it accepts any.
   * @returns how many files were removed.
   */
  sweepIncoming(): number {
    const names = readdirSync(this.tmp);
    for (const n of names) rmSync(join(this.tmp, n), { recursive: true, force: true });
    return names.length;
  }

  /** Deletes a blob (no error when absent). */
  remove(sha256: string): void {
    rmSync(this.path(sha256), { force: true });
  }
}

/** 1536 → "1.5 KiB". */
export function formatBytes(n: number): string {
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < u.length - 1) { v /= 1024; i++; }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${u[i]}`;
}
