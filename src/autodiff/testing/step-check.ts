/**
 * Checks for straight-through (BPDA) rules, whose true gradient is zero so finite differences
 * cannot check them. A step sub-graph S (e.g. Round, or Q→DQ) is tested inside
 *   A: logits = (S(x) + x) ⊙ w    without straightThrough: only the x path carries gradient,
 *                                  so d/dx = w ⊙ dCE/dlogits, and S is reported;
 *   B: logits = S(x) ⊙ w          with straightThrough: equals the gradient of the smooth
 *                                  surrogate graph (S replaced by Identity, or e.g. Mul(s) for
 *                                  DequantizeLinear) at the point x' where the surrogate
 *                                  computes the same forward values (x' = round(x) for Round).
 */
import { TensorValue } from '../../onnx/ir';
import { SmallNode, ceGradient, gradientOf, maxRelDiff, smallModel, tensor, uniform } from './small-model';

export interface StepCase {
  /** Op type the builder must report as non-differentiable. */
  op: string;
  /** Nodes from `data` to the stepped value (the last node's first output). */
  nodes: SmallNode[];
  /** Smooth surrogate nodes from `data` (default: one Identity). */
  surrogate?: SmallNode[];
  /** The point x' at which the surrogate computes what the step computes at x (elementwise). */
  surrogatePoint: (x: number[]) => number[];
  xShape: number[];
  dtype?: 'float32' | 'float64';
  lo?: number;
  hi?: number;
  seed?: number;
  consts?: Record<string, TensorValue>;
}

function lastOutput(nodes: SmallNode[]): string {
  const n = nodes[nodes.length - 1];
  return n.outputs?.[0] ?? `v${nodes.length - 1}`;
}

function setup(c: StepCase) {
  const dtype = c.dtype ?? 'float64';
  const n = c.xShape.reduce((a, b) => a * b, 1);
  const x = uniform(n, c.lo ?? -2, c.hi ?? 2, c.seed ?? 1);
  const wValues = uniform(n, 0.5, 2, (c.seed ?? 1) + 100);
  const consts = { ...c.consts, w: tensor(dtype, c.xShape, wValues) };
  return { dtype, x, wValues, consts };
}

/** A: without straightThrough the step passes no gradient (d/dx = w ⊙ dCE/dlogits) and is reported. Returns the max relative difference. */
export async function stepGradientWithout(c: StepCase): Promise<{ diff: number; nonDifferentiable: string[] }> {
  const { dtype, x, wValues, consts } = setup(c);
  const s = lastOutput(c.nodes);
  const k = c.nodes.length;
  const model = smallModel({
    dtype, xShape: c.xShape, consts,
    nodes: [...c.nodes, { op: 'Add', inputs: [s, 'data'] }, { op: 'Mul', inputs: [`v${k}`, 'w'] }],
  });
  const r = await gradientOf(model, x);
  const run = r.runs[0];
  const expected = ceGradient(run.logits).map((d, i) => d * wValues[i]);
  return { diff: maxRelDiff(run.grad, expected), nonDifferentiable: r.nonDifferentiable };
}

/** B: with straightThrough, the gradient at x equals the surrogate graph's at x'. Returns differences of gradients and logits. */
export async function stepGradientWith(c: StepCase): Promise<{ diff: number; logitsDiff: number; grad: number[]; nonDifferentiable: string[] }> {
  const { dtype, x, consts } = setup(c);
  const tail = (nodes: SmallNode[]) => [...nodes, { op: 'Mul', inputs: [lastOutput(nodes), 'w'] }];
  const step = await gradientOf(smallModel({ dtype, xShape: c.xShape, consts, nodes: tail(c.nodes) }), x, { straightThrough: true });
  const surrogate = c.surrogate ?? [{ op: 'Identity', inputs: ['data'] }];
  const ref = await gradientOf(smallModel({ dtype, xShape: c.xShape, consts, nodes: tail(surrogate) }), c.surrogatePoint(x));
  const [a, b] = [step.runs[0], ref.runs[0]];
  return { diff: maxRelDiff(a.grad, b.grad), logitsDiff: maxRelDiff(a.logits, b.logits), grad: a.grad, nonDifferentiable: step.nonDifferentiable };
}

/** Jest helper: both checks, with the op reported in each mode. */
export async function expectStraightThrough(c: StepCase, bound = 1e-9): Promise<void> {
  const without = await stepGradientWithout(c);
  expect(without.nonDifferentiable.map((f) => f.split(' ')[0])).toContain(c.op);
  expect(without.diff).toBeLessThanOrEqual(bound);
  const withSt = await stepGradientWith(c);
  expect(withSt.nonDifferentiable.map((f) => f.split(' ')[0])).toContain(c.op);
  expect(withSt.logitsDiff).toBeLessThanOrEqual(bound);
  expect(withSt.diff).toBeLessThanOrEqual(bound);
  // The straight-through gradient is not zero (it would be without straightThrough).
  expect(Math.max(...withSt.grad.map(Math.abs))).toBeGreaterThan(0);
}

/** Half-to-even rounding, as ONNX Round and QuantizeLinear. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
