/**
 * The gradient builder's public types and the fixed value names of the gradient model.
 */
import { Model } from '../../onnx/ir';
import { ClassifierIO } from '../../onnx/classifier';
import { LossKind } from '../loss';
import { ShapeInfo } from '../../onnx/shapes';

/** The opset of every gradient model. */
export const GRADIENT_OPSET = 17;

export interface GradientOptions {
  /** Loss whose gradient is returned. */
  loss: LossKind;
  /** Targeted variant: adds an int64 `target` input ([N]). */
  targeted?: boolean;
  /** Probe shapes and dtypes of every value of `model` (runtime/probe.ts). */
  shapes: ShapeInfo;
  /** BPDA: identity gradient through non-differentiable ops (Round, Floor, Sign, casts to int, Q/DQ). */
  straightThrough?: boolean;
  /** Graph-level shortcuts across nodes (shortcuts.ts; exact, default true). false: every node by its own rule. */
  shortcuts?: boolean;
}

/** A node whose gradient is not the true gradient, or that makes outputs random. */
export interface GraphFinding {
  node: string;
  opType: string;
}

/** One emitted gradient contribution, for the runtime's shape verification. */
export interface GradientEdge {
  node: string;
  opType: string;
  inputIndex: number;
  /** Forward value the gradient is for. */
  forward: string;
  /** Gradient value emitted by the rule. */
  gradient: string;
}

export interface GradientModel {
  model: Model;
  /** Names of the gradient model's inputs and outputs. */
  io: { x: string; labels: string; target?: string; logits: string; loss: string; grad: string };
  /** The classifier's input/output analysis (batch handling, stripped softmax). */
  classifier: ClassifierIO;
  /** Non-differentiable ops on the x→logits path (zero gradient unless straightThrough). */
  nonDifferentiable: GraphFinding[];
  /** Random ops on the path (outputs and gradients are samples: average them, EOT). */
  random: GraphFinding[];
  /** Every gradient contribution (rule output), for shape checks. */
  edges: GradientEdge[];
}

/** The gradient model's own input and output names (reserved: the forward graph may not use them). */
export const X = 'x', LABELS = 'labels', TARGET = 'target', LOGITS = 'logits', LOSS = 'loss', GRAD = 'grad';
