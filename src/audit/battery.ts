/**
 * The standard battery, as data. A battery is a list of attack stages run as a cascade (each
 * stage only on the points still robust; Croce & Hein 2020, arXiv:2003.01690, AutoAttack's
 * "standard" version: APGD-CE → APGD-T → FAB-T → Square), plus the budgets of the audit's other
 * phases (ε sweep, minimal norms, hypocritical risk, the reliability probes). The battery id is
 * versioned: any change to a preset that can change a figure gets a new id.
 *
 * Nothing here branches on attack names; adaptations (./adaptations) rewrite the stage list.
 */
import { UsageError } from '../errors';

export const BATTERY_ID = 'gauntlet-std-2';
export const PRESETS = ['quick', 'standard', 'thorough'] as const;
export type Preset = (typeof PRESETS)[number];

/** One stage: an attack of the registry (src/attacks/index.ts) and its parameters. */
export interface BatteryStep {
  attack: string;
  params: Record<string, unknown>;
  /** Why the stage is in the list: 'battery', 'convergence', or the id of the adaptation that added it. */
  origin: string;
  /**
   * For attack 'transfer': craft on the smooth straight-through surrogate (./smooth-surrogate.ts)
   * instead of the target with BPDA gradients.
   */
  surrogate?: 'smooth';
}

export interface Battery {
  id: string;
  preset: Preset;
  /** The cascade at the audit ε. */
  stages: BatteryStep[];
  /** Extra-effort stage run last on the points still robust (round 1 of the escalation below). */
  convergence: BatteryStep;
  /**
   * Escalation of the extra-effort stage: while a round still breaks points (≥ 2 and > 0.5 % of the
   * set), another round runs on the points still robust with new restarts, as many as all earlier
   * rounds together (./escalation.ts), up to `rounds` rounds in all
   * (report stage origins 'convergence', 'convergence-2', …). The battery is reported as not
   * converged only when the last allowed round still breaks points.
   */
  escalation: { rounds: number };
  /** ε sweep: fractions of the audit ε (ascending, < 1) and the cascade run at each. */
  sweep: { fractions: number[]; stages: BatteryStep[] };
  /** FAB-T parameters for the minimal-perturbation norms (not bounded by ε). */
  minimalNorms: Record<string, unknown>;
  /** Targeted PGD toward the true label (hypocritical risk). */
  hypocritical: { steps: number; restarts: number };
  /**
   * Attack at ε = the whole input box, on at most `points` clean-correct points (./checks/full-box.ts):
   * `step` first — PGD from x itself (no random start: a random point of a wide box is already
   * misclassified, which would say nothing about the gradients) — then every stage of the adapted
   * battery with its own parameters, on the points still robust, inside each point's own box.
   */
  fullBox: { step: BatteryStep; points: number };
  /** Gradient draws per step on models with random ops (EOT). */
  eotDraws: number;
  /** Clean-correct points the gradient probes look at. */
  probePoints: number;
}

const step = (attack: string, params: Record<string, unknown> = {}, origin = 'battery'): BatteryStep => ({ attack, params, origin });

/**
 * The presets. `standard` is AutoAttack's standard version (APGD-CE, APGD-T with 9 targets,
 * FAB-T with 9 targets, Square with 5000 queries, 100 iterations each) plus alternating-loss PGD
 * (Antoniou et al. 2022, arXiv:2212.07992); `quick` cuts every budget for smoke runs and CI;
 * `thorough` adds restarts and APGD-DLR.
 */
const BATTERIES: Record<Preset, Omit<Battery, 'id' | 'preset'>> = {
  quick: {
    stages: [step('apgd-ce', { steps: 50 }), step('apgd-t', { steps: 50, targetClasses: 3 }), step('fab-t', { steps: 50, targetClasses: 3 }), step('square', { queries: 1000 }), step('alt-pgd', { steps: 60 })],
    convergence: step('apgd-ce', { steps: 100, restarts: 2 }, 'convergence'),
    escalation: { rounds: 3 },
    sweep: { fractions: [0.25, 0.5], stages: [step('apgd-ce', { steps: 50 })] },
    minimalNorms: { steps: 50, targetClasses: 2 },
    hypocritical: { steps: 50, restarts: 1 },
    fullBox: { step: step('pgd', { steps: 20, randomStart: false }, 'full-box'), points: 50 },
    eotDraws: 5,
    probePoints: 64,
  },
  standard: {
    stages: [step('apgd-ce'), step('apgd-t'), step('fab-t'), step('square', { queries: 5000 }), step('alt-pgd')],
    convergence: step('apgd-ce', { steps: 200, restarts: 3 }, 'convergence'),
    escalation: { rounds: 3 },
    sweep: { fractions: [0.125, 0.25, 0.5], stages: [step('apgd-ce'), step('apgd-t', { targetClasses: 3 })] },
    minimalNorms: {},
    hypocritical: { steps: 100, restarts: 1 },
    fullBox: { step: step('pgd', { steps: 50, randomStart: false }, 'full-box'), points: 100 },
    eotDraws: 20,
    probePoints: 128,
  },
  thorough: {
    stages: [step('apgd-ce', { restarts: 5 }), step('apgd-dlr', { restarts: 5 }), step('apgd-t', { restarts: 2 }), step('fab-t', { restarts: 2 }), step('square', { queries: 10000 }), step('alt-pgd', { restarts: 3 })],
    convergence: step('apgd-ce', { steps: 400, restarts: 5 }, 'convergence'),
    escalation: { rounds: 3 },
    sweep: { fractions: [0.125, 0.25, 0.5, 0.75], stages: [step('apgd-ce', { restarts: 2 }), step('apgd-t')] },
    minimalNorms: { restarts: 2 },
    hypocritical: { steps: 200, restarts: 3 },
    fullBox: { step: step('pgd', { steps: 100, randomStart: false }, 'full-box'), points: 500 },
    eotDraws: 40,
    probePoints: 256,
  },
};

/** The battery of a preset (a fresh copy: adaptations may rewrite it). */
export function battery(preset: Preset = 'standard'): Battery {
  if (!(PRESETS as readonly string[]).includes(preset)) throw new UsageError(`unknown preset '${String(preset)}'; presets: ${PRESETS.join(', ')}`);
  return { id: BATTERY_ID, preset, ...structuredClone(BATTERIES[preset]) };
}
