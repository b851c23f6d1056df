/**
 * APGD (Auto-PGD) and its three AutoAttack variants: APGD-CE, APGD-DLR and APGD-T.
 *
 * Paper: F. Croce, M. Hein, "Reliable evaluation of adversarial robustness with an ensemble of
 * diverse parameter-free attacks", ICML 2020, https://arxiv.org/abs/2003.01690 (§3, Alg. 1).
 * Reference implementation: fra31/auto-attack, autoattack/autopgd_base.py (read, not copied).
 *
 * Algorithm (per sample; every quantity below is per sample, kept in flat arrays):
 *   x⁽⁰⁾ random start (as the reference: L∞ x + ε·t/‖t‖∞ with t ~ U[−1,1]ᵈ; L2 x + ε·t/‖t‖₂ with
 *   t ~ N(0, I)), projected onto the ε-ball ∩ box; η = 2ε.
 *   z⁽ᵏ⁺¹⁾ = P(x⁽ᵏ⁾ + η·step(∇f(x⁽ᵏ⁾)))            step = sign (L∞) or g/(‖g‖₂) (L2)
 *   x⁽ᵏ⁺¹⁾ = P(x⁽ᵏ⁾ + α(z⁽ᵏ⁺¹⁾ − x⁽ᵏ⁾) + (1−α)(x⁽ᵏ⁾ − x⁽ᵏ⁻¹⁾)),   α = 0.75 (α = 1 on the first step)
 *   Checkpoints w_j = ⌈p_j·N⌉, p₀ = 0, p₁ = 0.22, p_{j+1} = p_j + max(p_j − p_{j−1} − 0.03, 0.06)
 *   (computed in the reference's integer form, `apgdCheckpoints`). At w_j, η is halved and the
 *   iterate restarts from the best point x_max (with its gradient) when
 *     (1) #{k ∈ [w_{j−1}, w_j): f(x⁽ᵏ⁺¹⁾) > f(x⁽ᵏ⁾)} < ρ·(w_j − w_{j−1}),  ρ = 0.75, or
 *     (2) η was not halved at w_{j−1} and f_max did not increase since w_{j−1}.
 *   The best point (highest loss) and the first misclassified iterate are tracked; a sample
 *   leaves the active set once misclassified (the paper's result is the same, with fewer calls).
 * Variants: APGD-CE (cross-entropy), APGD-DLR (difference of logits ratio), APGD-T (AutoAttack's
 * setting: for each of the `targetClasses` = 9 classes ranked 2nd, 3rd, … by the clean logits,
 * one targeted APGD run on the targeted DLR loss, on the points still robust).
 *
 * Where the paper and the reference differ, this follows the paper: condition (1) counts the
 * first step against f(x⁽⁰⁾) (the reference wraps around to a zero entry), compares the step
 * after a restart with f(x_max) (the reference: with the discarded iterate), and is strict
 * (`<`; the reference uses `≤`). As in the reference, condition (2) cannot fire at w₁.
 * EOT (`eot` = k > 1): the gradient and the loss are averaged over k draws, and a sample counts
 * as misclassified when a majority of the k draws misclassify it (the reference uses the last
 * draw). Unbroken samples return their highest-loss point over all runs (runAttack verifies).
 */
import { z } from 'zod';
import { LossKind } from '../autodiff/loss';
import { CancelledError, UsageError } from '../errors';
import { sampleRng } from '../util/random';
import { ceilF32, floorF32, project } from './project';
import { gaussian, gradientStep } from './steps';
import { argmaxRows, batchIds, scatterRows, selectBatch, selectRows } from './tensor';
import { AttackBatch, AttackContext, AttackDefinition, AttackModel, Norm, ThreatModel } from './types';

const PAPER = 'F. Croce, M. Hein, "Reliable evaluation of adversarial robustness with an ensemble of diverse parameter-free attacks", ICML 2020, https://arxiv.org/abs/2003.01690';

const common = {
  steps: z.number().int().min(1).max(100_000).default(100)
    .describe('iterations per run (N_iter): one gradient evaluation each, plus one at the random start'),
  restarts: z.number().int().min(1).max(1000).default(1)
    .describe('runs from fresh random starts, each on the points still robust'),
  rho: z.number().min(0).max(1).default(0.75)
    .describe('checkpoint condition 1: halve the step size when fewer than rho·(period) steps increased the loss'),
  momentum: z.number().min(0).max(1).default(0.75)
    .describe('α in x ← P(x + α(z − x) + (1 − α)(x − x_prev)); 1 disables momentum'),
  eot: z.number().int().min(1).max(1000).default(1)
    .describe('Expectation over Transformation: gradient draws averaged per step (for models with random ops)'),
  straightThrough: z.boolean().default(false)
    .describe('BPDA: differentiate piecewise-constant ops as the identity'),
};

export const apgdParams = z.object(common).strict();
/** Parameters of APGD-CE and APGD-DLR. */
export type ApgdParams = z.infer<typeof apgdParams>;

export const apgdTParams = z.object({
  ...common,
  targetClasses: z.number().int().min(1).max(1000).default(9)
    .describe('target the classes ranked 2nd … (targetClasses+1)th by the clean logits, one run each (capped at numClasses − 1)'),
  loss: z.enum(['dlr', 'cw', 'ce']).optional()
    .describe("targeted loss (default 'dlr', AutoAttack's, needs ≥ 4 classes); 'cw', the targeted margin z_t − max_{j≠t} z_j, or 'ce' work with 2–3 classes"),
}).strict();
/** Parameters of APGD-T. */
export type ApgdTParams = z.infer<typeof apgdTParams>;

/**
 * Iterations after which APGD checks its step size, for `steps` iterations. The paper's
 * w_j = ⌈p_j·N⌉ in the reference's integer form: first period ⌊0.22N⌋, each next one
 * ⌊0.03N⌋ shorter, never below ⌊0.06N⌋ (all at least 1). For N = 100: 22, 41, 57, 70, 80, 87, 93, 99.
 */
export function apgdCheckpoints(steps: number): number[] {
  const first = Math.max(Math.floor(0.22 * steps), 1);
  const shortest = Math.max(Math.floor(0.06 * steps), 1);
  const decrease = Math.max(Math.floor(0.03 * steps), 1);
  const out: number[] = [];
  let period = first;
  for (let w = first; w <= steps;) {
    out.push(w);
    period = Math.max(period - decrease, shortest);
    w += period;
  }
  return out;
}

/** One APGD run's objective. */
interface Objective {
  loss: LossKind;
  /** Target class per sample (targeted loss) or none. */
  target?: Int32Array;
}

/** Outcome of one run on a sub-batch. */
interface RunResult {
  /** 1 where an iterate was misclassified. */
  broken: Uint8Array;
  /** The first misclassified iterate (rows where broken). */
  found: Float32Array;
  /** Highest-loss point and its loss. */
  best: Float32Array;
  bestLoss: Float64Array;
}

type Params = ApgdParams & { targetClasses?: number };

/** Loss, EOT-averaged gradient and majority misclassification at x. */
async function evaluate(
  model: AttackModel, x: Float32Array, n: number, y: Int32Array, obj: Objective, p: Params, signal?: AbortSignal,
): Promise<{ loss: Float64Array; grad: Float32Array; wrong: Uint8Array }> {
  const loss = new Float64Array(n);
  const wrongDraws = new Int32Array(n);
  let grad: Float32Array | undefined;
  for (let d = 0; d < p.eot; d++) {
    const r = await model.lossAndGrad(x, n, y, { loss: obj.loss, target: obj.target, straightThrough: p.straightThrough, signal });
    if (!grad) grad = p.eot === 1 ? r.grad : Float32Array.from(r.grad);
    else for (let k = 0; k < grad.length; k++) grad[k] += r.grad[k];
    for (let i = 0; i < n; i++) loss[i] += r.loss[i];
    const pred = argmaxRows(r.logits, n);
    for (let i = 0; i < n; i++) if (pred[i] !== y[i]) wrongDraws[i]++;
  }
  if (p.eot > 1) {
    for (let k = 0; k < grad!.length; k++) grad![k] /= p.eot;
    for (let i = 0; i < n; i++) loss[i] /= p.eot;
  }
  return { loss, grad: grad!, wrong: Uint8Array.from(wrongDraws, (w) => (2 * w > p.eot ? 1 : 0)) };
}

/**
 * The reference's random start: x + ε·t/‖t‖ (t uniform in the cube for L∞, Gaussian for L2),
 * projected. Each sample draws t from its own stream (ctx.seed, original-batch id, run).
 */
function randomStart(b: AttackBatch, norm: Norm, eps: number, seed: number, run: number): Float32Array {
  const per = b.x.length / b.n;
  const out = new Float32Array(b.x.length);
  const t = new Float64Array(per);
  const ids = batchIds(b);
  for (let i = 0; i < b.n; i++) {
    const rng = sampleRng(seed, ids[i], run);
    let s = 0;
    for (let k = 0; k < per; k++) {
      t[k] = norm === 'linf' ? 2 * rng() - 1 : gaussian(rng);
      s = norm === 'linf' ? Math.max(s, Math.abs(t[k])) : s + t[k] * t[k];
    }
    const scale = eps / ((norm === 'linf' ? s : Math.sqrt(s)) + 1e-12);
    for (let k = 0; k < per; k++) out[i * per + k] = b.x[i * per + k] + scale * t[k];
  }
  return project(out, b.x, b.lower, b.upper, b.n, norm, eps);
}

/**
 * The L∞ projection of project() with its element bounds computed once per run:
 * lo = max(lower, ⌈x − ε⌉_f32), hi = min(upper, ⌊x + ε⌋_f32) (inward float32 rounding).
 */
class LinfBall {
  readonly lo: Float32Array;
  readonly hi: Float32Array;

  constructor(private readonly x: Float32Array, lower: Float32Array, upper: Float32Array, eps: number, private readonly per: number) {
    this.lo = new Float32Array(x.length);
    this.hi = new Float32Array(x.length);
    for (let k = 0; k < x.length; k++) {
      this.lo[k] = Math.max(lower[k], ceilF32(x[k] - eps));
      this.hi[k] = Math.min(upper[k], floorF32(x[k] + eps));
    }
  }

  /** Projects row j of v, a sample of the run's row rows[j], in place (NaN → x, as project()). */
  project(v: Float32Array, rows: readonly number[]): void {
    const { lo, hi, x, per } = this;
    rows.forEach((i, j) => {
      for (let k = 0, o = j * per, s = i * per; k < per; k++, o++, s++) {
        const a = v[o];
        v[o] = a < lo[s] ? lo[s] : a > hi[s] ? hi[s] : a === a ? a : x[s];
      }
    });
  }
}

/** Copies row `from` of src to row `to` of dst. */
function copyRow(dst: Float32Array, to: number, src: Float32Array, from: number, per: number): void {
  dst.set(src.subarray(from * per, (from + 1) * per), to * per);
}

/** One APGD run (Alg. 1) on every sample of `b`; `tick(it)` after each iteration. */
async function apgdRun(
  model: AttackModel, b: AttackBatch, threat: ThreatModel, obj: Objective, p: Params, run: number,
  ctx: AttackContext, tick: (iteration: number, checkpoint: boolean) => void,
): Promise<RunResult> {
  const { norm, eps } = threat;
  const m = b.n;
  const per = b.x.length / m;
  const signal = ctx.signal;

  const xCur = randomStart(b, norm, eps, ctx.seed, run);
  const xPrev = Float32Array.from(xCur);
  const first = await evaluate(model, xCur, m, b.y, obj, p, signal);
  const grad = Float32Array.from(first.grad);
  const best = Float32Array.from(xCur);
  const gradBest = Float32Array.from(grad);
  const bestLoss = Float64Array.from(first.loss);
  const lastLoss = Float64Array.from(first.loss);
  const eta = new Float64Array(m).fill(2 * eps);
  const increases = new Int32Array(m);
  const halvedAtLastCheck = new Uint8Array(m).fill(1);
  const bestAtLastCheck = Float64Array.from(bestLoss);
  const broken = Uint8Array.from(first.wrong);
  const found = Float32Array.from(xCur);

  const ball = norm === 'linf' ? new LinfBall(b.x, b.lower, b.upper, eps, per) : undefined;
  const checkpoints = new Set(apgdCheckpoints(p.steps));
  let lastCheck = 0;
  for (let it = 1; it <= p.steps; it++) {
    if (signal?.aborted) throw new CancelledError();
    const active: number[] = [];
    for (let i = 0; i < m; i++) if (!broken[i]) active.push(i);
    if (active.length === 0) break;
    const na = active.length;
    const all = na === m;
    const cur = selectRows(xCur, per, active);
    const prev = all ? xPrev : selectRows(xPrev, per, active);
    const P = (v: Float32Array) => {
      if (ball) ball.project(v, active);
      else if (all) project(v, b.x, b.lower, b.upper, na, norm, eps);
      else project(v, selectRows(b.x, per, active), selectRows(b.lower, per, active), selectRows(b.upper, per, active), na, norm, eps);
    };

    // z = P(x + η·step(∇)); x_next = P(x + α(z − x) + (1 − α)(x − x_prev)).
    const next = Float32Array.from(cur);
    gradientStep(norm, next, all ? grad : selectRows(grad, per, active), na, Float64Array.from(active, (i) => eta[i]));
    P(next);
    const a = it === 1 ? 1 : p.momentum;
    for (let k = 0; k < next.length; k++) next[k] = cur[k] + a * (next[k] - cur[k]) + (1 - a) * (cur[k] - prev[k]);
    P(next);
    scatterRows(xPrev, per, active, cur);
    scatterRows(xCur, per, active, next);

    const ev = await evaluate(model, next, na, all ? b.y : Int32Array.from(active, (i) => b.y[i]),
      { loss: obj.loss, target: obj.target && (all ? obj.target : Int32Array.from(active, (i) => obj.target![i])) }, p, signal);
    scatterRows(grad, per, active, ev.grad);
    active.forEach((i, j) => {
      const f = ev.loss[j];
      if (f > lastLoss[i]) increases[i]++;
      lastLoss[i] = f;
      if (f > bestLoss[i]) {
        bestLoss[i] = f;
        copyRow(best, i, next, j, per);
        copyRow(gradBest, i, ev.grad, j, per);
      }
      if (ev.wrong[j]) {
        broken[i] = 1;
        copyRow(found, i, next, j, per);
      }
    });

    const isCheck = checkpoints.has(it);
    if (isCheck) {
      const period = it - lastCheck;
      lastCheck = it;
      for (let i = 0; i < m; i++) {
        if (broken[i]) continue;
        const fewIncreases = increases[i] < p.rho * period;
        const stalled = !halvedAtLastCheck[i] && bestLoss[i] <= bestAtLastCheck[i];
        const halve = fewIncreases || stalled;
        halvedAtLastCheck[i] = halve ? 1 : 0;
        bestAtLastCheck[i] = bestLoss[i];
        increases[i] = 0;
        if (halve) {
          eta[i] /= 2;
          copyRow(xCur, i, best, i, per);
          copyRow(grad, i, gradBest, i, per);
          lastLoss[i] = bestLoss[i];
        }
      }
    }
    tick(it, isCheck);
  }
  return { broken, found, best, bestLoss };
}

/** Per-sample outcome across runs: first misclassified point, else highest-loss point. */
class Outcome {
  readonly xAdv: Float32Array;
  readonly broken: Uint8Array;
  private readonly bestLoss: Float64Array;
  private readonly per: number;

  constructor(private readonly batch: AttackBatch) {
    this.xAdv = Float32Array.from(batch.x);
    this.broken = new Uint8Array(batch.n);
    this.bestLoss = new Float64Array(batch.n).fill(-Infinity);
    this.per = batch.x.length / batch.n;
  }

  remaining(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.batch.n; i++) if (!this.broken[i]) out.push(i);
    return out;
  }

  subBatch(idx: number[]): AttackBatch {
    return selectBatch(this.batch, idx);
  }

  merge(idx: number[], r: RunResult): void {
    idx.forEach((i, j) => {
      if (r.broken[j]) {
        this.broken[i] = 1;
        copyRow(this.xAdv, i, r.found, j, this.per);
      } else if (r.bestLoss[j] > this.bestLoss[i]) {
        this.bestLoss[i] = r.bestLoss[j];
        copyRow(this.xAdv, i, r.best, j, this.per);
      }
    });
  }

  robustAccuracy(): number {
    return this.remaining().length / this.batch.n;
  }
}

/** Progress over `total` iterations, reported at checkpoints and at the end of each run. */
function progress(name: string, total: number, outcome: Outcome, ctx: AttackContext) {
  let done = 0;
  const report = () => ctx.onProgress?.({ attack: name, done, total, robustAccuracy: outcome.robustAccuracy() });
  return {
    /** A tick callback for a run whose iterations start at `base`. */
    run(base: number) {
      return (it: number, checkpoint: boolean) => { done = base + it; if (checkpoint) report(); };
    },
    /** A run (or skipped run) ended at `upTo` iterations. */
    end(upTo: number) { done = upTo; report(); },
  };
}

function needClasses(model: AttackModel, min: number, name: string, what: string, hint = ''): void {
  if (model.info.numClasses < min) {
    throw new UsageError(`${name} uses the ${what} loss, which needs at least ${min} classes; the model has ${model.info.numClasses}${hint}`);
  }
}

function untargeted(name: string, loss: LossKind, description: string): AttackDefinition<ApgdParams, 'gradients'> {
  return {
    name,
    paper: `${PAPER} — ${description}`,
    needs: 'gradients',
    params: apgdParams,
    async search(model, batch, threat, p, ctx) {
      if (loss === 'dlr') needClasses(model, 3, name, 'DLR');
      if (batch.n === 0) return { xAdv: new Float32Array(0) };
      const outcome = new Outcome(batch);
      const prog = progress(name, p.restarts * p.steps, outcome, ctx);
      for (let r = 0; r < p.restarts; r++) {
        if (ctx.signal?.aborted) throw new CancelledError();
        const idx = outcome.remaining();
        if (idx.length > 0) {
          const res = await apgdRun(model, outcome.subBatch(idx), threat, { loss }, p, r, ctx, prog.run(r * p.steps));
          outcome.merge(idx, res);
        }
        prog.end((r + 1) * p.steps);
      }
      return { xAdv: outcome.xAdv };
    },
  };
}

/** Index of the rank-th largest logit per row (rank 1 = argmax); ties broken by lower class index. */
export function rankedClass(logits: Float32Array, n: number, rank: number): Int32Array {
  const C = logits.length / n;
  const out = new Int32Array(n);
  const order = [...Array(C).keys()];
  for (let i = 0; i < n; i++) {
    const row = logits.subarray(i * C, (i + 1) * C);
    order.sort((a, b) => row[b] - row[a] || a - b);
    out[i] = order[rank - 1];
  }
  return out;
}

/** APGD on the cross-entropy loss (AutoAttack's first attack). */
export const apgdCe = untargeted('apgd-ce', 'ce', 'APGD-CE: APGD on the cross-entropy loss');

/** APGD on the difference-of-logits-ratio loss (shift- and scale-invariant in the logits). */
export const apgdDlr = untargeted('apgd-dlr', 'dlr', 'APGD-DLR: APGD on the DLR loss');

/**
 * APGD-T: for rank = 2 … targetClasses+1, target the class ranked `rank` by the clean logits of
 * each still-robust point and run APGD on the targeted DLR loss (AutoAttack: 9 targets, 100
 * iterations, 1 restart each). The targeted DLR needs 4 classes (z_π3, z_π4); with 2–3 classes
 * the audit sets `loss: 'cw'`, the targeted margin z_t − max_{j≠t} z_j (../audit/adaptations/few-classes.ts).
 */
export const apgdT: AttackDefinition<ApgdTParams, 'gradients'> = {
  name: 'apgd-t',
  paper: `${PAPER} — APGD-T: targeted APGD on the targeted DLR loss over the top-ranked other classes`,
  needs: 'gradients',
  params: apgdTParams,
  async search(model, batch, threat, p, ctx) {
    const loss = p.loss ?? 'dlr';
    if (loss === 'dlr') needClasses(model, 4, 'apgd-t', 'targeted DLR', " (set loss 'cw' for 2–3 classes)");
    if (batch.n === 0) return { xAdv: new Float32Array(0) };
    const targets = Math.min(p.targetClasses, model.info.numClasses - 1);
    const outcome = new Outcome(batch);
    const prog = progress('apgd-t', targets * p.restarts * p.steps, outcome, ctx);
    let run = 0;
    for (let rank = 2; rank <= targets + 1; rank++) {
      for (let r = 0; r < p.restarts; r++, run++) {
        if (ctx.signal?.aborted) throw new CancelledError();
        const idx = outcome.remaining();
        if (idx.length > 0) {
          const sub = outcome.subBatch(idx);
          const target = rankedClass(await model.predict(sub.x, sub.n, { signal: ctx.signal }), sub.n, rank);
          const res = await apgdRun(model, sub, threat, { loss, target }, p, run, ctx, prog.run(run * p.steps));
          outcome.merge(idx, res);
        }
        prog.end((run + 1) * p.steps);
      }
    }
    return { xAdv: outcome.xAdv };
  },
};
