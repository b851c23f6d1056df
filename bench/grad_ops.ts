/**
 * Micro-benchmark of the gradient formulations behind the Relu, Conv and MaxPool rules, against
 * the alternatives that were measured before choosing them (docs/performance.md), at the shapes of
 * the fixtures (batch 128 by default). Each variant is a one-purpose ONNX graph run by
 * onnxruntime-node; outputs are compared with the group's first variant.
 *
 *   npm run build && node dist/bench/grad_ops.js [--batch 128] [--threads 2] [--reps 15] [--rounds 5] [--only relu,conv,maxpool] [--kernel]
 *
 * Timing: the variants of a group run interleaved, `rounds` times `reps` calls each; a cell is the
 * lowest of its per-round medians (robust to bursts of load from other processes). With --kernel a
 * cell is instead the sum over the graph's nodes of each node's 10th-percentile kernel time from
 * ORT's profiler (rounds × reps runs): far less sensitive to a busy machine than wall time.
 * Diagnostic only: it changes nothing in src/.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ort from 'onnxruntime-node';
import { encodeModel } from '../src/onnx/encode';
import { Attribute, Model, Node, TensorValue, tensorFromNumbers } from '../src/onnx/ir';

type Attrs = Record<string, number | number[] | string>;
type Feeds = Record<string, [Float32Array, number[]]>;

function node(opType: string, inputs: string[], outputs: string[], attrs: Attrs = {}): Node {
  const attributes = new Map<string, Attribute>();
  for (const [k, v] of Object.entries(attrs)) {
    attributes.set(k, typeof v === 'string' ? { type: 'string', value: v } : Array.isArray(v) ? { type: 'ints', value: v } : { type: 'int', value: v });
  }
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

const f32 = (dims: number[], data: Float32Array | number[]): TensorValue => ({ dtype: 'float32', dims, data: Float32Array.from(data) });
const i64 = (v: number[], dims = [v.length]): TensorValue => tensorFromNumbers('int64', dims, v);

/** Deterministic pseudo-normal numbers. */
function randn(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const u = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return (s + 0.5) / 4294967296; };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return out;
}

interface Variant { name: string; bytes: Uint8Array }
interface Settings { threads: number; reps: number; rounds: number; kernel: boolean }

/** Times the variants interleaved; returns table rows (ms, speed-up and max abs diff vs the first). */
async function timeGroup(what: string, variants: Variant[], feeds: Feeds, st: Settings): Promise<string[]> {
  const sessions: ort.InferenceSession[] = [];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'grad-ops-'));
  for (const [j, v] of variants.entries()) {
    sessions.push(await ort.InferenceSession.create(v.bytes, {
      executionProviders: ['cpu'], intraOpNumThreads: st.threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', logSeverityLevel: 3,
      ...(st.kernel ? { enableProfiling: true, profileFilePrefix: path.join(dir, `v${j}`) } : {}),
    }));
  }
  const feedsOf = (s: ort.InferenceSession) => Object.fromEntries(s.inputNames.map((k) => [k, new ort.Tensor('float32', feeds[k][0], feeds[k][1])]));
  const outs: Float32Array[] = [];
  for (const s of sessions) {
    let out: ort.InferenceSession.OnnxValueMapType = {};
    for (let i = 0; i < 3; i++) out = await s.run(feedsOf(s));
    outs.push(out[s.outputNames[0]].data as Float32Array);
  }
  const best = variants.map(() => Infinity);
  for (let r = 0; r < st.rounds; r++) {
    for (let j = 0; j < sessions.length; j++) {
      const f = feedsOf(sessions[j]);
      const ts: number[] = [];
      for (let i = 0; i < st.reps; i++) {
        const t0 = process.hrtime.bigint();
        await sessions[j].run(f);
        ts.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
      ts.sort((a, b) => a - b);
      best[j] = Math.min(best[j], ts[ts.length >> 1]);
    }
  }
  if (st.kernel) {
    sessions.forEach((s, j) => {
      s.endProfiling();
      const file = readdirSync(dir).find((f) => f.startsWith(`v${j}_`) && f.endsWith('.json'))!;
      best[j] = kernelSum(JSON.parse(readFileSync(path.join(dir, file), 'utf8')));
    });
  }
  rmSync(dir, { recursive: true, force: true });
  for (const s of sessions) await s.release();
  return variants.map((v, j) => {
    let d = 0;
    if (outs[j].length !== outs[0].length) d = Infinity;
    else for (let i = 0; i < outs[j].length; i++) d = Math.max(d, Math.abs(outs[j][i] - outs[0][i]));
    return `| ${what} | ${v.name} | ${best[j].toFixed(3)} | ${(best[0] / best[j]).toFixed(2)}× | ${j === 0 ? '(reference)' : d.toExponential(1)} |`;
  });
}

/** Σ over nodes of each node's 10th-percentile kernel time (ms) in an ORT profile. */
function kernelSum(events: { cat: string; name: string; dur: number }[]): number {
  const byNode = new Map<string, number[]>();
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    const ts = byNode.get(e.name) ?? [];
    ts.push(e.dur / 1000);
    byNode.set(e.name, ts);
  }
  let sum = 0;
  for (const ts of byNode.values()) sum += ts.sort((a, b) => a - b)[Math.floor(ts.length / 10)];
  return sum;
}

/** Conv weight W[O, I/g, k…] → the weight of the equivalent stride-1 Conv on dy (flip spatially, swap channels per group). */
function flippedTransposed(w: Float32Array, dims: number[], group: number): Float32Array {
  const [outCh, ig, ...kernel] = dims;
  const og = outCh / group, sp = kernel.reduce((a, b) => a * b, 1);
  const out = new Float32Array(w.length);
  for (let g = 0; g < group; g++) for (let o = 0; o < og; o++) for (let i = 0; i < ig; i++) {
    const from = ((g * og + o) * ig + i) * sp, to = ((g * ig + i) * og + o) * sp;
    for (let a = 0; a < sp; a++) out[to + sp - 1 - a] = w[from + a];
  }
  return out;
}

async function reluGroups(N: number, st: Settings): Promise<string[]> {
  const rows: string[] = [];
  for (const [C, H] of [[16, 28], [32, 14]]) {
    const shape = [N, C, H, H];
    const x = randn(N * C * H * H, 1), dy = randn(N * C * H * H, 2);
    const feeds: Feeds = { x: [x, shape], dy: [dy, shape], y: [x.map((v) => Math.max(v, 0)), shape] };
    const io = (a: string): [string, number[]][] => [[a, shape], ['dy', shape]];
    const zero = { zero: f32([], [0]) };
    rows.push(...await timeGroup(`Relu grad [${shape}]`, [
      { name: 'Where(Greater(x,0), dy, 0) (before)', bytes: model([node('Greater', ['x', 'zero'], ['m']), node('Where', ['m', 'dy', 'zero'], ['dx'])], io('x'), 'dx', zero) },
      { name: 'Mul(dy, Cast(Greater(y,0))) (adopted; y = relu(x))', bytes: model([node('Greater', ['y', 'zero'], ['m']), node('Cast', ['m'], ['mf'], { to: 1 }), node('Mul', ['dy', 'mf'], ['dx'])], io('y'), 'dx', zero) },
      { name: 'Mul(dy, Sign(y))', bytes: model([node('Sign', ['y'], ['mf']), node('Mul', ['dy', 'mf'], ['dx'])], io('y'), 'dx', zero) },
    ], feeds, st));
  }
  return rows;
}

async function convGroups(N: number, st: Settings): Promise<string[]> {
  const rows: string[] = [];
  // [x channels C, output channels O, size H, kernel k, group, stride]: the fixtures' convs and a sweep around the thresholds.
  const cases: number[][] = [
    [1, 16, 28, 3, 1, 1], [3, 16, 32, 3, 1, 1], [4, 16, 28, 3, 1, 1], [8, 16, 28, 3, 1, 1], [16, 16, 28, 3, 1, 1], [16, 32, 14, 3, 1, 1],
    [32, 32, 7, 3, 1, 1], [16, 16, 14, 1, 1, 1], [32, 32, 14, 1, 1, 1], [64, 64, 14, 1, 1, 1], [32, 32, 14, 3, 32, 1], [8, 8, 28, 3, 8, 1],
    [32, 32, 14, 3, 2, 1], [16, 32, 28, 3, 1, 2], [32, 64, 14, 3, 1, 2],
  ];
  for (const [C, O, H, k, group, s] of cases) {
    const p = (k - 1) >> 1;
    const oh = Math.floor((H + 2 * p - k) / s) + 1;
    const wDims = [O, C / group, k, k];
    const w = randn(O * (C / group) * k * k, 3).map((v) => v * 0.2);
    const dyShape = [N, O, oh, oh];
    const feeds: Feeds = { dy: [randn(N * O * oh * oh, 4), dyShape] };
    const outPad = H - (s * (oh - 1) + k - 2 * p);
    const wt = f32([C, O / group, k, k], flippedTransposed(w, wDims, group));
    const what = `Conv dx ${C}→${O}ch ${H}² ${k}×${k}${group > 1 ? ` group ${group}` : ''}${s > 1 ? ` stride ${s}` : ''}`;
    const variants: Variant[] = [{
      name: 'ConvTranspose(dy, W)',
      bytes: model([node('ConvTranspose', ['dy', 'w'], ['dx'], { kernel_shape: [k, k], pads: [p, p, p, p], strides: [s, s], group, output_padding: [outPad, outPad] })], [['dy', dyShape]], 'dx', { w: f32(wDims, w) }),
    }];
    const cp = k - 1 - p;
    if (s === 1) {
      variants.push({ name: 'Conv(dy, flip(W)ᵀ), pads k−1−p', bytes: model([node('Conv', ['dy', 'wt'], ['dx'], { kernel_shape: [k, k], pads: [cp, cp, cp, cp], group })], [['dy', dyShape]], 'dx', { wt }) });
    } else {
      // dy with s−1 zeros inserted after every element (Reshape → Pad → Reshape), then the stride-1 form.
      const z = oh * s, end = H - z + p;
      variants.push({
        name: 'Conv(zero-dilated dy, flip(W)ᵀ)',
        bytes: model([
          node('Reshape', ['dy', 'six'], ['d6']), node('Pad', ['d6', 'pads'], ['d6p']), node('Reshape', ['d6p', 'four'], ['dz']),
          node('Conv', ['dz', 'wt'], ['dx'], { kernel_shape: [k, k], pads: [cp, cp, end, end], group }),
        ], [['dy', dyShape]], 'dx', { wt, six: i64([0, O, oh, 1, oh, 1]), four: i64([0, O, z, z]), pads: i64([0, 0, 0, 0, 0, 0, 0, 0, 0, s - 1, 0, s - 1]) }),
      });
    }
    rows.push(...await timeGroup(what, variants, feeds, st));
  }
  return rows;
}

async function maxPoolGroups(N: number, st: Settings): Promise<string[]> {
  const rows: string[] = [];
  // x = relu(randn): all-zero windows tie as after a Relu; every variant must route to the first maximum.
  for (const [C, H] of [[16, 28], [32, 14]]) {
    const h = H / 2, xs = [N, C, H, H], ys = [N, C, h, h];
    const feeds: Feeds = { x: [randn(N * C * H * H, 5).map((v) => Math.max(v, 0)), xs], dy: [randn(N * C * h * h, 6), ys] };
    const pool = { kernel_shape: [2, 2], strides: [2, 2] };
    const io: [string, number[]][] = [['x', xs], ['dy', ys]];
    const corner: number[] = [];
    for (let c = 0; c < C; c++) for (let i = 0; i < h; i++) for (let j = 0; j < h; j++) corner.push(c * H * H + 2 * i * H + 2 * j);
    const inits = {
      flat: i64([-1]), zero: f32([], [0]), slots: i64([0, 1, 2, 3], [4, 1, 1, 1]), win: i64([0, 4, C, h, h]), blocks: i64([0, 4 * C, h, h]), ax1: i64([1]),
      two: i64([2], []), rowStep: i64([H - 2], []), corners: i64(corner, [C, h, h]), sample: i64([C * H * H], []), zero64: i64([0], []), s0: i64([0]), s1: i64([1]), col: i64([-1, 1, 1, 1]),
      split: i64([0, C, h, 2, h, 2]), last: i64([0, C, h, h, 4]),
    };
    const s2dArgMax = (keepdims: number) => [
      node('SpaceToDepth', ['x'], ['s'], { blocksize: 2 }), node('Reshape', ['s', 'win'], ['w5']), node('ArgMax', ['w5'], ['a'], { axis: 1, keepdims, select_last_index: 0 }),
    ];
    const transposedArgMax = [
      node('Reshape', ['x', 'split'], ['x6']), node('Transpose', ['x6'], ['t6'], { perm: [0, 1, 2, 4, 3, 5] }), node('Reshape', ['t6', 'last'], ['t5']),
      node('ArgMax', ['t5'], ['a'], { axis: -1, keepdims: 0, select_last_index: 0 }),
    ];
    // From a = p·2 + q (first maximum in the window) to x's flat index, then MaxUnpool.
    const indexToUnpool = [
      node('GreaterOrEqual', ['a', 'two'], ['ge']), node('Cast', ['ge'], ['p'], { to: 7 }), node('Mul', ['p', 'rowStep'], ['pw']), node('Add', ['a', 'pw'], ['off']),
      node('Shape', ['x'], ['sh']), node('Slice', ['sh', 's0', 's1'], ['n1']), node('Squeeze', ['n1'], ['n']), node('Mul', ['n', 'sample'], ['lim']),
      node('Range', ['zero64', 'lim', 'sample'], ['r']), node('Reshape', ['r', 'col'], ['starts']), node('Add', ['starts', 'corners'], ['base']), node('Add', ['off', 'base'], ['idx']),
      node('MaxUnpool', ['dy', 'idx', 'sh'], ['dx'], { kernel_shape: [1, 1], strides: [1, 1] }),
    ];
    rows.push(...await timeGroup(`MaxPool 2×2 grad [${xs}]`, [
      {
        name: 'MaxPool→Indices, ScatterElements(add) (before)',
        bytes: model([
          node('MaxPool', ['x'], ['y', 'idx'], pool), node('Reshape', ['x', 'flat'], ['xf']), node('Mul', ['xf', 'zero'], ['zeros']),
          node('Reshape', ['idx', 'flat'], ['idxf']), node('Reshape', ['dy', 'flat'], ['dyf']),
          node('ScatterElements', ['zeros', 'idxf', 'dyf'], ['dxf'], { axis: 0, reduction: 'add' }), node('Shape', ['x'], ['sh']), node('Reshape', ['dxf', 'sh'], ['dx']),
        ], io, 'dx', inits),
      },
      { name: 'MaxPool→Indices, MaxUnpool', bytes: model([node('MaxPool', ['x'], ['y', 'idx'], pool), node('Shape', ['x'], ['sh']), node('MaxUnpool', ['dy', 'idx', 'sh'], ['dx'], pool)], io, 'dx', inits) },
      {
        name: 'SpaceToDepth, ArgMax, one-hot (Equal, Cast, Mul), DepthToSpace',
        bytes: model([
          ...s2dArgMax(1), node('Equal', ['a', 'slots'], ['m']), node('Cast', ['m'], ['mf'], { to: 1 }), node('Unsqueeze', ['dy', 'ax1'], ['du']),
          node('Mul', ['mf', 'du'], ['g5']), node('Reshape', ['g5', 'blocks'], ['g4']), node('DepthToSpace', ['g4'], ['dx'], { blocksize: 2, mode: 'DCR' }),
        ], io, 'dx', inits),
      },
      { name: 'SpaceToDepth, ArgMax, flat index arithmetic, MaxUnpool', bytes: model([...s2dArgMax(0), ...indexToUnpool], io, 'dx', inits) },
      { name: 'Transpose, ArgMax (last axis), flat index arithmetic, MaxUnpool (adopted)', bytes: model([...transposedArgMax, ...indexToUnpool], io, 'dx', inits) },
    ], feeds, st));
  }
  return rows;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const get = (k: string, d: string) => { const i = argv.indexOf(k); return i >= 0 && argv[i + 1] ? argv[i + 1] : d; };
  const N = Number(get('--batch', '128'));
  const st: Settings = { threads: Number(get('--threads', String(os.availableParallelism()))), reps: Number(get('--reps', '15')), rounds: Number(get('--rounds', '5')), kernel: argv.includes('--kernel') };
  const only = get('--only', 'relu,conv,maxpool').split(',');
  const rows: string[] = [];
  if (only.includes('relu')) rows.push(...await reluGroups(N, st));
  if (only.includes('conv')) rows.push(...await convGroups(N, st));
  if (only.includes('maxpool')) rows.push(...await maxPoolGroups(N, st));
  process.stdout.write([
    `# Gradient op formulations (batch ${N}, ${st.threads} threads, ${st.kernel ? `sum of per-node p10 kernel times over ${st.rounds}×${st.reps} runs` : `best of ${st.rounds} interleaved rounds × median of ${st.reps}`}, onnxruntime-node ${ort.env.versions?.node ?? '?'})`, '',
    '| computation | formulation | ms | speed-up vs first | max abs diff vs first |', '|---|---|---:|---:|---:|', ...rows, '',
  ].join('\n'));
}

main().then(() => process.exit(0), (e) => { process.stderr.write(`grad_ops failed: ${(e as Error).stack ?? e}\n`); process.exit(1); });
