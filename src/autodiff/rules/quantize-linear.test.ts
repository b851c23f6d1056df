import { tensor } from '../testing/small-model';
import { expectStraightThrough, roundHalfEven } from '../testing/step-check';

const f32 = Math.fround;
/** QuantizeLinear then DequantizeLinear in float32, per element with that element's scale and zero point. */
const qdq = (s: (i: number) => number, zp: (i: number) => number, lo: number, hi: number) => (x: number[]) =>
  x.map((v, i) => {
    const q = Math.min(hi, Math.max(lo, roundHalfEven(f32(f32(v) / f32(s(i)))) + zp(i)));
    return f32((q - zp(i)) * f32(s(i)));
  });
// float32 throughout: ONNX Runtime's QuantizeLinear takes float32 x only (opset 17).

describe('QuantizeLinear rule (straight-through)', () => {
  it('when x goes through per-tensor uint8 Q → DQ, then it has zero gradient and is reported, or the identity under straightThrough', async () => {
    await expectStraightThrough({
      op: 'QuantizeLinear', xShape: [2, 3], lo: -3, hi: 3, dtype: 'float32',
      consts: { s: tensor('float32', [], [0.05]), zp: tensor('uint8', [], [128]) },
      nodes: [{ op: 'QuantizeLinear', inputs: ['data', 's', 'zp'] }, { op: 'DequantizeLinear', inputs: ['v0', 's', 'zp'] }],
      surrogatePoint: qdq(() => 0.05, () => 128, 0, 255),
    }, 1e-6);
  });

  it('when the int8 scale and zero point are per-axis (axis 1), then the straight-through gradient is the identity path\'s', async () => {
    const S = [0.05, 0.1, 0.2], Z = [0, 1, -2];
    await expectStraightThrough({
      op: 'QuantizeLinear', xShape: [2, 3], lo: -3, hi: 3, dtype: 'float32', seed: 5,
      consts: { s: tensor('float32', [3], S), zp: tensor('int8', [3], Z) },
      nodes: [
        { op: 'QuantizeLinear', inputs: ['data', 's', 'zp'], attrs: { axis: 1 } },
        { op: 'DequantizeLinear', inputs: ['v0', 's', 'zp'], attrs: { axis: 1 } },
      ],
      surrogatePoint: qdq((i) => S[i % 3], (i) => Z[i % 3], -128, 127),
    }, 1e-6);
  });

  it('when Q is read as numbers (Cast to float), then the straight-through gradient is dy / s: that of x / s + zp', async () => {
    const S = [0.25, 0.5, 2];
    const point = qdq((i) => S[i % 3], () => 10, 0, 255);
    await expectStraightThrough({
      op: 'QuantizeLinear', xShape: [2, 3], lo: -2, hi: 2, dtype: 'float32', seed: 9,
      consts: { s: tensor('float32', [3], S), zp: tensor('uint8', [3], [10, 10, 10]), zpf: tensor('float32', [], [10]) },
      nodes: [
        { op: 'QuantizeLinear', inputs: ['data', 's', 'zp'], attrs: { axis: -1 } },
        { op: 'Cast', inputs: ['v0'], attrs: { to: 1 } },
      ],
      surrogate: [{ op: 'Div', inputs: ['data', 's'] }, { op: 'Add', inputs: ['v0', 'zpf'] }],
      surrogatePoint: point,
    }, 1e-6);
  });
});
