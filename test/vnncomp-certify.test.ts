/**
 * Soundness and strength of certification against formally verified labels: the VNN-COMP
 * 2021/2022 image benchmarks (third-party networks, `../shared/data/vnncomp/`), each instance
 * certified on its own box and target by IBP (bench/vnncomp-certify.ts).
 *
 * - A certified **sat** instance (the verifiers found an adversarial example in the box) proves
 *   a bug in a bound rule, the float-error widening or the specification: must be 0 everywhere.
 * - Certified **unsat** instances must be at least auto_LiRPA 0.5.0's IBP count (issue 14's
 *   anchor table, `ANCHORS`): a drop means the bounds got looser.
 *
 * Runtime (2 cores): see docs/certification.md, "VNN-COMP".
 */
import { BENCHMARKS, loadBenchmark } from '../bench/vnncomp';
import { ANCHORS, BenchmarkCertification, certifyBenchmark, tally } from '../bench/vnncomp-certify';
import { VNNCOMP, VNNCOMP_SKIP } from './support/fixtures';

const results = new Map<string, BenchmarkCertification>();
const maybe = VNNCOMP_SKIP ? describe.skip : describe;
if (VNNCOMP_SKIP) console.warn(`skipping VNN-COMP certification tests: ${VNNCOMP_SKIP}`);

maybe('VNN-COMP certification (IBP)', () => {
  beforeAll(async () => {
    for (const b of BENCHMARKS) results.set(b, await certifyBenchmark(loadBenchmark(VNNCOMP, b, { targeted: true }), { threads: 2 }));
    console.log(`VNN-COMP IBP: ${[...results.values()].map((r) => `${r.name} unsat ${tally(r, 'unsat').certified}/${tally(r, 'unsat').total} `
      + `(auto_LiRPA ${ANCHORS[r.name].ibp}), sat ${tally(r, 'sat').certified}, unknown ${tally(r, 'unknown').certified}, ${r.seconds.toFixed(1)} s`).join('; ')}`);
  }, 300_000);

  it.each(BENCHMARKS)('when every instance of %s is certified on its own box, then no sat instance is certified', (b) => {
    const bad = results.get(b)!.certificates.filter((c) => c.inst.expected === 'sat' && c.certified)
      .map((c) => `${b} #${c.inst.index} (${c.inst.onnx}, ${c.inst.vnnlib}, label ${c.inst.label}, target ${c.inst.target}): margin lower bound ${c.margin}`);
    expect(bad).toEqual([]);
  });

  it.each(BENCHMARKS)('when the unsat instances of %s are certified, then at least as many as auto_LiRPA\'s IBP are', (b) => {
    const r = results.get(b)!;
    expect(r.notCertifiable).toEqual([]);
    expect(tally(r, 'unsat').total).toBe(ANCHORS[b].unsat);
    expect(tally(r, 'unsat').certified).toBeGreaterThanOrEqual(ANCHORS[b].ibp);
  });
});
