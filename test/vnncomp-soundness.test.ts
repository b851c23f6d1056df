/**
 * Soundness of the attacks against formally verified labels: the VNN-COMP 2021/2022 image
 * benchmarks (third-party networks, `../shared/data/vnncomp/`) give, per instance, an input box
 * and the verifiers' verdict. On an **unsat** instance the network is proven robust on the
 * whole box, so any "success" of an attack there is a bug — in an attack's projection, in
 * runAttack's success check, or (much less likely) in the verifier. A cascade of cheap but
 * diverse attacks (one-step, iterative sign-gradient, momentum with step-size control on two
 * losses, black-box random search, minimum-norm boundary search) runs on every sat and unsat
 * instance, batched per network and ε (bench/vnncomp.ts `groupInstances`); the threat model
 * is the L∞ ball around the image with ε reaching every corner of the box, intersected with the
 * box, i.e. exactly the instance's box.
 *
 * The same run must also find most **sat** instances (a cascade that finds nothing is sound
 * and useless): see SAT_FLOOR. Unknown instances are not attacked here (bench:vnncomp does).
 * Runtime (2 cores): 28 s at a load average of 3, 100 s at 7 (other jobs); mostly FAB-T and Square.
 */
import { join } from 'node:path';
import { CascadeResult, CascadeStep, getAttack, runCascade } from '../src/attacks';
import { argmaxRows } from '../src/attacks/tensor';
import { loadModel } from '../src/model/load';
import { BENCHMARKS, Benchmark, Instance, boxExcess, groupBatch, groupInstances, loadBenchmark } from '../bench/vnncomp';
import { VNNCOMP, VNNCOMP_SKIP } from './support/fixtures';

const CHEAP: CascadeStep[] = [
  { attack: getAttack('fgsm'), params: {} },
  { attack: getAttack('pgd'), params: { steps: 20, randomStart: true } },
  { attack: getAttack('apgd-ce'), params: { steps: 20 } },
  { attack: getAttack('apgd-dlr'), params: { steps: 20 } },
  { attack: getAttack('square'), params: { queries: 300 } },
  { attack: getAttack('fab-t'), params: { steps: 10 } },
];

/**
 * Fraction of the sat instances (53 over all benchmarks) the cheap cascade must find.
 * Measured: 50/53 = 94% (seed 1, two runs; 49/53 with the attacks of an hour earlier). The misses
 * (printed below) are one each in 2021_mnistfc, 2022_mnist_fc and 2021_eran; bench:vnncomp's full
 * cascade finds 51/53.
 */
const SAT_FLOOR = 0.85;
const SEED = 1;

interface Outcome {
  bench: string;
  inst: Instance;
  /** Whether the clean image is classified as its label (strict argmax). */
  cleanOk: boolean;
  cleanLogits: Float32Array;
  /** Cascade outcome; undefined for unknown instances (not attacked). */
  broken?: boolean;
  attack?: string;
  xAdv?: Float32Array;
  advLogits?: Float32Array;
  norm?: number;
}

const outcomes = new Map<string, Outcome[]>();
const maybe = VNNCOMP_SKIP ? describe.skip : describe;
if (VNNCOMP_SKIP) console.warn(`skipping VNN-COMP soundness tests: ${VNNCOMP_SKIP}`);

async function attackBenchmark(bench: Benchmark): Promise<Outcome[]> {
  const out: Outcome[] = [];
  for (const onnx of new Set(bench.instances.map((i) => i.onnx))) {
    const model = await loadModel(join(bench.dir, onnx), { inProcess: true, threads: 2 });
    try {
      const mine = bench.instances.filter((i) => i.onnx === onnx);
      const all = groupBatch(mine);
      const C = model.info.numClasses;
      const clean = await model.predict(all.x, all.n);
      const byIndex = new Map<number, Outcome>();
      mine.forEach((inst, j) => {
        const z = clean.slice(j * C, (j + 1) * C);
        const cleanOk = z.every((v, c) => c === inst.label || v < z[inst.label]);
        byIndex.set(inst.index, { bench: bench.name, inst, cleanOk, cleanLogits: z });
      });
      for (const g of groupInstances(mine.filter((i) => i.expected !== 'unknown'))) {
        const batch = groupBatch(g.instances);
        const r: CascadeResult = await runCascade(model, batch, { norm: 'linf', eps: g.eps }, CHEAP, { seed: SEED });
        const per = batch.x.length / batch.n;
        const broken = [...g.instances.keys()].filter((j) => r.success[j]);
        const advLogits = broken.length ? await model.predict(Float32Array.from(broken.flatMap((j) => Array.from(r.xAdv.subarray(j * per, (j + 1) * per)))), broken.length) : new Float32Array(0);
        g.instances.forEach((inst, j) => {
          const o = byIndex.get(inst.index)!;
          o.broken = r.success[j] === 1;
          const b = broken.indexOf(j);
          if (b >= 0) {
            o.attack = r.brokenBy[j] >= 0 ? r.stages[r.brokenBy[j]].attack : '(clean misclassified)';
            o.xAdv = r.xAdv.slice(j * per, (j + 1) * per);
            o.advLogits = advLogits.slice(b * C, (b + 1) * C);
            o.norm = r.norms[j];
          }
        });
      }
      out.push(...byIndex.values());
    } finally {
      await model.close();
    }
  }
  return out.sort((a, b) => a.inst.index - b.inst.index);
}

function fmt(z: ArrayLike<number>): string {
  return `[${Array.from(z, (v) => v.toPrecision(6)).join(', ')}]`;
}

maybe('VNN-COMP soundness of the attack cascade', () => {
  beforeAll(async () => {
    for (const b of BENCHMARKS) outcomes.set(b, await attackBenchmark(loadBenchmark(VNNCOMP, b)));
    const sat = [...outcomes.values()].flat().filter((o) => o.inst.expected === 'sat');
    const found = sat.filter((o) => o.broken).length;
    console.log(`VNN-COMP cheap cascade: ${found}/${sat.length} sat instances found (${((100 * found) / sat.length).toFixed(0)}%; floor ${SAT_FLOOR * 100}%). `
      + `Per benchmark: ${[...outcomes].map(([b, os]) => `${b} ${os.filter((o) => o.inst.expected === 'sat' && o.broken).length}/${os.filter((o) => o.inst.expected === 'sat').length}`).join(', ')}. `
      + `Missed: ${sat.filter((o) => !o.broken).map((o) => `${o.bench} #${o.inst.index}`).join(', ') || 'none'}`);
  }, 900_000);

  it.each(BENCHMARKS)('when the cheap cascade attacks every unsat instance of %s, then it reports no success', (b) => {
    const bad = outcomes.get(b)!.filter((o) => o.inst.expected === 'unsat' && o.broken).map((o) => {
      const d = o.xAdv!.reduce((m, v, k) => Math.max(m, Math.abs(v - o.inst.x[k])), 0);
      return `${b} #${o.inst.index} (${o.inst.onnx}, ${o.inst.vnnlib}, label ${o.inst.label}) broken by ${o.attack}: `
        + `logits at xAdv ${fmt(o.advLogits!)}, argmax ${argmaxRows(o.advLogits!, 1)[0]}; outside the box by ${boxExcess(o.xAdv!, o.inst.lower, o.inst.upper)}, `
        + `‖δ‖∞ = ${d} (reported ${o.norm}, box half-width ε = ${o.inst.eps})`;
    });
    expect(bad).toEqual([]);
  });

  it.each(BENCHMARKS)('when the clean image of every instance of %s is classified, then it gets its label', (b) => {
    const bad = outcomes.get(b)!.filter((o) => !o.cleanOk).map((o) => `${b} #${o.inst.index} label ${o.inst.label}: logits ${fmt(o.cleanLogits)}`);
    expect(bad).toEqual([]);
  });

  it(`when the cheap cascade attacks the sat instances, then it finds at least ${SAT_FLOOR * 100}% of them`, () => {
    expect(outcomes.size).toBe(BENCHMARKS.length);
    const sat = [...outcomes.values()].flat().filter((o) => o.inst.expected === 'sat');
    expect(sat.length).toBeGreaterThan(0);
    expect(sat.filter((o) => o.broken).length / sat.length).toBeGreaterThanOrEqual(SAT_FLOOR);
  });
});
