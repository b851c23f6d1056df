/**
 * The threat radius ε as people write it: a decimal ("0.03") or an exact rational ("8/255",
 * numerator and denominator positive integers or decimals). Shared by the CLI (--eps) and the
 * API config (`"eps": "8/255"` or a number); the report records both the float64 value and,
 * for a rational, the text as written (report.threat.epsExact).
 */
import { UsageError } from '../errors';

/** A parsed ε: its value and, when it was written as a rational a/b, the normalised text "a/b". */
export interface ParsedEps {
  eps: number;
  /** "a/b" as written (spaces removed) for a rational; null for a decimal. */
  epsExact: string | null;
}

/** What --eps and the API's eps accept (for error messages and help). */
export const EPS_FORMS = "a number > 0 (0.03) or an exact fraction a/b (8/255)";

const DECIMAL = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Parses ε from text or a number.
 * @throws UsageError (400) with a one-line message saying what is accepted ('8/0', '-1', 'abc', '0' are refused).
 */
export function parseEps(value: string | number): ParsedEps {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value <= 0) throw new UsageError(`eps must be ${EPS_FORMS}; got ${value}`);
    return { eps: value, epsExact: null };
  }
  const text = value.trim();
  const parts = text.split('/');
  if (parts.length === 2) {
    const [a, b] = parts.map((p) => p.trim());
    if (!DECIMAL.test(a) || !DECIMAL.test(b)) throw new UsageError(`eps '${value}' is not a fraction of two positive numbers; expected ${EPS_FORMS}`);
    const num = Number(a);
    const den = Number(b);
    if (den === 0) throw new UsageError(`eps '${value}' divides by zero; expected ${EPS_FORMS}`);
    const eps = num / den;
    if (!(eps > 0) || !Number.isFinite(eps)) throw new UsageError(`eps '${value}' must be > 0 and finite; expected ${EPS_FORMS}`);
    return { eps, epsExact: `${a}/${b}` };
  }
  if (parts.length > 2 || !DECIMAL.test(text)) {
    const hint = text.startsWith('-') ? ' (ε is a radius: it must be > 0)' : '';
    throw new UsageError(`eps '${value}' is not ${EPS_FORMS}${hint}`);
  }
  const eps = Number(text);
  if (!(eps > 0) || !Number.isFinite(eps)) throw new UsageError(`eps '${value}' must be > 0 and finite; expected ${EPS_FORMS}`);
  return { eps, epsExact: null };
}
