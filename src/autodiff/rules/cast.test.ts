import { gradientOf, maxRelDiff, smallModel, tensor, uniform } from '../testing/small-model';
import { expectStraightThrough } from '../testing/step-check';

const FLOAT = 1, INT32 = 6, INT8 = 3, DOUBLE = 11;

describe('Cast rule', () => {
  it('when x (float64) is cast to float32 and back around a Mul, then the gradient is the all-float64 graph\'s and nothing is reported', async () => {
    const w = uniform(6, 0.5, 2, 7);
    const x = uniform(6, -1, 1, 8);
    const cast = smallModel({
      xShape: [6], consts: { w: tensor('float32', [6], w) },
      nodes: [
        { op: 'Cast', inputs: ['data'], attrs: { to: FLOAT } },
        { op: 'Mul', inputs: ['v0', 'w'] },
        { op: 'Cast', inputs: ['v1'], attrs: { to: DOUBLE } },
      ],
    });
    const plain = smallModel({ xShape: [6], consts: { w: tensor('float64', [6], w) }, nodes: [{ op: 'Mul', inputs: ['data', 'w'] }] });
    const [a, b] = [await gradientOf(cast, x), await gradientOf(plain, x)];
    // float32 rounding of x, w and the product: measured 8.2e-8.
    expect(maxRelDiff(a.runs[0].grad, b.runs[0].grad)).toBeLessThan(1e-6);
    expect(a.nonDifferentiable).toEqual([]);
  });

  it('when x goes through Cast(int32) → Cast(float64), then only the first Cast is reported; zero gradient, or the identity under straightThrough', async () => {
    await expectStraightThrough({
      op: 'Cast', xShape: [2, 3], lo: -4, hi: 4,
      nodes: [{ op: 'Cast', inputs: ['data'], attrs: { to: INT32 } }, { op: 'Cast', inputs: ['v0'], attrs: { to: DOUBLE } }],
      surrogatePoint: (x) => x.map(Math.trunc), // Cast to int truncates toward zero
    });
  });

  it('when a float32 model casts to int8 and back, then the straight-through gradient is the identity path\'s', async () => {
    await expectStraightThrough({
      op: 'Cast', xShape: [4], lo: -20, hi: 20, dtype: 'float32',
      nodes: [{ op: 'Cast', inputs: ['data'], attrs: { to: INT8 } }, { op: 'Cast', inputs: ['v0'], attrs: { to: FLOAT } }],
      surrogatePoint: (x) => x.map(Math.trunc),
    }, 1e-6);
  });

  it('when the chain is built with straightThrough, then exactly one finding names the float→int Cast', async () => {
    const model = smallModel({
      xShape: [3],
      nodes: [{ op: 'Cast', inputs: ['data'], attrs: { to: INT32 } }, { op: 'Cast', inputs: ['v0'], attrs: { to: DOUBLE } }],
    });
    const r = await gradientOf(model, [0.5, 1.5, -2.5], { straightThrough: true });
    expect(r.nonDifferentiable).toEqual(["Cast 'Cast_0'"]);
    expect(r.runs[0].logits).toEqual([0, 1, -2]);
  });
});
