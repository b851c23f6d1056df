/**
 * The specification's folding into the last linear layer (spec.ts): a per-class bias ([K], [1, K])
 * is folded and tightens the margins; a bias of any other shape ([K, 1], [2, K]) is not a per-class
 * bias and must not be folded: the margins then come from the logit intervals (lo_y − hi_j),
 * finite and sound. (Those logits are [K, K] or [2, K] where the bound graph declares [1, K·K] or
 * [1, 2K]: ONNX Runtime warns that it merges the shapes leniently; the values are the same, flattened.)
 */
import { encodeModel } from '../onnx/encode';
import type { Model, Node } from '../onnx/ir';
import type { ShapeInfo } from '../onnx/shapes';
import { Session } from '../runtime/session';
import { mulberry32 } from '../util/random';
import { buildIbpGraph, HI, LABELS, LO, MARGIN_LO } from './ibp-graph';

const node = (opType: string, inputs: string[], out: string): Node => ({ name: `${out}_node`, opType, domain: '', inputs, outputs: [out], attributes: new Map() });

const H = 3, K = 3;
const W = Float32Array.from([1, -2, 0.5, 3, -1, 0.25, -0.5, 1.5, 2]); // [H, K]
const LO_X = Float32Array.from([-1, 0.25, -0.5]), HI_X = Float32Array.from([0.5, 1, 0]);

/** x [1, H] → MatMul W → m [1, K] → Add bias → y (shaped by broadcasting m with the bias). */
function linearModel(biasDims: number[], bias: number[]): { model: Model; shapes: ShapeInfo } {
  const yShape = biasDims.length === 2 ? [Math.max(1, biasDims[0]), Math.max(K, biasDims[1])] : [1, K];
  const model: Model = {
    irVersion: 8, opsetImports: new Map([['', 17]]), producerName: 't', producerVersion: '',
    graph: {
      name: 'linear',
      nodes: [node('MatMul', ['x', 'W'], 'm'), node('Add', ['m', 'b'], 'y')],
      inputs: [{ name: 'x', dtype: 'float32', shape: [1, H] }],
      outputs: [{ name: 'y', dtype: 'float32', shape: yShape }],
      initializers: new Map([['W', { dtype: 'float32', dims: [H, K], data: W }], ['b', { dtype: 'float32', dims: biasDims, data: Float32Array.from(bias) }]]),
      valueInfo: new Map(),
    },
  };
  const shapes: ShapeInfo = new Map([
    ['x', { dtype: 'float32', shape: [1, H] }], ['m', { dtype: 'float32', shape: [1, K] }], ['y', { dtype: 'float32', shape: yShape }],
    ['W', { dtype: 'float32', shape: [H, K] }], ['b', { dtype: 'float32', shape: biasDims }],
  ]);
  return { model, shapes };
}

/** m = x·W over the box by IBP (exact for one affine layer): centre c·W ∓ radius r·|W|, per class. */
function productInterval(): { lo: number[]; hi: number[] } {
  const lo: number[] = [], hi: number[] = [];
  for (let j = 0; j < K; j++) {
    let c = 0, r = 0;
    for (let i = 0; i < H; i++) { c += ((LO_X[i] + HI_X[i]) / 2) * W[i * K + j]; r += ((HI_X[i] - LO_X[i]) / 2) * Math.abs(W[i * K + j]); }
    lo.push(c - r); hi.push(c + r);
  }
  return { lo, hi };
}

/**
 * margin_lo over the box for label `y` (flattened), and the true margins y_flat[y] − y_flat[j] of
 * the model's own output at 300 sampled points of the box.
 */
async function margins(m: { model: Model; shapes: ShapeInfo }, y: number): Promise<{ lo: Float32Array; samples: number[][]; logits: number }> {
  const g = buildIbpGraph(m.model, m.shapes);
  const bounds = await Session.create(encodeModel(g.model));
  const forward = await Session.create(encodeModel(m.model));
  try {
    const res = await bounds.run({
      [LO]: { dtype: 'float32', dims: [1, H], data: LO_X }, [HI]: { dtype: 'float32', dims: [1, H], data: HI_X },
      [LABELS]: { dtype: 'int64', dims: [1], data: BigInt64Array.from([BigInt(y)]) },
    }, [MARGIN_LO]);
    const rand = mulberry32(11);
    const samples: number[][] = [];
    let logits = 0;
    for (let s = 0; s < 300; s++) {
      const x = LO_X.map((l, i) => Math.min(HI_X[i], Math.fround(l + (HI_X[i] - l) * rand())));
      const out = (await forward.run({ x: { dtype: 'float32', dims: [1, H], data: x } })).y.data as Float32Array;
      logits = out.length;
      samples.push(Array.from(out, (v) => out[y] - v));
    }
    return { lo: res[MARGIN_LO].data as Float32Array, samples, logits };
  } finally {
    await bounds.release();
    await forward.release();
  }
}

/** Every entry of margin_lo (one per logit) is finite and ≤ the true margin at every sampled point. */
function expectSound(r: { lo: Float32Array; samples: number[][]; logits: number }): void {
  expect(r.lo.length).toBe(r.logits);
  for (const v of r.lo) expect(Number.isFinite(v)).toBe(true);
  for (const s of r.samples) s.forEach((m, j) => expect(r.lo[j]).toBeLessThanOrEqual(m));
}

describe('specMargins: folding the specification into the last linear layer', () => {
  it.each([
    ['[K, 1]', [K, 1], [5, -3, 0.5]],
    ['[2, K]', [2, K], [4, -4, 1, -2, 0, 3]],
  ])('when the bias is %s (not per class), then it is not folded: margin_lo is finite and below the true margin at sampled points', async (_, dims, bias) => {
    // Labels in row 0 of the broadcast logits: y_flat[y] is logit y of the first row.
    for (const y of [0, 2]) expectSound(await margins(linearModel(dims, bias), y));
  });

  it('when the bias is [K, 1], then margin_lo is exactly lo_y − hi_j of the logit intervals (the unfolded path)', async () => {
    // y[r, j] = m_j + b_r, so margin_lo[r, j] = lo(m_0) + b_0 − (hi(m_j) + b_r) for label 0.
    const { lo: mLo, hi: mHi } = productInterval();
    const b = [5, -3, 0.5];
    const { lo } = await margins(linearModel([K, 1], b), 0);
    for (let r = 0; r < K; r++) for (let j = 0; j < K; j++) expect(lo[r * K + j]).toBeCloseTo(mLo[0] + b[0] - (mHi[j] + b[r]), 4);
  });

  it.each([
    ['[K]', [K]], ['[1, K]', [1, K]],
  ])('when the bias is %s (per class), then it is folded: sound, and tighter than lo_y − hi_j', async (_, dims) => {
    const bias = [5, -3, 0.5];
    const r = await margins(linearModel(dims, bias), 1);
    expectSound(r);
    // Folded, margin_lo[j] is the exact minimum of the affine map (W_1 − W_j)·x + (b_1 − b_j) over the
    // box; unfolded it would be lo(y_1) − hi(y_j), lower wherever W_1 and −W_j differ in sign (j = 2, input 2).
    const { lo: mLo, hi: mHi } = productInterval();
    for (const j of [0, 2]) {
      const d = [0, 1, 2].map((i) => W[i * K + 1] - W[i * K + j]);
      const exact = d.reduce((s, di, i) => s + Math.min(di * LO_X[i], di * HI_X[i]), 0) + bias[1] - bias[j];
      expect(r.lo[j]).toBeCloseTo(exact, 4);
      expect(r.lo[j]).toBeGreaterThanOrEqual(mLo[1] + bias[1] - (mHi[j] + bias[j]) - 1e-4);
    }
    expect(r.lo[2]).toBeGreaterThan(mLo[1] + bias[1] - (mHi[2] + bias[2]) + 0.1);
  });
});
