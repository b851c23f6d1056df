/**
 * The CrownContext the CROWN rules see (types.ts), over a GraphWriter: float64 constants,
 * per-sample shapes, emission of standard ONNX nodes.
 */
import { UnsupportedOpError } from '../errors';
import { Node, TensorValue, tensorFromNumbers } from '../onnx/ir';
import type { AttrInput, GraphWriter } from '../onnx/graph-writer';
import type { CrownContext } from './types';

/** Shared state of one CROWN graph build; `context(node, rows)` is what a rule sees. */
export class CrownBuilder {
  constructor(
    readonly w: GraphWriter,
    readonly consts: Map<string, TensorValue>,
    /** Probe shape of a value (batch dimension first). */
    readonly shapeOf: (name: string) => number[],
    readonly isBounded: (name: string) => boolean,
  ) {}

  op(prefix: string, opType: string, inputs: string[], attrs: Record<string, AttrInput> = {}): string {
    return this.w.op(prefix, opType, inputs, 1, attrs)[0];
  }

  float64(prefix: string, dims: number[], values: ArrayLike<number>): string {
    return this.w.constant(prefix, tensorFromNumbers('float64', dims, Array.from(values)));
  }

  ints(prefix: string, values: number[], dims = [values.length]): string {
    return this.w.constant(prefix, tensorFromNumbers('int64', dims, values));
  }

  scalar(prefix: string, v: number): string {
    return this.w.scalar(prefix, v, 'float64');
  }

  context(node: Node, rows: number): CrownContext {
    const prefix = `${node.name || node.opType}_Crown`;
    const b = this;
    const unsupported = (reason: string): never => {
      throw new UnsupportedOpError(`${node.opType} (node '${node.name}'), CROWN: ${reason}`, { opType: node.opType, node: node.name });
    };
    const has = (i: number) => i < node.inputs.length && node.inputs[i] !== '';
    return {
      node,
      rows,
      hasInput: has,
      bounded: (i) => has(i) && b.isBounded(node.inputs[i]),
      constant: (i) => (has(i) && !b.isBounded(node.inputs[i]) ? b.consts.get(node.inputs[i]) : undefined),
      inShape: (i) => b.shapeOf(node.inputs[i]).slice(1),
      outShape: () => b.shapeOf(node.outputs[0]).slice(1),
      op: (opType, inputs, attrs) => b.op(prefix, opType, inputs, attrs),
      float64: (dims, values) => b.float64(prefix, dims, values),
      ints: (values, dims) => b.ints(prefix, values, dims),
      scalar: (v) => b.scalar(prefix, v),
      unsupported,
    };
  }
}
