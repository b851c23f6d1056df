/**
 * Gauntlet's input gradients against torch autograd (float64) on every fixture model and
 * all six losses. Golden files: fixtures/golden/*.npz, made by fixtures/generate.py.
 * Bound: per-sample relative error ≤ 1e-4 (ORT computes in float32; torch in float64).
 */
import { readFileSync } from 'node:fs';
import { loadModel } from '../src/model/load';
import { LossKind } from '../src/autodiff/loss';
import { asFloat64, asInt32, fixturePath, maxRowRelErr, readArrays } from './support/fixtures';

const manifest = JSON.parse(readFileSync(fixturePath('manifest.json'), 'utf8')) as {
  models: Record<string, { onnx: string; golden: string }>;
};
const LOSSES: [string, LossKind, boolean][] = [
  ['ce', 'ce', false], ['cw', 'cw', false], ['dlr', 'dlr', false],
  ['ce_t', 'ce', true], ['cw_t', 'cw', true], ['dlr_t', 'dlr', true],
];

describe.each(Object.entries(manifest.models))('fixture model %s', (name, m) => {
  it('when differentiated by Gauntlet, then logits, losses and input gradients match torch float64 autograd', async () => {
    const golden = readArrays(fixturePath(m.golden));
    const x = Float32Array.from(golden.get('x')!.data as Float32Array);
    const n = golden.get('y')!.shape[0];
    const y = asInt32(golden.get('y')!);
    const target = asInt32(golden.get('target')!);
    const model = await loadModel(fixturePath(m.onnx), { inProcess: true });
    try {
      const logits = await model.predict(x, n);
      const refLogits = asFloat64(golden.get('logits')!);
      if (model.info.strippedSoftmax) {
        // The model outputs probabilities; compare its argmax-relevant logits through the gradient path below.
        expect(model.info.strippedSoftmax).toBe('Softmax');
      } else {
        expect(maxRowRelErr(logits, refLogits, n)).toBeLessThan(1e-4);
      }
      for (const [key, loss, targeted] of LOSSES) {
        const r = await model.lossAndGrad(x, n, y, { loss, target: targeted ? target : undefined });
        const errLoss = maxRowRelErr(r.loss, asFloat64(golden.get(`loss_${key}`)!), n);
        const errGrad = maxRowRelErr(r.grad, asFloat64(golden.get(`grad_${key}`)!), n);
        if (errGrad > 1e-4 || errLoss > 1e-4) throw new Error(`${name} ${key}: loss rel err ${errLoss}, grad rel err ${errGrad}`);
        expect(maxRowRelErr(r.logits, refLogits, n)).toBeLessThan(1e-4);
      }
    } finally {
      await model.close();
    }
  });
});
