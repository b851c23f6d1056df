/**
 * GraphWriter: appends nodes and constants to a graph under fresh, collision-free names.
 * Shared by the loss builder, the gradient rules' contexts and the bound graphs.
 */
import { Attribute, DType, Node, TensorValue, tensorFromNumbers } from './ir';

/** Attributes passed to `op()`: numbers become INT or FLOAT by `Number.isInteger` unless wrapped. */
export type AttrInput =
  | number
  | string
  | number[]
  | { float: number }
  | { floats: number[] }
  | { ints: number[] }
  | { tensor: TensorValue };

/** Converts the rule vocabulary's attribute shorthand to IR attributes. */
export function toAttribute(v: AttrInput): Attribute {
  if (typeof v === 'number') return Number.isInteger(v) ? { type: 'int', value: v } : { type: 'float', value: v };
  if (typeof v === 'string') return { type: 'string', value: v };
  if (Array.isArray(v)) return { type: 'ints', value: v };
  if ('float' in v) return { type: 'float', value: v.float };
  if ('floats' in v) return { type: 'floats', value: v.floats };
  if ('ints' in v) return { type: 'ints', value: v.ints };
  return { type: 'tensor', value: v.tensor };
}

export class GraphWriter {
  readonly nodes: Node[] = [];
  readonly initializers = new Map<string, TensorValue>();
  private readonly constCache = new Map<string, string>();
  private counter = 0;

  constructor(private readonly used: Set<string>) {}

  /** A name starting with `base` that no value or node uses yet. */
  fresh(base: string): string {
    let name = `${base}_${this.counter++}`;
    while (this.used.has(name)) name = `${base}_${this.counter++}`;
    this.used.add(name);
    return name;
  }

  op(prefix: string, opType: string, inputs: string[], nOutputs = 1, attrs: Record<string, AttrInput> = {}): string[] {
    const outputs = Array.from({ length: nOutputs }, () => this.fresh(`${prefix}/${opType}`));
    const attributes = new Map<string, Attribute>();
    for (const [k, v] of Object.entries(attrs)) attributes.set(k, toAttribute(v));
    this.nodes.push({ name: this.fresh(`${prefix}/${opType}_node`), opType, domain: '', inputs, outputs, attributes });
    return outputs;
  }

  /** Adds a constant as an initializer; identical small constants are shared. */
  constant(prefix: string, t: TensorValue): string {
    const key = t.data.length <= 64 ? `${t.dtype}|${t.dims.join(',')}|${Array.from(t.data as ArrayLike<unknown>).join(',')}` : undefined;
    const hit = key ? this.constCache.get(key) : undefined;
    if (hit) return hit;
    const name = this.fresh(`${prefix}/const`);
    this.initializers.set(name, t);
    if (key) this.constCache.set(key, name);
    return name;
  }

  scalar(prefix: string, value: number, dtype: DType): string {
    return this.constant(prefix, tensorFromNumbers(dtype, [], [value]));
  }

  ints(prefix: string, values: number[]): string {
    return this.constant(prefix, tensorFromNumbers('int64', [values.length], values));
  }
}
