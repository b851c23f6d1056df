/**
 * The audit's checkpointed cascade against the attack library's runCascade: same per-point
 * outcome whatever the chunking, and a replay from a complete checkpoint makes no model call.
 */
import { getAttack, runCascade } from '../attacks';
import { predictClasses } from '../attacks/run';
import { selectBatch } from '../attacks/tensor';
import type { AttackBatch } from '../attacks/types';
import { loadEvalSet } from '../data';
import { Model } from '../model/model';
import { loadModel } from '../model/load';
import { join } from 'node:path';
import { BatteryStep } from './battery';
import { Checkpoint } from './checkpoint';
import { runStagedCascade } from './staged-cascade';

const FIX = join(__dirname, '..', '..', 'fixtures');
const N = 24;
const STEPS: BatteryStep[] = [
  { attack: 'fgsm', params: {}, origin: 'battery' },
  { attack: 'apgd-ce', params: { steps: 8 }, origin: 'battery' },
  { attack: 'square', params: { queries: 60 }, origin: 'battery' },
];
const threat = { norm: 'linf' as const, eps: 0.1 };

let model: Model;
let batch: AttackBatch;
beforeAll(async () => {
  model = await loadModel(join(FIX, 'models', 'cnn.onnx'), { inProcess: true, threads: 1 });
  const d = loadEvalSet(join(FIX, 'data', 'mnist-eval.npz'));
  batch = selectBatch({ x: d.x, n: d.n, y: d.y, lower: d.lower, upper: d.upper }, [...Array(N).keys()]);
});
afterAll(() => model.close());

describe('runStagedCascade', () => {
  it('matches runCascade per point for any chunk size, and replays a checkpoint without model calls', async () => {
    const ref = await runCascade(model, batch, threat, STEPS.map((s) => ({ attack: getAttack(s.attack), params: s.params })), { seed: 3 });
    const cleanPred = await predictClasses(model, batch.x, N, 1);
    const cleanCorrect = Uint8Array.from(cleanPred, (c, i) => (c === batch.y[i] ? 1 : 0));
    for (const chunk of [5, 100]) {
      const ckpt = Checkpoint.open(null, {}, false);
      const r = await runStagedCascade({ model, batch, threat, steps: STEPS, cleanCorrect, cleanPred, checkpoint: ckpt, unit: 'b', chunk, ctx: { seed: 3 } });
      expect([...r.state.success]).toEqual([...ref.success]);
      expect([...r.state.brokenBy]).toEqual([...ref.brokenBy]);
      expect([...r.state.advPred]).toEqual([...ref.advPred]);
      expect(Buffer.from(r.state.xAdv.buffer).equals(Buffer.from(ref.xAdv.buffer))).toBe(true);
      expect(r.stages.map((s) => s.broken)).toEqual(ref.stages.map((s) => s.broken));
      expect(r.stages.map((s) => s.attacked)).toEqual(ref.stages.map((s) => s.attacked));

      const before = model.counters();
      const again = await runStagedCascade({ model, batch, threat, steps: STEPS, cleanCorrect, cleanPred, checkpoint: ckpt, unit: 'b', chunk, ctx: { seed: 3 } });
      expect(model.counters()).toEqual(before);
      expect([...again.state.success]).toEqual([...r.state.success]);
      expect(Buffer.from(again.state.xAdv.buffer).equals(Buffer.from(r.state.xAdv.buffer))).toBe(true); // bit-exact through the checkpoint
      expect(ckpt.replayedUnits).toBe(STEPS.length * Math.ceil(N / chunk));
    }
    // Not vacuous: some points broken, some robust.
    const broken = ref.success.reduce((s, v) => s + v, 0);
    expect(broken).toBeGreaterThan(0);
    expect(broken).toBeLessThan(N);
  }, 60_000);
});
