/**
 * Candidate rewrites of emitted gradient subgraphs, for the what-if measurements in
 * grad_whatif.ts and profile_grad.ts --whatif (graph surgery on a built gradient model;
 * nothing in src/ changes). See grad_whatif.ts for what each one does.
 *
 * Since the Relu, Conv and MaxPool rules were changed (docs/performance.md), the rules emit these
 * forms (or faster ones) themselves, so on the fixtures' graphs the rewrites find nothing to do; they
 * are kept as the template for the next what-if experiment.
 */
import { Attribute, Model, Node, TensorValue, attrInt, attrInts, tensorFromNumbers } from '../src/onnx/ir';

export type Rewrite = (m: Model) => number;

export function clone(m: Model): Model {
  return { ...m, graph: { ...m.graph, nodes: m.graph.nodes.map((n) => ({ ...n, inputs: [...n.inputs], outputs: [...n.outputs], attributes: new Map(n.attributes) })), initializers: new Map(m.graph.initializers) } };
}

function isScalarZero(t: TensorValue | undefined): boolean {
  return !!t && t.data.length === 1 && Number(t.data[0]) === 0;
}

let fresh = 0;
const name = (base: string) => `whatif_${base}_${fresh++}`;
const mk = (opType: string, inputs: string[], outputs: string[], attributes = new Map<string, Attribute>()): Node =>
  ({ name: name(`${opType}_node`), opType, domain: '', inputs, outputs, attributes });

export const reluMul: Rewrite = (m) => {
  let k = 0;
  const g = m.graph;
  g.nodes = g.nodes.flatMap((n) => {
    if (n.opType !== 'Where' || !isScalarZero(g.initializers.get(n.inputs[2]))) return [n];
    const t = g.initializers.get(n.inputs[2])!;
    const to = t.dtype === 'float64' ? 11 : 1;
    const cast = name('mask');
    k++;
    return [mk('Cast', [n.inputs[0]], [cast], new Map([['to', { type: 'int', value: to }]])), mk('Mul', [n.inputs[1], cast], n.outputs)];
  });
  return k;
};

export const convFlip: Rewrite = (m) => {
  let k = 0;
  const g = m.graph;
  for (const n of g.nodes) {
    if (n.opType !== 'ConvTranspose' || n.inputs.length > 2) continue;
    const w = g.initializers.get(n.inputs[1]);
    if (!w || w.dtype !== 'float32' || w.dims.length !== 4) continue;
    const [O, I, kh, kw] = w.dims; // ConvTranspose weight [C_in(dy), C_out(dx), kh, kw] = forward Conv's [O, I, kh, kw]
    const strides = attrInts(n, 'strides', [1, 1]), dil = attrInts(n, 'dilations', [1, 1]), op = attrInts(n, 'output_padding', [0, 0]);
    if (attrInt(n, 'group', 1) !== 1 || strides.some((s) => s !== 1) || dil.some((d) => d !== 1) || op.some((p) => p !== 0) || I <= 1) continue;
    const pads = attrInts(n, 'pads', [0, 0, 0, 0]);
    const src = w.data as Float32Array;
    const wt = new Float32Array(src.length);
    for (let o = 0; o < O; o++) for (let i = 0; i < I; i++) for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) {
      wt[((i * O + o) * kh + (kh - 1 - a)) * kw + (kw - 1 - b)] = src[((o * I + i) * kh + a) * kw + b];
    }
    const wName = name('wflip');
    g.initializers.set(wName, { dtype: 'float32', dims: [I, O, kh, kw], data: wt });
    n.opType = 'Conv';
    n.inputs = [n.inputs[0], wName];
    n.attributes = new Map<string, Attribute>([
      ['kernel_shape', { type: 'ints', value: [kh, kw] }],
      ['pads', { type: 'ints', value: [kh - 1 - pads[0], kw - 1 - pads[1], kh - 1 - pads[2], kw - 1 - pads[3]] }],
    ]);
    k++;
  }
  return k;
};

export const unpool: Rewrite = (m) => {
  let k = 0;
  const g = m.graph;
  const producer = new Map<string, Node>();
  g.nodes.forEach((n) => n.outputs.forEach((o) => producer.set(o, n)));
  g.nodes = g.nodes.flatMap((n) => {
    if (n.opType !== 'ScatterElements') return [n];
    const red = n.attributes.get('reduction');
    if (!red || red.type !== 'string' || red.value !== 'add') return [n];
    const idxR = producer.get(n.inputs[1]), dyR = producer.get(n.inputs[2]);
    if (idxR?.opType !== 'Reshape' || dyR?.opType !== 'Reshape') return [n];
    const pool = producer.get(idxR.inputs[0]);
    if (pool?.opType !== 'MaxPool' || pool.outputs[1] !== idxR.inputs[0]) return [n];
    const kernel = attrInts(pool, 'kernel_shape', []), strides = attrInts(pool, 'strides', kernel.map(() => 1));
    const pads = attrInts(pool, 'pads', kernel.map(() => 0).concat(kernel.map(() => 0)));
    if (kernel.length !== 2 || kernel.some((v, i) => v !== strides[i]) || pads.some((p) => p !== 0) || attrInt(pool, 'ceil_mode', 0) !== 0) return [n];
    const shape = name('xshape'), up = name('unpooled'), flat = name('flat');
    g.initializers.set(flat, tensorFromNumbers('int64', [1], [-1]));
    k++;
    return [
      mk('Shape', [pool.inputs[0]], [shape]),
      mk('MaxUnpool', [dyR.inputs[0], idxR.inputs[0], shape], [up], new Map<string, Attribute>([
        ['kernel_shape', { type: 'ints', value: kernel }], ['strides', { type: 'ints', value: strides }],
      ])),
      mk('Reshape', [up, flat], n.outputs),
    ];
  });
  return k;
};

