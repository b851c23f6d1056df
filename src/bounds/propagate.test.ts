/**
 * buildIntervalGraph on a small graph: a chain of rules, a constant branch computed by the
 * model's own nodes, and the errors for an output that does not depend on the bounded input.
 */
import { UnsupportedOpError } from '../errors';
import { encodeModel } from '../onnx/encode';
import type { Model, Node } from '../onnx/ir';
import type { ShapeInfo } from '../onnx/shapes';
import { Session } from '../runtime/session';
import { mulberry32 } from '../util/random';
import { buildIntervalGraph } from './propagate';

const node = (opType: string, inputs: string[], out: string): Node => ({ name: `${out}_node`, opType, domain: '', inputs, outputs: [out], attributes: new Map() });

// y = Relu(x)·W + (k + k), with k + k computed by the model (a constant branch).
const W = Float32Array.from([1, -2, 0.5, 3, -1, 0.25]);
const K = Float32Array.from([0.5, -1]);
const model: Model = {
  irVersion: 8, opsetImports: new Map([['', 17]]), producerName: 't', producerVersion: '',
  graph: {
    name: 'small',
    nodes: [node('Relu', ['x'], 'r'), node('MatMul', ['r', 'W'], 'm'), node('Add', ['k', 'k'], 'kk'), node('Add', ['m', 'kk'], 'y'), node('Add', ['kk', 'k'], 'z')],
    inputs: [{ name: 'x', dtype: 'float32', shape: [1, 3] }],
    outputs: [{ name: 'y', dtype: 'float32' }],
    initializers: new Map([['W', { dtype: 'float32', dims: [3, 2], data: W }], ['k', { dtype: 'float32', dims: [2], data: K }]]),
    valueInfo: new Map(),
  },
};
const shapes: ShapeInfo = new Map([
  ['x', { dtype: 'float32', shape: [1, 3] }], ['r', { dtype: 'float32', shape: [1, 3] }], ['m', { dtype: 'float32', shape: [1, 2] }],
  ['kk', { dtype: 'float32', shape: [2] }], ['y', { dtype: 'float32', shape: [1, 2] }], ['z', { dtype: 'float32', shape: [2] }],
  ['W', { dtype: 'float32', shape: [3, 2] }], ['k', { dtype: 'float32', shape: [2] }],
]);

describe('buildIntervalGraph', () => {
  it('when a chain of rules and a constant branch lead to the output, then its interval contains the output at sampled points', async () => {
    const g = buildIntervalGraph(model, shapes, { inputs: ['x'], output: 'y' });
    expect(g.model.graph.nodes.some((n) => n.outputs.includes('kk'))).toBe(true); // copied, not bounded
    const bounds = await Session.create(encodeModel(g.model));
    const forward = await Session.create(encodeModel(model));
    try {
      const lo = Float32Array.from([-1, 0.25, -0.5]), hi = Float32Array.from([0.5, 2, -0.25]);
      const b = await bounds.run({ [g.inputs[0].lo]: { dtype: 'float32', dims: [1, 3], data: lo }, [g.inputs[0].hi]: { dtype: 'float32', dims: [1, 3], data: hi } });
      const [ylo, yhi] = [b[g.output.lo].data as Float32Array, b[g.output.hi].data as Float32Array];
      const rand = mulberry32(3);
      for (let s = 0; s < 200; s++) {
        const x = lo.map((l, i) => Math.min(hi[i], Math.fround(l + (hi[i] - l) * rand())));
        const y = (await forward.run({ x: { dtype: 'float32', dims: [1, 3], data: x } })).y.data as Float32Array;
        y.forEach((v, i) => { expect(v).toBeGreaterThanOrEqual(ylo[i]); expect(v).toBeLessThanOrEqual(yhi[i]); });
      }
    } finally {
      await bounds.release();
      await forward.release();
    }
  });

  it('when the output does not depend on the bounded input, then UnsupportedOpError says so', () => {
    expect(() => buildIntervalGraph(model, shapes, { inputs: ['x'], output: 'z' })).toThrow(UnsupportedOpError);
    expect(() => buildIntervalGraph(model, shapes, { inputs: ['x'], output: 'z' })).toThrow(/does not depend on the bounded inputs/);
  });

  it('when an op on the path has no rule, then UnsupportedOpError names it', () => {
    const withSoftmax: Model = { ...model, graph: { ...model.graph, nodes: [...model.graph.nodes, node('Softmax', ['y'], 's')] } };
    const s2: ShapeInfo = new Map([...shapes, ['s', { dtype: 'float32', shape: [1, 2] }]]);
    expect(() => buildIntervalGraph(withSoftmax, s2, { inputs: ['x'], output: 's' })).toThrow(/no bound rule for op Softmax/);
  });
});
