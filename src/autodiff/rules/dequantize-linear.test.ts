import { tensor } from '../testing/small-model';
import { expectStraightThrough } from '../testing/step-check';

// float32: DequantizeLinear outputs float32 only (opset 17); measured differences ≤ 6.1e-8.
describe('DequantizeLinear rule', () => {
  it('when x is cast to int8 and dequantized (per tensor), then the straight-through gradient is dy · s: that of (x − zp) · s', async () => {
    await expectStraightThrough({
      op: 'Cast', xShape: [2, 3], lo: -4, hi: 4, dtype: 'float32',
      consts: { s: tensor('float32', [], [0.1]), zp: tensor('int8', [], [3]), zpf: tensor('float32', [], [3]) },
      nodes: [{ op: 'Cast', inputs: ['data'], attrs: { to: 3 } }, { op: 'DequantizeLinear', inputs: ['v0', 's', 'zp'] }],
      surrogate: [{ op: 'Sub', inputs: ['data', 'zpf'] }, { op: 'Mul', inputs: ['v0', 's'] }],
      surrogatePoint: (x) => x.map(Math.trunc),
    }, 1e-6);
  });

  it('when the scale is per-axis with a negative axis, then dy is scaled per channel', async () => {
    const S = [0.1, 0.5, 0.02];
    await expectStraightThrough({
      op: 'Cast', xShape: [2, 3], lo: -4, hi: 4, dtype: 'float32', seed: 4,
      consts: { s: tensor('float32', [3], S), zp: tensor('int8', [3], [3, -1, 0]), zpf: tensor('float32', [3], [3, -1, 0]) },
      nodes: [{ op: 'Cast', inputs: ['data'], attrs: { to: 3 } }, { op: 'DequantizeLinear', inputs: ['v0', 's', 'zp'], attrs: { axis: -1 } }],
      surrogate: [{ op: 'Sub', inputs: ['data', 'zpf'] }, { op: 'Mul', inputs: ['v0', 's'] }],
      surrogatePoint: (x) => x.map(Math.trunc),
    }, 1e-6);
  });
});
