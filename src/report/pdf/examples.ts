/**
 * Adversarial example images for the report: the original, the perturbation δ = x_adv − x scaled
 * to the full grey range (0 → mid-grey, ±max|δ| → black/white, as in Goodfellow et al. 2015,
 * arXiv:1412.6572, Fig. 1), and the adversarial image. Images come as [C,H,W], [H,W,C] or [H,W]
 * (an optional leading batch dimension of 1 is dropped) with C = 1 (greyscale) or 3 (RGB); a
 * vector input [D] (tabular or flattened features) is drawn as a one-row strip of D grey cells.
 */
import { z } from 'zod';
import { UsageError } from '../../errors';
import { encodePng } from './png';

/** One adversarial example as the renderer takes it. */
export interface AdversarialExample {
  /** Index of the point in the evaluation set. */
  index: number;
  /** True class. */
  label: number;
  /** Class predicted on the adversarial image. */
  advPred: number;
  /** Attack (stage) that found it. */
  attack: string;
  /** ‖δ‖ in the report's threat norm. */
  norm: number;
  x: Float32Array;
  xAdv: Float32Array;
  shape: number[];
}

/** zod schema of an AdversarialExample (shape consistency is checked by `imageGeometry`). */
export const adversarialExampleSchema = z.object({
  index: z.number().int().min(0),
  label: z.number().int(),
  advPred: z.number().int(),
  attack: z.string(),
  norm: z.number().min(0),
  x: z.instanceof(Float32Array),
  xAdv: z.instanceof(Float32Array),
  shape: z.array(z.number().int().min(1)).min(1).max(4),
});

/** Where height, width and channels sit in an image shape. */
export interface ImageGeometry {
  h: number;
  w: number;
  c: 1 | 3;
  layout: 'chw' | 'hwc' | 'hw';
  /** A vector input [D] drawn as a 1 × D strip (not an image). */
  strip?: true;
}

const isChannels = (v: number): v is 1 | 3 => v === 1 || v === 3;

/**
 * The geometry of an image shape. [H,W] is greyscale; a 3-D shape is CHW when its first dimension
 * is 1 or 3 (the ONNX convention wins when both ends could be channels), else HWC when its last is.
 */
export function imageGeometry(shape: readonly number[], what = 'image'): ImageGeometry {
  let s = [...shape];
  if (s.length === 4 && s[0] === 1) s = s.slice(1);
  if (s.length === 1) return { h: 1, w: s[0], c: 1, layout: 'hw', strip: true };
  if (s.length === 2) return { h: s[0], w: s[1], c: 1, layout: 'hw' };
  if (s.length === 3) {
    if (isChannels(s[0])) return { c: s[0], h: s[1], w: s[2], layout: 'chw' };
    if (isChannels(s[2])) return { h: s[0], w: s[1], c: s[2], layout: 'hwc' };
    throw new UsageError(`${what}: shape [${shape.join(', ')}] has no channel dimension of size 1 or 3; give [C,H,W], [H,W,C], [H,W] or a vector [D]`);
  }
  throw new UsageError(`${what}: shape [${shape.join(', ')}] is not an image; give [C,H,W], [H,W,C], [H,W] (optionally with a leading 1) or a vector [D]`);
}

/** Checks an example's arrays against its shape; returns its geometry. */
export function checkExample(e: AdversarialExample, k: number): ImageGeometry {
  const what = `examples[${k}] (point ${e.index})`;
  const g = imageGeometry(e.shape, what);
  const size = g.h * g.w * g.c;
  if (e.x.length !== size || e.xAdv.length !== size) {
    throw new UsageError(`${what}: x has ${e.x.length} and xAdv ${e.xAdv.length} values, shape [${e.shape.join(', ')}] needs ${size}`);
  }
  for (let i = 0; i < size; i++) {
    if (!Number.isFinite(e.x[i]) || !Number.isFinite(e.xAdv[i])) throw new UsageError(`${what}: non-finite pixel value at ${i}`);
  }
  return g;
}

/** Value at (channel, row, column). */
function at(a: Float32Array, g: ImageGeometry, ch: number, y: number, x: number): number {
  if (g.layout === 'hw') return a[y * g.w + x];
  if (g.layout === 'chw') return a[(ch * g.h + y) * g.w + x];
  return a[(y * g.w + x) * g.c + ch];
}

/**
 * The display range of an example's pixels: [0, 1] or [0, 255] when both images fit, else the
 * joint min..max of x and xAdv.
 */
export function displayRange(e: Pick<AdversarialExample, 'x' | 'xAdv'>): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (const a of [e.x, e.xAdv]) for (let i = 0; i < a.length; i++) { if (a[i] < lo) lo = a[i]; if (a[i] > hi) hi = a[i]; }
  if (lo >= 0 && hi <= 1) return [0, 1];
  if (lo >= 0 && hi <= 255) return [0, 255];
  return hi > lo ? [lo, hi] : [lo, lo + 1];
}

/** The three panels as 8-bit pixels (row-major, c channels), before upscaling. */
export interface ExamplePanels {
  g: ImageGeometry;
  original: Uint8Array;
  perturbation: Uint8Array;
  adversarial: Uint8Array;
  /** max |δ| over all pixels: the perturbation panel maps ±maxAbs to 0/255. */
  maxAbs: number;
}

const byte = (v: number) => Math.max(0, Math.min(255, Math.round(v * 255)));

/** The original, scaled-perturbation and adversarial panels of one example. */
export function examplePanels(e: AdversarialExample, g: ImageGeometry): ExamplePanels {
  const [lo, hi] = displayRange(e);
  let maxAbs = 0;
  for (let i = 0; i < e.x.length; i++) maxAbs = Math.max(maxAbs, Math.abs(e.xAdv[i] - e.x[i]));
  const n = g.h * g.w * g.c;
  const original = new Uint8Array(n), adversarial = new Uint8Array(n), perturbation = new Uint8Array(n);
  for (let y = 0; y < g.h; y++) {
    for (let x = 0; x < g.w; x++) {
      for (let ch = 0; ch < g.c; ch++) {
        const o = (y * g.w + x) * g.c + ch;
        const a = at(e.x, g, ch, y, x), b = at(e.xAdv, g, ch, y, x);
        original[o] = byte((a - lo) / (hi - lo));
        adversarial[o] = byte((b - lo) / (hi - lo));
        perturbation[o] = maxAbs > 0 ? byte(0.5 + (0.5 * (b - a)) / maxAbs) : 128;
      }
    }
  }
  return { g, original, perturbation, adversarial, maxAbs };
}

/** Nearest-neighbour upscaling by an integer factor (so viewers do not blur small images). */
export function upscale(px: Uint8Array, w: number, h: number, c: number, f: number): Uint8Array {
  if (f === 1) return px;
  const out = new Uint8Array(w * f * h * f * c);
  for (let y = 0; y < h * f; y++) {
    for (let x = 0; x < w * f; x++) {
      const src = ((Math.floor(y / f) * w) + Math.floor(x / f)) * c;
      out.set(px.subarray(src, src + c), (y * w * f + x) * c);
    }
  }
  return out;
}

/** A PNG of one panel, upscaled to about `target` pixels on its longer side (never downscaled). */
export function panelPng(px: Uint8Array, g: ImageGeometry, target = 112): Buffer {
  const f = Math.max(1, Math.min(16, Math.floor(target / Math.max(g.h, g.w))));
  return encodePng(g.w * f, g.h * f, g.c, upscale(px, g.w, g.h, g.c, f));
}
