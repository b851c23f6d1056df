/**
 * The audit report's data, as one versioned zod schema: validator, TypeScript type and the
 * documentation of every field at once. `src/audit` builds a Report; JSON, PDF and signed forms
 * render this data and nothing else. Bump REPORT_SCHEMA when a field changes meaning or is removed
 * (adding an optional field does not need a bump).
 *
 * Conventions: accuracies and risks are fractions in [0, 1] of the audited points (n); per-point
 * arrays are indexed like the evaluation set; ε values are in input units of the threat norm.
 */
import { InternalError } from '../errors';
import { z } from 'zod';

export const REPORT_SCHEMA = 'gauntlet-report-2' as const;

const fraction = z.number().min(0).max(1);
const count = z.number().int().min(0);
const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
/** Evidence behind a result: named numbers, strings or booleans (kept flat so every renderer can show it). */
export const evidenceSchema = z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()]));
export type Evidence = z.infer<typeof evidenceSchema>;

/**
 * An accuracy-like figure's exact two-sided Clopper–Pearson interval (src/util/clopper-pearson.ts)
 * at the report's `intervals.level`: the figure is k of n points.
 */
export const intervalSchema = z.object({ k: count, n: count, lower: fraction, upper: fraction });
export type Interval = z.infer<typeof intervalSchema>;

export const threatSchema = z.object({
  norm: z.enum(['linf', 'l2']),
  eps: z.number().min(0),
  /** ε as the user wrote it when that was an exact rational such as '8/255' (eps is its float64 value); null for a decimal. */
  epsExact: z.string().nullable().optional(),
});
export type ReportThreat = z.infer<typeof threatSchema>;

/** One attack stage as it ran (after adaptation). */
export const stageSchema = z.object({
  attack: z.string(),
  /** Parameters after validation, defaults filled in. */
  params: z.unknown(),
  /** Why the stage is there: 'battery' (the preset), an adaptation id, or 'convergence' (the extra-effort probe). */
  origin: z.string(),
  /** Points it attacked (clean-correct, not broken by an earlier stage). */
  attacked: count,
  /** Points it broke (verified by a fresh forward pass). */
  broken: count,
  /** Robust accuracy of the whole set after this stage. */
  robustAccuracyAfter: fraction,
  robustAccuracyAfterInterval: intervalSchema,
  forwardCalls: count,
  gradientCalls: count,
  seconds: z.number().min(0),
});
export type ReportStage = z.infer<typeof stageSchema>;

/** An adaptation of the battery to what the graph (or a probe) showed. */
export const adaptationSchema = z.object({
  /** 'eot' | 'bpda' | 'transfer' | 'logits' | 'scale-invariant-losses' ... */
  id: z.string(),
  /** What triggered it, e.g. "RandomNormalLike 'noise' reachable from the input". */
  trigger: z.string(),
  /** Why this adaptation answers the trigger (with the paper). */
  reason: z.string(),
  /** What changed in the battery. */
  effect: z.string(),
});
export type Adaptation = z.infer<typeof adaptationSchema>;

/** One evaluation-reliability check (AutoAttack checks.py, Carlini et al. 2019, ART security curve). */
export const checkSchema = z.object({
  /** Stable id, e.g. 'probability-outputs', 'zero-gradients', 'black-box-beats-white-box'. */
  id: z.string(),
  title: z.string(),
  /** 'flag': the symptom is present; 'pass': it is not; 'skipped': not measurable here (reason in message). */
  status: z.enum(['pass', 'flag', 'skipped']),
  message: z.string(),
  evidence: evidenceSchema,
});
export type Check = z.infer<typeof checkSchema>;

/** Robust accuracy at several ε and the minimal-perturbation distribution. */
export const sweepSchema = z.object({
  points: z.array(z.object({
    eps: z.number().min(0),
    /** Robust accuracy under the sweep battery at this ε (the audit ε: the full battery's figure). */
    robustAccuracy: fraction,
    robustAccuracyInterval: intervalSchema,
    /** Upper bound from the minimal norms: fraction of points clean-correct with minimal norm > ε. */
    minimalNormBound: fraction.nullable(),
    attacks: z.array(z.string()),
  })),
  minimalNorms: z.object({
    attack: z.string(),
    params: z.unknown(),
    /** Clean-correct points it ran on. */
    n: count,
    /** Points where it found an adversarial example (others have norm ∞, reported as null). */
    found: count,
    quantiles: z.object({ p10: z.number().nullable(), p25: z.number().nullable(), p50: z.number().nullable(), p75: z.number().nullable(), p90: z.number().nullable() }),
    mean: z.number().nullable(),
  }).nullable(),
});
export type Sweep = z.infer<typeof sweepSchema>;

/**
 * Certification at the audit ε and the sweep's: per point, a proof that no input of the threat
 * set changes the class (src/bounds). certifiedAccuracy ≤ true robust accuracy ≤ robustAccuracy.
 */
export const certificationSchema = z.object({
  /** Bound-propagation method, e.g. 'ibp'. */
  method: z.string(),
  certifiedAccuracy: fraction,
  certifiedAccuracyInterval: intervalSchema,
  /** Per point, in evaluation-set order: 1 certified at the audit ε. */
  certified: z.array(z.union([z.literal(0), z.literal(1)])),
  /** Certified accuracy at each ε of the sweep (the audit ε included), ascending. */
  sweep: z.array(z.object({ eps: z.number().min(0), certifiedAccuracy: fraction, certifiedAccuracyInterval: intervalSchema })),
  /** Method 'best': per method, the points it certifies on its own at the audit ε (absent otherwise). */
  byMethod: z.record(z.string(), z.number().int().min(0)).optional(),
  /** Why nothing could be certified (an op without a bound rule), or null. (Its time is timings.certification.) */
  notCertifiable: z.string().nullable(),
  /**
   * Per true class (label order, every class of the model), the points certified at the audit ε,
   * like perClass.classes: accuracy and interval null for a class without points; smallSample
   * below SMALL_CLASS (30) points. Absent in reports made before it existed.
   */
  perClass: z.array(z.object({
    label: z.number().int(),
    n: count,
    certified: count,
    certifiedAccuracy: fraction.nullable(),
    certifiedAccuracyInterval: intervalSchema.nullable(),
    smallSample: z.boolean(),
  })).optional(),
});
export type Certification = z.infer<typeof certificationSchema>;

export const perClassSchema = z.object({
  classes: z.array(z.object({
    label: z.number().int(),
    n: count,
    cleanAccuracy: fraction.nullable(),
    cleanAccuracyInterval: intervalSchema.nullable(),
    robustAccuracy: fraction.nullable(),
    robustAccuracyInterval: intervalSchema.nullable(),
    /** Fewer than SMALL_CLASS points (30): the class's figures are too uncertain to compare. */
    smallSample: z.boolean(),
  })),
  /** Largest minus smallest per-class robust accuracy over classes with n > 0. */
  robustAccuracyGap: fraction,
  /** confusion[t][p]: points of true class t whose adversarial example (or clean misprediction) is classified p. */
  adversarialConfusion: z.array(z.array(count)),
  /** The (true → adversarial class) pairs with the most broken points, most first. */
  hardPairs: z.array(z.object({ from: z.number().int(), to: z.number().int(), count, shareOfBroken: fraction })),
});
export type PerClass = z.infer<typeof perClassSchema>;

/** Tao et al. 2022, "With False Friends Like These, Who Can Notice Mistakes?" (arXiv:2107.07759). */
export const hypocriticalSchema = z.object({
  eps: z.number().min(0),
  attack: z.string(),
  params: z.unknown(),
  misclassified: count,
  /** Misclassified points a perturbation within ε makes correctly classified (verified). */
  fixable: count,
  /** fixable / n. */
  risk: fraction,
  riskInterval: intervalSchema,
  /** Clean accuracy + risk: what a false friend could make the evaluation show. */
  fakedAccuracy: fraction,
  fakedAccuracyInterval: intervalSchema,
  /** Per true class; riskInterval is fixable of n (absent in reports written before it existed). */
  perClass: z.array(z.object({ label: z.number().int(), n: count, misclassified: count, fixable: count, risk: fraction.nullable(), riskInterval: intervalSchema.nullable().optional() })),
  /** Clean accuracy below which the model counts as substandard (policy minCleanAccuracy or the default). */
  substandardBelow: fraction,
  substandard: z.boolean(),
  /** Substandard, yet a false friend could lift its accuracy to ≥ substandardBelow. */
  fakeable: z.boolean(),
  seconds: z.number().min(0),
});
export type Hypocritical = z.infer<typeof hypocriticalSchema>;

const dataStats = z.object({
  n: count,
  accuracy: fraction,
  /** Mean softmax probability of the true class. */
  meanConfidence: fraction,
  /** Median logit margin z_y − max_{j≠y} z_j. */
  medianMargin: z.number(),
});

/** Evaluation-data integrity: owner data against an auditor-held reference set. */
export const integritySchema = z.object({
  reference: z.object({ name: z.string(), sha256, n: count }),
  owner: dataStats,
  referenceStats: dataStats,
  /** Two-sample Kolmogorov–Smirnov on the margins (one-sided: owner margins larger). */
  ks: z.object({ statistic: z.number().min(0).max(1), pValue: fraction }),
  flagged: z.boolean(),
  message: z.string(),
});
export type Integrity = z.infer<typeof integritySchema>;

export const environmentSchema = z.object({
  gauntlet: z.string(),
  onnxruntime: z.string(),
  node: z.string(),
  provider: z.string(),
  platform: z.string(),
  arch: z.string(),
  cpu: z.string(),
  cpus: count,
  gpu: z.string().nullable(),
});

/** One rule of the policy gate, as evaluated. */
export const gateRuleSchema = z.object({
  /** e.g. 'minCleanAccuracy', 'minRobustAccuracy[linf,0.1]', 'failOnFlags:zero-gradients'. */
  rule: z.string(),
  passed: z.boolean(),
  message: z.string(),
  /** The measured figure (null when not measured). */
  measured: z.union([z.number(), z.string(), z.boolean(), z.null()]),
  threshold: z.union([z.number(), z.string(), z.boolean(), z.null()]),
  /** The measured figure's interval at the gate's confidence level (null for flags and figures without one). */
  interval: intervalSchema.nullable(),
  /** What was compared with the threshold: the estimate, or (with a policy `confidence`) the interval's lower bound for a minimum and upper bound for a maximum. */
  compared: z.enum(['estimate', 'lower', 'upper']).nullable(),
});
export type GateRule = z.infer<typeof gateRuleSchema>;

/**
 * The gate's verdicts: PASS — every rule holds and the policy states at least one requirement on a
 * measured figure; FAIL — a rule fails; UNGATED — no rule fails but no requirement on a figure was
 * stated (no policy, or flags only), so nothing was certified.
 */
export const VERDICTS = ['PASS', 'FAIL', 'UNGATED'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** The policy gate's decision. */
export const gateSchema = z.object({
  /** Policy name (a file name, 'default', or where shortcuts came from), and the sha256 of its bytes or of the effective policy's canonical JSON (null for the built-in default). */
  policy: z.object({ name: z.string(), sha256: sha256.nullable() }),
  verdict: z.enum(VERDICTS),
  /** The policy's confidence level: thresholds were applied to interval bounds at this level; null: to the point estimates. */
  confidence: z.number().gt(0).lt(1).nullable(),
  /** Why the verdict is UNGATED and how to state a requirement (null otherwise). */
  note: z.string().nullable(),
  rules: z.array(gateRuleSchema),
});
export type Gate = z.infer<typeof gateSchema>;

/** The whole report. */
export const reportSchema = z.object({
  schema: z.literal(REPORT_SCHEMA),
  createdAt: z.string(),
  model: z.object({
    name: z.string(),
    sha256,
    inputShape: z.array(z.number().int()),
    numClasses: z.number().int().min(2),
    strippedSoftmax: z.string().nullable(),
    random: z.array(z.string()),
    nonDifferentiable: z.array(z.string()),
    /** The graph output audited, when the model has several and one was chosen (job config `output`, CLI --logits). */
    output: z.string().optional(),
  }),
  data: z.object({
    name: z.string(), sha256, n: count,
    /** Arrays of the evaluation .npz other than x, y, lower, upper: ignored (listed so a reader knows). */
    ignoredArrays: z.array(z.string()).optional(),
  }),
  threat: threatSchema,
  seed: z.number().int(),
  battery: z.object({ id: z.string(), preset: z.string(), stages: z.array(z.object({ attack: z.string(), params: z.unknown(), origin: z.string() })) }),
  adaptations: z.array(adaptationSchema),
  /** How every interval of the report was computed. */
  intervals: z.object({ method: z.literal('clopper-pearson'), level: z.number().gt(0).lt(1) }),
  cleanAccuracy: fraction,
  cleanAccuracyInterval: intervalSchema,
  /** Robust accuracy at the audit ε: per point, the minimum over every stage (a point is robust only if no stage broke it). */
  robustAccuracy: fraction,
  robustAccuracyInterval: intervalSchema,
  stages: z.array(stageSchema),
  /** Per point, in evaluation-set order. */
  points: z.object({
    label: z.array(z.number().int()),
    cleanPred: z.array(z.number().int()),
    /** 1 robust, 0 broken or clean-misclassified. */
    robust: z.array(z.union([z.literal(0), z.literal(1)])),
    /** Index into `stages` of the stage that broke the point; −1 when robust or clean-misclassified. */
    brokenBy: z.array(z.number().int()),
    advPred: z.array(z.number().int()),
    /** ‖δ‖ of the verified adversarial example (0 where none). */
    perturbationNorm: z.array(z.number().min(0)),
    /** FAB-T's verified minimal perturbation norm (null: clean-misclassified, or none found). */
    minimalNorm: z.array(z.number().min(0).nullable()),
  }),
  sweep: sweepSchema,
  /** Certified lower bounds (absent in reports made before certification existed; null when not run: --certify none). */
  certification: certificationSchema.nullable().optional(),
  perClass: perClassSchema,
  hypocritical: hypocriticalSchema.nullable(),
  integrity: integritySchema.nullable(),
  checks: z.array(checkSchema),
  /** Ids of the checks with status 'flag' (plus 'data-too-easy' / 'hypocritical-fakeable' when those fire). */
  flags: z.array(z.string()),
  timings: z.record(z.string(), z.number().min(0)),
  environment: environmentSchema,
  /** The policy gate's verdict (null while the report is being built, before the gate ran). */
  gate: gateSchema.nullable(),
  /** How many times the audit was resumed from a checkpoint (0 for an uninterrupted run). */
  resumed: count,
});
export type Report = z.infer<typeof reportSchema>;

/**
 * Validates a report Gauntlet built (audit, statement); a mismatch is a bug.
 * @throws InternalError listing the first issues.
 */
export function validateReport(value: unknown): Report {
  const r = reportSchema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.slice(0, 10).map((i) => `${i.path.join('.') || '(report)'}: ${i.message}`).join('; ');
  throw new InternalError(`report does not match ${REPORT_SCHEMA}: ${issues}`);
}
