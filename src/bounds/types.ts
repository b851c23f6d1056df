/**
 * Contracts between the bound-graph builders (ibp-graph.ts) and the per-op bound rules
 * (rules/*.ts). A rule sees an IbpContext: the forward node, its operands (an interval
 * [lo, hi] when the value depends on the input, a constant otherwise) and a small vocabulary to
 * emit standard ai.onnx nodes. The builder owns naming, constants and the specification.
 */
import type { Node, TensorValue } from '../onnx/ir';
import type { AttrInput } from '../onnx/graph-writer';

/** Value names of a tensor's elementwise lower and upper bounds over the threat set. */
export interface Interval {
  lo: string;
  hi: string;
}

/** An input of a node: bounded (depends on the model input) or a constant of the graph. */
export type Operand =
  | { kind: 'interval'; interval: Interval }
  | { kind: 'constant'; name: string; value?: TensorValue };

/** What an IBP rule may do. */
export interface IbpContext {
  readonly node: Node;
  hasInput(i: number): boolean;
  operand(i: number): Operand;
  /** The interval of input i; the point is "not certified" (BoundsUnsupported) when input i is a constant. */
  interval(i: number): Interval;
  /** The constant tensor of input i, or undefined when it is bounded or not known at build time. */
  constant(i: number): TensorValue | undefined;
  /** Concrete probe shape of a forward value (batch dim at the probe batch). */
  shape(name: string): number[];
  /** Emits one node; returns its output. */
  op(opType: string, inputs: string[], attrs?: Record<string, AttrInput>): string;
  /** The forward node itself (same op, same attributes unless overridden) on other inputs. */
  apply(inputs: string[], attrs?: Record<string, AttrInput>): string;
  /** A constant of the bound graph (float32 unless the tensor says otherwise). */
  constantOf(t: TensorValue): string;
  scalar(value: number): string;
  /**
   * Widens [lo, hi] outward by the floating-point error of an op whose exact result is a sum of
   * `terms` products with absolute sum ≤ `magnitude` (float-error.ts): the result encloses the
   * exact bound and any float32 evaluation of the op.
   */
  outward(lo: string, hi: string, magnitude: string, terms: number, extraAbsolute?: number): Interval;
  /** Ends the build: this op (or this use of it) has no bound rule; the points are not certified. */
  unsupported(reason: string): never;
}

/** The bound rule of one op type. */
export interface BoundRule {
  opType: string;
  /** Interval bound propagation (IBP): one interval per output. */
  ibp(ctx: IbpContext): Interval[];
}
