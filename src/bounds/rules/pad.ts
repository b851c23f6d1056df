/** Pad (any mode, constant pads and value) copies elements and adds constants or copies: applied to lo and to hi it gives the exact interval.
 * CROWN: every output copies one input element (or, in constant mode, is the value v): the
 * adjoint sums the rows of the copies of each input element (gatherAdjoint); v ≠ 0 adds Σ A·v.
 */
import type { BoundRule } from '../types';
import { applyToBoth, requireConstantsBesides } from './common';
import { attrString, numel } from '../../onnx/ir';
import { constantNumbers, gatherAdjoint } from './crown-common';
import type { CrownContext } from '../types';

export const pad: BoundRule = {
  opType: 'Pad',
  ibp: (ctx) => {
    requireConstantsBesides(ctx, 0);
    return [applyToBoth(ctx)];
  },
  crown: {
    kind: 'linear',
    backward: (ctx, A) => {
      const { begin, shape, mode } = padGeometry(ctx);
      const out = ctx.outShape();
      const nOut = numel(out);
      const sources: number[][] = Array.from({ length: numel(shape) }, () => []);
      forEachOutput(out, (k, idx) => {
        const at = sourceOf(idx, begin, shape, mode);
        if (at >= 0) sources[at].push(k);
      });
      return [gatherAdjoint(ctx, ctx.op('Reshape', [A, ctx.ints([-1, nOut])]), nOut, sources, shape), undefined, undefined];
    },
    offset: (ctx) => {
      const { begin, shape, mode } = padGeometry(ctx);
      const value = mode === 'constant' && ctx.hasInput(2) && ctx.node.inputs[2] ? constantNumbers(ctx, 2, 'the pad value')[0] : 0;
      if (!value) return undefined;
      const out = ctx.outShape();
      const res = new Float64Array(numel(out));
      forEachOutput(out, (k, idx) => { if (sourceOf(idx, begin, shape, mode) < 0) res[k] = value; });
      return res;
    },
  },
};

/** Calls visit(k, index) for every element of `shape` in row-major order. */
function forEachOutput(shape: number[], visit: (k: number, idx: number[]) => void): void {
  const idx = new Array(shape.length).fill(0);
  for (let k = 0, n = numel(shape); k < n; k++) {
    visit(k, idx);
    for (let a = shape.length - 1; a >= 0; a--) { if (++idx[a] < shape[a]) break; idx[a] = 0; }
  }
}

/** The input element (row-major) an output element copies, or −1 for a padded constant. */
function sourceOf(idx: number[], begin: number[], shape: number[], mode: string): number {
  let flat = 0;
  for (let a = 0; a < shape.length; a++) {
    let i = idx[a] - begin[a];
    const d = shape[a];
    if (i < 0 || i >= d) {
      if (mode === 'constant') return -1;
      if (mode === 'edge') i = Math.min(d - 1, Math.max(0, i));
      else while (i < 0 || i >= d) i = i < 0 ? -i : 2 * (d - 1) - i; // reflect (d ≥ 2; pads < d)
    }
    flat = flat * d + i;
  }
  return flat;
}

/** Per-sample leading pads and input shape of a constant-mode Pad. */
function padGeometry(ctx: CrownContext): { begin: number[]; shape: number[]; mode: string } {
  const mode = attrString(ctx.node, 'mode', 'constant');
  if (!['constant', 'edge', 'reflect'].includes(mode)) return ctx.unsupported(`mode ${mode}`);
  if (ctx.hasInput(3)) return ctx.unsupported('the axes input');
  const pads = constantNumbers(ctx, 1, 'pads');
  const shape = ctx.inShape(0);
  const rank = shape.length + 1;
  if (pads.some((p) => p < 0)) return ctx.unsupported('negative pads (cropping)');
  if (pads[0] || pads[rank]) return ctx.unsupported('padding of the batch dimension');
  if (mode === 'reflect' && shape.some((d, a) => d < 2 && (pads[a + 1] || pads[rank + a + 1]))) return ctx.unsupported('reflect padding of a dimension of size 1');
  return { begin: pads.slice(1, rank), shape, mode };
}
