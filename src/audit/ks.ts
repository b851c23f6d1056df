/**
 * Two-sample Kolmogorov–Smirnov test (Smirnov 1939, "On the estimation of the discrepancy between
 * empirical curves of distribution for two independent samples"; statistic as in
 * scipy.stats.ks_2samp: https://docs.scipy.org/doc/scipy/reference/generated/scipy.stats.ks_2samp.html).
 *
 * With empirical CDFs F_a (sample a, size m) and F_b (sample b, size n), and n_e = m·n/(m + n):
 *
 *   one-sided  D⁺ = sup_x (F_a(x) − F_b(x))   large when b is stochastically LARGER than a
 *              p  = exp(−2 · n_e · D⁺²)        (Smirnov's limit law of √n_e·D⁺)
 *   two-sided  D  = sup_x |F_a(x) − F_b(x)|
 *              p  = Q_KS(√n_e · D),  Q_KS(λ) = 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²λ²}   (Kolmogorov's limit law)
 *
 * The statistics equal scipy's `ks_2samp(a, b, alternative='greater' | 'two-sided')`. The p-values
 * are the plain large-sample limits (two-sided: `scipy.stats.kstwobign.sf(√n_e·D)`). scipy's
 * method='asymp' refines both for finite samples (one-sided: Hodges' extra exponent term
 * −2z(m'+2n')/(3√(m'n'(m'+n'))), z = √n_e·D⁺, m' ≥ n'; two-sided: the exact one-sample law at
 * round(n_e)); the limits are slightly larger, i.e. conservative, and the difference is small for
 * the hundreds of points of an evaluation set. Ties are handled exactly: the CDFs are compared only
 * after every copy of a value has been counted.
 */
import { UsageError } from '../errors';

/** A KS statistic with its asymptotic p-value. */
export interface KsResult {
  statistic: number;
  pValue: number;
}

/** sup_x (F_a(x) − F_b(x)) and sup_x (F_b(x) − F_a(x)) over the pooled sample. */
function extremes(a: ArrayLike<number>, b: ArrayLike<number>): { plus: number; minus: number } {
  for (const [name, s] of [['a', a], ['b', b]] as const) {
    if (s.length === 0) throw new UsageError(`Kolmogorov–Smirnov: sample ${name} is empty`);
    for (let i = 0; i < s.length; i++) if (!Number.isFinite(s[i])) throw new UsageError(`Kolmogorov–Smirnov: sample ${name} holds a non-finite value (${s[i]}) at ${i}`);
  }
  const sa = Float64Array.from(a).sort();
  const sb = Float64Array.from(b).sort();
  const m = sa.length, n = sb.length;
  let i = 0, j = 0, plus = 0, minus = 0;
  while (i < m || j < n) {
    const v = j >= n || (i < m && sa[i] <= sb[j]) ? sa[i] : sb[j];
    while (i < m && sa[i] === v) i++;
    while (j < n && sb[j] === v) j++;
    const d = i / m - j / n;
    if (d > plus) plus = d;
    if (-d > minus) minus = -d;
  }
  return { plus, minus };
}

/** Effective sample size m·n/(m + n). */
function effectiveSize(m: number, n: number): number {
  return (m * n) / (m + n);
}

/**
 * One-sided two-sample KS test of H₀ "F_a ≤ F_b everywhere" against "F_a > F_b somewhere", i.e.
 * evidence that b tends to be LARGER than a: D⁺ = sup_x (F_a(x) − F_b(x)), p = exp(−2·n_e·D⁺²).
 * @throws UsageError when a sample is empty or holds a non-finite value.
 */
export function ksGreater(a: ArrayLike<number>, b: ArrayLike<number>): KsResult {
  const { plus } = extremes(a, b);
  const pValue = Math.min(1, Math.exp(-2 * effectiveSize(a.length, b.length) * plus * plus));
  return { statistic: plus, pValue };
}

/**
 * Two-sided two-sample KS test: D = sup_x |F_a(x) − F_b(x)|, p = Q_KS(√n_e·D).
 * @throws UsageError when a sample is empty or holds a non-finite value.
 */
export function ksTwoSided(a: ArrayLike<number>, b: ArrayLike<number>): KsResult {
  const { plus, minus } = extremes(a, b);
  const d = Math.max(plus, minus);
  return { statistic: d, pValue: kolmogorovQ(Math.sqrt(effectiveSize(a.length, b.length)) * d) };
}

/** Kolmogorov's survival function Q(λ) = 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²λ²}, clamped to [0, 1] (Q(0) = 1). */
export function kolmogorovQ(lambda: number): number {
  if (!(lambda > 0)) return 1;
  // For small λ the alternating series converges slowly; use the Jacobi-theta dual form there:
  // 1 − Q(λ) = (√(2π)/λ) Σ_{k≥1} e^{−(2k−1)²π²/(8λ²)}.
  if (lambda < 1) {
    let s = 0;
    for (let k = 1; k <= 20; k++) s += Math.exp(-((2 * k - 1) ** 2) * Math.PI ** 2 / (8 * lambda * lambda));
    return clamp01(1 - (Math.sqrt(2 * Math.PI) / lambda) * s);
  }
  let q = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * lambda * lambda);
    q += (k % 2 === 1 ? 2 : -2) * term;
    if (term < 1e-18) break;
  }
  return clamp01(q);
}

function clamp01(v: number): number {
  return Math.min(1, Math.max(0, v));
}
