/**
 * IBP bound graphs on the fixture models: at ε = 0 the bounds equal the model's own margins (up
 * to the outward widening), and at ε > 0 no sampled point of a box has a margin below its bound.
 */
import { loadEvalSet } from '../../src/data';
import { loadModel } from '../../src/model/load';
import type { Model } from '../../src/model/model';
import { loadCertifier, Certifier } from '../../src/model/certifier';
import { threatBox } from '../../src/bounds/threat-box';
import { mulberry32 } from '../../src/util/random';
import { fixturePath } from '../support/fixtures';

const N = 16;
const MODELS = ['models/cnn.onnx', 'models/resnet.onnx', 'models/tf_nhwc.onnx', 'models/matlab_opset8.onnx'];

describe.each(MODELS)('IBP bounds of %s', (file) => {
  let certifier: Certifier | undefined;
  let unsupported = '';
  let model: Model;
  const data = loadEvalSet(fixturePath(file.includes('nhwc') ? 'data/mnist-eval-nhwc.npz' : 'data/mnist-eval.npz'));
  const per = data.x.length / data.n;
  const x = data.x.subarray(0, N * per);
  const y = data.y.subarray(0, N);
  const lower = data.lower.subarray(0, N * per);
  const upper = data.upper.subarray(0, N * per);

  beforeAll(async () => {
    model = await loadModel(fixturePath(file), { inProcess: true, threads: 1 });
    try {
      certifier = await loadCertifier(fixturePath(file), { method: 'ibp', threads: 1 });
    } catch (e) {
      unsupported = (e as Error).message;
    }
  });
  afterAll(async () => {
    await certifier?.close();
    await model.close();
  });

  const margins = async (xs: Float32Array, n: number, labels: Int32Array) => {
    const z = await model.predict(xs, n);
    const K = model.info.numClasses;
    return (i: number, j: number) => z[i * K + labels[i]] - z[i * K + j];
  };

  // At ε = 0 only the outward widening (src/bounds/float-error.ts, a worst-case γ_n bound of
  // float32 rounding, ≈ 3·n·2⁻²⁴ of the layer's magnitude) separates bound and margin.
  it('when ε = 0, then every bound is below the model\'s margin by less than 1 % of |margin| + 0.1', async () => {
    if (!certifier) return expect(unsupported).toMatch(/no bound rule|product of two bounded/);
    const box = threatBox(x, 0, lower, upper);
    const b = await certifier.marginLowerBounds(box.lo, box.hi, N, y);
    const m = await margins(x, N, y);
    const K = certifier.numClasses;
    for (let i = 0; i < N; i++) for (let j = 0; j < K; j++) {
      if (j === y[i]) continue;
      expect(b[i * K + j]).toBeLessThanOrEqual(m(i, j));
      expect(m(i, j) - b[i * K + j]).toBeLessThan(0.01 * Math.abs(m(i, j)) + 0.1);
    }
  });

  it('when ε = 0.02, then no sampled point of a box (corners included) has a margin below its bound', async () => {
    if (!certifier) return expect(unsupported).toMatch(/no bound rule|product of two bounded/);
    const eps = 0.02;
    const box = threatBox(x, eps, lower, upper);
    const b = await certifier.marginLowerBounds(box.lo, box.hi, N, y);
    const K = certifier.numClasses;
    const rand = mulberry32(7);
    const S = 64;
    for (let i = 0; i < N; i++) {
      const xs = new Float32Array(S * per);
      for (let s = 0; s < S; s++) for (let k = 0; k < per; k++) {
        const [l, h] = [box.lo[i * per + k], box.hi[i * per + k]];
        // half the samples at corners (where IBP is tightest to be wrong), half inside
        xs[s * per + k] = s % 2 ? (rand() < 0.5 ? l : h) : l + (h - l) * rand();
      }
      const labels = new Int32Array(S).fill(y[i]);
      const m = await margins(xs, S, labels);
      for (let s = 0; s < S; s++) for (let j = 0; j < K; j++) {
        if (j !== y[i]) expect(m(s, j)).toBeGreaterThanOrEqual(b[i * K + j]);
      }
    }
  });
});
