/**
 * Graph-level straight-through (BPDA) behaviour of the builder: which nodes are reported as
 * non-differentiable, and which integer edges carry gradient (only inside straight-through chains).
 * The per-op checks are in rules/{round,floor,ceil,sign,cast,quantize-linear,dequantize-linear}.test.ts.
 */
import { ModelError } from '../errors';
import { ceGradient, gradientOf, maxRelDiff, smallModel, tensor, uniform } from './testing/small-model';
import { roundHalfEven } from './testing/step-check';

const k255 = { k: tensor('float64', [], [255]) };
/** 8-bit colour depth reduction: x → Mul(255) → Round → Div(255). */
const depth = (middle: string) => smallModel({
  xShape: [2, 5], consts: k255,
  nodes: [{ op: 'Mul', inputs: ['data', 'k'] }, { op: middle, inputs: ['v0'] }, { op: 'Div', inputs: ['v1', 'k'] }],
});

describe('straight-through gradients (builder)', () => {
  it('when x → Mul(255) → Round → Div(255) gives the logits, then the BPDA gradient equals the identity path\'s at the quantised point', async () => {
    const x = uniform(10, 0, 1, 21);
    const xq = x.map((v) => roundHalfEven(v * 255) / 255);
    const st = await gradientOf(depth('Round'), x, { straightThrough: true });
    const id = await gradientOf(depth('Identity'), xq);
    expect(maxRelDiff(st.runs[0].logits, id.runs[0].logits)).toBeLessThan(1e-12);
    expect(maxRelDiff(st.runs[0].grad, id.runs[0].grad)).toBeLessThan(1e-12);
    // And both are d CE / d logits itself (the chain's Jacobian is 255 · 1 / 255).
    expect(maxRelDiff(st.runs[0].grad, ceGradient(st.runs[0].logits))).toBeLessThan(1e-12);
    expect(st.nonDifferentiable).toEqual(["Round 'Round_1'"]);
  });

  it('when the same chain is built without straightThrough, then building fails and names the Round node', async () => {
    const err = await gradientOf(depth('Round'), uniform(10, 0, 1, 21)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect((err as Error).message).toMatch(/non-differentiable ops: Round 'Round_1'; try straightThrough/);
  });

  it('when ArgMax reads x, then it is reported (in both modes) and passes no gradient', async () => {
    // logits = x + 0.1 · argmax(x): only the x path carries gradient.
    const model = smallModel({
      xShape: [4], consts: { c: tensor('float64', [], [0.1]) },
      nodes: [
        { op: 'ArgMax', inputs: ['data'], attrs: { axis: 0, keepdims: 1 } },
        { op: 'Cast', inputs: ['v0'], attrs: { to: 11 } },
        { op: 'Mul', inputs: ['v1', 'c'] },
        { op: 'Add', inputs: ['data', 'v2'] },
      ],
    });
    for (const straightThrough of [false, true]) {
      const r = await gradientOf(model, [0.1, 0.9, -0.3, 0.4], { straightThrough });
      expect(r.nonDifferentiable).toEqual(["ArgMax 'ArgMax_0'"]);
      expect(r.runs[0].logits[1]).toBeCloseTo(1.0, 12);
      expect(maxRelDiff(r.runs[0].grad, ceGradient(r.runs[0].logits))).toBeLessThan(1e-12);
    }
  });

  it('when an ArgMax or Round only feeds an extra model output, then it is not on the logits path and not reported', async () => {
    const model = smallModel({
      xShape: [3], consts: { w: tensor('float64', [3], [1, 2, 3]) },
      nodes: [{ op: 'ArgMax', inputs: ['data'], outputs: ['cls'] }, { op: 'Round', inputs: ['data'], outputs: ['r'] }, { op: 'Mul', inputs: ['data', 'w'], outputs: ['z'] }],
    });
    model.graph.outputs = [{ name: 'z', dtype: 'float64' }, { name: 'cls', dtype: 'int64' }, { name: 'r', dtype: 'float64' }];
    const r = await gradientOf(model, [0.1, 0.2, 0.3], { straightThrough: true });
    expect(r.nonDifferentiable).toEqual([]);
  });

  it('when x\'s Shape feeds a Reshape, then the integer shape never carries gradient, even under straightThrough', async () => {
    const w = [0.5, 1, 1.5, 2, 2.5, 3];
    const model = smallModel({
      xShape: [2, 3], consts: { w: tensor('float64', [2, 3], w) },
      nodes: [
        { op: 'Shape', inputs: ['data'] },
        { op: 'Mul', inputs: ['data', 'w'] },
        { op: 'Reshape', inputs: ['v1', 'v0'] },
      ],
    });
    const r = await gradientOf(model, uniform(6, -1, 1, 3), { straightThrough: true });
    expect(r.nonDifferentiable).toEqual([]);
    const expected = ceGradient(r.runs[0].logits).map((d, i) => d * w[i]);
    expect(maxRelDiff(r.runs[0].grad, expected)).toBeLessThan(1e-12);
  });
});
