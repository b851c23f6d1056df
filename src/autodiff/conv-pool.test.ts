import { encodeModel } from '../onnx/encode';
import { Model, TensorValue } from '../onnx/ir';
import { PROBE_BATCH, probeShapes } from '../runtime/probe';
import { Session } from '../runtime/session';
import { buildGradientModel } from './builder';
import { expectGraphGradientsMatch } from './testing/graph-check';
import { SmallNode, maxRelDiff, smallModel, uniform } from './testing/small-model';
import type { AttrInput } from '../onnx/graph-writer';

interface Chain {
  /** x without the batch dim. */
  x: number[];
  /** Conv weight dims [C, Cx, k…]. */
  w: number[];
  conv?: Record<string, AttrInput>;
  pool: Record<string, AttrInput>;
  relu?: boolean;
  batchNorm?: boolean;
}

/** Conv → [BatchNormalization] → [Relu] → MaxPool → Flatten with a symbolic batch dim (float32). */
function chainModel(c: Chain): Model {
  const ch = c.w[0];
  const nodes: SmallNode[] = [{ op: 'Conv', inputs: ['data', 'w', 'b'], outputs: ['c'], attrs: c.conv ?? {} }];
  let last = 'c';
  if (c.batchNorm) { nodes.push({ op: 'BatchNormalization', inputs: [last, 'gamma', 'beta', 'mean', 'var'], outputs: ['n'], attrs: { epsilon: 1e-3 } }); last = 'n'; }
  if (c.relu ?? true) { nodes.push({ op: 'Relu', inputs: [last], outputs: ['r'] }); last = 'r'; }
  nodes.push({ op: 'MaxPool', inputs: [last], outputs: ['p'], attrs: c.pool }, { op: 'Flatten', inputs: ['p'], outputs: ['z'] });
  const f32 = (dims: number[], values: number[]): TensorValue => ({ dtype: 'float32', dims, data: Float32Array.from(values) });
  const count = c.w.reduce((a, b) => a * b, 1);
  const model = smallModel({
    dtype: 'float32', xShape: [PROBE_BATCH, ...c.x], nodes,
    consts: {
      // A coarse weight grid and bias make tied conv outputs (e.g. over constant patches of x).
      w: f32(c.w, uniform(count, -1, 1, 21).map((v) => Math.round(4 * v) / 4)),
      b: f32([ch], uniform(ch, -0.5, 0.5, 22)),
      gamma: f32([ch], uniform(ch, 0.5, 2, 23)), beta: f32([ch], uniform(ch, -0.5, 0.5, 24)),
      mean: f32([ch], uniform(ch, -0.2, 0.2, 25)), var: f32([ch], uniform(ch, 0.5, 1.5, 26)),
    },
  });
  model.graph.inputs[0].shape = ['N', ...c.x];
  return model;
}

/** Gradient of Σ CE at x (batch `batch`) with and without the shortcuts, and the shortcut graph's op types. */
async function bothWays(model: Model, batch: number, x: number[]): Promise<{ fast: number[]; plain: number[]; ops: string[] }> {
  const sample = model.graph.inputs[0].shape!.slice(1) as number[];
  const shapes = await probeShapes(model, { inputShape: [PROBE_BATCH, ...sample] });
  const grads: number[][] = [];
  let ops: string[] = [];
  for (const shortcuts of [true, false]) {
    const gm = buildGradientModel(model, { loss: 'ce', shapes, shortcuts });
    if (shortcuts) ops = gm.model.graph.nodes.map((n) => n.opType);
    const session = await Session.create(encodeModel(gm.model));
    const dims = [batch, ...sample];
    const out = await session.run({
      x: { dtype: 'float32', dims, data: Float32Array.from(x) },
      labels: { dtype: 'int64', dims: [batch], data: BigInt64Array.from({ length: batch }, (_, i) => BigInt(i % 3)) },
    });
    await session.release();
    grads.push(Array.from(out.grad.data as Float32Array));
  }
  return { fast: grads[0], plain: grads[1], ops };
}

const TILED = { kernel_shape: [2, 2], strides: [2, 2] };

describe('Conv → [BatchNormalization] → [Relu] → MaxPool shortcut (sub-pixel ConvTranspose)', () => {
  it.each<[string, Chain]>([
    ['a 1-channel 3×3 conv with pads 1 and 2×2 pools', { x: [1, 8, 6], w: [4, 1, 3, 3], conv: { pads: [1, 1, 1, 1] }, pool: TILED }],
    ['a 3-channel conv, no pads, 2×3 pools', { x: [3, 8, 13], w: [5, 3, 3, 2], pool: { kernel_shape: [2, 3], strides: [2, 3] } }],
    ['asymmetric pads and dilation', { x: [2, 7, 9], w: [3, 2, 2, 3], conv: { pads: [0, 1, 1, 2], dilations: [2, 1] }, pool: TILED }],
    ['auto_pad SAME_UPPER and 3×3 pools', { x: [1, 9, 6], w: [4, 1, 3, 3], conv: { auto_pad: 'SAME_UPPER' }, pool: { kernel_shape: [3, 3], strides: [3, 3] } }],
    ['pads only at the start', { x: [1, 6, 6], w: [2, 1, 3, 3], conv: { pads: [2, 2, 0, 0] }, pool: TILED }],
    ['no Relu', { x: [1, 8, 6], w: [4, 1, 3, 3], conv: { pads: [1, 1, 1, 1] }, pool: TILED, relu: false }],
    ['an inference BatchNormalization before the Relu', { x: [1, 8, 6], w: [4, 1, 3, 3], conv: { pads: [1, 1, 1, 1] }, pool: TILED, batchNorm: true }],
    ['1-D', { x: [2, 12], w: [3, 2, 3], conv: { pads: [1, 1] }, pool: { kernel_shape: [2], strides: [2] } }],
    ['3-D', { x: [1, 4, 4, 6], w: [2, 1, 3, 3, 3], conv: { pads: [1, 1, 1, 1, 1, 1] }, pool: { kernel_shape: [2, 2, 2], strides: [2, 2, 2] } }],
  ])('when the chain has %s, then dx equals the node-by-node gradient at another batch than the probe (ties included)', async (_, c) => {
    const batch = 3;
    const n = batch * c.x.reduce((a, b) => a * b, 1);
    // x on a coarse grid with constant patches (zeros) gives tied conv outputs inside pooling windows.
    const x = uniform(n, -1, 1, 27).map((v, i) => (i % 5 < 2 ? 0 : Math.round(4 * v) / 4));
    const { fast, plain, ops } = await bothWays(chainModel(c), batch, x);
    // No unpooled tensor at the conv's resolution: no MaxUnpool or scatter, one ConvTranspose striding over the pooled grid.
    expect(ops).not.toContain('MaxUnpool');
    expect(ops).not.toContain('ScatterElements');
    // One Conv (the forward node) and one ConvTranspose: no Conv-rule node was emitted.
    expect(ops.filter((o) => o === 'Conv' || o === 'ConvTranspose')).toEqual(['Conv', 'ConvTranspose']);
    expect(plain.some((v) => v !== 0)).toBe(true);
    expect(maxRelDiff(fast, plain)).toBeLessThan(1e-6);
  });

  it('when the shortcut applies, then the gradient graph has a strided ConvTranspose and no Relu or BatchNormalization gradient at full resolution', async () => {
    const model = chainModel({ x: [1, 8, 6], w: [4, 1, 3, 3], conv: { pads: [1, 1, 1, 1] }, pool: TILED, batchNorm: true });
    const shapes = await probeShapes(model, { inputShape: [PROBE_BATCH, 1, 8, 6] });
    const nodes = buildGradientModel(model, { loss: 'ce', shapes }).model.graph.nodes;
    const convT = nodes.filter((m) => m.opType === 'ConvTranspose');
    expect(convT).toHaveLength(1);
    expect(convT[0].attributes.get('strides')).toEqual({ type: 'ints', value: [2, 2] });
    // The Relu mask reads the pooled output; the BN factor is folded into the ConvTranspose weight.
    expect(nodes.filter((m) => m.opType === 'Greater').map((m) => m.inputs[0])).toEqual(['p']);
    expect(nodes.filter((m) => m.opType === 'Sqrt')).toHaveLength(0);
  });

  it.each<[string, Chain]>([
    ['x has 8 channels (the Conv rule uses its Conv form)', { x: [8, 6, 6], w: [4, 8, 3, 3], conv: { pads: [1, 1, 1, 1] }, pool: TILED }],
    ['the conv is strided', { x: [1, 8, 8], w: [4, 1, 2, 2], conv: { strides: [2, 2] }, pool: TILED }],
    ['the pools overlap', { x: [1, 8, 6], w: [4, 1, 3, 3], conv: { pads: [1, 1, 1, 1] }, pool: { kernel_shape: [3, 3], strides: [2, 2] } }],
    ['the pools are padded', { x: [1, 8, 6], w: [4, 1, 3, 3], conv: { pads: [1, 1, 1, 1] }, pool: { ...TILED, pads: [1, 1, 1, 1] } }],
  ])('when %s, then each node takes its own rule and dx is unchanged', async (_, c) => {
    const batch = 2;
    const x = uniform(batch * c.x.reduce((a, b) => a * b, 1), -1, 1, 28);
    const { fast, plain, ops } = await bothWays(chainModel(c), batch, x);
    expect(ops.filter((o) => o === 'ConvTranspose' || o === 'Conv').length).toBeGreaterThan(1); // forward Conv + the rule's
    expect(maxRelDiff(fast, plain)).toBeLessThan(1e-6);
  });

  it('when the shortcut applies, then dx matches central differences (float32, batch run at 3)', async () => {
    await expectGraphGradientsMatch({
      nodes: [
        { opType: 'Conv', inputs: ['data', 'w'], outputs: ['c'], attrs: { pads: [1, 0, 1, 2] } },
        { opType: 'Relu', inputs: ['c'], outputs: ['r'] },
        { opType: 'MaxPool', inputs: ['r'], outputs: ['p'], attrs: TILED },
        { opType: 'Flatten', inputs: ['p'], outputs: ['z'] },
      ],
      constants: { w: { dtype: 'float', dims: [3, 2, 3, 3], values: uniform(54, -1, 1, 29) } },
      output: 'z', xShape: [3, 2, 6, 6], batched: true, dtype: 'float32', h: 1e-3, seed: 302,
    }, 1e-2);
  });
});
