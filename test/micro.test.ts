/**
 * One micro-model per op variant (fixtures/micro, exported by PyTorch): Gauntlet's CE input
 * gradient against torch float64 autograd. Per-sample relative error ≤ 1e-4 (ORT runs float32).
 */
import { readFileSync } from 'node:fs';
import { loadModel } from '../src/model/load';
import { asFloat64, asInt32, fixturePath, maxRowRelErr, readArrays } from './support/fixtures';

const manifest = JSON.parse(readFileSync(fixturePath('micro/manifest.json'), 'utf8')) as Record<
  string, { onnx: string; npz: string; ops: string[]; opset: number }
>;

describe('micro-models (one per op variant)', () => {
  it.each(Object.entries(manifest))('when %s is differentiated, then its CE input gradient matches torch', async (name, m) => {
    const golden = readArrays(fixturePath(m.npz));
    const x = Float32Array.from(golden.get('x')!.data as Float32Array);
    const n = golden.get('y')!.shape[0];
    const model = await loadModel(fixturePath(m.onnx), { inProcess: true });
    try {
      const r = await model.lossAndGrad(x, n, asInt32(golden.get('y')!), { loss: 'ce' });
      const errLogits = maxRowRelErr(r.logits, asFloat64(golden.get('logits')!), n);
      const errGrad = maxRowRelErr(r.grad, asFloat64(golden.get('grad_ce')!), n);
      if (errLogits > 1e-4 || errGrad > 1e-4) {
        throw new Error(`${name} (${m.ops.join(' ')}, opset ${m.opset}): logits rel err ${errLogits}, grad rel err ${errGrad}`);
      }
    } finally {
      await model.close();
    }
  });
});
