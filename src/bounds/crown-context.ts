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
    /** Where nodes go (the bound graph, or a Loop body of it). */
    readonly w: GraphWriter,
    readonly consts: Map<string, TensorValue>,
    /** Probe shape of a value (batch dimension first). */
    readonly shapeOf: (name: string) => number[],
    readonly isBounded: (name: string) => boolean,
    /** Where constants go: the outer graph, whose initializers every Loop body sees. */
    readonly constants: GraphWriter = w,
    private readonly shared = new Map<string, { t: TensorValue; name: string }[]>(),
  ) {}

  /** The same build, emitting nodes into `body` (a Loop body); constants stay in the outer graph. */
  into(body: GraphWriter): CrownBuilder {
    return new CrownBuilder(body, this.consts, this.shapeOf, this.isBounded, this.constants, this.shared);
  }

  op(prefix: string, opType: string, inputs: string[], attrs: Record<string, AttrInput> = {}): string {
    return this.w.op(prefix, opType, inputs, 1, attrs)[0];
  }

  float64(prefix: string, dims: number[], values: ArrayLike<number>): string {
    return this.constant(prefix, tensorFromNumbers('float64', dims, Array.from(values)));
  }

  ints(prefix: string, values: number[], dims = [values.length]): string {
    return this.constant(prefix, tensorFromNumbers('int64', dims, values));
  }

  /** A constant, shared with every equal one of this build (each pass re-emits its layers' weights and index tables). */
  private constant(prefix: string, t: TensorValue): string {
    const d = t.data as Float64Array | BigInt64Array;
    const bytes = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
    let h = 0x811c9dc5;
    for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
    const key = `${t.dtype}|${t.dims.join(',')}|${h >>> 0}`;
    const same = (this.shared.get(key) ?? []).find((e) => e.t.data.length === t.data.length && (e.t.data as Float64Array).every((v, i) => v === d[i]));
    if (same) return same.name;
    const name = this.constants.constant(prefix, t);
    this.shared.set(key, [...(this.shared.get(key) ?? []), { t, name }]);
    return name;
  }

  scalar(prefix: string, v: number): string {
    return this.constant(prefix, tensorFromNumbers('float64', [], [v]));
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
      apply: (inputs, outputs = 1) => {
        const outs = Array.from({ length: outputs }, () => b.w.fresh(`${prefix}/${node.opType}`));
        b.w.nodes.push({ name: b.w.fresh(`${prefix}/${node.opType}_node`), opType: node.opType, domain: node.domain, inputs, outputs: outs, attributes: new Map(node.attributes) });
        return outs;
      },
      float64: (dims, values) => b.float64(prefix, dims, values),
      ints: (values, dims) => b.ints(prefix, values, dims),
      scalar: (v) => b.scalar(prefix, v),
      unsupported,
    };
  }
}
