/**
 * What a converter sees and may do for one node (NodeCtx), with the small vocabulary converters
 * share: attribute constructors, the aggregated notes and a typed constant maker.
 */
import { Attribute, Dim, DType, Node, TensorValue, tensorFromNumbers, tensorToNumbers } from '../ir';
import { ModelError } from '../../errors';
import { floatToHalfBits } from '../../data/float16';
import { Facts } from './facts';

export const I = (value: number): Attribute => ({ type: 'int', value });
export const S = (value: string): Attribute => ({ type: 'string', value });
export const Is = (value: number[]): Attribute => ({ type: 'ints', value });

export type Attrs = Record<string, Attribute>;

/** Drops trailing omitted ('') inputs. */
export function trimInputs(inputs: string[]): string[] {
  const out = [...inputs];
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}

/** A numeric tensor of any dtype from JS numbers (float16/bfloat16 encoded to their bits). */
export function numericTensor(dtype: DType, dims: number[], values: readonly number[]): TensorValue {
  if (dtype === 'float16') return { dtype, dims, data: Uint16Array.from(values, floatToHalfBits) };
  if (dtype === 'bfloat16') {
    return {
      dtype, dims,
      data: Uint16Array.from(values, (v) => {
        const x = new Uint32Array(new Float32Array([v]).buffer)[0];
        return (x + 0x7fff + ((x >>> 16) & 1)) >>> 16;
      }),
    };
  }
  if (dtype === 'bool') return { dtype, dims, data: Uint8Array.from(values, (v) => (v ? 1 : 0)) };
  return tensorFromNumbers(dtype, dims, values);
}

/** What was converted, dropped or assumed, aggregated per kind of change. */
export class Notes {
  private readonly counts = new Map<string, number>();
  add(msg: string): void {
    this.counts.set(msg, (this.counts.get(msg) ?? 0) + 1);
  }
  list(): string[] {
    return [...this.counts].map(([m, n]) => (n > 1 ? `${m} (${n} nodes)` : m));
  }
}

/** The model-wide state a NodeCtx reaches: the declared opset, the notes and fresh naming. */
export interface CanonicalizerScope {
  readonly opset: number;
  readonly notes: Notes;
  /** A name unique across the whole model (all subgraphs). */
  fresh(base: string): string;
}

/** Per-graph output under construction. */
export interface GraphOut {
  nodes: Node[];
  initializers: Map<string, TensorValue>;
  /** Value infos to remove (outputs a conversion dropped or whose type changed). */
  dropInfo: Set<string>;
  /** Initializers a downgrade read as constants (pruned if nothing references them afterwards). */
  consumed: Set<string>;
  constCache: Map<string, string>;
}

/** What a converter sees and may do for one node. */
export class NodeCtx {
  constructor(
    private readonly c: CanonicalizerScope,
    readonly node: Node,
    /** Since-version of the node's op at the declared opset (0: experimental op). */
    readonly v: number,
    readonly facts: Facts,
    private readonly out: GraphOut,
    private readonly uses: ReadonlyMap<string, number>,
  ) {}

  get opset(): number { return this.c.opset; }

  fail(msg: string): never {
    const n = this.node;
    throw new ModelError(`${n.opType} node '${n.name}' (opset ${this.c.opset}): ${msg}`, {
      node: n.name, opType: n.opType, opset: this.c.opset,
    });
  }
  note(msg: string): void { this.c.notes.add(msg); }

  fresh(suffix: string): string { return this.c.fresh(`${this.node.name}/${suffix}`); }

  /** Emits a helper node with fresh outputs; returns them. */
  emit(opType: string, inputs: string[], attrs: Attrs = {}, nOutputs = 1): string[] {
    const outputs = Array.from({ length: nOutputs }, () => this.fresh(opType));
    this.out.nodes.push({
      name: this.fresh(`${opType}_node`), opType, domain: '', inputs: trimInputs(inputs), outputs,
      attributes: new Map(Object.entries(attrs)),
    });
    return outputs;
  }
  emit1(opType: string, inputs: string[], attrs: Attrs = {}): string {
    return this.emit(opType, inputs, attrs, 1)[0];
  }
  /** Emits the node producing the original outputs, under the original node name. */
  final(opType: string, inputs: string[], attributes: Map<string, Attribute> | Attrs, outputs = this.node.outputs): void {
    this.out.nodes.push({
      name: this.node.name, opType, domain: '', inputs: trimInputs(inputs), outputs: [...outputs],
      attributes: attributes instanceof Map ? attributes : new Map(Object.entries(attributes)),
    });
  }
  /** Emits a node writing to the given (existing) output names. */
  emitTo(opType: string, inputs: string[], attrs: Attrs, outputs: string[]): void {
    this.out.nodes.push({
      name: this.fresh(`${opType}_node`), opType, domain: '', inputs: trimInputs(inputs), outputs,
      attributes: new Map(Object.entries(attrs)),
    });
  }
  /** Emits the (possibly edited) node itself. */
  keep(): void {
    this.final(this.node.opType, this.node.inputs, this.node.attributes);
  }
  drop(...attrs: string[]): void {
    for (const a of attrs) this.node.attributes.delete(a);
  }
  has(attr: string): boolean { return this.node.attributes.has(attr); }

  /** A constant initializer (shared between identical small constants of this graph). */
  constant(prefix: string, t: TensorValue): string {
    const key = t.data.length <= 64 ? `${t.dtype}|${t.dims.join(',')}|${Array.from(t.data as ArrayLike<unknown>).join(',')}` : undefined;
    const hit = key ? this.out.constCache.get(key) : undefined;
    if (hit) return hit;
    const name = this.c.fresh(`canonical/${prefix}`);
    this.out.initializers.set(name, t);
    if (key) this.out.constCache.set(key, name);
    return name;
  }
  ints(values: number[], dims: number[] = [values.length]): string {
    return this.constant('int64', tensorFromNumbers('int64', dims, values));
  }
  floats(values: number[], dims: number[] = [values.length], dtype: DType = 'float32'): string {
    return this.constant(dtype, numericTensor(dtype, dims, values));
  }
  /** A constant holding `values` in the dtype of value `like` (CastLike when that dtype is unknown). */
  like(values: number[], dims: number[], like: string): string {
    const d = this.facts.dtype(like);
    if (d && d !== 'string') return this.constant(d, numericTensor(d, dims, values));
    this.note('constants for values of unknown dtype are cast with CastLike');
    return this.emit1('CastLike', [this.floats(values, dims, 'float64'), like]);
  }

  /** Constant value of an input, or undefined (marks an initializer as read, for pruning). */
  constValue(name: string): TensorValue | undefined {
    const t = this.facts.constant(name);
    if (t && this.facts.ownInitializers.has(name)) this.out.consumed.add(name);
    return t;
  }
  constInts(name: string): number[] | undefined {
    const t = this.constValue(name);
    return t && t.dtype !== 'string' ? tensorToNumbers(t) : undefined;
  }
  rank(name: string): number | undefined { return this.facts.rank(name); }
  dtype(name: string): DType | undefined { return this.facts.dtype(name); }
  dims(name: string): Dim[] | undefined { return this.facts.shape(name); }
  /** Whether a value is read by any node (any subgraph) or is a graph output. */
  used(name: string): boolean { return !!name && (this.uses.get(name) ?? 0) > 0; }
  dropValueInfo(name: string): void { if (name) this.out.dropInfo.add(name); }
}

/** A converter: receives a clone of the node and must emit nodes producing the node's outputs. */
export type Converter = (c: NodeCtx) => void;

/** Normalises a possibly negative axis; needs the rank only for negative axes. */
export function normAxis(c: NodeCtx, axis: number, rank: number | undefined, what: string): number {
  if (axis >= 0) return axis;
  if (rank === undefined) c.fail(`${what} ${axis} is negative and the rank of the input is unknown (declare its shape)`);
  return axis + rank;
}
