/**
 * Where the Square Attack's windows go: the spatial layout of a flat sample (see the index's
 * header for the rules), the paper's schedule of the window fraction p, and the window sides
 * p gives under each norm.
 */

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
 * 1000, 2000, 4000, 6000 and 8000 of 10 000, with `it` rescaled from a budget of `queries`.
 */
export function pSchedule(pInit: number, it: number, queries: number): number {
  const t = Math.floor((it / queries) * 10000);
  const bounds = [10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000];
  let halvings = 0;
  for (const b of bounds) if (t > b) halvings++;
  return pInit / 2 ** halvings;
}

/** Window height and width for fraction p (L∞: side ≥ 1, below the image side, as the reference). */
export function windowLinf(L: ImageLayout, p: number): [number, number] {
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
export function windowL2(L: ImageLayout, p: number): [number, number] {
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
