/**
 * Index tables of the adjoints of 2-D windowed ops (Conv, AveragePool) for ./crown-common.ts
 * gatherAdjoint: which output-window entries each input element receives.
 */
import { attrInts, attrString } from '../../onnx/ir';
import type { CrownContext } from '../types';

/** The 2-D window geometry of a node on input [C, H, W] → output [·, Ho, Wo]. */
export interface Window2d {
  kernel: [number, number];
  strides: [number, number];
  dilations: [number, number];
  /** Top and left padding. */
  begin: [number, number];
  inH: number;
  inW: number;
  outH: number;
  outW: number;
}

/** The geometry of a Conv / AveragePool node (2-D, explicit or NOTSET padding, no ceil mode). */
export function window2d(ctx: CrownContext, kernel: number[]): Window2d {
  const inShape = ctx.inShape(0), out = ctx.outShape();
  if (inShape.length !== 3 || kernel.length !== 2) return ctx.unsupported('only 2-D windows have a CROWN rule');
  const autoPad = attrString(ctx.node, 'auto_pad', 'NOTSET');
  if (autoPad !== 'NOTSET') return ctx.unsupported(`auto_pad ${autoPad}`);
  const pads = attrInts(ctx.node, 'pads', [0, 0, 0, 0]);
  const strides = attrInts(ctx.node, 'strides', [1, 1]);
  const dilations = attrInts(ctx.node, 'dilations', [1, 1]);
  const geo: Window2d = {
    kernel: [kernel[0], kernel[1]], strides: [strides[0], strides[1]], dilations: [dilations[0], dilations[1]],
    begin: [pads[0], pads[1]], inH: inShape[1], inW: inShape[2], outH: out[1], outW: out[2],
  };
  // The output size the geometry implies must be the probe's (ceil_mode would differ).
  const size = (n: number, k: number, s: number, d: number, p: number) => Math.floor((n + p - d * (k - 1) - 1) / s) + 1;
  if (size(geo.inH, kernel[0], strides[0], dilations[0], pads[0] + pads[2]) !== geo.outH
    || size(geo.inW, kernel[1], strides[1], dilations[1], pads[1] + pads[3]) !== geo.outW) {
    return ctx.unsupported('the output size is not the floor-mode window count (ceil_mode)');
  }
  return geo;
}

/**
 * Calls visit(p, ki, kj, h, w) for every output position p = oh·Wo + ow and kernel offset (ki, kj)
 * whose input position (h, w) lies inside the (unpadded) input.
 */
export function forEachTap(g: Window2d, visit: (p: number, ki: number, kj: number, h: number, w: number) => void): void {
  for (let oh = 0; oh < g.outH; oh++) {
    for (let ow = 0; ow < g.outW; ow++) {
      for (let ki = 0; ki < g.kernel[0]; ki++) {
        const h = oh * g.strides[0] - g.begin[0] + ki * g.dilations[0];
        if (h < 0 || h >= g.inH) continue;
        for (let kj = 0; kj < g.kernel[1]; kj++) {
          const w = ow * g.strides[1] - g.begin[1] + kj * g.dilations[1];
          if (w < 0 || w >= g.inW) continue;
          visit(oh * g.outW + ow, ki, kj, h, w);
        }
      }
    }
  }
}
