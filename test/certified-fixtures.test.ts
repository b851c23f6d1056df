/**
 * The certified-training fixtures (fixtures/models/cnn_ibp.onnx, mlp.onnx; made by
 * fixtures/generate_certified.py, figures in fixtures/certified.json) as Gauntlet's loader sees them:
 * each loads, its clean accuracy (argmax of model.predict, ONNX Runtime) equals the torch figure, and
 * every point the script's float64 IBP certifies is one the model classifies correctly.
 */
import { readFileSync } from 'node:fs';
import { loadEvalSet, EvalSet } from '../src/data';
import { loadModel } from '../src/model/load';
import { fixturePath } from './support/fixtures';

interface CertifiedEntry {
  onnx: string;
  eval: string;
  ops: string[];
  accuracy: number;
  n_correct: number;
  ibp_certified_accuracy: Record<string, number>;
  ibp_certified_points: Record<string, number[]>;
}

const certified = JSON.parse(readFileSync(fixturePath('certified.json'), 'utf8')) as Record<string, CertifiedEntry>;
const NAMES = ['cnn_ibp', 'mlp'];

function argmaxCorrect(logits: Float32Array, y: Int32Array, c: number): boolean[] {
  return Array.from(y, (label, i) => {
    let best = 0;
    for (let k = 1; k < c; k++) if (logits[i * c + k] > logits[i * c + best]) best = k;
    return best === label;
  });
}

describe('certified-training fixtures', () => {
  let data: EvalSet;
  beforeAll(() => { data = loadEvalSet(fixturePath('data/mnist-eval.npz')); });

  it('when certified.json is read, then it lists cnn_ibp and mlp on the 500-point eval set, without MaxPool', () => {
    expect(Object.keys(certified).sort()).toEqual([...NAMES].sort());
    for (const name of NAMES) {
      expect(certified[name].eval).toBe('data/mnist-eval.npz');
      expect(certified[name].ops).not.toContain('MaxPool');
    }
    expect(certified.cnn_ibp.ibp_certified_accuracy['0.1']).toBeGreaterThan(0.5);
  });

  it.each(NAMES)('when %s predicts the 500 eval points, then its clean accuracy equals certified.json and every IBP-certified point is correct', async (name) => {
    const e = certified[name];
    const model = await loadModel(fixturePath(e.onnx), { inProcess: true });
    try {
      const correct = argmaxCorrect(await model.predict(data.x, data.n), data.y, 10);
      expect(correct.filter(Boolean).length).toBe(e.n_correct);
      for (const [eps, points] of Object.entries(e.ibp_certified_points)) {
        expect(points).toHaveLength(data.n);
        const wrong = points.flatMap((p, i) => (p && !correct[i] ? [i] : []));
        expect({ eps, wrong }).toEqual({ eps, wrong: [] });
        expect(points.reduce((s, p) => s + p, 0) / data.n).toBeCloseTo(e.ibp_certified_accuracy[eps], 10);
      }
    } finally {
      await model.close();
    }
  });
});
