/**
 * Resize (opset 13: roi, scales, sizes inputs; modes nearest, linear, cubic). The output is linear in x and
 * separable over axes: y = x ×ₐ Mₐ for every resized axis a, with Mₐ [outₐ, inₐ] holding the interpolation
 * weights (ORT's coordinate transforms, float32 arithmetic included). dx = dy ×ₐ Mₐᵀ, applied as MatMuls.
 * Weights depend only on static (non-batch) lengths and attributes; extrapolated outputs (tf_crop_and_resize)
 * have zero rows. Axes with scale 1 map identically (as ORT), and equal input/output shapes copy x outright.
 */
import { UnsupportedOpError } from '../../errors';
import { attrFloat, attrInt, attrString } from '../../onnx/ir';
import { GradientRule, RuleContext } from '../types';

const f = Math.fround;

/** What fixes one axis' interpolation weights. */
export interface ResizeAxis {
  mode: string;
  coordinateMode: string;
  nearestMode: string;
  cubicCoeffA: number;
  excludeOutside: boolean;
  inLen: number;
  outLen: number;
  /** The scale ORT uses: the given scale, or float(out)/float(in) when sizes were given. */
  scale: number;
  roiStart: number;
  roiEnd: number;
}

/** ORT's resized → original coordinate, in float32 arithmetic. */
function originalCoordinate(p: ResizeAxis, x: number): number {
  const { scale: s, inLen, outLen, roiStart, roiEnd } = p;
  switch (p.coordinateMode) {
    case 'asymmetric': return f(x / s);
    case 'pytorch_half_pixel': return outLen > 1 ? f(f(f(x + 0.5) / s) - 0.5) : 0;
    case 'tf_half_pixel_for_nn': return f(f(x + 0.5) / s);
    case 'align_corners': return outLen === 1 ? 0 : f(f(x * (inLen - 1)) / (outLen - 1));
    case 'tf_crop_and_resize':
      return outLen > 1
        ? f(f(roiStart * (inLen - 1)) + f(f(f(x * f(roiEnd - roiStart)) * (inLen - 1)) / (outLen - 1)))
        : f(0.5 * (roiStart + roiEnd) * (inLen - 1));
    case 'half_pixel': return f(f(f(x + 0.5) / s) - 0.5);
    default: throw new UnsupportedOpError(`coordinate_transformation_mode '${p.coordinateMode}' is not supported`);
  }
}

/** C's std::round: halves away from zero. */
const roundAway = (v: number) => Math.sign(v) * Math.floor(Math.abs(v) + 0.5);

function nearestPixel(mode: string, v: number): number {
  switch (mode) {
    case 'round_prefer_ceil': return roundAway(v);
    case 'floor': return Math.floor(v);
    case 'ceil': return Math.ceil(v);
    case 'round_prefer_floor': return v === Math.trunc(v) + 0.5 ? Math.floor(v) : roundAway(v);
    default: throw new UnsupportedOpError(`nearest_mode '${mode}' is not supported`);
  }
}

/** Keys' cubic convolution weights for the 4 taps ⌊x⌋−1 … ⌊x⌋+2 at fractional offset s. */
function cubicCoeffs(s: number, a: number): number[] {
  const t = [s + 1, s, 1 - s, 2 - s];
  const outer = (d: number) => f(((a * d - 5 * a) * d + 8 * a) * d - 4 * a);
  const inner = (d: number) => f(((a + 2) * d - (a + 3)) * d * d + 1);
  return [outer(t[0]), inner(t[1]), inner(t[2]), outer(t[3])];
}

/** The [outLen × inLen] matrix M (row-major) with y = M·x along one axis. @throws UnsupportedOpError for a mode it does not know. */
export function resizeMatrix(p: ResizeAxis): number[] {
  const { inLen, outLen } = p;
  const m = new Array<number>(outLen * inLen).fill(0);
  const extrapolates = p.coordinateMode === 'tf_crop_and_resize';
  for (let o = 0; o < outLen; o++) {
    const orig = p.scale === 1 ? o : originalCoordinate(p, o);
    if (extrapolates && (orig < 0 || orig > inLen - 1)) continue;
    const row = o * inLen;
    if (p.mode === 'nearest') {
      const i = Math.min(Math.max(nearestPixel(p.nearestMode, orig), 0), inLen - 1);
      m[row + i] = 1;
    } else if (p.mode === 'linear') {
      const v = Math.max(0, Math.min(orig, inLen - 1));
      const i1 = Math.min(Math.trunc(v), inLen - 1);
      const i2 = Math.min(i1 + 1, inLen - 1);
      const [d1, d2] = i1 === i2 ? [0.5, 0.5] : [f(Math.abs(v - i1)), f(Math.abs(v - i2))];
      m[row + i1] += d2;
      m[row + i2] += d1;
    } else if (p.mode === 'cubic') {
      const base = Math.floor(orig);
      const c = cubicCoeffs(f(orig - base), p.cubicCoeffA);
      const taps = c.map((w, k) => (p.excludeOutside && (base - 1 + k < 0 || base - 1 + k >= inLen) ? 0 : w));
      const sum = p.excludeOutside ? taps.reduce((q, r) => q + r, 0) : 1;
      taps.forEach((w, k) => { m[row + Math.min(Math.max(base - 1 + k, 0), inLen - 1)] += w / sum; });
    } else {
      throw new UnsupportedOpError(`mode '${p.mode}' is not supported (nearest, linear, cubic are)`);
    }
  }
  return m;
}

/** Contracts axis `axis` of t (length out) with M [out, in]: result[.., i, ..] = Σₒ M[o, i] · t[.., o, ..]. */
function applyTransposed(g: RuleContext, t: string, axis: number, rank: number, m: number[], out: number, inn: number): string {
  if (axis === rank - 1) return g.op('MatMul', [t, g.floats(m, [out, inn])]);
  const mt = new Array<number>(m.length);
  for (let o = 0; o < out; o++) for (let i = 0; i < inn; i++) mt[i * out + o] = m[o * inn + i];
  if (axis === rank - 2) return g.op('MatMul', [g.floats(mt, [inn, out]), t]);
  const perm = [...Array(rank).keys()];
  [perm[axis], perm[rank - 1]] = [perm[rank - 1], perm[axis]];
  const moved = g.op('MatMul', [g.op('Transpose', [t], { perm }), g.floats(m, [out, inn])]);
  return g.op('Transpose', [moved], { perm });
}

/** A float constant input as numbers (throws naming the node when it is computed at run time). */
function constFloats(g: RuleContext, i: number, what: string): number[] | undefined {
  if (!g.hasInput(i) || g.shape(g.input(i)).reduce((p, q) => p * q, 1) === 0) return undefined;
  const t = g.constant(g.input(i));
  if (!t) {
    throw new UnsupportedOpError(`Resize '${g.node.name}': ${what} (input ${i}) must be a constant for differentiation`, { opType: 'Resize', node: g.node.name, input: i });
  }
  return Array.from(t.data as ArrayLike<number>, Number);
}

export const resize: GradientRule = {
  opType: 'Resize',
  differentiable: [0],
  build: (g) => {
    const [x, y, dy] = [g.input(0), g.output(0), g.gradOutput(0)!];
    const xs = g.shape(x), ys = g.shape(y);
    const rank = xs.length;
    if (xs.every((d, a) => d === ys[a])) return [dy];
    const coordinateMode = attrString(g.node, 'coordinate_transformation_mode', 'half_pixel');
    const scales = constFloats(g, 2, 'scales');
    const roi = coordinateMode === 'tf_crop_and_resize' ? constFloats(g, 1, 'roi') : undefined;
    let t = dy;
    for (let a = 0; a < rank; a++) {
      const scale = scales ? f(scales[a]) : f(ys[a] / xs[a]);
      if (scale === 1 && rank > 1) continue;
      const p: ResizeAxis = {
        mode: attrString(g.node, 'mode', 'nearest'),
        coordinateMode,
        nearestMode: attrString(g.node, 'nearest_mode', 'round_prefer_floor'),
        cubicCoeffA: f(attrFloat(g.node, 'cubic_coeff_a', -0.75)),
        excludeOutside: attrInt(g.node, 'exclude_outside', 0) === 1,
        inLen: xs[a], outLen: ys[a], scale,
        roiStart: roi ? f(roi[a]) : 0, roiEnd: roi ? f(roi[rank + a]) : 1,
      };
      let m: number[];
      try {
        m = resizeMatrix(p);
      } catch (e) {
        throw new UnsupportedOpError(`Resize '${g.node.name}': ${(e as Error).message}`, { opType: 'Resize', node: g.node.name });
      }
      t = applyTransposed(g, t, a, rank, m, ys[a], xs[a]);
    }
    return [t];
  },
};
