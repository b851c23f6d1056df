/**
 * Exact binomial confidence intervals (Clopper & Pearson 1934, "The use of confidence or fiducial
 * limits illustrated in the case of the binomial", Biometrika 26(4)): for k successes in n trials
 * at level 1 − α, the interval is
 *   lower = B⁻¹(α/2; k, n − k + 1)   (0 when k = 0)
 *   upper = B⁻¹(1 − α/2; k + 1, n − k)   (1 when k = n)
 * with B⁻¹ the inverse regularized incomplete beta function (stdlib's port of Boost's, which is
 * accurate to a few ulps). It is conservative: coverage is at least the level for every true p.
 * Every accuracy-like figure of a report (k of n points) carries one.
 */
import betaincinv from '@stdlib/math-base-special-betaincinv';

/** The level every report interval uses. */
export const REPORT_CONFIDENCE = 0.95;

/** A binomial proportion k/n with its exact interval. */
export interface ProportionInterval {
  k: number;
  n: number;
  lower: number;
  upper: number;
}

/**
 * The two-sided Clopper–Pearson interval for k of n at `level` (default 0.95). n = 0 gives the
 * uninformative [0, 1]. Throws RangeError for k, n not integers with 0 ≤ k ≤ n or a level outside (0, 1).
 */
export function clopperPearson(k: number, n: number, level: number = REPORT_CONFIDENCE): ProportionInterval {
  if (!Number.isInteger(k) || !Number.isInteger(n) || k < 0 || n < 0 || k > n) throw new RangeError(`need integers 0 ≤ k ≤ n, got k = ${k}, n = ${n}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`confidence level must be in (0, 1), got ${level}`);
  if (n === 0) return { k, n, lower: 0, upper: 1 };
  const alpha = 1 - level;
  const lower = k === 0 ? 0 : betaincinv(alpha / 2, k, n - k + 1);
  const upper = k === n ? 1 : betaincinv(1 - alpha / 2, k + 1, n - k);
  return { k, n, lower: clamp01(lower), upper: clamp01(upper) };
}

/** The interval of a fraction measured on n points (k = round(fraction · n), so k/n fractions round-trip exactly). */
export function fractionInterval(fraction: number, n: number, level: number = REPORT_CONFIDENCE): ProportionInterval {
  return clopperPearson(Math.round(fraction * n), n, level);
}

/**
 * Points needed so that the interval's half-width is at most `halfWidth` around the observed
 * proportion k/n (the smallest N with (upper − lower)/2 ≤ halfWidth at the same proportion), by
 * bisection on N. Used to tell a user how many points a ±1 pp figure needs.
 */
export function pointsForHalfWidth(proportion: number, halfWidth: number, level: number = REPORT_CONFIDENCE): number {
  if (!(proportion >= 0 && proportion <= 1)) throw new RangeError(`proportion must be in [0, 1], got ${proportion}`);
  if (!(halfWidth > 0 && halfWidth < 0.5)) throw new RangeError(`half-width must be in (0, 0.5), got ${halfWidth}`);
  const width = (n: number) => { const c = clopperPearson(Math.round(proportion * n), n, level); return (c.upper - c.lower) / 2; };
  let lo = 1, hi = 2;
  while (width(hi) > halfWidth) { lo = hi; hi *= 2; if (hi > 1e9) return Infinity; }
  while (hi - lo > 1) { const mid = Math.floor((lo + hi) / 2); if (width(mid) > halfWidth) lo = mid; else hi = mid; }
  return hi;
}

function clamp01(v: number): number {
  return Math.min(1, Math.max(0, v));
}
