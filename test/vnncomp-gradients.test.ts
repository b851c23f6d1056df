/**
 * Every VNN-COMP network (third-party PyTorch exports at opset 9, odd input shapes such as
 * [1, 784, 1], in-graph normalisation, residual Adds, padding and pooling) gets a gradient
 * graph that loads and runs in onnxruntime-node, and whose input gradient passes a
 * finite-difference check.
 *
 * The check is directional and in float32, because ONNX Runtime has no float64 Conv/
 * AveragePool kernels. Loss: CW margin, which does not saturate (the mnistfc nets output
 * near one-hot scores, so CE's gradient is ~1e-6 and drowns in float32 logit noise). For
 * unit directions v (the gradient's own and two random ones), the error
 * |(L(x+hv) − L(x−hv))/2h − ∇L·v| / ‖∇L‖₂ is taken at the best of h ∈ {3e-2 … 3e-4}:
 * large h may cross a ReLU kink, small h amplifies the float32 rounding of the logits
 * (≈1e-6 absolute after a few layers, i.e. ≈1e-6/h in the difference quotient).
 * Bound 1e-2: the float32 noise floor measured here is up to ≈7e-3 (the per-rule float32
 * checks of Conv/AveragePool sit at 3–4e-3 for the same reason), while a wrong gradient
 * shows up as an O(0.1–1) error (a tied max-pool kink, for instance, gave 0.37). The point is the instance's centre plus uniform jitter of ±1e-2: MNIST
 * backgrounds are exactly 0, which makes exact ties in max-pool windows (kinks where no
 * gradient matches a central difference).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadModel } from '../src/model/load';
import { rng } from '../src/autodiff/testing/gradcheck';
import { VNNCOMP, VNNCOMP_SKIP, asInt32 } from './support/fixtures';
import { readNpz } from '../src/data';

const BENCHMARKS = ['2021_mnistfc', '2021_eran', '2021_verivital', '2021_oval21', '2021_cifar10_resnet'];

function networks(): [string, string, number[]][] {
  if (VNNCOMP_SKIP) return [];
  const out: [string, string, number[]][] = [];
  for (const b of BENCHMARKS) {
    const rows = readFileSync(join(VNNCOMP, b, 'results.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0]);
    const byModel = new Map<string, number[]>();
    rows.forEach((onnx, i) => byModel.set(onnx, [...(byModel.get(onnx) ?? []), i]));
    for (const [onnx, idx] of byModel) out.push([b, onnx, idx.slice(0, 2)]);
  }
  return out;
}

const cases = networks();
const maybe = VNNCOMP_SKIP ? describe.skip : describe;
if (VNNCOMP_SKIP) console.warn(`skipping VNN-COMP gradient tests: ${VNNCOMP_SKIP}`);

maybe('VNN-COMP networks', () => {
  it.each(cases)('when %s/%s is differentiated, then its gradient graph runs and passes the directional FD check', async (bench, onnx, idx) => {
    const arrays = readNpz(readFileSync(join(VNNCOMP, bench, 'instances.npz')), { only: ['x', 'label'] });
    const xs = arrays.get('x')!;
    const per = xs.shape.slice(1).reduce((a, b) => a * b, 1);
    const labels = asInt32(arrays.get('label')!);
    const model = await loadModel(join(VNNCOMP, bench, onnx), { inProcess: true });
    try {
      const rand = rng(7);
      for (const i of idx) {
        const x = Float32Array.from((xs.data as Float32Array).subarray(i * per, (i + 1) * per), (a) => a + 2e-2 * (rand() - 0.5));
        const y = Int32Array.of(labels[i]);
        const lossAt = async (p: Float32Array) => (await model.lossAndGrad(p, 1, y, { loss: 'cw' })).loss[0];
        const { grad } = await model.lossAndGrad(x, 1, y, { loss: 'cw' });
        const gnorm = Math.hypot(...grad);
        expect(gnorm).toBeGreaterThan(0);
        const dirs = [Float64Array.from(grad, (g) => g / gnorm)];
        for (let k = 0; k < 2; k++) {
          const v = Float64Array.from({ length: per }, () => rand() - 0.5);
          const nv = Math.hypot(...v);
          dirs.push(v.map((a) => a / nv));
        }
        for (const v of dirs) {
          let gv = 0;
          for (let k = 0; k < per; k++) gv += grad[k] * v[k];
          let best = Infinity;
          for (const h of [3e-2, 1e-2, 3e-3, 1e-3, 3e-4]) {
            const plus = Float32Array.from(x, (a, k) => a + h * v[k]);
            const minus = Float32Array.from(x, (a, k) => a - h * v[k]);
            const fd = ((await lossAt(plus)) - (await lossAt(minus))) / (2 * h);
            best = Math.min(best, Math.abs(fd - gv) / gnorm);
          }
          expect(best).toBeLessThan(1e-2);
        }
      }
    } finally {
      await model.close();
    }
  });
});
