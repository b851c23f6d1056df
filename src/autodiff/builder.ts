/**
 * buildGradientModel: from a (canonical, opset-17) classifier graph, build a second ONNX
 * model whose outputs are the logits, a per-sample loss and d(sum of losses)/d(x).
 *
 * The walker does all graph-level work (after STYLE.md §4): which values depend on x
 * (forward reachability over float edges), which of those reach the loss (backward
 * reachability), stop-gradient edges (shape computations, integer tensors), summing
 * fan-out, and naming. Rules (rules/*.ts) only do local math.
 *
 * Three steps, one module each under build/: analyse (which values depend on x and reach the
 * loss), emit (the backward pass, rule by rule), assemble (the gradient model's graph).
 */
import { Model } from '../onnx/ir';
import { analyse } from './build/analyse';
import { assemble } from './build/assemble';
import { emitGradients } from './build/emit';
import { GradientModel, GradientOptions } from './build/types';

export { GRADIENT_OPSET } from './build/types';
export type { GradientEdge, GradientModel, GradientOptions, GraphFinding } from './build/types';

/**
 * Builds the gradient model. The input model must already be canonical (onnx/canonical.ts)
 * and `options.shapes` must come from a probe of that same model.
 */
export function buildGradientModel(model: Model, options: GradientOptions): GradientModel {
  const analysis = analyse(model, options);
  const { dx, edges } = emitGradients(analysis, options);
  return assemble(model, analysis, options, dx, edges);
}
