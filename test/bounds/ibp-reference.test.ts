/**
 * Gauntlet's float32 IBP bound graphs against the independent float64 reference
 * (fixtures/generate_reference_bounds.py → fixtures/reference/bounds.json), L∞ runs: every bound
 * is at most the reference's (the outward widening only loosens) and within the widening's reach
 * of it (2 % of |bound| + 0.1: the widening is a worst-case bound, ≈ 3·n·2⁻²⁴ of each layer’s magnitude).
 */
import { readFileSync } from 'node:fs';
import { loadEvalSet } from '../../src/data';
import { loadCertifier } from '../../src/model/certifier';
import { threatBox } from '../../src/bounds/threat-box';
import { fixturePath } from '../support/fixtures';

interface Run { norm: 'linf' | 'l2'; eps: number; ibp?: { margins: (number | null)[][] } }
interface RefModel { data: string; n: number; labels: number[]; runs: Run[] }
const ref = JSON.parse(readFileSync(fixturePath('reference/bounds.json'), 'utf8')) as { models: Record<string, RefModel> };
const MODELS = Object.keys(ref.models).filter((m) => m.startsWith('models/'));

describe.each(MODELS)('IBP of %s against the float64 reference', (file) => {
  const r = ref.models[file];
  it('when every L∞ ε of the ladder is bounded, then Gauntlet ≤ reference ≤ Gauntlet + 2 % + 0.1', async () => {
    const data = loadEvalSet(fixturePath(r.data));
    const per = data.x.length / data.n;
    const n = r.n;
    const y = Int32Array.from(r.labels);
    expect(Array.from(data.y.subarray(0, n))).toEqual(r.labels);
    const certifier = await loadCertifier(fixturePath(file), { method: 'ibp', threads: 1 });
    try {
      const K = certifier.numClasses;
      let compared = 0;
      for (const run of r.runs.filter((x) => x.norm === 'linf' && x.ibp)) {
        const box = threatBox(data.x.subarray(0, n * per), run.eps, data.lower.subarray(0, n * per), data.upper.subarray(0, n * per));
        const b = await certifier.marginLowerBounds(box.lo, box.hi, n, y);
        run.ibp!.margins.forEach((row, i) => row.forEach((want, j) => {
          if (want === null) return;
          const got = b[i * K + j];
          expect(got).toBeLessThanOrEqual(want);
          expect(want - got).toBeLessThanOrEqual(0.02 * Math.abs(want) + 0.1);
          compared++;
        }));
      }
      expect(compared).toBeGreaterThanOrEqual(5 * n * (K - 1));
    } finally {
      await certifier.close();
    }
  });
});
