import { Graph, Node } from '../onnx/ir';
import { reachForward, scanInputOps } from './reachability';

const node = (name: string, opType: string, inputs: string[], outputs: string[]): Node =>
  ({ name, opType, domain: '', inputs, outputs, attributes: new Map() });

const graph = (nodes: Node[]): Graph => ({
  name: 'g', nodes, inputs: [{ name: 'in', dtype: 'float32', shape: [1, 4] }],
  outputs: [{ name: 'out', dtype: 'float32', shape: [1, 4] }],
  initializers: new Map([['w', { dtype: 'float32', dims: [1, 4], data: new Float32Array(4) }]]), valueInfo: new Map(),
});

describe('reachability', () => {
  it('when a straight-through op reads the input and another does not, then only the first is non-differentiable', () => {
    const g = graph([
      node('r1', 'Round', ['in'], ['a']),
      node('r2', 'Round', ['w'], ['b']),
      node('add', 'Add', ['a', 'b'], ['out']),
    ]);
    expect(scanInputOps(g, 'in')).toEqual({ random: [], nonDifferentiable: ["Round 'r1'"] });
  });

  it('when a random op does not read the input, then it is still reported', () => {
    const g = graph([node('n', 'RandomNormalLike', ['w'], ['z']), node('add', 'Add', ['in', 'z'], ['out'])]);
    expect(scanInputOps(g, 'in').random).toEqual(["RandomNormalLike 'n'"]);
  });

  it('when visit stops at a node, then nothing after it is reached through it', () => {
    const nodes = [node('s', 'Shape', ['in'], ['s0']), node('c', 'Cast', ['s0'], ['c0']), node('e', 'Exp', ['in'], ['out'])];
    const reached = reachForward(nodes, 'in', (n, c, reads) => (reads && c.kind !== 'noGradient' ? n.outputs : []));
    expect([...reached].sort()).toEqual(['in', 'out']);
  });
});
