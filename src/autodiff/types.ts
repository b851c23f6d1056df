/**
 * Contracts between the gradient builder (builder.ts) and the per-op rules (rules/*.ts).
 * Rules see only a RuleContext: a small vocabulary to read the forward node and emit
 * standard ai.onnx (opset 17) nodes. The builder owns naming, accumulation and checks.
 */
import { DType, Node, TensorValue } from '../onnx/ir';
import type { AttrInput } from '../onnx/graph-writer';



/** What a gradient rule may do. Value names are opaque strings owned by the builder. */
export interface RuleContext {
  readonly node: Node;
  /** Name of forward input i ('' when the optional input is absent). */
  input(i: number): string;
  /** Whether forward input i is present. */
  hasInput(i: number): boolean;
  /** Name of forward output i. */
  output(i: number): string;
  /** Gradient flowing into output i, or undefined when output i does not reach the loss. */
  gradOutput(i: number): string | undefined;
  /** Concrete probe shape of a forward value (including batch dim at probe size). */
  shape(name: string): number[];
  rank(name: string): number;
  dtype(name: string): DType;
  /** Constant value of a forward value (initializer, Constant node, or constant-folded subgraph), if known. */
  constant(name: string): TensorValue | undefined;
  /** Emits one node and returns its single output. */
  op(opType: string, inputs: string[], attrs?: Record<string, AttrInput>): string;
  /** Emits one node with several outputs. */
  opN(opType: string, inputs: string[], nOutputs: number, attrs?: Record<string, AttrInput>): string[];
  /** A scalar constant in the float dtype of the node's gradient (matches gradOutput's dtype). */
  scalar(value: number, dtype?: DType): string;
  /** A constant tensor in the gradient's float dtype. */
  floats(values: number[], dims: number[], dtype?: DType): string;
  /** A 1-D int64 constant (axes, shapes, pads). */
  ints(values: number[]): string;
  /** Runtime shape of a forward value (a cached Shape node). */
  shapeOf(name: string): string;
  /** Sums `grad` down to the shape of forward value `like` (undoes numpy broadcasting). */
  unbroadcast(grad: string, like: string): string;
  /** Float dtype that gradients of this node carry. */
  readonly gradDtype: DType;
  /** Whether the builder runs in straight-through (BPDA) mode. */
  readonly straightThrough: boolean;
}

/** One differentiation rule: declarative head plus local math. */
export interface GradientRule {
  /** ai.onnx op type. */
  opType: string;
  /** Input indices through which gradient may flow; gradient reaching any other input from x is an error. */
  differentiable: number[];
  /**
   * Emits the gradient graph for one node. Returns, per forward input index, the name of
   * its gradient (undefined where the input receives none, e.g. not in `differentiable`).
   */
  build(g: RuleContext): (string | undefined)[];
}

/** How the registry classifies an op type. */
export type OpClass =
  | { kind: 'rule'; rule: GradientRule }
  /** Outputs carry no gradient at all (shape computations, comparisons). */
  | { kind: 'noGradient' }
  /** Piecewise-constant: true gradient is zero; with straightThrough, the given rule (BPDA). */
  | { kind: 'straightThrough'; rule: GradientRule }
  /** Random ops: kept; the gradient follows `rule` for the sampled noise (EOT averages over draws). */
  | { kind: 'random'; rule?: GradientRule };
