/**
 * Method 'best': per point and class the larger of the IBP and CROWN lower bounds. Every point
 * either method certifies alone is certified, byMethod gives each method's own count (equal to
 * running it alone), and the audit-facing result says so.
 */
import { loadEvalSet } from '../../src/data';
import { loadCertifier } from '../../src/model/certifier';
import { certifyPoints } from '../../src/audit/certify';
import { fixturePath } from '../support/fixtures';

const N = 60;
const data = loadEvalSet(fixturePath('data/mnist-eval.npz'));
const per = data.x.length / data.n;
const input = (eps: number, n: number) => ({
  x: data.x.subarray(0, n * per), y: data.y.subarray(0, n), n,
  lower: data.lower.subarray(0, n * per), upper: data.upper.subarray(0, n * per), norm: 'linf' as const, eps,
});

describe('the best of IBP and CROWN', () => {
  // cnn_ibp's CROWN costs ≈ 0.2 s a point: 20 of its points.
  it.each([['mlp', 0.01, N], ['cnn_ibp', 0.1, 20]] as const)('when %s is certified at ε = %p, then best ⊇ IBP ∪ CROWN and byMethod counts each alone', async (name, eps, n) => {
    const file = fixturePath(`models/${name}.onnx`);
    const run = async (method: 'ibp' | 'crown' | 'best') => {
      const c = await loadCertifier(file, { method, threads: 1 });
      try { return await certifyPoints(c, input(eps, n), method); } finally { await c.close(); }
    };
    const [ibp, crown, best] = [await run('ibp'), await run('crown'), await run('best')];
    const count = (u: Uint8Array) => u.reduce((s, v) => s + v, 0);
    for (let i = 0; i < n; i++) if (ibp.certified[i] || crown.certified[i]) expect(best.certified[i]).toBe(1);
    expect(best.byMethod).toEqual({ ibp: count(ibp.certified), crown: count(crown.certified) });
    expect(count(best.certified)).toBeGreaterThanOrEqual(Math.max(count(ibp.certified), count(crown.certified)));
    expect(ibp.byMethod).toBeUndefined();
  }, 300_000);
});
