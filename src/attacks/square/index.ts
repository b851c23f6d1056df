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
 * sample leaves the active set once misclassified. `queries` counts the initial query, so
 * each sample costs at most `queries` predictions per restart.
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
import { CancelledError } from '../../errors';
import { sampleRng } from '../../util/random';
import { project } from '../project';
import { withRenamed } from '../renamed';
import { batchIds, selectRows } from '../tensor';
import { AttackBatch, AttackContext, AttackDefinition, Candidates, LogitsModel, ThreatModel } from '../types';
import { etaCache, initL2, proposeL2 } from './l2';
import { imageLayout, pSchedule } from './layout';
import { initLinf, proposeLinf } from './linf';
import { EtaSource, RestartState, margins } from './state';

export { imageLayout, pSchedule } from './layout';
export type { ImageLayout } from './layout';

export const squareParams = withRenamed(z.strictObject({
  queries: z.number().int().min(1).max(1_000_000).default(5000)
    .describe('Query budget per sample and restart, the initial query included (paper and AutoAttack: 5000).'),
  pInit: z.number().gt(0).max(1).default(0.8)
    .describe('Initial fraction of the image covered by a square (AutoAttack: 0.8 for L∞ and L2); halved on the paper schedule.'),
  restarts: z.number().int().min(1).max(1000).default(1)
    .describe('Independent restarts on the samples still not misclassified, each with the full query budget.'),
}), { nQueries: 'queries' });

export type SquareParams = z.infer<typeof squareParams>;

const PROGRESS_EVERY = 100;

/** What the restarts share: the batch's outcome so far and how to report it. */
interface SearchRun {
  model: LogitsModel;
  batch: AttackBatch;
  threat: ThreatModel;
  params: SquareParams;
  ctx: AttackContext;
  per: number;
  /** Original-batch id per row, which seeds the row's random streams. */
  ids: ArrayLike<number>;
  etaOf: EtaSource;
  /** 1 once a sample is misclassified; its first misclassifying iterate is in xAdv. */
  fooledAll: Uint8Array;
  xAdv: Float32Array;
  checkCancel: () => void;
  progress: (done: number) => void;
}

async function search(model: LogitsModel, batch: AttackBatch, threat: ThreatModel, params: SquareParams, ctx: AttackContext): Promise<Candidates> {
  const { n, x } = batch;
  const xAdv = Float32Array.from(x);
  if (n === 0 || threat.eps === 0) return { xAdv };
  const fooledAll = new Uint8Array(n);
  const total = params.restarts * params.queries;
  const run: SearchRun = {
    model, batch, threat, params, ctx, per: x.length / n,
    // One random stream per sample and restart, seeded from its original-batch id: a sample's
    // draws do not depend on the rest of the batch.
    ids: batchIds(batch),
    etaOf: etaCache(),
    fooledAll,
    xAdv,
    checkCancel: () => { if (ctx.signal?.aborted) throw new CancelledError(); },
    progress: (done) => {
      let k = 0;
      for (let i = 0; i < n; i++) if (!fooledAll[i]) k++;
      ctx.onProgress?.({ attack: square.name, done, total, robustAccuracy: k / n });
    },
  };
  for (let r = 0; r < params.restarts; r++) {
    run.checkCancel();
    const idx = [...fooledAll.keys()].filter((i) => !fooledAll[i]);
    if (idx.length === 0) break;
    await restart(run, r, idx);
  }
  if (ctx.onProgress && fooledAll.every((f) => f === 1)) run.progress(total);
  return { xAdv };
}

/** The restart's state over the samples `idx` still robust when restart `r` begins. */
function restartState(run: SearchRun, r: number, idx: readonly number[]): RestartState {
  const { batch, threat, per, ctx } = run;
  const { x, lower, upper } = batch;
  const { eps, norm } = threat;
  const m0 = idx.length;
  const rngs = idx.map((i) => sampleRng(ctx.seed, run.ids[i], r));
  const xs = selectRows(x, per, idx), lo = selectRows(lower, per, idx), hi = selectRows(upper, per, idx);
  const L = imageLayout(run.model.info.inputShape, per);
  const s: RestartState = { L, per, eps, xs, lo, hi, minus: xs, plus: xs, rngs, etaOf: run.etaOf };
  if (norm === 'linf') {
    s.minus = project(new Float32Array(m0 * per).fill(-Infinity), xs, lo, hi, m0, norm, eps);
    s.plus = project(new Float32Array(m0 * per).fill(Infinity), xs, lo, hi, m0, norm, eps);
  }
  return s;
}

/**
 * One restart: start every row at the norm's initial point, then up to `queries` − 1 rounds of
 * one batched predict of the rows not yet misclassified, keeping each proposal that lowers the
 * row's margin (or misclassifies). Misclassified rows are copied to xAdv as they are found.
 */
async function restart(run: SearchRun, r: number, idx: readonly number[]): Promise<void> {
  const { model, batch, ctx, per, fooledAll, xAdv } = run;
  const { eps, norm } = run.threat;
  const { queries, pInit } = run.params;
  const s = restartState(run, r, idx);
  const { xs, lo, hi } = s;
  const m0 = idx.length;
  const best = norm === 'linf' ? initLinf(s, m0) : project(initL2(s, m0), xs, lo, hi, m0, norm, eps);
  const first = margins(await model.predict(best, m0, { signal: ctx.signal }), m0, (j) => batch.y[idx[j]]);
  const marginBest = first.margin.map((v) => (Number.isNaN(v) ? Infinity : v));
  const fooled = first.fooled;
  const markFooled = () => idx.forEach((i, j) => {
    if (fooled[j] && !fooledAll[i]) {
      fooledAll[i] = 1;
      xAdv.set(best.subarray(j * per, (j + 1) * per), i * per);
    }
  });

  for (let it = 0; it < queries - 1; it++) {
    run.checkCancel();
    const act: number[] = [];
    for (let j = 0; j < m0; j++) if (!fooled[j]) act.push(j);
    if (act.length === 0) break;
    if (it % PROGRESS_EVERY === 0) { markFooled(); run.progress(r * queries + it + 1); }
    const p = pSchedule(pInit, it, queries);
    const m = act.length;
    const cand = selectRows(best, per, act);
    if (norm === 'linf') proposeLinf(s, cand, act, p);
    else {
      proposeL2(s, cand, act, p);
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
  run.progress((r + 1) * queries);
}

/** The Square Attack (L∞ and L2), logits only. */
export const square: AttackDefinition<SquareParams, 'logits'> = {
  name: 'square',
  paper: 'Andriushchenko, Croce, Flammarion, Hein. Square Attack: a query-efficient black-box adversarial attack via random search. ECCV 2020. arXiv:1912.00049',
  needs: 'logits',
  params: squareParams,
  search,
};
