/**
 * A small, schema-valid, internally consistent audit report for unit tests (10 points, 3
 * classes, linf ε=0.1): clean accuracy 0.9, robust accuracy 0.5, sweep at ε 0.05/0.1/0.2,
 * per-class robust gap 1/3, hypocritical risk 0.1, one raised flag ('zero-gradients').
 * Overrides replace whole top-level fields (an overridden clean or robust accuracy gets the interval of
 * the nearest k of 10 unless its interval is overridden too); use `withHypocritical` etc. for nested changes.
 */
import { Hypocritical, Report, REPORT_SCHEMA } from '../../schema/report';
import { clopperPearson, fractionInterval } from '../../util/clopper-pearson';

/** A sweep point of the sample report (10 points). */
export function sweepPoint(eps: number, robustAccuracy: number, minimalNormBound: number | null = null, attacks = ['apgd']): Report['sweep']['points'][number] {
  return { eps, robustAccuracy, robustAccuracyInterval: fractionInterval(robustAccuracy, 10), minimalNormBound, attacks };
}

const LABEL = [0, 1, 2, 0, 1, 2, 0, 1, 2, 0];
const CLEAN = [0, 1, 2, 0, 1, 2, 0, 1, 2, 1]; // point 9 misclassified
const ROBUST: (0 | 1)[] = [1, 1, 1, 1, 1, 0, 0, 0, 0, 0];
const BROKEN_BY = [-1, -1, -1, -1, -1, 0, 0, 0, 1, -1];
const ADV = [0, 1, 2, 0, 1, 0, 1, 2, 0, 1];

/** A valid report; `overrides` replace top-level fields. */
export function sampleReport(overrides: Partial<Report> = {}): Report {
  const stageParams = { loss: 'ce', steps: 100, restarts: 1 };
  const base: Report = {
    schema: REPORT_SCHEMA,
    createdAt: '2025-01-02T03:04:05.000Z',
    model: {
      name: 'cnn.onnx',
      sha256: 'a'.repeat(64),
      inputShape: [1, 1, 28, 28],
      numClasses: 3,
      strippedSoftmax: null,
      random: [],
      nonDifferentiable: [],
    },
    data: { name: 'mnist-eval.npz', sha256: 'b'.repeat(64), n: 10 },
    threat: { norm: 'linf', eps: 0.1 },
    seed: 7,
    battery: {
      id: 'standard-linf',
      preset: 'standard',
      stages: [
        { attack: 'apgd', params: stageParams, origin: 'battery' },
        { attack: 'square', params: { queries: 5000 }, origin: 'battery' },
      ],
    },
    adaptations: [],
    intervals: { method: 'clopper-pearson', level: 0.95 },
    cleanAccuracy: 0.9,
    cleanAccuracyInterval: clopperPearson(9, 10),
    robustAccuracy: 0.5,
    robustAccuracyInterval: clopperPearson(5, 10),
    stages: [
      { attack: 'apgd', params: stageParams, origin: 'battery', attacked: 9, broken: 3, robustAccuracyAfter: 0.6, robustAccuracyAfterInterval: clopperPearson(6, 10), forwardCalls: 900, gradientCalls: 900, seconds: 1.5 },
      { attack: 'square', params: { queries: 5000 }, origin: 'battery', attacked: 6, broken: 1, robustAccuracyAfter: 0.5, robustAccuracyAfterInterval: clopperPearson(5, 10), forwardCalls: 30000, gradientCalls: 0, seconds: 4 },
    ],
    points: {
      label: [...LABEL],
      cleanPred: [...CLEAN],
      robust: [...ROBUST],
      brokenBy: [...BROKEN_BY],
      advPred: [...ADV],
      perturbationNorm: BROKEN_BY.map((s) => (s >= 0 ? 0.1 : 0)),
      minimalNorm: [0.12, 0.15, 0.2, 0.3, 0.11, 0.04, 0.07, 0.1, 0.05, null],
    },
    sweep: {
      points: [
        sweepPoint(0.05, 0.7, 0.8),
        sweepPoint(0.1, 0.5, 0.6, ['apgd', 'square']),
        sweepPoint(0.2, 0.2, 0.2),
      ],
      minimalNorms: {
        attack: 'fab',
        params: { steps: 100 },
        n: 9,
        found: 9,
        quantiles: { p10: 0.04, p25: 0.07, p50: 0.1, p75: 0.15, p90: 0.2 },
        mean: 0.11,
      },
    },
    perClass: {
      classes: [
        { label: 0, n: 4, cleanAccuracy: 0.75, cleanAccuracyInterval: clopperPearson(3, 4), robustAccuracy: 0.5, robustAccuracyInterval: clopperPearson(2, 4), smallSample: true },
        { label: 1, n: 3, cleanAccuracy: 1, cleanAccuracyInterval: clopperPearson(3, 3), robustAccuracy: 2 / 3, robustAccuracyInterval: clopperPearson(2, 3), smallSample: true },
        { label: 2, n: 3, cleanAccuracy: 1, cleanAccuracyInterval: clopperPearson(3, 3), robustAccuracy: 1 / 3, robustAccuracyInterval: clopperPearson(1, 3), smallSample: true },
      ],
      robustAccuracyGap: 1 / 3,
      adversarialConfusion: [[2, 2, 0], [0, 2, 1], [2, 0, 1]],
      hardPairs: [
        { from: 2, to: 0, count: 2, shareOfBroken: 0.5 },
        { from: 0, to: 1, count: 1, shareOfBroken: 0.25 },
        { from: 1, to: 2, count: 1, shareOfBroken: 0.25 },
      ],
    },
    hypocritical: {
      eps: 0.1,
      attack: 'pgd',
      params: { loss: 'ce', targeted: 'none' },
      misclassified: 1,
      fixable: 1,
      risk: 0.1,
      riskInterval: clopperPearson(1, 10),
      fakedAccuracy: 1,
      fakedAccuracyInterval: clopperPearson(10, 10),
      perClass: [
        { label: 0, n: 4, misclassified: 1, fixable: 1, risk: 0.25 },
        { label: 1, n: 3, misclassified: 0, fixable: 0, risk: 0 },
        { label: 2, n: 3, misclassified: 0, fixable: 0, risk: 0 },
      ],
      substandardBelow: 0.9,
      substandard: false,
      fakeable: false,
      seconds: 0.8,
    },
    integrity: null,
    checks: [
      { id: 'probability-outputs', title: 'Outputs are logits', status: 'pass', message: 'no Softmax at the output', evidence: {} },
      { id: 'zero-gradients', title: 'Zero gradients', status: 'flag', message: '2 of 9 points have an all-zero input gradient', evidence: { zeroGradientPoints: 2, points: 9 } },
      { id: 'black-box-beats-white-box', title: 'Black-box beats white-box', status: 'skipped', message: 'no black-box stage in this battery', evidence: { blackBoxStages: 0 } },
      { id: 'not-converged', title: 'Attack converged', status: 'pass', message: 'extra effort broke no further point', evidence: { extraBroken: 0 } },
    ],
    flags: ['zero-gradients'],
    timings: { total: 7.2, attacks: 5.5, hypocritical: 0.8 },
    environment: {
      gauntlet: '0.1.0',
      onnxruntime: '1.30.0',
      node: 'v20.19.0',
      provider: 'cpu',
      platform: 'linux',
      arch: 'x64',
      cpu: 'test cpu',
      cpus: 2,
      gpu: null,
    },
    gate: null,
    resumed: 0,
  };
  const r = { ...base, ...overrides };
  if (overrides.cleanAccuracy !== undefined && !overrides.cleanAccuracyInterval) r.cleanAccuracyInterval = fractionInterval(r.cleanAccuracy, 10);
  if (overrides.robustAccuracy !== undefined && !overrides.robustAccuracyInterval) r.robustAccuracyInterval = fractionInterval(r.robustAccuracy, 10);
  return r;
}

/** The sample report with some hypocritical-risk fields replaced. */
export function withHypocritical(report: Report, h: Partial<Hypocritical>): Report {
  if (!report.hypocritical) throw new Error('report has no hypocritical section to modify');
  const merged = { ...report.hypocritical, ...h };
  const n = report.data.n;
  if (!h.riskInterval) merged.riskInterval = clopperPearson(merged.fixable, n);
  if (!h.fakedAccuracyInterval) merged.fakedAccuracyInterval = clopperPearson(Math.min(n, n - merged.misclassified + merged.fixable), n);
  return { ...report, hypocritical: merged };
}
