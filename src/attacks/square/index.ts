/**
 * Square Attack — M. Andriushchenko, F. Croce, N. Flammarion, M. Hein, "Square Attack: a
 * query-efficient black-box adversarial attack via random search", ECCV 2020.
 * https://arxiv.org/abs/1912.00049 (reference implementations: max-andr/square-attack
 * `attack.py`, fra31/auto-attack `autoattack/square.py`).
 *
 * Black-box (logits only) random search minimising the margin z_y − max_{j≠y} z_j:
 *   1. Start at a point of the threat set: for L∞ vertical stripes (each column of each
 *      channel at x ± ε), for L2 a grid of "meta pseudo-gaussian" bumps with random signs,
 *      rescaled to ‖δ‖₂ = ε.
 *   2. Each iteration proposes, per still-correct sample, a change confined to a random
 *      square window whose area is a fraction p of the image: for L∞ the window is set to
 *      x ± ε (one sign per channel); for L2 the mass of a second window is moved into the
 *      first as a fresh bump (plus the window's old direction), then δ is rescaled to ε.
 *   3. The proposal is kept when it lowers the margin (or misclassifies); p halves on the
 *      paper's schedule (iterations 10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000 of
 *      10 000, rescaled to the query budget).
 *
 * Every iteration is one batched predict of the samples still classified correctly; a
 * sample leaves the active set once misclassified. `nQueries` counts the initial query, so
 * each sample costs at most nQueries predictions per restart.
 *
 * Spatial layout (taken from `model.info.inputShape`, no batch dim):
 *   - rank 3: [C, H, W], unless the last dim is 1 or 3 and the first is not: then [H, W, C];
 *   - anything else (flat vectors such as [784] or [784, 1], or shapes whose size does not
 *     match the sample): one channel, a √D×√D square image when D is a perfect square
 *     (784 → 28×28), else a 1×D strip, whose windows are 1×k segments of length ≈ p·D.
 *
 * A sample counts as misclassified when argmax z ≠ y (ties go to the lower class index, as
 * the verifier's argmax); the search returns the first misclassifying iterate per sample and
 * x itself elsewhere.
 *
 * Deviations from the references, all minor: windows are drawn independently per sample
 * (as max-andr's L∞ code; its L2 code shares one position across the batch), window
 * positions include the last row/column (the references' randint(0, h − s) never places a
 * window flush with the bottom/right edge, which matters on tiny images), the L∞ "propose
 * a change that changes something" resampling is capped at 20 tries, the box is per element
 * (not [0, 1]). Small images, where the references fail (4×4: a 5×5 L2 window, ⌊h/5⌋ = 0
 * init tiles): L2 window sides are capped at the image side and their floor is 2 instead of
 * 3 under 10 pixels a side; L2 init tiles are at least 1×1.
 */
import { z } from 'zod';
import { CancelledError } from '../errors';
import { sampleRng } from '../util/random';
import { project } from './project';
import { argmaxRows, batchIds, selectRows } from './tensor';
import { AttackBatch, AttackContext, AttackDefinition, AttackModel, Candidates, ThreatModel } from './types';

export const squareParams = z.strictObject({
  nQueries: z.number().int().min(1).max(1_000_000).default(5000)
    .describe('Query budget per sample and restart, the initial query included (paper and AutoAttack: 5000).'),
  pInit: z.number().gt(0).max(1).default(0.8)
    .describe('Initial fraction of the image covered by a square (AutoAttack: 0.8 for L∞ and L2); halved on the paper schedule.'),
  restarts: z.number().int().min(1).max(1000).default(1)
    .describe('Independent restarts on the samples still not misclassified, each with the full query budget.'),
});

export type SquareParams = z.infer<typeof squareParams>;

/** Where sample element (c, h, w) lives in a flat sample: c·strideC + h·strideH + w·strideW. */
export interface ImageLayout {
  c: number;
  h: number;
  w: number;
  strideC: number;
  strideH: number;
  strideW: number;
  /** How the layout was chosen: 'nchw', 'nhwc', 'square' (flat, perfect square) or 'strip'. */
  kind: 'nchw' | 'nhwc' | 'square' | 'strip';
}

/** The spatial layout the attack uses for a model's per-sample input shape (see the file header). */
export function imageLayout(inputShape: readonly number[], per: number): ImageLayout {
  const size = inputShape.reduce((a, b) => a * b, 1);
  if (inputShape.length === 3 && size === per && inputShape.every((d) => Number.isInteger(d) && d > 0)) {
    const [a, b, c] = inputShape;
    if ((c === 1 || c === 3) && a !== 1 && a !== 3) {
      return { c, h: a, w: b, strideC: 1, strideH: b * c, strideW: c, kind: 'nhwc' };
    }
    return { c: a, h: b, w: c, strideC: b * c, strideH: c, strideW: 1, kind: 'nchw' };
  }
  const side = Math.round(Math.sqrt(per));
  if (side * side === per) return { c: 1, h: side, w: side, strideC: per, strideH: side, strideW: 1, kind: 'square' };
  return { c: 1, h: 1, w: per, strideC: per, strideH: per, strideW: 1, kind: 'strip' };
}

/**
 * The paper's piecewise-constant schedule of p: halved after iterations 10, 50, 200, 500,
 * 1000, 2000, 4000, 6000 and 8000 of 10 000, with `it` rescaled from a budget of nQueries.
 */
export function pSchedule(pInit: number, it: number, nQueries: number): number {
  const t = Math.floor((it / nQueries) * 10000);
  const bounds = [10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000];
  let halvings = 0;
  for (const b of bounds) if (t > b) halvings++;
  return pInit / 2 ** halvings;
}

/** Window height and width for fraction p (L∞: side ≥ 1, below the image side, as the reference). */
function windowLinf(L: ImageLayout, p: number): [number, number] {
  if (L.h === 1) return [1, clamp(Math.round(p * L.w), 1, Math.max(1, L.w - 1))];
  const s = clamp(Math.round(Math.sqrt(p * L.h * L.w)), 1, Math.max(1, Math.min(L.h, L.w) - 1));
  return [s, s];
}

/**
 * Window height and width for fraction p (L2, as the reference: side ≥ 3 and odd, here also
 * capped at the image). On images under 10 pixels a side (strips: under 10 long) the floor is
 * 2 instead: 3×3 windows would cover most of such an image and leave the search no small
 * steps (a 2×2 η is still a +/− pair of bumps; a 1×1 one would be degenerate).
 */
function windowL2(L: ImageLayout, p: number): [number, number] {
  const side = L.h === 1 ? L.w : Math.min(L.h, L.w);
  const floor = side < 10 ? 2 : 3;
  const odd = (v: number) => (v >= 3 && v % 2 === 0 ? v + 1 : v);
  if (L.h === 1) return [1, Math.min(L.w, odd(Math.max(Math.round(p * L.w), floor)))];
  const s = Math.min(side, odd(Math.max(Math.round(Math.sqrt(p * L.h * L.w)), floor)));
  return [s, s];
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/**
 * Concentric-rectangle bump on an a×b patch (the reference's `pseudo_gaussian_pert_rectangles`):
 * rectangles of side 2k+1 around the centre, each adding 1/(k+1)², then unit L2 norm.
 */
function bump(a: number, b: number): Float64Array {
  const d = new Float64Array(a * b);
  if (a === 0 || b === 0) return d;
  let r0 = Math.floor(a / 2), c0 = Math.floor(b / 2);
  const rounds = Math.max(r0, c0) + 1;
  for (let k = 0; k < rounds; k++) {
    const rs = Math.max(r0, 0), re = Math.min(r0 + 2 * k + 1, a);
    const cs = Math.max(c0, 0), ce = Math.min(c0 + 2 * k + 1, b);
    for (let r = rs; r < re; r++) for (let c = cs; c < ce; c++) d[r * b + c] += 1 / (k + 1) ** 2;
    r0--; c0--;
  }
  return normalised(d);
}

function normalised(d: Float64Array): Float64Array {
  let s = 0;
  for (const v of d) s += v * v;
  const n = Math.sqrt(s);
  if (n > 0) for (let k = 0; k < d.length; k++) d[k] /= n;
  return d;
}

/**
 * The meta pseudo-gaussian perturbation η on an a×b window: a positive bump on one half and a
 * negative one on the other, split across rows or (`splitCols`) columns; unit L2 norm.
 */
function eta(a: number, b: number, splitCols: boolean): Float64Array {
  const d = new Float64Array(a * b);
  if (!splitCols) {
    const h = Math.floor(a / 2);
    const top = bump(h, b), bottom = bump(a - h, b);
    for (let k = 0; k < top.length; k++) d[k] = top[k];
    for (let k = 0; k < bottom.length; k++) d[h * b + k] = -bottom[k];
  } else {
    const h = Math.floor(b / 2);
    const left = bump(a, h), right = bump(a, b - h);
    for (let r = 0; r < a; r++) {
      for (let c = 0; c < h; c++) d[r * b + c] = left[r * h + c];
      for (let c = 0; c < b - h; c++) d[r * b + h + c] = -right[r * (b - h) + c];
    }
  }
  return normalised(d);
}

/** η for an a×b window with the reference's random orientation (forced along the long side of a strip). */
function etaCache(): (a: number, b: number, rand: () => number) => Float64Array {
  const cache = new Map<string, Float64Array>();
  return (a, b, rand) => {
    const splitCols = a === 1 && b > 1 ? true : b === 1 ? false : rand() > 0.5;
    const key = `${a}x${b}${splitCols ? 'c' : 'r'}`;
    let e = cache.get(key);
    if (!e) { e = eta(a, b, splitCols); cache.set(key, e); }
    return e;
  };
}

/** Margin z_y − max_{j≠y} z_j per row (to minimise) and whether the row is misclassified. */
function margins(logits: Float32Array, m: number, y: (j: number) => number): { margin: Float64Array; fooled: Uint8Array } {
  const C = logits.length / m;
  const pred = argmaxRows(logits, m);
  const margin = new Float64Array(m);
  const fooled = new Uint8Array(m);
  for (let j = 0; j < m; j++) {
    const yj = y(j);
    let other = -Infinity;
    for (let c = 0; c < C; c++) if (c !== yj && logits[j * C + c] > other) other = logits[j * C + c];
    margin[j] = logits[j * C + yj] - other;
    fooled[j] = Number.isNaN(margin[j]) ? 0 : pred[j] !== yj ? 1 : 0;
  }
  return { margin, fooled };
}

const PROGRESS_EVERY = 100;
const MAX_LINF_RESAMPLES = 20;

async function search(model: AttackModel, batch: AttackBatch, threat: ThreatModel, params: SquareParams, ctx: AttackContext): Promise<Candidates> {
  const { n, x, lower, upper } = batch;
  const xAdv = Float32Array.from(x);
  if (n === 0 || threat.eps === 0) return { xAdv };
  const per = x.length / n;
  const L = imageLayout(model.info.inputShape, per);
  const { eps, norm } = threat;
  const { nQueries, pInit, restarts } = params;
  // One random stream per sample and restart, seeded from its original-batch id: a sample's
  // draws do not depend on the rest of the batch.
  const ids = batchIds(batch);
  let rngs: (() => number)[] = [];
  const sign = (rand: () => number) => (rand() < 0.5 ? -1 : 1);
  const randInt = (rand: () => number, hiIncl: number) => Math.min(hiIncl, Math.floor(rand() * (hiIncl + 1)));
  const etaOf = etaCache();
  const fooledAll = new Uint8Array(n);
  const total = restarts * nQueries;
  const checkCancel = () => { if (ctx.signal?.aborted) throw new CancelledError(); };
  const progress = (done: number) => {
    let k = 0;
    for (let i = 0; i < n; i++) if (!fooledAll[i]) k++;
    ctx.onProgress?.({ attack: square.name, done, total, robustAccuracy: k / n });
  };

  // Per-restart state over the samples still robust when the restart begins (rows of `idx`):
  // their x and box, and for L∞ the two values an element may take, x ± ε projected
  // (inward-rounded) into the box.
  let xs = x, lo = lower, hi = upper, minus = x, plus = x;
  for (let r = 0; r < restarts; r++) {
    checkCancel();
    const idx = [...fooledAll.keys()].filter((i) => !fooledAll[i]);
    if (idx.length === 0) break;
    const m0 = idx.length;
    rngs = idx.map((i) => sampleRng(ctx.seed, ids[i], r));
    xs = selectRows(x, per, idx); lo = selectRows(lower, per, idx); hi = selectRows(upper, per, idx);
    if (norm === 'linf') {
      minus = project(new Float32Array(m0 * per).fill(-Infinity), xs, lo, hi, m0, norm, eps);
      plus = project(new Float32Array(m0 * per).fill(Infinity), xs, lo, hi, m0, norm, eps);
    }
    const best = norm === 'linf' ? initLinf(m0) : project(initL2(m0), xs, lo, hi, m0, norm, eps);
    const first = margins(await model.predict(best, m0, { signal: ctx.signal }), m0, (j) => batch.y[idx[j]]);
    const marginBest = first.margin.map((v) => (Number.isNaN(v) ? Infinity : v));
    const fooled = first.fooled;
    const markFooled = () => idx.forEach((i, j) => {
      if (fooled[j] && !fooledAll[i]) {
        fooledAll[i] = 1;
        xAdv.set(best.subarray(j * per, (j + 1) * per), i * per);
      }
    });

    for (let it = 0; it < nQueries - 1; it++) {
      checkCancel();
      const act: number[] = [];
      for (let j = 0; j < m0; j++) if (!fooled[j]) act.push(j);
      if (act.length === 0) break;
      if (it % PROGRESS_EVERY === 0) { markFooled(); progress(r * nQueries + it + 1); }
      const p = pSchedule(pInit, it, nQueries);
      const m = act.length;
      const cand = selectRows(best, per, act);
      if (norm === 'linf') proposeLinf(cand, act, p);
      else {
        proposeL2(cand, act, p);
        act.forEach((j, k) => project(cand.subarray(k * per, (k + 1) * per), xs.subarray(j * per, (j + 1) * per),
          lo.subarray(j * per, (j + 1) * per), hi.subarray(j * per, (j + 1) * per), 1, norm, eps));
      }
      const out = margins(await model.predict(cand, m, { signal: ctx.signal }), m, (k) => batch.y[idx[act[k]]]);
      act.forEach((j, k) => {
        if (out.margin[k] < marginBest[j] || out.fooled[k]) {
          marginBest[j] = out.margin[k];
          fooled[j] = out.fooled[k];
          best.set(cand.subarray(k * per, (k + 1) * per), j * per);
        }
      });
    }
    markFooled();
    progress((r + 1) * nQueries);
  }
  if (ctx.onProgress && fooledAll.every((f) => f === 1)) progress(total);
  return { xAdv };

  /** L∞ start: vertical stripes, x ± ε (projected) with one sign per (channel, column). */
  function initLinf(m: number): Float32Array {
    const out = new Float32Array(m * per);
    for (let j = 0; j < m; j++) {
      const rand = rngs[j];
      for (let c = 0; c < L.c; c++) {
        for (let w = 0; w < L.w; w++) {
          const up = sign(rand) > 0;
          for (let h = 0; h < L.h; h++) {
            const k = j * per + c * L.strideC + h * L.strideH + w * L.strideW;
            out[k] = up ? plus[k] : minus[k];
          }
        }
      }
    }
    return out;
  }

  /** L2 start: a grid of η bumps (tiles of side ⌊H/5⌋ × ⌊W/5⌋, centred), random signs per channel, ‖δ‖ = ε. */
  function initL2(m: number): Float32Array {
    const th = Math.max(1, Math.floor(L.h / 5)), tw = Math.max(1, Math.floor(L.w / 5));
    const oh = Math.max(0, Math.floor((L.h - 5 * th) / 2)), ow = Math.max(0, Math.floor((L.w - 5 * tw) / 2));
    const nh = Math.floor((L.h - oh) / th), nw = Math.floor((L.w - ow) / tw);
    const delta = new Float64Array(per);
    const out = new Float32Array(m * per);
    for (let j = 0; j < m; j++) {
      const rand = rngs[j];
      delta.fill(0);
      for (let a = 0; a < nh; a++) {
        for (let b = 0; b < nw; b++) {
          const e = etaOf(th, tw, rand);
          for (let c = 0; c < L.c; c++) {
            const sg = sign(rand);
            for (let r = 0; r < th; r++) {
              for (let q = 0; q < tw; q++) delta[c * L.strideC + (oh + a * th + r) * L.strideH + (ow + b * tw + q) * L.strideW] += sg * e[r * tw + q];
            }
          }
        }
      }
      writeScaled(out, j, j, delta);
    }
    return out;
  }

  /** Row `row` of out = x + δ·ε/‖δ‖ for restart row j (x itself when δ = 0). */
  function writeScaled(out: Float32Array, row: number, j: number, delta: Float64Array): void {
    let sq = 0;
    for (let k = 0; k < per; k++) sq += delta[k] * delta[k];
    const scale = sq > 0 ? eps / Math.sqrt(sq) : 0;
    for (let k = 0; k < per; k++) out[row * per + k] = xs[j * per + k] + delta[k] * scale;
  }

  /**
   * L∞ proposal for the rows `act` of the restart (row k of cand): a random window set to
   * x ± ε with one sign per channel, resampled (up to MAX_LINF_RESAMPLES times) while it
   * would leave the current point unchanged.
   */
  function proposeLinf(cand: Float32Array, act: readonly number[], p: number): void {
    const [sh, sw] = windowLinf(L, p);
    const up = new Uint8Array(L.c);
    act.forEach((j, row) => {
      const rand = rngs[j];
      const vh = randInt(rand, L.h - sh), vw = randInt(rand, L.w - sw);
      const src = j * per, dst = row * per;
      const value = (c: number, k: number) => (up[c] ? plus[src + k] : minus[src + k]);
      for (let attempt = 0; attempt < MAX_LINF_RESAMPLES; attempt++) {
        for (let c = 0; c < L.c; c++) up[c] = sign(rand) > 0 ? 1 : 0;
        if (windowChanges()) break;
      }
      for (let c = 0; c < L.c; c++) {
        for (let h = vh; h < vh + sh; h++) {
          for (let w = vw; w < vw + sw; w++) {
            const k = c * L.strideC + h * L.strideH + w * L.strideW;
            cand[dst + k] = value(c, k);
          }
        }
      }

      function windowChanges(): boolean {
        for (let c = 0; c < L.c; c++) {
          for (let h = vh; h < vh + sh; h++) {
            for (let w = vw; w < vw + sw; w++) {
              const k = c * L.strideC + h * L.strideH + w * L.strideW;
              if (Math.abs(value(c, k) - cand[dst + k]) >= 1e-7) return true;
            }
          }
        }
        return false;
      }
    });
  }

  /**
   * L2 proposal, per sample: window 2's mass and the unused budget move into window 1 as a
   * fresh η bump plus window 1's old direction (per channel), then δ is rescaled to ε.
   */
  function proposeL2(cand: Float32Array, act: readonly number[], p: number): void {
    const [sh, sw] = windowL2(L, p);
    const delta = new Float64Array(per);
    const inWin = (h: number, w: number, vh: number, vw: number) => h >= vh && h < vh + sh && w >= vw && w < vw + sw;
    const fresh = new Float64Array(sh * sw);
    for (let row = 0; row < act.length; row++) {
      const base = row * per, src = act[row] * per;
      let normImage2 = 0;
      for (let k = 0; k < per; k++) { delta[k] = cand[base + k] - xs[src + k]; normImage2 += delta[k] * delta[k]; }
      const rand = rngs[act[row]];
      const vh = randInt(rand, L.h - sh), vw = randInt(rand, L.w - sw);
      const vh2 = randInt(rand, L.h - sh), vw2 = randInt(rand, L.w - sw);
      const e = etaOf(sh, sw, rand);
      const at = (c: number, h: number, w: number) => c * L.strideC + h * L.strideH + w * L.strideW;
      for (let c = 0; c < L.c; c++) {
        // Norms of δ in window 1 and in the union of both windows, this channel.
        let n1 = 0, nUnion = 0;
        const hs = Math.min(vh, vh2), he = Math.max(vh, vh2) + sh, ws = Math.min(vw, vw2), we = Math.max(vw, vw2) + sw;
        for (let h = hs; h < he; h++) {
          for (let w = ws; w < we; w++) {
            const a = inWin(h, w, vh, vw), b = inWin(h, w, vh2, vw2);
            if (!a && !b) continue;
            const d2 = delta[at(c, h, w)] ** 2;
            nUnion += d2;
            if (a) n1 += d2;
          }
        }
        n1 = Math.sqrt(n1);
        const sg = sign(rand);
        let fsq = 0;
        for (let r = 0; r < sh; r++) {
          for (let q = 0; q < sw; q++) {
            const v = sg * e[r * sw + q] + delta[at(c, vh + r, vw + q)] / (1e-10 + n1);
            fresh[r * sw + q] = v;
            fsq += v * v;
          }
        }
        const target = Math.sqrt(Math.max(eps * eps - normImage2, 0) / L.c + nUnion);
        const scale = fsq > 0 ? target / Math.sqrt(fsq) : 0;
        for (let r = 0; r < sh; r++) for (let q = 0; q < sw; q++) delta[at(c, vh2 + r, vw2 + q)] = 0;
        for (let r = 0; r < sh; r++) for (let q = 0; q < sw; q++) delta[at(c, vh + r, vw + q)] = fresh[r * sw + q] * scale;
      }
      writeScaled(cand, row, act[row], delta);
    }
  }
}

/** The Square Attack (L∞ and L2), logits only. */
export const square: AttackDefinition<SquareParams> = {
  name: 'square',
  paper: 'Andriushchenko, Croce, Flammarion, Hein. Square Attack: a query-efficient black-box adversarial attack via random search. ECCV 2020. arXiv:1912.00049',
  needs: 'logits',
  params: squareParams,
  search,
};
