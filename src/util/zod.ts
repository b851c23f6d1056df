import type { z } from 'zod';

/** How a numeric path segment is written: `a.0.b` (dots) or `a[0].b` (brackets). */
export type IssuePathStyle = 'dots' | 'brackets';

/** One zod issue as a path and its message. */
export interface IssueLine {
  path: string;
  message: string;
}

/** A zod issue's path as text; `root` names an empty path. */
export function formatIssuePath(path: readonly PropertyKey[], root = '', style: IssuePathStyle = 'dots'): string {
  if (style === 'dots') return path.map(String).join('.') || root;
  if (path.length === 0) return root;
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i > 0 ? '.' : ''}${String(p)}`)).join('');
}

/** A zod error's issues as `{ path, message }` records, in zod's order. */
export function listIssues(error: z.ZodError, root = '', style: IssuePathStyle = 'dots'): IssueLine[] {
  return error.issues.map((i) => ({ path: formatIssuePath(i.path, root, style), message: i.message }));
}

/** Issue records as one line: "path: message; path: message". */
export function joinIssues(issues: readonly IssueLine[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join('; ');
}

/** A zod error's issues as one line: "path: message; path: message" (`root` names an empty path). */
export function describeIssues(error: z.ZodError, root = '', style: IssuePathStyle = 'dots'): string {
  return joinIssues(listIssues(error, root, style));
}
