/**
 * The Square Attack under L∞: the vertical-stripes start and the window proposal. Every
 * element an L∞ step writes is x − ε or x + ε, projected into the box (`minus`/`plus` of the
 * restart state).
 */
import { windowLinf } from './layout';
import { RestartState, randInt, sign } from './state';

/** How often an L∞ proposal redraws its signs while the window would change nothing. */
export const MAX_LINF_RESAMPLES = 20;

/** L∞ start: vertical stripes, x ± ε (projected) with one sign per (channel, column). */
export function initLinf(s: RestartState, m: number): Float32Array {
  const { L, per, rngs, plus, minus } = s;
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

/**
 * L∞ proposal for the rows `act` of the restart (row k of cand): a random window set to
 * x ± ε with one sign per channel, resampled (up to MAX_LINF_RESAMPLES times) while it
 * would leave the current point unchanged.
 */
export function proposeLinf(s: RestartState, cand: Float32Array, act: readonly number[], p: number): void {
  const { L, per, rngs, plus, minus } = s;
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
