/**
 * The explicit state of one Square Attack restart, which the L∞ and L2 steps read and the
 * search loop owns: the layout, the restart's rows (their x and box, for L∞ the two values an
 * element may take), and one random stream per row. The search's own progress (best iterate,
 * best margin, fooled flags) stays in the loop that updates it.
 */
import { argmaxRows } from '../tensor';
import type { ImageLayout } from './layout';

/** η for an a×b window, its orientation drawn from `rand` (see l2.ts). */
export type EtaSource = (a: number, b: number, rand: () => number) => Float64Array;

/** What the init and proposal steps of one restart read; built once per restart. */
export interface RestartState {
  L: ImageLayout;
  /** Elements per sample. */
  per: number;
  eps: number;
  /** x and box of the restart's rows (the samples still robust when it began), row-major. */
  xs: Float32Array;
  lo: Float32Array;
  hi: Float32Array;
  /** L∞ only: x − ε and x + ε projected (inward-rounded) into the box; x itself under L2. */
  minus: Float32Array;
  plus: Float32Array;
  /** One random stream per restart row, seeded from the sample's original-batch id and the restart. */
  rngs: (() => number)[];
  /** Cached η bumps, shared across restarts (the cache holds shapes, not draws). */
  etaOf: EtaSource;
}

/** ±1 with equal odds: one draw. */
export function sign(rand: () => number): number {
  return rand() < 0.5 ? -1 : 1;
}

/** A uniform integer in [0, hiIncl]: one draw. */
export function randInt(rand: () => number, hiIncl: number): number {
  return Math.min(hiIncl, Math.floor(rand() * (hiIncl + 1)));
}

/** Row `row` of out = x + δ·ε/‖δ‖ for restart row j (x itself when δ = 0). */
export function writeScaled(s: RestartState, out: Float32Array, row: number, j: number, delta: Float64Array): void {
  const { per, eps, xs } = s;
  let sq = 0;
  for (let k = 0; k < per; k++) sq += delta[k] * delta[k];
  const scale = sq > 0 ? eps / Math.sqrt(sq) : 0;
  for (let k = 0; k < per; k++) out[row * per + k] = xs[j * per + k] + delta[k] * scale;
}

/** Margin z_y − max_{j≠y} z_j per row (to minimise) and whether the row is misclassified. */
export function margins(logits: Float32Array, m: number, y: (j: number) => number): { margin: Float64Array; fooled: Uint8Array } {
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
