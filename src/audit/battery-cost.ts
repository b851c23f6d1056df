/**
 * What an audit costs in model passes, estimated from its battery before it runs: an upper bound
 * of the samples the audit pushes through the model (forward passes and gradient passes), per
 * phase, for `points` points. Multiplied by the graph's FLOPs per sample (../onnx/cost.ts) it
 * bounds the audit's arithmetic, which the service caps (GAUNTLET_MAX_AUDIT_PFLOPS).
 *
 * Upper bound, by construction: every point is assumed to survive every stage (a cascade stage
 * only attacks the points still robust, an attack drops a point once broken), every escalation
 * round runs, every point also counts as misclassified for the hypocritical risk, and each
 * attack's loops run to their budget. Parameters a stage leaves out take the attack's schema
 * defaults (parseParams), targets are clamped to classes − 1 as the attacks do.
 *
 * Units: one pass = one sample through `predict` (forward) or `lossAndGrad` (gradient), as the
 * runtime's counters count them. A gradient pass is taken as GRADIENT_PASS = 3 forward passes
 * (the forward pass, then a backward pass of about twice its arithmetic: each layer's gradient
 * with respect to its input and, in the generated graph, the products that feed it — the usual
 * rule of thumb for reverse mode, e.g. Griewank & Walther, "Evaluating Derivatives", §4.6).
 *
 * Not counted: the integrity check's forward pass over an auditor-held reference set (its own
 * size, one pass per reference point) and the smooth surrogate's transfer stage (an
 * adaptation the service never enables).
 */
import { getAttack, parseParams } from '../attacks';
import { InternalError } from '../errors';
import { DEFAULT_SUCCESS_DRAWS } from '../attacks/run';
import { applyEot } from './adaptations/eot';
import { Battery, BatteryStep } from './battery';
import { escalationStep } from './escalation';

/** Forward-pass equivalents of one gradient pass (forward + reverse sweep ≈ 3 forwards). */
export const GRADIENT_PASS = 3;

/** Samples through the model: forward (predict) and gradient (lossAndGrad) passes. */
export interface Passes {
  forward: number;
  gradient: number;
}

/** What the model is, as far as cost goes. */
export interface CostModel {
  numClasses: number;
  /** The model has random ops: the EOT adaptation applies and success is a majority of draws. */
  random?: boolean;
}

/** Phases of the audit (../audit.ts), in the order they run. */
export const COST_PHASES = ['clean', 'probe', 'battery', 'convergence', 'sweep', 'minimalNorms', 'fullBox', 'hypocritical'] as const;
export type CostPhase = (typeof COST_PHASES)[number];

export interface AuditCost {
  points: number;
  /** Passes per phase, for all points. */
  phases: Record<CostPhase, Passes>;
  total: Passes;
  /** total.forward + GRADIENT_PASS · total.gradient. */
  forwardEquivalents: number;
  /** forwardEquivalents / points. */
  perPoint: number;
}

// Attack params are each attack's parsed zod type; the table reads the fields it needs.
type P = Record<string, any>;

interface Env {
  classes: number;
}

const targets = (p: P, e: Env) => Math.max(0, Math.min(p.targetClasses, e.classes - 1));
/** PGD-style loop: restarts × (steps + 1) evaluated iterates, each an EOT mean of `eot` draws. */
const pgdLoop = (p: P): Passes => ({ forward: p.targeted && p.targeted !== 'none' ? 1 : 0, gradient: p.restarts * (p.steps + 1) * p.eot });
/** FAB-T's search: a clean predict; per target, restart and iteration a stacked gradient of 2 samples and a forward check; the final search (1 + finalSearch predicts). */
const fab = (p: P, e: Env): Passes => {
  const runs = targets(p, e) * p.restarts * p.steps;
  return { forward: 1 + runs + (p.finalSearch > 0 ? 1 + p.finalSearch : 0), gradient: 2 * runs };
};

/**
 * The per-point cost of each attack's search (src/attacks/*.ts), its parameters parsed with defaults.
 * runAttack adds a clean predict and a verification predict (stageCost).
 */
const SEARCH_COST: Record<string, (p: P, e: Env) => Passes> = {
  // One EOT gradient at x (+ a least-likely/next target predict), one progress predict.
  fgsm: (p) => ({ forward: (p.targeted && p.targeted !== 'none' ? 1 : 0) + 1, gradient: p.eot }),
  pgd: pgdLoop,
  'alt-pgd': pgdLoop,
  // Per restart: a gradient at the random start, then one per step (each an EOT mean of `eot` draws).
  'apgd-ce': (p) => ({ forward: 0, gradient: p.restarts * (p.steps + 1) * p.eot }),
  'apgd-dlr': (p) => ({ forward: 0, gradient: p.restarts * (p.steps + 1) * p.eot }),
  // Per target and restart: a predict to rank the target, then an APGD run.
  'apgd-t': (p, e) => ({ forward: targets(p, e) * p.restarts, gradient: targets(p, e) * p.restarts * (p.steps + 1) * p.eot }),
  'fab-t': fab,
  // One predict per query (the first query included), per restart.
  square: (p) => ({ forward: p.restarts * p.queries, gradient: 0 }),
  // The inner gradient attack's search (on the target with BPDA, or on a surrogate of the same size).
  transfer: (p, e) => searchCost(p.attack, p.params, e),
};

function searchCost(attack: string, params: unknown, e: Env): Passes {
  const def = getAttack(attack);
  const formula = SEARCH_COST[def.name];
  if (!formula) throw new InternalError(`no cost formula for attack '${def.name}'`);
  return formula(parseParams(def, params) as P, e);
}

const add = (...ps: Passes[]): Passes => ({ forward: ps.reduce((s, p) => s + p.forward, 0), gradient: ps.reduce((s, p) => s + p.gradient, 0) });
const times = (k: number, p: Passes): Passes => ({ forward: k * p.forward, gradient: k * p.gradient });

/** Passes per point of one cascade stage: the search plus runAttack's clean and verification predicts (`draws` each). */
export function stageCost(step: BatteryStep, numClasses: number, draws = 1): Passes {
  return add(searchCost(step.attack, step.params, { classes: numClasses }), { forward: 2 * draws, gradient: 0 });
}

/**
 * Upper bound of the passes an audit with this battery makes on `points` points of a model with
 * `numClasses` classes (see the file comment for what is assumed). A random model gets the
 * battery's EOT adaptation and majority votes of DEFAULT_SUCCESS_DRAWS draws.
 */
export function auditCost(b0: Battery, model: CostModel, points: number): AuditCost {
  const b = structuredClone(b0);
  const random = !!model.random;
  if (random) applyEot(b);
  const draws = random ? DEFAULT_SUCCESS_DRAWS : 1;
  const C = model.numClasses;
  const stages = (steps: BatteryStep[]) => add(...steps.map((s) => stageCost(s, C, draws)));
  const rounds = b.escalation?.rounds ?? 1;
  const convergence = add(...Array.from({ length: rounds }, (_, r) => stageCost(escalationStep(b.convergence, r + 1), C, draws)));
  const perPoint = {
    // finiteCleanPredictions, then the majority vote on random models.
    clean: { forward: random ? 1 + draws : 1, gradient: 0 },
    battery: stages(b.stages),
    convergence,
    sweep: times(b.sweep.fractions.length, stages(b.sweep.stages)),
    // FAB-T without early stop, then a verification predict.
    minimalNorms: add(searchCost('fab-t', b.minimalNorms, { classes: C }), { forward: draws, gradient: 0 }),
    // Targeted PGD toward the label on every misclassified point (here: every point), then a verification predict.
    hypocritical: { forward: draws, gradient: b.hypocritical.restarts * (b.hypocritical.steps + 1) * (random ? b.eotDraws : 1) },
  };
  const fullBoxPoints = Math.min(points, b.fullBox.points);
  const probePoints = Math.min(points, b.probePoints);
  const phases: Record<CostPhase, Passes> = {
    clean: times(points, perPoint.clean),
    // Two predicts (randomness), CE and straight-through CW gradients.
    probe: times(probePoints, { forward: 2, gradient: 2 }),
    battery: times(points, perPoint.battery),
    convergence: times(points, perPoint.convergence),
    sweep: times(points, perPoint.sweep),
    minimalNorms: times(points, perPoint.minimalNorms),
    // The full-box step, then every battery stage and every convergence round, at ε = the whole box.
    fullBox: times(fullBoxPoints, add(stageCost(b.fullBox.step, C, draws), perPoint.battery, perPoint.convergence)),
    hypocritical: times(points, perPoint.hypocritical),
  };
  const total = add(...COST_PHASES.map((k) => phases[k]));
  const forwardEquivalents = total.forward + GRADIENT_PASS * total.gradient;
  return { points, phases, total, forwardEquivalents, perPoint: points > 0 ? forwardEquivalents / points : 0 };
}

/** Two significant digits (whole numbers from 100 on). */
export function significant(x: number): string {
  return x >= 100 ? x.toFixed(0) : x.toPrecision(2);
}

/** FLOPs with a unit prefix: "2.3 MFLOPs", "137 GFLOPs". */
export function formatFlops(f: number): string {
  const units: [number, string][] = [[1e15, 'P'], [1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  const [scale, prefix] = units.find(([s]) => f >= s) ?? [1, ''];
  return `${significant(f / scale)} ${prefix}FLOPs`;
}

/** One line: the estimate and its parts, e.g. "about 0.042 PFLOPs (2.3 MFLOPs per sample × 500 points × 36,580 passes per point, preset standard)". */
export function describeAuditFlops(flopsPerSample: number, c: AuditCost, preset: string): string {
  return `about ${significant((flopsPerSample * c.forwardEquivalents) / 1e15)} PFLOPs (${formatFlops(flopsPerSample)} per sample × ${c.points} points × ${Math.round(c.perPoint).toLocaleString('en-US')} passes per point, preset ${preset})`;
}
