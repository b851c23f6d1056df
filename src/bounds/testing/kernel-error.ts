/**
 * The error of ONNX Runtime's float32 kernel of a unary function against float64, on a dense grid
 * and random points: what rules/monotone-kernel.ts's widening must cover (four times over).
 */
import { encodeModel } from '../../onnx/encode';
import { Session } from '../../runtime/session';
import { mulberry32 } from '../../util/random';
import { absoluteMargin, relativeMargin } from '../float-error';
import { KERNEL_ABSOLUTE, KERNEL_TERMS } from '../rules/monotone-kernel';
import { opModel } from './property';

export interface KernelError {
  points: number;
  /** Largest |ort(x) − f(x)|, and where. */
  maxAbs: number;
  maxAbsAt: number;
  /** Largest |ort(x) − f(x)| / |f(x)| over |f(x)| ≥ 2⁻²⁰ (smaller outputs are the absolute part's). */
  maxRel: number;
  maxRelAt: number;
  /** Largest error / widening, widening = relativeMargin(KERNEL_TERMS)·|f| + absoluteMargin(KERNEL_TERMS) + KERNEL_ABSOLUTE. */
  maxRatio: number;
  maxRatioAt: number;
}

/** The widening monotone-kernel.ts applies to an output of magnitude |f|. */
export function kernelWidening(f: number): number {
  return relativeMargin(KERNEL_TERMS) * Math.abs(f) + absoluteMargin(KERNEL_TERMS) + KERNEL_ABSOLUTE;
}

/**
 * Measures `opType`'s float32 kernel against `exact` (float64) on the grid [from, to] in steps of
 * `step` (every float32 value is exact) plus `random` uniform points of the same range, seeded.
 */
export async function measureKernelError(opType: string, exact: (x: number) => number, opts: { from: number; to: number; step: number; random: number; seed?: number }): Promise<KernelError> {
  const grid: number[] = [];
  for (let x = opts.from; x <= opts.to; x += opts.step) grid.push(x);
  const rand = mulberry32(opts.seed ?? 1);
  for (let i = 0; i < opts.random; i++) grid.push(opts.from + (opts.to - opts.from) * rand());
  const x = Float32Array.from(grid);
  const { model } = opModel({ opType, inputs: [{ bounded: [x.length] }] });
  const session = await Session.create(encodeModel(model), { intraOpThreads: 1 });
  let y: Float32Array;
  try {
    y = (await session.run({ x0: { dtype: 'float32', dims: [x.length], data: x } })).y.data as Float32Array;
  } finally {
    await session.release();
  }
  const r: KernelError = { points: x.length, maxAbs: 0, maxAbsAt: NaN, maxRel: 0, maxRelAt: NaN, maxRatio: 0, maxRatioAt: NaN };
  for (let i = 0; i < x.length; i++) {
    const f = exact(x[i]);
    const err = Math.abs(y[i] - f);
    if (!(err <= r.maxAbs)) { r.maxAbs = err; r.maxAbsAt = x[i]; }
    if (Math.abs(f) >= 2 ** -20 && !(err / Math.abs(f) <= r.maxRel)) { r.maxRel = err / Math.abs(f); r.maxRelAt = x[i]; }
    const ratio = err / kernelWidening(f);
    if (!(ratio <= r.maxRatio)) { r.maxRatio = ratio; r.maxRatioAt = x[i]; }
  }
  return r;
}
