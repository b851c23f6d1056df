/**
 * Gauntlet's float64 CROWN bound graphs against the independent float64 reference
 * (fixtures/generate_reference_bounds.py → fixtures/reference/bounds.json), L∞ and L2 runs: every
 * margin bound of the exact network matches the reference to 1e-6 relative (|got − want| ≤
 * 1e-6·(1 + |want|), the reference's own tolerance form) and is never above it by more than
 * float32 rounding (the graph's documented float margin only lowers it); the certified margins
 * (with the float32-evaluation allowance) are never above those.
 */
import { readFileSync } from 'node:fs';
import { readNpz } from '../../src/data/npz';
import { loadCertifier } from '../../src/model/certifier';
import { threatBox64 } from '../../src/bounds/threat-box';
import { fixturePath } from '../support/fixtures';

interface Run { norm: 'linf' | 'l2'; eps: number; crown?: { margins: (number | null)[][] } }
interface RefModel { data: string; n: number; labels: number[]; runs: Run[] }
const ref = JSON.parse(readFileSync(fixturePath('reference/bounds.json'), 'utf8')) as { models: Record<string, RefModel> };
const MODELS = Object.keys(ref.models).filter((m) => ref.models[m].runs.some((r) => r.crown));
const TOLERANCE = 1e-6;
const LARGEST = { linf: 0.1, l2: 1 };

describe.each(MODELS)('CROWN of %s against the float64 reference', (file) => {
  const r = ref.models[file];
  it.each(['linf', 'l2'] as const)('when every %s ε of the ladder is bounded, then Gauntlet matches the reference to 1e-6 relative', async (norm) => {
    const arrays = readNpz(readFileSync(fixturePath(r.data)), { only: ['x', 'y'] });
    const xs = arrays.get('x')!, ys = arrays.get('y')!;
    const per = xs.data.length / xs.shape[0];
    const n = r.n;
    const y = Int32Array.from(r.labels);
    expect(Array.from(ys.data as ArrayLike<number | bigint>, Number).slice(0, n)).toEqual(r.labels);
    const certifier = await loadCertifier(fixturePath(file), { method: 'crown', threads: 1, exactNetwork: true });
    const certified = await loadCertifier(fixturePath(file), { method: 'crown', threads: 1 });
    try {
      const K = certifier.numClasses;
      let compared = 0, worst = 0;
      const x = Float32Array.from(xs.data as Float32Array).subarray(0, n * per);
      // The reference clips L∞ boxes to [0, 1] for the MNIST models and not for the micro models (N(0,1) inputs).
      const clip = file.startsWith('models/');
      const lower = new Float32Array(n * per).fill(clip ? 0 : -Infinity);
      const upper = new Float32Array(n * per).fill(clip ? 1 : Infinity);
      for (const run of r.runs.filter((v) => v.norm === norm && v.crown)) {
        const box = threatBox64(x, run.eps, lower, upper);
        const ball = norm === 'l2' ? { x, eps: run.eps } : undefined;
        const b = await certifier.marginLowerBounds(box.lo, box.hi, n, y, undefined, ball);
        if (run.eps === LARGEST[norm]) {
          // The certified margins leave room for the model's float32 evaluation: never above the exact network's.
          const c = await certified.marginLowerBounds(box.lo, box.hi, n, y, undefined, ball);
          c.forEach((v, i) => expect(v).toBeLessThanOrEqual(b[i]));
        }
        run.crown!.margins.forEach((row, i) => row.forEach((want, j) => {
          if (want === null) return;
          const got = b[i * K + j];
          worst = Math.max(worst, Math.abs(got - want) / (1 + Math.abs(want)));
          expect(got).toBeLessThanOrEqual(want + 2 ** -24 * Math.abs(want));
          compared++;
        }));
      }
      expect(worst).toBeLessThanOrEqual(TOLERANCE);
      expect(compared).toBeGreaterThanOrEqual(3 * n * (K - 1));
      console.log(`${file} ${norm}: ${compared} margins, largest |got − want|/(1 + |want|) = ${worst.toExponential(2)}`);
    } finally {
      await certifier.close();
      await certified.close();
    }
  }, 300_000);
});
