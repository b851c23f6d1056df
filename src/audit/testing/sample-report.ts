/**
 * A small, schema-valid, internally consistent audit report for unit tests (10 points, 3
 * classes, linf ε=0.1): clean accuracy 0.9, robust accuracy 0.5, sweep at ε 0.05/0.1/0.2,
 * per-class robust gap 1/3, hypocritical risk 0.1, one raised flag ('zero-gradients').
 * Overrides replace whole top-level fields; use `withHypocritical` etc. for nested changes.
 */
import { Hypocritical, Report, REPORT_SCHEMA } from '../../report/schema';

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
    cleanAccuracy: 0.9,
    robustAccuracy: 0.5,
    stages: [
      { attack: 'apgd', params: stageParams, origin: 'battery', attacked: 9, broken: 3, robustAccuracyAfter: 0.6, forwardCalls: 900, gradientCalls: 900, seconds: 1.5 },
      { attack: 'square', params: { queries: 5000 }, origin: 'battery', attacked: 6, broken: 1, robustAccuracyAfter: 0.5, forwardCalls: 30000, gradientCalls: 0, seconds: 4 },
    ],
    points: {
      label: [...LABEL],
      cleanPred: [...CLEAN],
      robust: [...ROBUST],
      brokenBy: [...BROKEN_BY],
      advPred: [...ADV],
      perturbationNorm: BROKEN_BY.map((s) => (s >= 0 ? 0.1 : 0)),
    },
    sweep: {
      points: [
        { eps: 0.05, robustAccuracy: 0.7, minimalNormBound: 0.8, attacks: ['apgd'] },
        { eps: 0.1, robustAccuracy: 0.5, minimalNormBound: 0.6, attacks: ['apgd', 'square'] },
        { eps: 0.2, robustAccuracy: 0.2, minimalNormBound: 0.2, attacks: ['apgd'] },
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
        { label: 0, n: 4, cleanAccuracy: 0.75, robustAccuracy: 0.5 },
        { label: 1, n: 3, cleanAccuracy: 1, robustAccuracy: 2 / 3 },
        { label: 2, n: 3, cleanAccuracy: 1, robustAccuracy: 1 / 3 },
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
      fakedAccuracy: 1,
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
  return { ...base, ...overrides };
}

/** The sample report with some hypocritical-risk fields replaced. */
export function withHypocritical(report: Report, h: Partial<Hypocritical>): Report {
  if (!report.hypocritical) throw new Error('report has no hypocritical section to modify');
  return { ...report, hypocritical: { ...report.hypocritical, ...h } };
}
