/**
 * The audit's certification stage: after the battery and the ε sweep, certify every point at
 * each ε the audit attacked (src/audit/certify.ts), and check the bracket per point: a point
 * certified at ε that any attack broke at ε stops the audit (SoundnessViolation), since then no
 * figure of the run can be trusted.
 */
import type { AttackBatch, ThreatModel } from '../attacks/types';
import type { BoundMethod, Certifier } from '../model/certifier';
import type { Certification } from '../schema/report';
import { clopperPearson } from '../util/clopper-pearson';
import { assertSound, certifyPoints } from './certify';
import type { EpsOutcome } from './checks';

/** What the audit certifies with: a certifier, or the reason there is none (an op without a bound rule). */
export interface CertificationSetup {
  method: BoundMethod;
  certifier?: Certifier;
  /** Why no bound graph could be built. */
  unsupported?: string;
}

/**
 * Certifies every point at every attacked ε and checks each certificate against the attacks'
 * verified breaks at that ε (`outcomes[].broken`; clean-misclassified points count as broken).
 * @throws SoundnessViolation when a certified point was broken.
 */
export async function runCertification(
  setup: CertificationSetup, batch: AttackBatch, threat: ThreatModel, outcomes: readonly EpsOutcome[], cleanCorrect: Uint8Array, signal?: AbortSignal,
): Promise<Certification> {
  const { n } = batch;
  const sweep: Certification['sweep'] = [];
  let atEps: Uint8Array | undefined;
  let byMethod: Record<string, number> | undefined;
  for (const o of [...outcomes].sort((a, b) => a.eps - b.eps)) {
    const r = await certifyPoints(setup.certifier, { ...batch, norm: threat.norm, eps: o.eps }, setup.method, { unsupported: setup.unsupported, signal });
    const broken = Uint8Array.from(o.broken, (b, i) => (b || !cleanCorrect[i] ? 1 : 0));
    assertSound(r.certified, broken, `${setup.method} at ε = ${o.eps}`);
    const k = r.certified.reduce((s, v) => s + v, 0);
    sweep.push({ eps: o.eps, certifiedAccuracy: n ? k / n : 0, certifiedAccuracyInterval: clopperPearson(k, n) });
    if (o.eps === threat.eps) { atEps = r.certified; byMethod = r.byMethod; }
  }
  const certified = atEps ?? new Uint8Array(n);
  const k = certified.reduce((s, v) => s + v, 0);
  return {
    method: setup.method,
    certifiedAccuracy: n ? k / n : 0,
    certifiedAccuracyInterval: clopperPearson(k, n),
    certified: Array.from(certified, (v) => (v ? 1 : 0) as 0 | 1),
    sweep,
    ...(byMethod ? { byMethod } : {}),
    notCertifiable: setup.certifier ? null : setup.unsupported ?? 'no bound graph',
  };
}
