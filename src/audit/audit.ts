/**
 * The audit use case: model + evaluation set + threat model → a validated Report (src/schema/report.ts)
 * with the policy gate's verdict. The CLI (`gauntlet audit`) and the server call this and nothing
 * lower.
 *
 * Phases, each made of checkpointed units (./checkpoint.ts), so an interrupted audit resumes
 * without redoing finished work:
 *  1. clean predictions (a majority of draws on random models), refusing non-finite logits on any sample;
 *  2. probes of outputs, randomness and gradients (./probe.ts) → adaptations (./adaptations);
 *  3. the battery as a cascade at the audit ε (./staged-cascade.ts), then an extra-effort stage
 *     escalated while it still breaks points, within the preset's budget (./escalation.ts);
 *  4. the ε sweep (the sweep cascade at fractions of ε) and FAB-T minimal norms;
 *  5. the adapted battery at ε = each point's whole box (./checks/full-box.ts);
 *  6. hypocritical risk (misclassified points a false friend could fix);
 *  7. evaluation-data integrity against an auditor-held reference set (when given);
 *  8. per-class analysis, reliability checks, the report, the policy gate.
 * Phases 1–4 (runChunkedPhases) are made of units that depend on one chunk of points each, so a
 * sharded audit (./shards.ts) runs them per shard and this function finishes from the merged checkpoint.
 */
import os from 'node:os';
import { DEFAULT_SUCCESS_DRAWS, predictClasses } from '../attacks/run';
import { selectBatch } from '../attacks/tensor';
import type { AttackBatch, AttackContext, AttackModel, ThreatModel } from '../attacks/types';
import { UsageError } from '../errors';
import type { EvalSet } from '../data';
import { ortVersion } from '../runtime';
import type { Model } from '../model/model';
import { Adaptation, Interval, Report, ReportStage, validateReport } from '../schema/report';
import { clopperPearson } from '../util/clopper-pearson';
import { GAUNTLET_VERSION } from '../version';
import { adapt } from './adaptations';
import { Battery, BatteryStep, Preset, battery as presetBattery } from './battery';
import { buildReport } from './build-report';
import { Checkpoint } from './checkpoint';
import type { FullBoxOutcome } from './checks';
import { escalate, escalationStep, roundContext } from './escalation';
import { finiteCleanPredictions } from './finite-logits';
import { hypocriticalRisk } from './hypocritical';
import { dataIntegrity } from './integrity';
import { CertificationSetup, runCertification } from './certification';
import { verifiedMinimalNorms } from './minimal-norms';
import { DEFAULT_POLICY, DEFAULT_POLICY_SOURCE, Policy, PolicySource, evaluatePolicy, substandardThreshold } from './policy';
import { ProbeEvidence, probeModel } from './probe';
import { PointState, StageProgress, runStagedCascade } from './staged-cascade';

/** Where the audit is, for progress displays. */
export interface AuditProgress {
  phase: 'clean' | 'probe' | 'battery' | 'sweep' | 'minimal-norms' | 'full-box' | 'hypocritical' | 'integrity' | 'certification' | 'report';
  /** One line: what runs now. */
  message: string;
  /** Progress of the phase in [0, 1], when known. */
  fraction?: number;
  /** In the battery and sweep phases: the stage running (index into the report's stages for the battery) and the robust accuracy so far. */
  stage?: { index: number; attack: string; robustAccuracy: number };
}

export interface AuditOptions {
  model: Model;
  /** Display name of the model (file name). */
  modelName: string;
  data: EvalSet;
  dataName: string;
  dataSha256: string;
  threat: ThreatModel;
  /** ε as written when an exact fraction ('8/255'); recorded in report.threat, not part of the checkpoint's configuration. */
  epsExact?: string | null;
  preset?: Preset;
  /** Default 0. */
  seed?: number;
  /** Policy for the gate (default: DEFAULT_POLICY). */
  policy?: { policy: Policy; source: PolicySource };
  /** Auditor-held reference set for the integrity check. */
  reference?: { set: EvalSet; name: string; sha256: string } | null;
  /** Checkpoint file (null: in memory only). */
  checkpointPath?: string | null;
  resume?: boolean;
  /** Points per checkpointed chunk (default 100). */
  chunk?: number;
  signal?: AbortSignal;
  onProgress?: (p: AuditProgress) => void;
  /** Smooth straight-through surrogate of a model with piecewise-constant ops (./smooth-surrogate.ts): enables the transfer stage. */
  smoothSurrogate?: AttackModel;
  /** For tests: a battery to run instead of the preset's (its `preset` field is reported). */
  battery?: Battery;
  /** Certify every point at each attacked ε (./certification.ts); null or absent: no certification. */
  certification?: CertificationSetup | null;
}

/** Every verified adversarial example of the audit's cascade at ε (clean-misclassified points excluded). */
export interface AdversarialExamples {
  /** Point indices into the evaluation set, ascending. */
  index: Int32Array;
  /** [k, ...sampleShape] float32. */
  xAdv: Float32Array;
  sampleShape: number[];
  /** Index into report.stages of the stage that found each. */
  stage: Int32Array;
  norm: Float64Array;
  pred: Int32Array;
  label: Int32Array;
}

/** The audit's outcome: the validated report and the adversarial examples behind its figure. */
export interface AuditResult {
  report: Report;
  adversarial: AdversarialExamples;
}

/** Runs the audit; resolves to the validated report (with the gate's verdict). */
export async function runAudit(o: AuditOptions): Promise<Report> {
  return (await runAuditWithExamples(o)).report;
}

/** What binds an audit's checkpoint, and the preset's battery before adaptations. */
export interface AuditSetup {
  seed: number;
  n: number;
  /** Points per checkpointed chunk. */
  chunk: number;
  /** Number of chunks (units of the chunked phases run per chunk index 0 … chunks − 1). */
  chunks: number;
  /** The battery before adaptations (a fresh copy). */
  battery: Battery;
  /** The checkpoint's configuration (Checkpoint.open). */
  config: Record<string, unknown>;
}

/** Validates the options and derives the checkpoint configuration (the same for a whole run and for every shard). */
export function auditSetup(o: AuditOptions): AuditSetup {
  const { data, threat } = o;
  const seed = o.seed ?? 0;
  const n = data.n;
  if (n === 0) throw new UsageError('the evaluation set is empty');
  if (!(threat.eps > 0) || !Number.isFinite(threat.eps)) throw new UsageError(`eps must be a finite number > 0, got ${threat.eps}`);
  const b = o.battery ? structuredClone(o.battery) : presetBattery(o.preset ?? 'standard');
  const chunk = o.chunk ?? 100;
  if (!Number.isInteger(chunk) || chunk < 1) throw new UsageError(`chunk must be an integer ≥ 1, got ${chunk}`);
  const config = {
    gauntlet: GAUNTLET_VERSION, model: o.model.info.modelSha256, data: o.dataSha256, n, threat, seed, battery: o.battery ?? `${b.id}/${b.preset}`, chunk,
    reference: o.reference?.sha256 ?? null, smoothSurrogate: !!o.smoothSurrogate,
    ...(o.model.info.output !== undefined ? { output: o.model.info.output } : {}),
  };
  return { seed, n, chunk, chunks: Math.ceil(n / chunk), battery: b, config };
}

/** A checkpoint's `timed` units ({ value, seconds }) and the seconds they add up to per phase. */
export interface TimedUnits {
  timings: Record<string, number>;
  timed: <T>(phase: string, id: string, work: () => Promise<T>, valid?: (value: T) => boolean) => Promise<T>;
}

/** Units whose result is saved with the seconds they took; replayed units add their saved seconds. */
export function timedUnits(ckpt: Checkpoint): TimedUnits {
  const timings: Record<string, number> = {};
  const timed = async <T>(phase: string, id: string, work: () => Promise<T>, valid?: (value: T) => boolean): Promise<T> => {
    const r = await ckpt.unit(id, async () => {
      const t0 = process.hrtime.bigint();
      const value = await work();
      return { value, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
    }, valid && ((saved) => saved !== null && typeof saved === 'object' && valid(saved.value)));
    timings[phase] = (timings[phase] ?? 0) + r.seconds;
    return r.value;
  };
  return { timings, timed };
}

/** Outcome of the phases made of per-chunk units (1–4: clean, probe, battery, sweep, minimal norms). */
export interface ChunkedPhases {
  cleanPred: Int32Array;
  cleanCorrect: Uint8Array;
  nCorrect: number;
  probe: ProbeEvidence;
  adaptations: Adaptation[];
  /** The battery after adaptations. */
  battery: Battery;
  stages: ReportStage[];
  /** The convergence stage's record (round 1). */
  convergence: ReportStage;
  /** The convergence rounds that ran (records and steps, in order; round 1 first). */
  convergenceRounds: ReportStage[];
  convergenceSteps: BatteryStep[];
  state: PointState;
  epsOutcomes: { eps: number; broken: Uint8Array }[];
  sweepRA: { eps: number; robustAccuracy: number; robustAccuracyInterval: Interval; attacks: string[] }[];
  /** Verified minimal norm per point (∞: none found or not attacked). */
  minimal: Float64Array;
}

/** Restricts the chunked phases to some chunks (sharded audits, ./shards.ts). */
export interface ChunkFilter {
  /** Whether chunk `c` runs; the units of other chunks are neither run nor replayed. */
  owns: (c: number) => boolean;
  /** Called once the battery is adapted (to size progress displays). */
  onPlan?: (b: Battery) => void;
}

/**
 * Phases 1–4 of the audit: the global clean and probe units, then every unit that depends on one
 * chunk of points only — the battery's (stage, chunk) units including the convergence stage, the
 * sweep cascades' and FAB-T minimal norms per chunk. With `filter`, only the chunks it owns run
 * (figures of the others stay at their starting values and mean nothing).
 */
export async function runChunkedPhases(o: AuditOptions, s: AuditSetup, ckpt: Checkpoint, t: TimedUnits, filter?: ChunkFilter): Promise<ChunkedPhases> {
  const { model, data, threat } = o;
  const info = model.info;
  const { n, chunk, chunks, seed } = s;
  const b = s.battery;
  const { timed, timings } = t;
  const progress = (p: AuditProgress) => o.onProgress?.(p);
  const ctx: AttackContext = { seed, signal: o.signal };
  const batch: AttackBatch = { x: data.x, n, y: data.y, lower: data.lower, upper: data.upper };
  const draws = DEFAULT_SUCCESS_DRAWS;
  const owns = filter?.owns ?? (() => true);

  // 1. Clean predictions.
  progress({ phase: 'clean', message: `clean predictions on ${n} points` });
  // Every sample's logits must be finite (./finite-logits.ts); random models then vote over draws.
  const cleanPred = Int32Array.from(await timed('clean', 'clean', async () => {
    const argmax = await finiteCleanPredictions(model, data.x, n, undefined, o.signal);
    return [...(info.random.length === 0 ? argmax : await predictClasses(model, data.x, n, draws, o.signal))];
  }));
  const cleanCorrect = Uint8Array.from(cleanPred, (c, i) => (c === data.y[i] ? 1 : 0));
  const nCorrect = cleanCorrect.reduce((acc, v) => acc + v, 0);

  // 2. Probes and adaptations.
  progress({ phase: 'probe', message: 'probing outputs, randomness and gradients' });
  const probe = await timed('probe', 'probe', () => probeModel(model, data.x, data.y, cleanPred, b.probePoints, o.signal));
  const adaptations = adapt(b, info, probe, { smoothSurrogate: !!o.smoothSurrogate });
  filter?.onPlan?.(b);

  // 3. Battery at ε, then the extra-effort stage.
  const stageProgress = (phase: AuditProgress['phase'], label: string, offset = 0) => (p: StageProgress) => progress({
    phase, fraction: (p.stage + p.chunk / p.chunks) / p.stages,
    stage: { index: offset + p.stage, attack: p.attack, robustAccuracy: p.robustAccuracy },
    message: `${label}stage ${p.stage + 1}/${p.stages} ${p.attack}, chunk ${p.chunk + 1}/${p.chunks}, robust so far ${(100 * p.robustAccuracy).toFixed(1)}%`,
  });
  const common = { model, batch, cleanCorrect, cleanPred, checkpoint: ckpt, chunk, ctx, surrogates: { smooth: o.smoothSurrogate }, chunks: filter?.owns };
  const t3 = process.hrtime.bigint();
  const main = await runStagedCascade({ ...common, threat, steps: b.stages, unit: 'battery', onStage: stageProgress('battery', '') });
  // Extra effort, escalated while a round breaks points (every round a checkpointed stage).
  let state = main.state;
  const convergenceSteps: BatteryStep[] = [];
  const convergenceRounds = await escalate(b.escalation?.rounds ?? 1, n, async (r) => {
    const step = escalationStep(b.convergence, r);
    const at = b.stages.length + r - 1;
    const conv = await runStagedCascade({
      ...common, ctx: roundContext(ctx, r), threat, steps: [step], unit: 'battery', from: state, stageOffset: at,
      onStage: stageProgress('battery', r === 1 ? 'convergence ' : `convergence round ${r} `, at),
    });
    state = conv.state;
    convergenceSteps.push(step);
    return conv.stages[0];
  });
  const stages: ReportStage[] = [...main.stages, ...convergenceRounds];
  timings.battery = sumSeconds(stages) || Number(process.hrtime.bigint() - t3) / 1e9;
  const robustAccuracy = countRobust(state, cleanCorrect) / n;

  // 4. ε sweep and minimal norms.
  const epsOutcomes = [{ eps: threat.eps, broken: state.success }];
  const sweepRA: ChunkedPhases['sweepRA'] = [];
  for (const f of b.sweep.fractions) {
    const eps = roundEps(threat.eps * f);
    const r = await runStagedCascade({
      ...common, threat: { norm: threat.norm, eps }, steps: b.sweep.stages, unit: `sweep@${eps}`, onStage: stageProgress('sweep', `ε=${eps}: `),
    });
    timings.sweep = (timings.sweep ?? 0) + sumSeconds(r.stages);
    epsOutcomes.push({ eps, broken: r.state.success });
    const k = countRobust(r.state, cleanCorrect);
    sweepRA.push({ eps, robustAccuracy: k / n, robustAccuracyInterval: clopperPearson(k, n), attacks: b.sweep.stages.map((st) => st.attack) });
  }
  sweepRA.push({ eps: threat.eps, robustAccuracy, robustAccuracyInterval: clopperPearson(countRobust(state, cleanCorrect), n), attacks: stages.map((st) => st.attack) });

  const straightThrough = info.nonDifferentiable.length > 0;
  const minimal = new Float64Array(n).fill(Infinity);
  for (let c = 0; c < chunks; c++) {
    if (!owns(c)) continue;
    progress({ phase: 'minimal-norms', fraction: c / chunks, message: `FAB-T minimal norms, chunk ${c + 1}/${chunks}` });
    const idx: number[] = [];
    for (let i = c * chunk; i < Math.min(n, (c + 1) * chunk); i++) if (cleanCorrect[i]) idx.push(i);
    // A saved result for other points (clean predictions of a random model drawn elsewhere) is stale: run again.
    const { norms } = await timed('minimalNorms', `minimal-norms/${c}`, async () => {
      const v = await verifiedMinimalNorms(model, selectBatch(batch, idx), threat.norm, b.minimalNorms, straightThrough, ctx);
      return { idx, norms: [...v].map((x) => (Number.isFinite(x) ? x : -1)) }; // JSON has no ∞: −1 = none found
    }, (saved) => Array.isArray(saved?.idx) && sameList(saved.idx, idx));
    idx.forEach((i, j) => { minimal[i] = norms[j] < 0 ? Infinity : norms[j]; });
  }
  return {
    cleanPred, cleanCorrect, nCorrect, probe, adaptations, battery: b, stages, convergence: convergenceRounds[0], convergenceRounds, convergenceSteps,
    state, epsOutcomes, sweepRA, minimal,
  };
}

/** runAudit, also returning every verified adversarial example. */
export async function runAuditWithExamples(o: AuditOptions): Promise<AuditResult> {
  const started = process.hrtime.bigint();
  const { model, data, threat } = o;
  const info = model.info;
  const s = auditSetup(o);
  const { seed, n } = s;
  const policy = o.policy ?? { policy: DEFAULT_POLICY, source: DEFAULT_POLICY_SOURCE };
  const ckpt = Checkpoint.open(o.checkpointPath ?? null, s.config, o.resume ?? false);
  const progress = (p: AuditProgress) => o.onProgress?.(p);
  const ctx: AttackContext = { seed, signal: o.signal };
  const batch: AttackBatch = { x: data.x, n, y: data.y, lower: data.lower, upper: data.upper };
  const t = timedUnits(ckpt);
  const { timed, timings } = t;
  const phases = await runChunkedPhases(o, s, ckpt, t);
  const { cleanPred, cleanCorrect, nCorrect, battery: b, convergenceRounds, convergenceSteps, state } = phases;
  const straightThrough = info.nonDifferentiable.length > 0;

  // 5. ε = the whole box: the full-box step, then the adapted battery's stages and the convergence
  // rounds that broke points, each with its own parameters, inside each point's own box, on the points
  // the battery left robust (a point broken at ε is broken at the whole box, which holds its ε-ball).
  let fullBox: FullBoxOutcome | null = null;
  const fbIdx: number[] = [];
  for (let i = 0; i < n && fbIdx.length < b.fullBox.points; i++) if (cleanCorrect[i]) fbIdx.push(i);
  if (fbIdx.length > 0) {
    const eps = boxDiameter(batch, fbIdx, threat.norm);
    const fbSteps = [b.fullBox.step, ...b.stages, ...convergenceSteps.filter((_, r) => convergenceRounds[r].broken > 0)];
    const only = new Uint8Array(n);
    for (const i of fbIdx) only[i] = 1;
    const fb = await runStagedCascade({
      model, batch, threat: { norm: threat.norm, eps }, steps: fbSteps, cleanCorrect, cleanPred, checkpoint: ckpt, unit: 'full-box', chunk: s.chunk,
      only, ctx, from: state, surrogates: { smooth: o.smoothSurrogate },
      onStage: (p) => progress({ phase: 'full-box', fraction: (p.stage + p.chunk / p.chunks) / p.stages, message: `${p.attack} at ε = ${eps.toPrecision(4)} (each point's whole box), stage ${p.stage + 1}/${p.stages}` }),
    });
    timings.fullBox = sumSeconds(fb.stages);
    const robustIdx = fbIdx.filter((i) => !fb.state.success[i]);
    fullBox = {
      eps, attacks: fb.stages.map((st) => st.attack), attacked: fbIdx.length, brokenByBattery: fbIdx.filter((i) => state.success[i]).length,
      robust: robustIdx.length, robustWitnessed: robustIdx.filter((i) => counterexampleInBox(batch, i, cleanPred)).length,
    };
  }

  // 6. Hypocritical risk.
  progress({ phase: 'hypocritical', message: `hypocritical risk: targeted PGD toward the true label on ${n - nCorrect} misclassified points` });
  const substandardBelow = substandardThreshold(policy.policy);
  const measured = await timed('hypocritical', 'hypocritical', () => hypocriticalRisk(model, batch, threat, {
    steps: b.hypocritical.steps, restarts: b.hypocritical.restarts, eot: info.random.length > 0 ? b.eotDraws : 1,
    straightThrough, substandardBelow, cleanPred,
  }, ctx));
  // The policy's threshold is applied here, not inside the checkpointed unit: resuming under another policy re-gates without re-attacking.
  const substandard = nCorrect / n < substandardBelow;
  const hypocritical = {
    ...measured, substandardBelow, substandard, fakeable: substandard && measured.fakedAccuracy >= substandardBelow,
    // From the counts, so a checkpoint saved before intervals existed still gives them.
    riskInterval: clopperPearson(measured.fixable, n), fakedAccuracyInterval: clopperPearson(n - measured.misclassified + measured.fixable, n),
  };

  // 7. Data integrity.
  let integrity: Report['integrity'] = null;
  if (o.reference) {
    const ref = o.reference;
    progress({ phase: 'integrity', message: `comparing the evaluation data with the reference set ${ref.name}` });
    integrity = await timed('integrity', 'integrity', () => dataIntegrity(model, { x: data.x, n, y: data.y }, { x: ref.set.x, n: ref.set.n, y: ref.set.y, name: ref.name, sha256: ref.sha256 }));
  }

  // 8. Certification: proven lower bounds at every attacked ε; a certified point an attack broke stops the audit.
  if (o.certification) progress({ phase: 'certification', message: `certifying ${n} points with ${o.certification.method}` });
  const t8 = performance.now();
  const certification = o.certification ? await runCertification(o.certification, batch, threat, phases.epsOutcomes, cleanCorrect, o.signal) : null;
  if (certification) timings.certification = (performance.now() - t8) / 1000;

  // 9. Report (per-class analysis, reliability checks), gate.
  progress({ phase: 'report', message: 'checks and report' });
  const report = buildReport({
    ...phases, modelName: o.modelName, info, data, dataName: o.dataName, dataSha256: o.dataSha256, threat, epsExact: o.epsExact, seed,
    fullBox, hypocritical, integrity, certification, integritySkipped: o.reference ? null : 'no reference set given (--reference)',
    createdAt: new Date().toISOString(), timings: { ...timings, total: Number(process.hrtime.bigint() - started) / 1e9 },
    environment: environment(info.provider), resumed: ckpt.resumed,
  });
  const gate = evaluatePolicy(validateReport(report), policy.policy, policy.source);
  return { report: validateReport({ ...report, gate }), adversarial: examples(state, data) };
}

function examples(s: PointState, data: EvalSet): AdversarialExamples {
  const per = data.x.length / data.n;
  const idx: number[] = [];
  for (let i = 0; i < data.n; i++) if (s.brokenBy[i] >= 0) idx.push(i);
  const xAdv = new Float32Array(idx.length * per);
  idx.forEach((i, j) => xAdv.set(s.xAdv.subarray(i * per, (i + 1) * per), j * per));
  return {
    index: Int32Array.from(idx), xAdv, sampleShape: [...data.sampleShape], stage: Int32Array.from(idx, (i) => s.brokenBy[i]),
    norm: Float64Array.from(idx, (i) => s.norms[i]), pred: Int32Array.from(idx, (i) => s.advPred[i]), label: Int32Array.from(idx, (i) => data.y[i]),
  };
}

function sumSeconds(stages: readonly ReportStage[]): number {
  return stages.reduce((s, r) => s + r.seconds, 0);
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function countRobust(s: PointState, cleanCorrect: Uint8Array): number {
  let r = 0;
  for (let i = 0; i < cleanCorrect.length; i++) if (cleanCorrect[i] && !s.success[i]) r++;
  return r;
}

/** ε rounded to 6 significant digits (stable unit ids and readable figures). */
function roundEps(e: number): number {
  return Number(e.toPrecision(6));
}

/** Whether an evaluation input the model classifies otherwise than point i's label lies inside point i's box. */
function counterexampleInBox(batch: AttackBatch, i: number, cleanPred: Int32Array): boolean {
  const per = batch.x.length / batch.n;
  const lo = i * per;
  for (let j = 0; j < batch.n; j++) {
    if (j === i || cleanPred[j] === batch.y[i]) continue;
    let inside = true;
    for (let k = 0; k < per && inside; k++) {
      const v = batch.x[j * per + k];
      inside = v >= batch.lower[lo + k] && v <= batch.upper[lo + k];
    }
    if (inside) return true;
  }
  return false;
}

/** Largest distance, in the norm, from a point to the farthest corner of its box (ε that allows any input). */
function boxDiameter(batch: AttackBatch, idx: readonly number[], norm: 'linf' | 'l2'): number {
  const per = batch.x.length / batch.n;
  let best = 0;
  for (const i of idx) {
    let s = 0;
    for (let k = i * per; k < (i + 1) * per; k++) {
      const d = Math.max(batch.x[k] - batch.lower[k], batch.upper[k] - batch.x[k]);
      if (norm === 'linf') s = Math.max(s, d); else s += d * d;
    }
    best = Math.max(best, norm === 'linf' ? s : Math.sqrt(s));
  }
  return best;
}

/** Where the audit ran. */
function environment(provider: string): Report['environment'] {
  const cpus = os.cpus();
  return {
    gauntlet: GAUNTLET_VERSION, onnxruntime: ortVersion(), node: process.version, provider,
    platform: `${os.type()} ${os.release()}`, arch: process.arch, cpu: cpus[0]?.model ?? 'unknown', cpus: cpus.length,
    gpu: provider === 'cpu' ? null : provider,
  };
}

export type { ProbeEvidence };
