/**
 * The audit's report from what it measured: a pure function (no model call, no clock, no
 * environment lookup — the caller passes the creation time, timings and environment), so the same
 * results always give the same report. The reliability checks run here, from their registry
 * (./checks); the policy gate is applied by the caller on the validated report.
 */
import { getAttack, parseParams } from '../attacks';
import type { ThreatModel } from '../attacks/types';
import type { EvalSet } from '../data';
import type { Adaptation, Interval, Report, ReportStage } from '../schema/report';
import { REPORT_SCHEMA } from '../schema/report';
import type { ModelInfo } from '../model/model';
import { clopperPearson, REPORT_CONFIDENCE } from '../util/clopper-pearson';
import type { Battery, BatteryStep } from './battery';
import { certifiedPerClass } from './certified-per-class';
import { evaluateChecks } from './checks';
import type { EpsOutcome, FullBoxOutcome } from './checks';
import { quantile } from './minimal-norms';
import { perClassAnalysis } from './per-class';
import type { ProbeEvidence } from './probe';
import type { PointState } from './staged-cascade';

/** Everything an audit measured, and how and where it ran. */
export interface AuditResults {
  modelName: string;
  info: ModelInfo;
  data: EvalSet;
  dataName: string;
  dataSha256: string;
  threat: ThreatModel;
  /** ε as written when an exact fraction ('8/255'). */
  epsExact?: string | null;
  seed: number;
  /** The battery after adaptations. */
  battery: Battery;
  adaptations: Adaptation[];
  cleanPred: Int32Array;
  cleanCorrect: Uint8Array;
  probe: ProbeEvidence;
  /** The battery's stages, then the convergence rounds. */
  stages: ReportStage[];
  /** The convergence rounds that ran (records and steps, in order; round 1 first). */
  convergenceRounds: ReportStage[];
  convergenceSteps: BatteryStep[];
  /** Per-point outcome of the cascade at ε (with the convergence rounds). */
  state: PointState;
  epsOutcomes: EpsOutcome[];
  sweepRA: { eps: number; robustAccuracy: number; robustAccuracyInterval: Interval; attacks: string[] }[];
  /** Verified minimal norm per point (∞: none found or not attacked). */
  minimal: Float64Array;
  fullBox: FullBoxOutcome | null;
  hypocritical: Report['hypocritical'];
  integrity: Report['integrity'];
  /** Certification at the attacked ε (null: not run). */
  certification?: Report['certification'];
  /** Why integrity was not measured (null: it was, or no reason to give). */
  integritySkipped: string | null;
  /** Seconds per phase, with the total. */
  timings: Record<string, number>;
  createdAt: string;
  environment: Report['environment'];
  /** How many times the audit was resumed from a checkpoint. */
  resumed: number;
}

/** The report (gate not yet applied: null) from the audit's results. Sorts `r.sweepRA` by ε in place. */
export function buildReport(r: AuditResults): Report {
  const { info, data, threat, battery: b, cleanPred, cleanCorrect, state, minimal, stages } = r;
  const n = data.n;
  const nCorrect = cleanCorrect.reduce((acc, v) => acc + v, 0);
  const reportSteps = [...b.stages, ...r.convergenceSteps];
  const robust = Uint8Array.from(cleanCorrect, (c, i) => (c && !state.success[i] ? 1 : 0));
  const nRobust = robust.reduce((acc, v) => acc + v, 0);
  const straightThrough = info.nonDifferentiable.length > 0;
  const fabParams = parseParams(getAttack('fab-t'), b.minimalNorms);
  const correctNorms = [...minimal].filter((_, i) => cleanCorrect[i]).sort((a, b2) => a - b2);
  const found = correctNorms.filter(Number.isFinite);
  const bound = (eps: number) => (nCorrect === 0 ? 0 : correctNorms.filter((v) => v > eps).length / n);
  const perClass = perClassAnalysis({ labels: data.y, cleanPred, robust, advPred: state.advPred, numClasses: info.numClasses });
  const checks = evaluateChecks({
    n, probe: r.probe, adaptations: r.adaptations.map((a) => a.id), stages,
    blackBox: reportSteps.map((st) => (st.surrogate ? null : getAttack(st.attack).needs === 'logits')),
    epsOutcomes: r.epsOutcomes, fullBox: r.fullBox, convergenceRounds: r.convergenceRounds, maxRounds: b.escalation?.rounds ?? 1,
    hypocritical: r.hypocritical, integrity: r.integrity, integritySkipped: r.integritySkipped,
  });

  return {
    schema: REPORT_SCHEMA,
    createdAt: r.createdAt,
    model: {
      name: r.modelName, sha256: info.modelSha256, inputShape: info.inputShape, numClasses: info.numClasses,
      strippedSoftmax: info.strippedSoftmax ?? null, random: info.random, nonDifferentiable: info.nonDifferentiable,
      ...(info.output !== undefined ? { output: info.output } : {}),
    },
    data: { name: r.dataName, sha256: r.dataSha256, n, ...(data.ignoredArrays?.length ? { ignoredArrays: [...data.ignoredArrays] } : {}) },
    threat: { norm: threat.norm, eps: threat.eps, ...(r.epsExact ? { epsExact: r.epsExact } : {}) },
    seed: r.seed,
    battery: {
      id: b.id, preset: b.preset,
      stages: reportSteps.map((s) => ({ attack: s.attack, params: s.surrogate ? { ...s.params, surrogate: s.surrogate } : s.params, origin: s.origin })),
    },
    adaptations: r.adaptations,
    intervals: { method: 'clopper-pearson', level: REPORT_CONFIDENCE },
    cleanAccuracy: nCorrect / n,
    cleanAccuracyInterval: clopperPearson(nCorrect, n),
    robustAccuracy: nRobust / n,
    robustAccuracyInterval: clopperPearson(nRobust, n),
    stages,
    points: {
      label: [...data.y], cleanPred: [...cleanPred], robust: [...robust].map((v) => (v ? 1 : 0) as 0 | 1),
      brokenBy: [...state.brokenBy], advPred: [...state.advPred], perturbationNorm: [...state.norms],
      minimalNorm: [...minimal].map((v, i) => (cleanCorrect[i] && Number.isFinite(v) ? v : null)),
    },
    sweep: {
      points: r.sweepRA.sort((a, c) => a.eps - c.eps).map((p) => ({ ...p, minimalNormBound: nCorrect ? bound(p.eps) : null })),
      minimalNorms: {
        attack: straightThrough ? 'fab-t (straight-through)' : 'fab-t', params: fabParams, n: nCorrect, found: found.length,
        quantiles: { p10: quantile(correctNorms, 0.1), p25: quantile(correctNorms, 0.25), p50: quantile(correctNorms, 0.5), p75: quantile(correctNorms, 0.75), p90: quantile(correctNorms, 0.9) },
        mean: found.length ? found.reduce((s, v) => s + v, 0) / found.length : null,
      },
    },
    certification: r.certification ? { ...r.certification, perClass: certifiedPerClass(data.y, r.certification.certified, info.numClasses) } : null,
    perClass,
    hypocritical: r.hypocritical,
    integrity: r.integrity,
    checks,
    flags: checks.filter((c) => c.status === 'flag').map((c) => c.id),
    timings: r.timings,
    environment: r.environment,
    gate: null,
    resumed: r.resumed,
  };
}
