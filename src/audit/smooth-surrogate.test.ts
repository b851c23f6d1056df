import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { decodeModel } from '../onnx/decode';
import { encodeModel } from '../onnx/encode';
import { Model as OnnxModel } from '../onnx/ir';
import { loadModel } from '../model/load';
import { linearOnnx, TOY } from '../attacks/testing/linear-model';
import { smoothSurrogate } from './smooth-surrogate';

const FIX = join(__dirname, '..', '..', 'fixtures');
const ROUND255 = join(FIX, 'audit', 'models', 'cnn_round255.onnx');

/** The toy linear model behind x → QuantizeLinear(scale 0.5) → DequantizeLinear (a coarse 8-bit grid). */
function qdqLinear(): Uint8Array {
  const m: OnnxModel = decodeModel(linearOnnx(TOY.lin));
  const g = m.graph;
  g.nodes.unshift(
    { name: 'q', opType: 'QuantizeLinear', domain: '', inputs: ['input', 's', 'zp'], outputs: ['xq'], attributes: new Map() },
    { name: 'dq', opType: 'DequantizeLinear', domain: '', inputs: ['xq', 's', 'zp'], outputs: ['xdq'], attributes: new Map() },
  );
  g.nodes[2].inputs[0] = 'xdq';
  g.initializers.set('s', { dtype: 'float32', dims: [], data: Float32Array.of(0.5) });
  g.initializers.set('zp', { dtype: 'int8', dims: [], data: Int8Array.of(0) });
  return encodeModel(m);
}

describe('smoothSurrogate', () => {
  it('a model without piecewise-constant ops is returned unchanged', () => {
    const bytes = linearOnnx(TOY.lin);
    const s = smoothSurrogate(bytes);
    expect(s.replaced).toEqual([]);
    expect(s.bytes).toBe(bytes);
  });

  it('Q→DQ becomes the identity: the surrogate computes the unquantised model', async () => {
    const s = smoothSurrogate(qdqLinear());
    expect(s.replaced).toEqual(["QuantizeLinear 'q' → DequantizeLinear 'dq'"]);
    const [quant, smooth, plain] = await Promise.all([qdqLinear(), s.bytes, linearOnnx(TOY.lin)].map((b) => loadModel(b, { inProcess: true })));
    try {
      expect(quant.info.nonDifferentiable.length).toBeGreaterThan(0);
      expect(smooth.info.nonDifferentiable).toEqual([]);
      const x = Float32Array.from(TOY.x);
      const [zq, zs, zp] = await Promise.all([quant, smooth, plain].map((m) => m.predict(x, 1)));
      expect([...zs]).toEqual([...zp]);
      expect([...zq]).not.toEqual([...zp]); // the quantised model really differs
    } finally {
      await Promise.all([quant, smooth, plain].map((m) => m.close()));
    }
  });

  (existsSync(ROUND255) ? it : it.skip)('cnn_round255 without its Round is the fixture CNN', async () => {
    const s = smoothSurrogate(readFileSync(ROUND255));
    expect(s.replaced).toEqual(["Round '/Round'"]);
    const smooth = await loadModel(s.bytes, { inProcess: true });
    const cnn = await loadModel(join(FIX, 'models', 'cnn.onnx'), { inProcess: true });
    try {
      const x = new Float32Array(784 * 2).map((_, i) => ((i * 37) % 101) / 100);
      const a = await smooth.predict(x, 2), b = await cnn.predict(x, 2);
      for (let k = 0; k < a.length; k++) expect(Math.abs(a[k] - b[k])).toBeLessThan(1e-5);
      expect(smooth.info.nonDifferentiable).toEqual([]);
    } finally {
      await smooth.close();
      await cnn.close();
    }
  });
});
