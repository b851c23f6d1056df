/**
 * Generated models for the "refuse at the door" tests (issue 12): tiny linear classifiers whose
 * outputs are not [N, K], that have several outputs or one class, or that give NaN logits on
 * some samples. Built with the project's ONNX encoder, nothing committed.
 */
import { decodeModel } from '../../src/onnx/decode';
import { encodeModel } from '../../src/onnx/encode';
import { Attribute, Model, Node, tensorFromNumbers } from '../../src/onnx/ir';
import { linearOnnx } from '../../src/attacks/testing/linear-model';
import { randomLinear } from '../../src/attacks/testing/random-linear';

/** An ONNX node with default-domain op `op`. */
export function node(op: string, inputs: string[], outputs: string[], attrs: Record<string, Attribute> = {}): Node {
  return { name: `${op}_${outputs[0]}`, opType: op, domain: '', inputs, outputs, attributes: new Map(Object.entries(attrs)) };
}

/** A C-class linear classifier on D features (input 'input' [N, D] → output 'scores' [N, C]) as IR. */
export function linearIr(C: number, D: number, seed = 1): Model {
  return decodeModel(linearOnnx(randomLinear(seed, C, D)));
}

/** `edit` applied to linearIr(C, D), encoded. */
export function linearBytes(C: number, D: number, edit: (m: Model) => void = () => undefined, seed = 1): Uint8Array {
  const m = linearIr(C, D, seed);
  edit(m);
  return encodeModel(m);
}

/** Reshapes the output 'scores' to `shape` (e.g. [-1, 5, 2]), optionally after a Softmax on the last axis, as output 'out'. */
export function reshapedOutput(shape: number[], softmaxFirst = false, reshapeBack?: number[]): Uint8Array {
  return linearBytes(10, 4, (m) => {
    const g = m.graph;
    g.initializers.set('shape', tensorFromNumbers('int64', [shape.length], shape));
    g.nodes.push(node('Reshape', ['scores', 'shape'], ['grid']));
    let last = 'grid';
    if (softmaxFirst) { g.nodes.push(node('Softmax', ['grid'], ['prob'], { axis: { type: 'int', value: -1 } })); last = 'prob'; }
    if (reshapeBack) {
      g.initializers.set('back', tensorFromNumbers('int64', [reshapeBack.length], reshapeBack));
      g.nodes.push(node('Reshape', [last, 'back'], ['flat']));
      last = 'flat';
    }
    g.nodes.push(node('Identity', [last], ['out']));
    const dims = (reshapeBack ?? shape).map((d) => (d === -1 ? 'N' : d));
    g.outputs = [{ name: 'out', dtype: 'float32', shape: dims }];
  });
}

/** Two outputs: 'features' = Relu(input) [N, 4] first, then the class scores 'scores' [N, 3]. */
export function twoOutputs(): Uint8Array {
  return linearBytes(3, 4, (m) => {
    m.graph.nodes.push(node('Relu', ['input'], ['features']));
    m.graph.outputs = [{ name: 'features', dtype: 'float32', shape: ['N', 4] }, ...m.graph.outputs];
  });
}

/** A C-class linear model on Sqrt(input): a sample with a negative feature has NaN logits. */
export function nanOnNegative(C = 3, D = 4): Uint8Array {
  return linearBytes(C, D, (m) => {
    m.graph.nodes[0].inputs[0] = 'root';
    m.graph.nodes.unshift(node('Sqrt', ['input'], ['root']));
  });
}
