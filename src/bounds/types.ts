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
  /** CROWN (Zhang et al. 2018): the op's adjoint or its linear relaxation; absent = IBP only. */
  crown?: CrownRule;
}

/**
 * What a CROWN rule sees (crown-context.ts). Everything is float64. A backward pass carries, for
 * a tensor t, rows A of shape [B, R, ...t's per-sample shape] (B points, R rows per point): the
 * coefficients of a linear function Σ A·t that the pass bounds from below.
 */
export interface CrownContext {
  readonly node: Node;
  /** Rows R of the A's of this pass. */
  readonly rows: number;
  hasInput(i: number): boolean;
  /** Whether input i depends on the model input. */
  bounded(i: number): boolean;
  /** The constant tensor of input i, or undefined when it is bounded or not known at build time. */
  constant(i: number): TensorValue | undefined;
  /** Per-sample shape (batch dimension dropped) of input i. */
  inShape(i: number): number[];
  /** Per-sample shape of output 0. */
  outShape(): number[];
  op(opType: string, inputs: string[], attrs?: Record<string, AttrInput>): string;
  /** The forward node itself (same op and attributes) on other inputs, with `outputs` outputs. */
  apply(inputs: string[], outputs?: number): string[];
  /** A float64 constant. */
  float64(dims: number[], values: ArrayLike<number>): string;
  /** An int64 constant (a shape, axes, indices). */
  ints(values: number[], dims?: number[]): string;
  scalar(value: number): string;
  unsupported(reason: string): never;
}

/** An op that is affine in its bounded inputs: y = L(x₁, …) + f(0). */
export interface CrownLinearRule {
  kind: 'linear';
  /** The adjoint of L: from the rows A of y, the rows of each input (undefined for constant inputs). */
  backward(ctx: CrownContext, A: string): (string | undefined)[];
  /** f(0), the output when every bounded input is 0, per-sample output shape, row-major (undefined: 0). */
  offset?(ctx: CrownContext): Float64Array | undefined;
  /** Entries per row of the largest intermediate of `backward` (default: the larger of input and output). */
  scratch?(ctx: CrownContext): number;
  /**
   * Optional: L(x) (or |L|(x), the map with |weights|) applied forward to x [B, ...input 0's
   * shape], without the offset. Lets the graph bound an affine layer of the input box exactly
   * (centre/radius) instead of a backward pass per neuron.
   */
  forward?(ctx: CrownContext, x: string, absolute: boolean): string;
}

/**
 * Per-neuron linear relaxation of y = s(x) on [l, u]: al·x + bl ≤ s(x) ≤ au·x + bu for every
 * x ∈ [l, u]; all shaped [B, ...x's per-sample shape]; bl / bu undefined mean 0.
 */
export interface Relaxation {
  al: string;
  bl?: string;
  au: string;
  bu?: string;
}

/** An elementwise nonlinearity of one bounded input with a linear relaxation. */
export interface CrownRelaxedRule {
  kind: 'relaxed';
  /**
   * Non-decreasing: the output's bounds are [f(l), f(u)] (the graph evaluates the op on l and u;
   * 'exact' when that evaluation is exact in float64, else it is widened by CROWN_RELATIVE).
   */
  monotone?: 'exact' | 'rounded';
  relax(ctx: CrownContext, l: string, u: string): Relaxation;
}

/**
 * An op whose backward step needs the CROWN bounds [l, u] of its input 0 ([B, ...input shape])
 * but is not elementwise (MaxPool): it sends rows to input 0 and may add an offset [B, R].
 */
export interface CrownBoundedRule {
  kind: 'bounded';
  backward(ctx: CrownContext, A: string, l: string, u: string): { input: string; offset?: string; magnitude?: string };
}

export type CrownRule = CrownLinearRule | CrownRelaxedRule | CrownBoundedRule;
