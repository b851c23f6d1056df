/**
 * The types of the bound-rule property checks (./property.ts), shared with the bounders
 * (./crown-bounder.ts) without an import cycle.
 */
import type { Model } from '../../onnx/ir';
import type { AttrInput } from '../../onnx/graph-writer';
import type { ShapeInfo } from '../../onnx/shapes';

/** One input of the op under test. */
export type PropertyInput =
  /** A bounded input of this shape (rank ≥ 1; the op's output too): the harness draws its boxes. */
  | { bounded: number[] }
  /** A float32 constant: `values`, or uniform in [lo, hi] (default [-1, 1]). */
  | { float: number[]; values?: number[]; lo?: number; hi?: number }
  /** An int64 constant (axes, shapes, pads, starts). */
  | { int64: number[]; values: number[] }
  /** An omitted optional input. */
  | { absent: true };

export interface PropertySpec {
  opType: string;
  inputs: PropertyInput[];
  attrs?: Record<string, AttrInput>;
  seed?: number;
  /** Number of boxes (default 40). */
  boxes?: number;
  /** Points per box (default 256: 40 × 256 = 10,240 points). */
  pointsPerBox?: number;
  /** Largest |centre| of a box element (default 8). */
  centreScale?: number;
  /** Values where the op has a kink; some boxes are centred within 1e-2 of them (default [0]). */
  kinks?: number[];
  /** The op is exact in floating point: the bounds must equal f(lo) and f(hi) elementwise. */
  exact?: boolean;
  /**
   * A float64 reference: 'ort' runs the op on float64 tensors in ONNX Runtime (ops with double
   * kernels); a function is applied elementwise to the single bounded input (unary ops).
   */
  float64?: 'ort' | ((x: number) => number);
  /** Largest interval width on a degenerate box (lo = hi), relative to 1 + |f(x)| (default 1e-4). */
  degenerateWidth?: number;
}

/** A box: per bounded input, its elementwise lower and upper bounds (float32). */
export interface Box {
  lo: Float32Array[];
  hi: Float32Array[];
}

/** Elementwise bounds of the op's output over a box. */
export interface OutputBounds {
  lo: Float32Array;
  hi: Float32Array;
}

/** A bounding method prepared for one op. */
export interface OpenBounder {
  /** Elementwise bounds of the output over the whole box (IBP's interval; CROWN's concretised bounds). */
  bound(box: Box): Promise<OutputBounds>;
  /**
   * Optional: bounds that hold at the given points of the box only (CROWN: its linear lower and
   * upper bounds of the box evaluated at each point, which must enclose f there too).
   */
  boundAt?(box: Box, points: Float32Array[][]): Promise<OutputBounds[]>;
  close(): Promise<void>;
}

/** A bounding method under test (IBP; CROWN: ./crown-bounder.ts). */
export interface Bounder {
  readonly name: string;
  /** The method's own degenerate-box width allowance, when larger than the spec's (CROWN's float margins). */
  readonly degenerateWidth?: number;
  /** The method widens every bound (CROWN's float margins): a spec's `exact` check does not apply. */
  readonly widens?: boolean;
  /** Prepares the method for an op; `bound` (and `boundAt`) are then called per box. */
  open(op: OpUnderTest): Promise<OpenBounder>;
}

/** The op model and its facts. */
export interface OpUnderTest {
  spec: PropertySpec;
  model: Model;
  /** Names and shapes of the bounded inputs, in input order. */
  bounded: { name: string; shape: number[] }[];
  output: string;
  shapes: ShapeInfo;
}
