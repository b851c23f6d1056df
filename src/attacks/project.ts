/**
 * Projection onto the threat set {x' : ‖x' − x‖ ≤ ε} ∩ [lower, upper], in float32 storage
 * with the guarantee checked in float64: every element bound is rounded *inward* to a
 * float32, so a projected example never exceeds ε by a rounding ulp.
 */
import { Norm } from './types';

// Module-level aliases: inside jest's vm context every global lookup in a hot loop is ~50× slower.
const { abs, max, min, sqrt, fround } = Math;
const isNaNNum = Number.isNaN;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float32 next to v in direction dir (+1 up, −1 down). */
export function nextFloat32(v: number, dir: 1 | -1): number {
  f32[0] = v;
  const x = f32[0];
  if (isNaNNum(x) || (dir > 0 && x === Infinity) || (dir < 0 && x === -Infinity)) return x;
  if (x === 0) { u32[0] = 1; return dir > 0 ? f32[0] : -f32[0]; }
  if ((x > 0) === (dir > 0)) u32[0] += 1; else u32[0] -= 1;
  return f32[0];
}

/** Largest float32 ≤ v. */
export function floorF32(v: number): number {
  const r = fround(v);
  return r > v ? nextFloat32(r, -1) : r;
}

/** Smallest float32 ≥ v. */
export function ceilF32(v: number): number {
  const r = fround(v);
  return r < v ? nextFloat32(r, 1) : r;
}

/** Per-sample norm of (a − b) over n rows, in float64. */
export function rowNorms(a: Float32Array, b: Float32Array, n: number, norm: Norm): Float64Array {
  const per = a.length / n;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = i * per; k < (i + 1) * per; k++) {
      const d = abs(a[k] - b[k]);
      if (norm === 'linf') { if (d > s) s = d; } else s += d * d;
    }
    out[i] = norm === 'linf' ? s : sqrt(s);
  }
  return out;
}

/**
 * Projects xAdv in place onto the ε-ball around x intersected with the box. For L2 the
 * perturbation is rescaled onto the ball and then clipped to the box (clipping towards x's
 * box never increases the norm); a final pass shrinks any row still above ε by rounding.
 */
export function project(xAdv: Float32Array, x: Float32Array, lower: Float32Array, upper: Float32Array, n: number, norm: Norm, eps: number): Float32Array {
  const per = x.length / n;
  if (norm === 'linf') {
    for (let k = 0; k < x.length; k++) {
      const ballLo = ceilF32(x[k] - eps), ballHi = floorF32(x[k] + eps);
      const lo = lower[k] > ballLo ? lower[k] : ballLo;
      const hi = upper[k] < ballHi ? upper[k] : ballHi;
      const v = xAdv[k];
      xAdv[k] = v < lo ? lo : v > hi ? hi : v !== v ? x[k] : v; // v !== v: NaN
    }
    return xAdv;
  }
  for (let i = 0; i < n; i++) {
    const s = i * per, e = s + per;
    for (let attempt = 0; attempt < 4; attempt++) {
      let sq = 0;
      for (let k = s; k < e; k++) {
        if (isNaNNum(xAdv[k])) xAdv[k] = x[k];
        const d = xAdv[k] - x[k];
        sq += d * d;
      }
      const norm2 = sqrt(sq);
      const scale = norm2 > eps ? (eps / norm2) * (1 - 1e-6 * 2 ** attempt) : 1;
      for (let k = s; k < e; k++) {
        const v = scale === 1 ? xAdv[k] : x[k] + (xAdv[k] - x[k]) * scale;
        xAdv[k] = min(upper[k], max(lower[k], v));
      }
      if (scale === 1) break;
    }
  }
  return xAdv;
}
