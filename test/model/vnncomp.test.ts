/**
 * Third-party VNN-COMP networks (fixed batch 1, opset 9) through loadModel: generalised to
 * batched execution, centre images classified as labelled, gradients checked by finite
 * differences, and batched results equal to per-sample ones. Reads ../shared/data/vnncomp
 * (not part of the repository: see its README) and skips when it is absent.
 */
import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { readNpz } from '../../src/data/npz';
import { Model } from '../../src/model/model';
import { loadModel } from '../../src/model/load';
import { relErr } from './synthetic';

const ROOT = join(__dirname, '..', '..', '..', 'shared', 'data', 'vnncomp');
const present = existsSync(ROOT);
if (!present) {
  // eslint-disable-next-line no-console
  console.warn(`skipping VNN-COMP runtime tests: ${ROOT} is absent (third-party data, not in the repository)`);
}
const describeIfData = present ? describe : describe.skip;

interface Case {
  folder: string;
  onnx: string;
  inputShape: number[];
}
const CASES: Case[] = [
  { folder: '2021_mnistfc', onnx: 'mnist-net_256x2.onnx', inputShape: [784, 1] },
  { folder: '2021_oval21', onnx: 'cifar_base_kw.onnx', inputShape: [3, 32, 32] },
  { folder: '2021_cifar10_resnet', onnx: 'resnet_2b.onnx', inputShape: [3, 32, 32] },
];

/** The first k instances of `onnx` in the folder: x [k, ...] and labels. */
function instances(c: Case, k: number): { x: Float32Array; y: Int32Array } {
  const rows = readFileSync(join(ROOT, c.folder, 'results.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0]);
  const npz = readNpz(readFileSync(join(ROOT, c.folder, 'instances.npz')), { only: ['x', 'label'] });
  const x = npz.get('x')!.data as Float32Array;
  const labels = npz.get('label')!.data as BigInt64Array;
  const per = c.inputShape.reduce((a, b) => a * b, 1);
  const idx = rows.map((r, i) => (r.endsWith(c.onnx) ? i : -1)).filter((i) => i >= 0).slice(0, k);
  const out = new Float32Array(idx.length * per);
  idx.forEach((i, j) => out.set(x.subarray(i * per, (i + 1) * per), j * per));
  return { x: out, y: Int32Array.from(idx, (i) => Number(labels[i])) };
}

describeIfData.each(CASES)('VNN-COMP $onnx', (c) => {
  let batched: Model;
  let single: Model;
  const k = 4;
  let data: { x: Float32Array; y: Int32Array };
  beforeAll(async () => {
    const path = join(ROOT, c.folder, 'onnx', c.onnx);
    [batched, single] = await Promise.all([
      loadModel(path, { inProcess: true, verify: true }),
      loadModel(path, { inProcess: true, verify: true, generaliseBatch: false }),
    ]);
    data = instances(c, k);
  });
  afterAll(async () => {
    await batched.close();
    await single.close();
  });

  test('when loaded then the fixed batch of 1 is generalised and centre images get their labels', async () => {
    expect(batched.info).toMatchObject({ batch: 'generalised', batched: true, inputShape: c.inputShape, numClasses: 10 });
    expect(single.info.batch).toBe('perSample');
    const z = await batched.predict(data.x, k);
    for (let i = 0; i < k; i++) {
      const row = Array.from(z.subarray(i * 10, i * 10 + 10));
      expect(row.indexOf(Math.max(...row))).toBe(data.y[i]);
    }
  });

  test('when gradients are computed then they pass a finite-difference spot check', async () => {
    const per = c.inputShape.reduce((a, b) => a * b, 1);
    const x0 = data.x.slice(0, per);
    const y0 = data.y.subarray(0, 1);
    for (const loss of ['ce', 'dlr'] as const) {
      const { grad } = await batched.lossAndGrad(x0, 1, y0, { loss });
      // the 4 coordinates with the largest |gradient|, central differences in float32
      const top = Array.from(grad.keys()).sort((a, b) => Math.abs(grad[b]) - Math.abs(grad[a])).slice(0, 4);
      const h = 1e-2;
      for (const i of top) {
        const xp = x0.slice();
        const xm = x0.slice();
        xp[i] += h;
        xm[i] -= h;
        const fp = (await batched.lossAndGrad(xp, 1, y0, { loss })).loss[0];
        const fm = (await batched.lossAndGrad(xm, 1, y0, { loss })).loss[0];
        const fd = (fp - fm) / (2 * h);
        // float32 losses: noise ≈ 1e-6 / h; a ReLU kink inside ±h would show as a larger error
        expect(Math.abs(fd - grad[i])).toBeLessThan(0.03 * Math.abs(grad[i]) + 1e-3);
      }
    }
  });

  test('when run batched then logits, losses and gradients equal per-sample runs (≤ 1e-5 rel.)', async () => {
    const target = Int32Array.from(data.y, (v) => (v + 1) % 10);
    const before = batched.counters().gradient;
    for (const opts of [{ loss: 'ce' as const }, { loss: 'cw' as const }, { loss: 'dlr' as const, target }]) {
      const a = await batched.lossAndGrad(data.x, k, data.y, opts);
      const b = await single.lossAndGrad(data.x, k, data.y, opts);
      expect(relErr(a.logits, b.logits)).toBeLessThan(1e-5);
      expect(relErr(a.loss, b.loss)).toBeLessThan(1e-5);
      expect(relErr(a.grad, b.grad)).toBeLessThan(1e-5);
    }
    expect(batched.counters().gradient - before).toBe(3 * k);
  });
});
