/**
 * Finds a classifier's data input and logits in a canonical graph: exactly one float data
 * input, a float output, batch handling, and a trailing Softmax/LogSoftmax that is
 * stripped so attacks work on the pre-softmax logits (softmax saturation masks gradients).
 */
import { ModelError } from '../errors';
import { Model, Node, attrInt, isFloat, numel } from './ir';
import { ShapeInfo } from './shapes';

export interface ClassifierIO {
  /** The model's data input. */
  input: string;
  /** The model's (first) output as declared. */
  output: string;
  /** The value attacks treat as logits: `output`, or the input of a trailing softmax. */
  logits: string;
  /** 'Softmax' | 'LogSoftmax' when the model ends in one and it was stripped. */
  strippedSoftmax?: string;
  /** Whether dim 0 of input and output is a batch dimension of free size. */
  batched: boolean;
  numClasses: number;
}

/** Ops that only move or relabel elements: a softmax behind them is still the model's last real op. */
const TRANSPARENT = new Set(['Identity', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze']);

/**
 * Checks the declared signature before anything runs: exactly one data input, of a float
 * type, and a float first output. Throws ModelError otherwise.
 */
export function checkClassifierSignature(model: Model): void {
  const g = model.graph;
  if (g.inputs.length === 0) throw new ModelError('the model has no data input (every input is an initializer)');
  if (g.inputs.length > 1) {
    throw new ModelError(`the model has ${g.inputs.length} data inputs (${g.inputs.map((v) => `'${v.name}'`).join(', ')}); Gauntlet audits single-input classifiers`);
  }
  const input = g.inputs[0];
  if (!isFloat(input.dtype)) throw new ModelError(`the model's input '${input.name}' is ${input.dtype}; a float input is required`);
  if (g.outputs.length === 0) throw new ModelError('the model has no outputs');
  const out = g.outputs[0];
  if (!isFloat(out.dtype)) throw new ModelError(`the model's output '${out.name}' is ${out.dtype}; a float scores/logits output is required`);
}

export function findClassifierIO(model: Model, shapes: ShapeInfo): ClassifierIO {
  checkClassifierSignature(model);
  const g = model.graph;
  const input = g.inputs[0];
  const out = g.outputs[0];
  const outMeta = shapes.get(out.name);
  const outDtype = outMeta?.dtype ?? out.dtype;
  if (!isFloat(outDtype)) throw new ModelError(`the model's output '${out.name}' is ${outDtype}; a float scores/logits output is required`);
  const d0 = input.shape?.[0];
  const batched = input.shape !== undefined && input.shape.length > 1 && (typeof d0 === 'string' || d0 === null);
  const oshape = outMeta?.shape ?? [];
  const numClasses = batched ? numel(oshape.slice(1)) : numel(oshape);
  if (numClasses < 2) throw new ModelError(`the model's output '${out.name}' has shape [${(batched ? ['N', ...oshape.slice(1)] : oshape).join(', ')}]; at least 2 class scores are required`);

  const producer = new Map<string, Node>();
  g.nodes.forEach((n) => n.outputs.forEach((o) => producer.set(o, n)));
  let v = out.name;
  let p = producer.get(v);
  while (p && TRANSPARENT.has(p.opType)) { v = p.inputs[0]; p = producer.get(v); }
  let logits = out.name;
  let strippedSoftmax: string | undefined;
  const isClassAxis = (n: Node) => {
    const r = shapes.get(n.inputs[0])?.shape.length ?? 0;
    const axis = attrInt(n, 'axis', -1);
    return axis === -1 || axis === r - 1;
  };
  if (p && (p.opType === 'Softmax' || p.opType === 'LogSoftmax') && isClassAxis(p)) {
    logits = p.inputs[0];
    strippedSoftmax = p.opType;
  } else if (p && p.opType === 'Log') {
    const q = producer.get(p.inputs[0]);
    if (q && q.opType === 'Softmax' && isClassAxis(q)) { logits = q.inputs[0]; strippedSoftmax = 'LogSoftmax'; }
  }
  return { input: input.name, output: out.name, logits, strippedSoftmax, batched, numClasses };
}

/**
 * Refuses class scores that are not one vector per sample (see checkScoresShape): the model
 * pipeline applies it to what it audits. The gradient builder does not: it differentiates any
 * float output (its rule tests use outputs such as [2, 3, 4]).
 * @throws ModelError naming the output (or the trailing Softmax's input) and its shape.
 */
export function checkClassScores(cls: ClassifierIO, shapes: ShapeInfo): void {
  const oshape = shapes.get(cls.output)?.shape ?? [];
  checkScoresShape(cls.output, oshape, cls.batched);
  if (cls.logits !== cls.output) checkScoresShape(cls.logits, shapes.get(cls.logits)?.shape ?? oshape, cls.batched, ` (the input of the trailing ${cls.strippedSoftmax})`);
}

/**
 * Class scores are one vector of K per sample: besides the batch dimension, at most one
 * dimension may exceed 1 ([N, K], [N, K, 1, 1], [1, K]). An [N, 5, 2] output (five 2-way scores,
 * or a 5×2 map) is refused rather than audited as 10 classes.
 */
function checkScoresShape(name: string, shape: readonly number[], batched: boolean, what = ''): void {
  const perSample = batched ? shape.slice(1) : shape;
  if (perSample.filter((d) => d > 1).length <= 1) return;
  const shown = batched ? ['N', ...perSample] : perSample;
  throw new ModelError(
    `the model's output '${name}'${what} has shape [${shown.join(', ')}]; class scores must be [N, K] (one score per class; other dimensions of size 1) — reshape the output in the model or choose another output`,
    { output: name, shape: [...shape] },
  );
}
