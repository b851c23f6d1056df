/**
 * The IbpContext the bound rules see (types.ts), over a GraphWriter: operands by value name,
 * emission of standard ONNX nodes, constants, and the outward widening of float-error.ts.
 */
import { UnsupportedOpError } from '../errors';
import { Node, TensorValue, tensorFromNumbers } from '../onnx/ir';
import { AttrInput, GraphWriter, toAttribute } from '../onnx/graph-writer';
import { absoluteMargin, relativeMargin } from './float-error';
import type { IbpContext, Interval, Operand } from './types';

/** Shared state of one bound-graph build; `context(node)` is what a rule sees. */
export class IbpBuilder {
  constructor(
    readonly w: GraphWriter,
    readonly intervals: Map<string, Interval>,
    readonly consts: Map<string, TensorValue>,
    readonly shapeOf: (name: string) => number[],
  ) {}

  op(prefix: string, opType: string, inputs: string[], attrs: Record<string, AttrInput> = {}): string {
    return this.w.op(prefix, opType, inputs, 1, attrs)[0];
  }

  /** Widens [lo, hi] outward by (relativeMargin(terms)·magnitude + absoluteMargin(terms) + extra). */
  outward(prefix: string, lo: string, hi: string, magnitude: string, terms: number, extraAbsolute = 0): Interval {
    const rel = this.w.scalar(prefix, relativeMargin(terms), 'float32');
    const abs = this.w.scalar(prefix, absoluteMargin(terms) + extraAbsolute, 'float32');
    const e = this.op(prefix, 'Add', [this.op(prefix, 'Mul', [magnitude, rel]), abs]);
    return { lo: this.op(prefix, 'Sub', [lo, e]), hi: this.op(prefix, 'Add', [hi, e]) };
  }

  context(node: Node): IbpContext {
    const prefix = `${node.name || node.opType}_Ibp`;
    const b = this;
    const operand = (i: number): Operand => {
      const name = node.inputs[i];
      const iv = name ? b.intervals.get(name) : undefined;
      return iv ? { kind: 'interval', interval: iv } : { kind: 'constant', name, value: b.consts.get(name) };
    };
    const unsupported = (reason: string): never => {
      throw new UnsupportedOpError(`${node.opType} (node '${node.name}'): ${reason}`, { opType: node.opType, node: node.name });
    };
    return {
      node,
      hasInput: (i) => i < node.inputs.length && node.inputs[i] !== '',
      operand,
      interval: (i) => {
        const o = operand(i);
        return o.kind === 'interval' ? o.interval : unsupported(`input ${i} was expected to depend on the model input`);
      },
      constant: (i) => {
        const o = operand(i);
        return o.kind === 'constant' ? o.value : undefined;
      },
      shape: (name) => b.shapeOf(name),
      op: (opType, inputs, attrs) => b.op(prefix, opType, inputs, attrs),
      apply: (inputs, attrs = {}) => {
        const attributes = new Map(node.attributes);
        for (const [k, v] of Object.entries(attrs)) attributes.set(k, toAttribute(v));
        const out = b.w.fresh(`${prefix}/${node.opType}`);
        b.w.nodes.push({ name: b.w.fresh(`${prefix}/${node.opType}_node`), opType: node.opType, domain: node.domain, inputs, outputs: [out], attributes });
        return out;
      },
      constantOf: (t) => b.w.constant(prefix, t),
      scalar: (v) => b.w.scalar(prefix, v, 'float32'),
      outward: (lo, hi, magnitude, terms, extra) => b.outward(prefix, lo, hi, magnitude, terms, extra),
      unsupported,
    };
  }
}

/** |t| elementwise, as a float32 tensor of the same shape. */
export function absTensor(t: TensorValue): TensorValue {
  return tensorFromNumbers('float32', [...t.dims], Array.from(t.data as ArrayLike<number>, (v) => Math.abs(Number(v))));
}
