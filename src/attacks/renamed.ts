/**
 * Deprecated parameter names. Every gradient attack counts its iterations in `steps` and every
 * score-based attack its budget in `queries`; FAB-T once said `iterations` and Square `nQueries`.
 * Parameters written with an old name (scripts, saved battery specs, library calls) still parse:
 * the old key is mapped onto the new one before the attack's schema sees it. Giving both is an
 * error that names the new parameter.
 */
import { z } from 'zod';

/** Old parameter name → the name that replaced it. */
export type Renames = Readonly<Record<string, string>>;

/**
 * `schema` that also accepts each old key of `renames` in place of its new key (the output has
 * only the new key). An object holding both an old key and its new key fails with an issue at the
 * old key: "'iterations' was renamed 'steps'; give only 'steps'". Non-objects pass through unchanged.
 */
export function withRenamed<T extends z.ZodType>(schema: T, renames: Renames) {
  return z.preprocess((input, ctx) => {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
    const out: Record<string, unknown> = { ...(input as Record<string, unknown>) };
    for (const [old, now] of Object.entries(renames)) {
      if (!Object.prototype.hasOwnProperty.call(out, old)) continue;
      if (Object.prototype.hasOwnProperty.call(out, now)) {
        ctx.addIssue({ code: 'custom', path: [old], message: `'${old}' was renamed '${now}'; give only '${now}'`, input });
        continue;
      }
      out[now] = out[old];
      delete out[old];
    }
    return out;
  }, schema);
}
