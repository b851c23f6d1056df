/**
 * The Square Attack under L2: the meta pseudo-gaussian bumps η, the grid-of-bumps start, and
 * the proposal that moves a second window's mass into the first as a fresh bump; δ is
 * rescaled to ‖δ‖₂ = ε after each.
 */
import { windowL2 } from './layout';
import { EtaSource, RestartState, randInt, sign, writeScaled } from './state';

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
export function etaCache(): EtaSource {
  const cache = new Map<string, Float64Array>();
  return (a, b, rand) => {
    const splitCols = a === 1 && b > 1 ? true : b === 1 ? false : rand() > 0.5;
    const key = `${a}x${b}${splitCols ? 'c' : 'r'}`;
    let e = cache.get(key);
    if (!e) { e = eta(a, b, splitCols); cache.set(key, e); }
    return e;
  };
}

/**
 * L2 start: a grid of η bumps (tiles of side ⌊H/5⌋ × ⌊W/5⌋, centred), random signs per channel,
 * ‖δ‖ = ε. The caller projects the result into the box.
 */
export function initL2(s: RestartState, m: number): Float32Array {
  const { L, per, rngs, etaOf } = s;
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
    writeScaled(s, out, j, j, delta);
  }
  return out;
}

/**
 * L2 proposal, per sample: window 2's mass and the unused budget move into window 1 as a
 * fresh η bump plus window 1's old direction (per channel), then δ is rescaled to ε. The
 * caller projects each row into its box.
 */
export function proposeL2(s: RestartState, cand: Float32Array, act: readonly number[], p: number): void {
  const { L, per, eps, xs, rngs, etaOf } = s;
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
    writeScaled(s, cand, row, act[row], delta);
  }
}
