import type { z } from 'zod';

/** A zod error's issues as one line: "path: message; path: message" (`root` names an empty path). */
export function describeIssues(error: z.ZodError, root = ''): string {
  return error.issues.map((i) => `${i.path.join('.') || root}: ${i.message}`).join('; ');
}
