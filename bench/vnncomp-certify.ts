/**
 * Certification of VNN-COMP instances (../shared/data/vnncomp/, loaded by bench/vnncomp.ts
 * `loadBenchmark`): per instance, whether Gauntlet's bound graph proves the property on the
 * instance's own box [lower, upper] (float32 as stored, network coordinates; no ε arithmetic).
 * Untargeted (target −1): every logit_label − logit_j > 0 for j ≠ label; targeted (target t):
 * logit_label − logit_t > 0 (`certifiedMargin`).
 *
 * A certified **sat** instance (the verifiers found an adversarial example inside the box) is a
 * soundness bug; certified **unsat** instances are the method's strength, to compare with
 * auto_LiRPA's (`ANCHORS`). Shared by `npm run bench:certify` and test/vnncomp-certify.test.ts.
 */
import { join } from 'node:path';
import { UnsupportedOpError } from '../src/errors';
import { certifiedMargin } from '../src/bounds/threat-box';
import { BoundMethod, loadCertifier } from '../src/model/certifier';
import { Benchmark, Expected, Instance, groupBatch } from './vnncomp';

/**
 * auto_LiRPA 0.5.0's certified unsat instances per benchmark (issue 14's anchor table): IBP,
 * CROWN (with its seconds for the benchmark) and α-CROWN; `unsat` is the benchmark's unsat total.
 */
export const ANCHORS: Record<string, { unsat: number; ibp: number; crown: number; crownSeconds: number; alphaCrown?: number; alphaCrownSeconds?: number }> = {
  '2021_mnistfc': { unsat: 49, ibp: 0, crown: 25, crownSeconds: 1.4, alphaCrown: 26, alphaCrownSeconds: 73 },
  '2022_mnist_fc': { unsat: 71, ibp: 0, crown: 30, crownSeconds: 1.3, alphaCrown: 36, alphaCrownSeconds: 73 },
  '2021_eran': { unsat: 63, ibp: 3, crown: 22, crownSeconds: 4.2, alphaCrown: 36, alphaCrownSeconds: 217 },
  '2021_verivital': { unsat: 53, ibp: 34, crown: 49, crownSeconds: 0.2, alphaCrown: 50, alphaCrownSeconds: 2.4 },
  '2021_oval21': { unsat: 17, ibp: 0, crown: 1, crownSeconds: 1.6, alphaCrown: 1, alphaCrownSeconds: 273 },
  '2022_oval21': { unsat: 29, ibp: 0, crown: 1, crownSeconds: 1.4 },
  '2021_cifar10_resnet': { unsat: 58, ibp: 0, crown: 36, crownSeconds: 155 },
};

/** One instance's certificate. */
export interface InstanceCertificate {
  inst: Instance;
  certified: boolean;
  /** The smallest margin lower bound that decides it (certified iff > 0); −∞ when not certifiable. */
  margin: number;
  /** Per class j, the lower bound of logit_label − logit_j over the box (j = label meaningless); empty when not certifiable. */
  bounds: Float32Array;
}

export interface BenchmarkCertification {
  name: string;
  method: BoundMethod;
  certificates: InstanceCertificate[];
  /** Per network without a bound graph: "<onnx>: <reason>" (its instances are not certified). */
  notCertifiable: string[];
  /** Wall clock, bound-graph building included. */
  seconds: number;
}

/**
 * Certifies every instance of a benchmark, one bound graph per network, all its instances in
 * one call (the certifier chunks them; per-sample networks run one point per call).
 * @throws Error when a network's input shape differs from the instances'.
 */
export async function certifyBenchmark(bench: Benchmark, opts: { method?: BoundMethod; threads?: number } = {}): Promise<BenchmarkCertification> {
  const method = opts.method ?? 'ibp';
  const t0 = performance.now();
  const certificates: InstanceCertificate[] = [];
  const notCertifiable: string[] = [];
  for (const onnx of new Set(bench.instances.map((i) => i.onnx))) {
    const mine = bench.instances.filter((i) => i.onnx === onnx);
    let certifier;
    try {
      certifier = await loadCertifier(join(bench.dir, onnx), { method, threads: opts.threads });
    } catch (e) {
      if (!(e instanceof UnsupportedOpError)) throw e;
      notCertifiable.push(`${onnx}: ${e.message}`);
      certificates.push(...mine.map((inst) => ({ inst, certified: false, margin: -Infinity, bounds: new Float32Array(0) })));
      continue;
    }
    try {
      const want = certifier.inputShape.join(',');
      if (want !== bench.shape.join(',')) throw new Error(`${bench.name}/${onnx}: the bound graph takes [${want}] per sample, the instances are [${bench.shape.join(', ')}]`);
      const batch = groupBatch(mine);
      const K = certifier.numClasses;
      const b = await certifier.marginLowerBounds(batch.lower, batch.upper, batch.n, batch.y);
      mine.forEach((inst, j) => certificates.push({ inst, ...certifiedMargin(b, j, K, inst.label, inst.target), bounds: b.slice(j * K, (j + 1) * K) }));
    } finally {
      await certifier.close();
    }
  }
  certificates.sort((a, b) => a.inst.index - b.inst.index);
  return { name: bench.name, method, certificates, notCertifiable, seconds: (performance.now() - t0) / 1000 };
}

/** Instances with verdict `e`, and how many of them are certified. */
export function tally(r: BenchmarkCertification, e: Expected): { total: number; certified: number } {
  const of = r.certificates.filter((c) => c.inst.expected === e);
  return { total: of.length, certified: of.filter((c) => c.certified).length };
}
