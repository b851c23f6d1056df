/**
 * FAB-T: the targeted Fast Adaptive Boundary attack, a minimum-norm attack.
 * F. Croce, M. Hein, "Minimally distorted Adversarial Examples with a Fast Adaptive Boundary
 * Attack", ICML 2020, https://arxiv.org/abs/1907.02044 — targeted as in AutoAttack (Croce &
 * Hein 2020, https://arxiv.org/abs/2003.01690; fra31/auto-attack fab_base.py, standard version:
 * 9 target classes, 1 restart, 100 iterations, α_max = 0.1, η = 1.05, β = 0.9).
 *
 * For each target t among the `targetClasses` classes with the highest clean logits after y,
 * and each restart (the first from x, later ones from a random point at radius min(best, ε)/2):
 *   1. linearise g = z_t − z_y at the iterate x⁽ⁱ⁾: π = {ξ : g(x⁽ⁱ⁾) + ⟨∇g, ξ − x⁽ⁱ⁾⟩ = 0};
 *   2. project x⁽ⁱ⁾ and the original x onto π ∩ box in the threat norm: steps δ, δ₀;
 *   3. x⁽ⁱ⁺¹⁾ = clip_box((1−α)(x⁽ⁱ⁾ + η·δ) + α(x + η·δ₀)), α = min(‖δ‖/(‖δ‖ + ‖δ₀‖), α_max):
 *      overshoot η, biased towards the original point;
 *   4. if x⁽ⁱ⁺¹⁾ is misclassified, keep it when its norm is the smallest so far and step back
 *      towards x: x⁽ⁱ⁺¹⁾ ← x + β(x⁽ⁱ⁺¹⁾ − x).
 * The result per sample is the smallest-norm adversarial example over all targets and restarts,
 * refined by the final search of the FAB reference code (a few secant steps on the segment from
 * x to it; `finalSearch: 0` reproduces AutoAttack). ε is only the success threshold (and the
 * random-start radius), never a search constraint.
 *
 * ∇g = ∇z_t − ∇z_y comes exactly from two targeted cross-entropy gradients, stacked in one
 * lossAndGrad call (2 gradient samples per sample and iteration, plus one forward sample for the
 * misclassification check): CE_c = z_c − logsumexp(z), so ∇CE_t − ∇CE_y = ∇z_t − ∇z_y.
 * (The targeted CW gradient equals it only where y is the runner-up to t.)
 *
 * The projection onto {δ : ⟨w, δ⟩ = c} ∩ [lo, hi] (the paper's box-constrained projection) is a
 * 1-D search over breakpoints: the minimiser is δ_k = sign(c·w_k)·min(λ·s_k, room_k) with s_k = 1
 * (ℓ∞) or |w_k| (ℓ2) and room_k the box room in that direction; ⟨w, δ⟩ is piecewise linear and
 * non-decreasing in λ with a kink at each λ_k = room_k/s_k. The reference code sorts the λ_k and
 * bisects; we locate the same interval by a selection search over the unsorted breakpoints
 * (expected O(D) instead of O(D log D)).
 * Where the hyperplane lies beyond the box, the box point closest to it is returned (as there).
 *
 * `search` stops working on a sample once its best norm is ≤ ε (as AutoAttack skips broken
 * points for the next target): the candidate is then the smallest found up to that moment.
 * `fabMinimalNorms` never stops early and gives the minimal norms themselves.
 */
import { z } from 'zod';
import { CancelledError, UsageError } from '../errors';
import { sampleRng } from '../util/random';
import { checkThreat, parseParams } from './run';
import { withRenamed } from './renamed';
import { argmaxRows, batchIds, selectRows } from './tensor';
import { AttackBatch, AttackContext, AttackDefinition, AttackModel, hasGradients, LogitsModel, Norm } from './types';

// Module-level aliases: global lookups (Math, Infinity, …) are slow inside vm contexts such as
// jest's sandbox, and these run per element in the hot loops.
const { abs, min, max, sqrt, fround, log, cos, PI } = Math;
const finite = Number.isFinite;
const INF = Number.POSITIVE_INFINITY;

export const fabParams = withRenamed(z.object({
  steps: z.number().int().min(1).max(100_000).default(100)
    .describe('iterations (gradient steps) per target class and restart (AutoAttack: 100)'),
  restarts: z.number().int().min(1).max(1000).default(1)
    .describe('runs per target class; the first starts at x, later ones at a random point of radius min(best, startEps)/2 (AutoAttack standard: 1)'),
  targetClasses: z.number().int().min(1).max(100_000).default(9)
    .describe('target classes: the ones with the highest clean logits after the true class (capped at classes − 1; AutoAttack: 9)'),
  alphaMax: z.number().min(0).max(1).default(0.1)
    .describe('largest weight of the step from the original point (α_max)'),
  eta: z.number().min(1).max(10).default(1.05)
    .describe('overshoot of the projection step (η ≥ 1)'),
  beta: z.number().gt(0).lt(1).default(0.9)
    .describe('backward step towards x after a misclassified iterate (β)'),
  finalSearch: z.number().int().min(0).max(100).default(3)
    .describe('steps of the final search on the segment from x to the best example (secant on z_y − z_adv, FAB reference code); 0 reproduces AutoAttack'),
  startEps: z.number().positive().optional()
    .describe('cap on the random-start radius (restarts after the first); default the threat ε (fabMinimalNorms: the best norm found, else half the box)'),
}).strict(), { iterations: 'steps' });
export type FabParams = z.infer<typeof fabParams>;

/** Reusable buffers of `projectHyperplaneBox` (length ≥ D). */
export interface ProjectionWork {
  idx: Uint32Array;
  breakpoint: Float64Array;
}

export function projectionWork(dim: number): ProjectionWork {
  return { idx: new Uint32Array(dim), breakpoint: new Float64Array(dim) };
}

/**
 * The minimal-norm δ (ℓ∞ or ℓ2) with ⟨w, δ⟩ = c and lo ≤ δ ≤ hi (lo ≤ 0 ≤ hi elementwise), written
 * to `out`; where no such δ exists, the box point maximising c·⟨w, δ⟩. Returns ‖δ‖ (float64).
 */
export function projectHyperplaneBox(
  w: ArrayLike<number>, c: number, lo: ArrayLike<number>, hi: ArrayLike<number>, norm: Norm,
  out: Float64Array, work: ProjectionWork = projectionWork(w.length),
): number {
  const D = w.length;
  const sgn = c >= 0 ? 1 : -1;
  const need = abs(c);
  const { idx, breakpoint: bp } = work;
  const linf = norm === 'linf';
  out.fill(0, 0, D);
  if (!(need > 0)) return 0;
  // Coordinates that can move towards the hyperplane: breakpoint λ_k = room_k / s_k.
  let m = 0;
  let reach = 0;
  for (let k = 0; k < D; k++) {
    const a = sgn * w[k];
    if (a === 0 || !finite(a)) continue;
    const room = a > 0 ? max(hi[k], 0) : max(-lo[k], 0);
    if (!(room > 0)) continue;
    const aw = abs(a);
    bp[k] = linf ? room : room / aw;
    idx[m++] = k;
    reach += aw * room;
  }
  // h(λ) = Σ_{λ_k ≤ λ} |w_k|·room_k + λ·Σ_{λ_k > λ} |w_k|·s_k; find h(λ) = need.
  let lambda = INF;
  if (reach > need) {
    let capped = 0; // Σ |w_k| room_k over breakpoints known to lie below λ
    let slope = 0; // Σ |w_k| s_k over breakpoints known to lie at or above λ
    let left = 0;
    let right = m;
    while (right > left) {
      const p = bp[idx[(left + right) >>> 1]];
      let capLe = 0;
      let slopeGt = 0;
      let slopeGe = 0;
      for (let j = left; j < right; j++) {
        const k = idx[j];
        const aw = abs(w[k]);
        const s = linf ? aw : aw * aw;
        if (bp[k] <= p) capLe += s * bp[k];
        if (bp[k] > p) slopeGt += s;
        if (bp[k] >= p) slopeGe += s;
      }
      if (capped + capLe + p * (slope + slopeGt) < need) {
        // λ > p: every breakpoint ≤ p is capped; keep those above p.
        capped += capLe;
        let q = left;
        for (let j = left; j < right; j++) if (bp[idx[j]] > p) { const t = idx[q]; idx[q++] = idx[j]; idx[j] = t; }
        right = q;
      } else {
        // λ ≤ p: every breakpoint ≥ p is still linear; keep those below p.
        slope += slopeGe;
        let q = left;
        for (let j = left; j < right; j++) if (bp[idx[j]] < p) { const t = idx[q]; idx[q++] = idx[j]; idx[j] = t; }
        right = q;
      }
    }
    if (slope > 0) lambda = max(0, (need - capped) / slope);
  }
  let r = 0;
  for (let k = 0; k < D; k++) {
    const a = sgn * w[k];
    if (a === 0 || !finite(a)) continue;
    const room = a > 0 ? max(hi[k], 0) : max(-lo[k], 0);
    const v = min(linf ? lambda : lambda * abs(a), room);
    out[k] = a > 0 ? v : -v;
    if (linf) { if (v > r) r = v; } else r += v * v;
  }
  return linf ? r : sqrt(r);
}

/** What the FAB search found per sample. */
export interface FabResult {
  /** Minimal perturbation norm found (float64, of the float32 example); 0 where x is already misclassified, Infinity where nothing was found. */
  norms: Float64Array;
  /** The adversarial example achieving it (x where nothing was found). */
  xAdv: Float32Array;
}

interface CoreOptions {
  /** Drop a sample once its best norm is ≤ stopAt (−1: never). */
  stopAt: number;
  /** Cap on the random-start radius. */
  startEps: number;
}

function gaussian(rng: () => number): number {
  const u = 1 - rng();
  return sqrt(-2 * log(u)) * cos(2 * PI * rng());
}

/** ‖a[off…off+D) − b[offB…offB+D)‖ in float64. */
function rowNorm(a: Float32Array, b: Float32Array, off: number, D: number, norm: Norm, offB = off): number {
  let s = 0;
  for (let k = 0; k < D; k++) {
    const d = abs(a[off + k] - b[offB + k]);
    if (norm === 'linf') { if (d > s) s = d; } else s += d * d;
  }
  return norm === 'linf' ? s : sqrt(s);
}

async function fabCore(model: AttackModel, batch: AttackBatch, norm: Norm, p: FabParams, ctx: AttackContext, opt: CoreOptions): Promise<FabResult> {
  const { n, x, y, lower, upper } = batch;
  const D = x.length / n;
  const C = model.info.numClasses;
  const { signal } = ctx;
  const cancelled = () => { if (signal?.aborted) throw new CancelledError(); };
  cancelled();
  const best = new Float64Array(n).fill(INF);
  const xAdv = Float32Array.from(x);
  if (n === 0) return { norms: best, xAdv };

  // Targets: the classes ≠ y by decreasing clean logit (AutoAttack: sorted ranks 2 … k+1).
  const clean = await model.predict(x, n, { signal });
  const pred = argmaxRows(clean, n);
  const correct = Uint8Array.from(pred, (c, i) => (c === y[i] ? 1 : 0));
  for (let i = 0; i < n; i++) if (!correct[i]) best[i] = 0;
  const nT = min(p.targetClasses, C - 1);
  const targets = new Int32Array(n * nT);
  for (let i = 0; i < n; i++) {
    const order = [...Array(C).keys()].filter((c) => c !== y[i]);
    order.sort((a, b) => clean[i * C + b] - clean[i * C + a] || a - b);
    for (let k = 0; k < nT; k++) targets[i * nT + k] = order[k];
  }

  const ids = batchIds(batch);
  const x1 = new Float32Array(x.length);
  const w = new Float64Array(D);
  const d1 = new Float64Array(D);
  const d2 = new Float64Array(D);
  const lo = new Float64Array(D);
  const hi = new Float64Array(D);
  const work = projectionWork(D);
  const total = nT * p.restarts;
  let done = 0;
  const report = () => {
    let robust = 0;
    // Search: not yet broken within ε. Minimal norms: nothing found yet.
    for (let i = 0; i < n; i++) if (correct[i] && (opt.stopAt >= 0 ? best[i] > opt.stopAt : best[i] === INF)) robust++;
    ctx.onProgress?.({ attack: fabT.name, done, total, robustAccuracy: robust / n });
  };

  for (let tk = 0; tk < nT; tk++) {
    for (let restart = 0; restart < p.restarts; restart++) {
      let active = [...Array(n).keys()].filter((i) => correct[i] && best[i] > opt.stopAt);
      for (const i of active) initRow(i, restart, tk * p.restarts + restart);
      for (let it = 0; it < p.steps && active.length > 0; it++) {
        cancelled();
        const m = active.length;
        const X = new Float32Array(2 * m * D);
        const Y = new Int32Array(2 * m);
        const T = new Int32Array(2 * m);
        active.forEach((i, j) => {
          const row = x1.subarray(i * D, (i + 1) * D);
          X.set(row, j * D);
          X.set(row, (m + j) * D);
          Y[j] = Y[m + j] = y[i];
          T[j] = targets[i * nT + tk];
          T[m + j] = y[i];
        });
        const g = await model.lossAndGrad(X, 2 * m, Y, { loss: 'ce', target: T, signal });
        const next = new Float32Array(m * D);
        active.forEach((i, j) => step(i, j, m, targets[i * nT + tk], g.logits, g.grad, next));
        cancelled();
        const advPred = argmaxRows(await model.predict(next, m, { signal }), m);
        active.forEach((i, j) => {
          if (advPred[j] === y[i]) return;
          const off = i * D;
          const r = rowNorm(x1, x, off, D, norm);
          if (r < best[i]) { best[i] = r; xAdv.set(x1.subarray(off, off + D), off); }
          for (let k = off; k < off + D; k++) {
            const v = fround(x[k] + p.beta * (x1[k] - x[k]));
            x1[k] = min(upper[k], max(lower[k], v));
          }
        });
        active = active.filter((i) => best[i] > opt.stopAt);
      }
      done++;
      report();
    }
  }
  if (p.finalSearch > 0) await finalSearch();
  return { norms: best, xAdv };

  /**
   * Final search (fra31/fab-attack `linear_approximation_search`): on the segment from a point
   * classified y (first x) to the best adversarial example, move to the root of the linear
   * interpolation of z_y − z_c (c the adversarial class) and keep the side it falls on; every
   * misclassified point found is closer to x than the best.
   */
  async function finalSearch(): Promise<void> {
    const idx = [...Array(n).keys()].filter((i) => correct[i] && finite(best[i]) && best[i] > opt.stopAt);
    const m = idx.length;
    if (m === 0) return;
    cancelled();
    const a1 = selectRows(x, D, idx);
    const a2 = selectRows(xAdv, D, idx);
    const z1 = selectRows(clean, C, idx);
    const z2 = await model.predict(a2, m, { signal });
    const la2 = argmaxRows(z2, m);
    const a3 = new Float32Array(m * D);
    for (let s = 0; s < p.finalSearch; s++) {
      cancelled();
      idx.forEach((i, j) => {
        const yi = y[i];
        const t1 = z1[j * C + yi] - z1[j * C + la2[j]];
        const t2 = z2[j * C + la2[j]] - z2[j * C + yi];
        let t = t1 / (t1 + t2 + 1e-10);
        if (!(t >= 0 && t <= 1)) t = 1;
        for (let k = j * D; k < (j + 1) * D; k++) {
          const v = fround(a1[k] + t * (a2[k] - a1[k]));
          a3[k] = min(upper[i * D + k - j * D], max(lower[i * D + k - j * D], v));
        }
      });
      const z3 = await model.predict(a3, m, { signal });
      const la3 = argmaxRows(z3, m);
      idx.forEach((i, j) => {
        const row = a3.subarray(j * D, (j + 1) * D);
        const logits = z3.subarray(j * C, (j + 1) * C);
        if (la3[j] === y[i]) { a1.set(row, j * D); z1.set(logits, j * C); return; }
        a2.set(row, j * D);
        z2.set(logits, j * C);
        la2[j] = la3[j];
        const r = rowNorm(a3, x, j * D, D, norm, i * D);
        if (r < best[i]) { best[i] = r; xAdv.set(row, i * D); }
      });
    }
  }

  /**
   * Start of a run: x itself (first restart) or a random point at radius min(best, startEps)/2,
   * drawn from the sample's own stream (ctx.seed, original-batch id, run).
   */
  function initRow(i: number, restart: number, run: number): void {
    const off = i * D;
    if (restart === 0) { x1.set(x.subarray(off, off + D), off); return; }
    let radius = min(best[i], opt.startEps);
    if (!finite(radius)) {
      // No scale known: half the box's own half-width in the threat norm.
      let s = 0;
      for (let k = off; k < off + D; k++) {
        const h = (upper[k] - lower[k]) / 2;
        if (norm === 'linf') s = max(s, h); else s += h * h;
      }
      radius = norm === 'linf' ? s : sqrt(s);
    }
    radius *= 0.5;
    const rng = sampleRng(ctx.seed, ids[i], run);
    let size = 0;
    for (let k = 0; k < D; k++) {
      const t = norm === 'linf' ? 2 * rng() - 1 : gaussian(rng);
      w[k] = t;
      if (norm === 'linf') size = max(size, abs(t)); else size += t * t;
    }
    if (norm === 'l2') size = sqrt(size);
    const scale = size > 0 ? radius / size : 0;
    for (let k = 0; k < D; k++) {
      const v = fround(x[off + k] + scale * w[k]);
      x1[off + k] = min(upper[off + k], max(lower[off + k], v));
    }
  }

  /** One FAB step of sample i towards target t (row j of the stacked call) into x1 and row j of `next`. */
  function step(i: number, j: number, m: number, t: number, logits: Float32Array, grad: Float32Array, next: Float32Array): void {
    const off = i * D;
    const df = logits[j * C + t] - logits[j * C + y[i]];
    let c2 = -df;
    let ok = finite(df);
    for (let k = 0; k < D; k++) {
      const v = grad[j * D + k] - grad[(m + j) * D + k];
      w[k] = v;
      c2 += v * (x1[off + k] - x[off + k]);
    }
    if (!finite(c2)) ok = false;
    if (ok) {
      for (let k = 0; k < D; k++) { lo[k] = lower[off + k] - x1[off + k]; hi[k] = upper[off + k] - x1[off + k]; }
      let a1 = projectHyperplaneBox(w, -df, lo, hi, norm, d1, work);
      for (let k = 0; k < D; k++) { lo[k] = lower[off + k] - x[off + k]; hi[k] = upper[off + k] - x[off + k]; }
      let a2 = projectHyperplaneBox(w, c2, lo, hi, norm, d2, work);
      a1 = max(a1, 1e-8);
      a2 = max(a2, 1e-8);
      const alpha = min(max(a1 / (a1 + a2), 0), p.alphaMax);
      for (let k = 0; k < D; k++) {
        const v = fround((x1[off + k] + p.eta * d1[k]) * (1 - alpha) + (x[off + k] + p.eta * d2[k]) * alpha);
        x1[off + k] = min(upper[off + k], max(lower[off + k], v));
      }
    }
    next.set(x1.subarray(off, off + D), j * D);
  }
}

/** FAB-T as a battery attack: candidates are the minimal-norm adversarial examples found. */
export const fabT: AttackDefinition<FabParams, 'gradients'> = {
  name: 'fab-t',
  paper: 'Croce & Hein 2020, Minimally distorted Adversarial Examples with a Fast Adaptive Boundary Attack, arXiv:1907.02044 (targeted, as in AutoAttack arXiv:2003.01690)',
  needs: 'gradients',
  params: fabParams,
  async search(model, batch, threat, p, ctx) {
    const r = await fabCore(model, batch, threat.norm, p, ctx, { stopAt: threat.eps, startEps: p.startEps ?? threat.eps });
    return { xAdv: r.xAdv };
  },
};

/**
 * Minimal adversarial perturbation per sample as found by FAB-T (not limited by any ε): norms
 * (0 where x is already misclassified, Infinity where none was found) and the examples. The
 * examples are not re-verified here; runAttack (or a fresh predict) does that.
 */
export async function fabMinimalNorms(model: LogitsModel, batch: AttackBatch, norm: Norm, params: unknown, ctx: AttackContext): Promise<FabResult> {
  const p = parseParams(fabT, params);
  if (batch.n === 0) return { norms: new Float64Array(0), xAdv: new Float32Array(0) };
  checkThreat(batch, { norm, eps: 0 });
  if (!hasGradients(model)) throw new UsageError(`${fabT.name} needs gradients, but this model only provides logits`);
  return fabCore(model, batch, norm, p, ctx, { stopAt: -1, startEps: p.startEps ?? INF });
}
