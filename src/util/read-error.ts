/**
 * Why a file could not be read, in words a user acts on. Model, policy and evaluation-set
 * loaders share this one mapping from Node's errno codes, so the same failure reads the same
 * whichever file it was.
 */

/** The errno code of a failed read and the plain-language reason for it. */
export interface ReadFailure {
  /** Node's errno code (`ENOENT`, `EISDIR`, ...), undefined when the error carried none. */
  code: string | undefined;
  /** 'no such file', 'it is a directory', 'permission denied', else the error's own message. */
  reason: string;
}

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
};

/** Describes an error thrown by a file read (readFile, readFileSync, openSync, ...). */
export function describeReadFailure(e: unknown): ReadFailure {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const known = code !== undefined ? REASONS[code] : undefined;
  return { code, reason: known ?? (e as Error | undefined)?.message ?? String(e) };
}
