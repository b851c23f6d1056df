/**
 * Micro-benchmark of the gradient formulations that dominate the CNN fixtures' gradient
 * graphs (see profile_grad.ts), against alternative ONNX formulations of the same math, at
 * the shapes of fixtures/models/cnn.onnx (batch 128 by default). Each variant is a one-purpose
 * ONNX graph run by onnxruntime-node with the given threads; outputs are compared with the
 * current formulation's.
 *
 *   npm run build && node dist/bench/grad_ops.js [--batch 128] [--threads 2]
 *
 * Diagnostic only: it changes nothing in src/; the findings are in docs/performance.md.
 */
import * as os from 'os';
import * as ort from 'onnxruntime-node';
import { encodeModel } from '../src/onnx/encode';
import { Attribute, Model, Node, TensorValue, tensorFromNumbers } from '../src/onnx/ir';

type Attrs = Record<string, number | number[]>;

function node(opType: string, inputs: string[], outputs: string[], attrs: Attrs = {}): Node {
  const attributes = new Map<string, Attribute>();
  for (const [k, v] of Object.entries(attrs)) attributes.set(k, Array.isArray(v) ? { type: 'ints', value: v } : { type: 'int', value: v });
  return { name: `${outputs[0]}_node`, opType, domain: '', inputs, outputs, attributes };
}

function model(nodes: Node[], inputs: [string, number[]][], output: string, inits: Record<string, TensorValue> = {}): Uint8Array {
  const m: Model = {
    irVersion: 8, opsetImports: new Map([['', 17]]), producerName: 'bench', producerVersion: '0',
    graph: {
      name: 'g', nodes,
      inputs: inputs.map(([name, shape]) => ({ name, dtype: 'float32', shape })),
      outputs: [{ name: output, dtype: 'float32' }],
      initializers: new Map(Object.entries(inits)), valueInfo: new Map(),
    },
  };
  return encodeModel(m);
}

const f32 = (dims: number[], data: Float32Array): TensorValue => ({ dtype: 'float32', dims, data });
const i64 = (v: number[]): TensorValue => tensorFromNumbers('int64', [v.length], v);

/** Deterministic pseudo-normal numbers. */
function randn(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const u = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return (s + 0.5) / 4294967296; };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return out;
}

interface Timing { ms: number; out: Float32Array }

async function time(bytes: Uint8Array, feeds: Record<string, [Float32Array, number[]]>, threads: number, reps: number): Promise<Timing> {
  const s = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', logSeverityLevel: 3 });
  const f: Record<string, ort.Tensor> = {};
  for (const [k, [d, dims]] of Object.entries(feeds)) f[k] = new ort.Tensor('float32', d, dims);
  let out: Float32Array = new Float32Array(0);
  for (let i = 0; i < 3; i++) out = (await s.run(f))[s.outputNames[0]].data as Float32Array;
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    await s.run(f);
    ts.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  await s.release();
  ts.sort((a, b) => a - b);
  return { ms: ts[ts.length >> 1], out };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Conv weight W[O, I, kh, kw] → the weight of the equivalent stride-1 Conv on dy: flip spatially, swap O and I. */
function flippedTransposed(w: Float32Array, O: number, I: number, kh: number, kw: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let o = 0; o < O; o++) for (let i = 0; i < I; i++) for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) {
    out[((i * O + o) * kh + (kh - 1 - a)) * kw + (kw - 1 - b)] = w[((o * I + i) * kh + a) * kw + b];
  }
  return out;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const get = (k: string, d: string) => { const i = argv.indexOf(k); return i >= 0 && argv[i + 1] ? argv[i + 1] : d; };
  const N = Number(get('--batch', '128'));
  const T = Number(get('--threads', String(os.availableParallelism())));
  const reps = Number(get('--reps', '30'));
  const rows: string[] = [];
  const add = (what: string, variant: string, t: Timing, ref?: Timing) =>
    rows.push(`| ${what} | ${variant} | ${t.ms.toFixed(3)} | ${ref ? (ref.ms / t.ms).toFixed(2) + '×' : '1.00×'} | ${ref ? maxAbsDiff(t.out, ref.out).toExponential(1) : '(reference)'} |`);

  // Relu backward at cnn's two Relu shapes.
  for (const [C, H] of [[16, 28], [32, 14]]) {
    const shape = [N, C, H, H];
    const x = randn(N * C * H * H, 1), dy = randn(N * C * H * H, 2);
    const feeds = { x: [x, shape] as [Float32Array, number[]], dy: [dy, shape] as [Float32Array, number[]] };
    const zero = { zero: f32([], new Float32Array([0])) };
    const cur = await time(model([node('Greater', ['x', 'zero'], ['m']), node('Where', ['m', 'dy', 'zero'], ['dx'])], [['x', shape], ['dy', shape]], 'dx', zero), feeds, T, reps);
    add(`Relu grad [${shape}]`, 'Where(Greater(x,0), dy, 0) (current)', cur);
    add(`Relu grad [${shape}]`, 'Mul(dy, Cast(Greater(x,0)))', await time(model([node('Greater', ['x', 'zero'], ['m']), node('Cast', ['m'], ['mf'], { to: 1 }), node('Mul', ['dy', 'mf'], ['dx'])], [['x', shape], ['dy', shape]], 'dx', zero), feeds, T, reps), cur);
    add(`Relu grad [${shape}]`, 'Where(Greater(x,0), dy, zeros_like(dy)) (no broadcast)', await time(model([node('Greater', ['x', 'zero'], ['m']), node('Sub', ['dy', 'dy'], ['z']), node('Where', ['m', 'dy', 'z'], ['dx'])], [['x', shape], ['dy', shape]], 'dx', zero), feeds, T, reps), cur);
  }

  // Conv input gradient (stride 1, pad 1, 3x3) at cnn's conv2 and conv1.
  for (const [Ci, Co, H] of [[16, 32, 14], [1, 16, 28]]) {
    const w = randn(Co * Ci * 9, 3);
    const dyShape = [N, Co, H, H];
    const dy = randn(N * Co * H * H, 4);
    const feeds = { dy: [dy, dyShape] as [Float32Array, number[]] };
    const cur = await time(model([node('ConvTranspose', ['dy', 'w'], ['dx'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1], dilations: [1, 1], group: 1, output_padding: [0, 0] })],
      [['dy', dyShape]], 'dx', { w: f32([Co, Ci, 3, 3], w) }), feeds, T, reps);
    add(`Conv grad ${Ci}→${Co}ch ${H}×${H}`, 'ConvTranspose(dy, W) (current)', cur);
    add(`Conv grad ${Ci}→${Co}ch ${H}×${H}`, 'Conv(dy, flip(W)ᵀ), pads k−1−p', await time(model([node('Conv', ['dy', 'wt'], ['dx'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] })],
      [['dy', dyShape]], 'dx', { wt: f32([Ci, Co, 3, 3], flippedTransposed(w, Co, Ci, 3, 3)) }), feeds, T, reps), cur);
  }

  // MaxPool 2x2/2 backward at cnn's pools; x = relu(randn) so zero ties exist as after a Relu.
  for (const [C, H] of [[16, 28], [32, 14]]) {
    const xs = [N, C, H, H], ys = [N, C, H / 2, H / 2];
    const x = randn(N * C * H * H, 5);
    for (let i = 0; i < x.length; i++) x[i] = Math.max(x[i], 0);
    const dy = randn(N * C * H * H / 4, 6);
    const feeds = { x: [x, xs] as [Float32Array, number[]], dy: [dy, ys] as [Float32Array, number[]] };
    const pool = { kernel_shape: [2, 2], strides: [2, 2] };
    const inits = { flat: i64([-1]), zero: f32([], new Float32Array([0])), xshape: i64(xs), six: i64([N, C, H / 2, 1, H / 2, 1]), six2: i64([N, C, H / 2, 2, H / 2, 2]) };
    const cur = await time(model([
      node('MaxPool', ['x'], ['y', 'idx'], pool),
      node('Reshape', ['x', 'flat'], ['xf']), node('Mul', ['xf', 'zero'], ['zeros']),
      node('Reshape', ['idx', 'flat'], ['idxf']), node('Reshape', ['dy', 'flat'], ['dyf']),
      { ...node('ScatterElements', ['zeros', 'idxf', 'dyf'], ['dxf'], { axis: 0 }), attributes: new Map<string, Attribute>([['axis', { type: 'int', value: 0 }], ['reduction', { type: 'string', value: 'add' }]]) },
      node('Reshape', ['dxf', 'xshape'], ['dx']),
    ], [['x', xs], ['dy', ys]], 'dx', inits), feeds, T, reps);
    add(`MaxPool grad [${xs}]`, 'MaxPool→Indices, ScatterElements(add) (current)', cur);
    add(`MaxPool grad [${xs}]`, 'of which: MaxPool with Indices output alone', await time(model([node('MaxPool', ['x'], ['y', 'idx'], pool), node('Cast', ['idx'], ['o'], { to: 1 })], [['x', xs]], 'o'), { x: feeds.x }, T, reps));
    add(`MaxPool grad [${xs}]`, 'of which: MaxPool without Indices (forward kernel)', await time(model([node('MaxPool', ['x'], ['o'], pool)], [['x', xs]], 'o'), { x: feeds.x }, T, reps));
    add(`MaxPool grad [${xs}]`, 'MaxUnpool(dy, Indices) (exact for non-overlapping windows)', await time(model([
      node('MaxPool', ['x'], ['y', 'idx'], pool), node('MaxUnpool', ['dy', 'idx', 'xshape'], ['dx'], pool),
    ], [['x', xs], ['dy', ys]], 'dx', inits), feeds, T, reps), cur);
    add(`MaxPool grad [${xs}]`, 'mask Equal(x, up(y))·up(dy), no indices (ties: all maxima get dy)', await time(model([
      node('MaxPool', ['x'], ['y'], pool),
      node('Reshape', ['y', 'six'], ['y6']), node('Expand', ['y6', 'six2'], ['ye']), node('Reshape', ['ye', 'xshape'], ['yu']),
      node('Reshape', ['dy', 'six'], ['d6']), node('Expand', ['d6', 'six2'], ['de']), node('Reshape', ['de', 'xshape'], ['du']),
      node('Equal', ['x', 'yu'], ['m']), node('Where', ['m', 'du', 'zero'], ['dx']),
    ], [['x', xs], ['dy', ys]], 'dx', inits), feeds, T, reps), cur);
  }

  process.stdout.write([
    `# Gradient op formulations (batch ${N}, ${T} threads, median of ${reps}, onnxruntime-node ${ort.env.versions?.node ?? '?'})`, '',
    '| computation | formulation | ms | speed-up vs current | max abs diff vs current |', '|---|---|---:|---:|---:|', ...rows, '',
  ].join('\n'));
}

main().then(() => process.exit(0), (e) => { process.stderr.write(`grad_ops failed: ${(e as Error).stack ?? e}\n`); process.exit(1); });
