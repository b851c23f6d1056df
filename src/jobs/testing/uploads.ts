/** A temporary folder for the uploads a jobs test inspects. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface UploadFolder {
  /** The folder (under the OS temporary directory). */
  dir: string;
  /** Writes bytes as the next upload (`upload-<k>.<ext>`) and returns its path. */
  upload(bytes: Uint8Array, ext: string): string;
  /** Removes the folder and everything in it. */
  remove(): void;
}

/** Creates a fresh upload folder named `<prefix>XXXXXX`; the caller removes it (e.g. in afterAll). */
export function uploadFolder(prefix: string): UploadFolder {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let files = 0;
  return {
    dir,
    upload(bytes, ext) {
      const path = join(dir, `upload-${files++}.${ext}`);
      writeFileSync(path, bytes);
      return path;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
